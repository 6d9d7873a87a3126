import Foundation
import Testing

/// `replstat run` with a `capture` source: the cluster is the local replay server.
@Suite(.timeLimit(.minutes(10))) struct CapturePipelineTests {
    static let indices = ["follower-syncing", "follower-paused", "follower-broken", "follower-proxy"]

    private func pipeline(_ server: ReplayServer, in dir: TemporaryDirectory, polls: String) throws -> URL {
        try dir.write(
            "capture.yaml",
            """
            sources:
              - capture:
                  url: \(server.url)
                  indices: [\(Self.indices.joined(separator: ", "))]
                  interval: 0.2
            \(polls)
                  out: raw/ccr.jsonl.gz
            analysis:
              reorder-window: 0
            sinks:
              csv: report
              watch:
                to: events.jsonl
            """)
    }

    private func quality(_ file: URL) throws -> [String: String] {
        let rows = CSV.parse(try String(contentsOf: file, encoding: .utf8))
        return Dictionary(uniqueKeysWithValues: rows.filter { $0[0] == "*" }.map { ($0[1], $0[2]) })
    }

    @Test func aCaptureSourceFeedsTheAnalysisAndKeepsTheRawCapture() throws {
        let server = try ReplayServer()
        let dir = try TemporaryDirectory()
        let file = try pipeline(server, in: dir, polls: "      polls: 3")
        let run = try Replstat.run(
            ["run", "--out-dir", dir.url.path, file.path], environment: CaptureTests.noCredentials)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.isEmpty)

        // 4 indices x 3 polls: 2 of them answer a status, 2 an error (500, and HTML from a proxy).
        let report = dir.file("report")
        let live = try quality(report.appendingPathComponent("quality.csv"))
        #expect(live["lines"] == "12")
        #expect(live["status"] == "6")
        #expect(live["error"] == "6")
        let qualityText = try String(contentsOf: report.appendingPathComponent("quality.csv"), encoding: .utf8)
        #expect(qualityText.contains("capture \(server.url),lines,12\n"))

        // The raw capture kept beside analyzes to the same tables.
        let raw = dir.file("raw/ccr.jsonl.gz")
        #expect(try CaptureTests.gunzip(raw).count == 12)
        let again = dir.file("again")
        let analyzed = try Replstat.run(["analyze", "--format", "csv", "--out", again.path, raw.path])
        #expect(analyzed.status == 0, "\(analyzed.stderr)")
        for table in ["summary.csv", "transitions.csv", "stalls.csv"] {
            #expect(
                try Data(contentsOf: report.appendingPathComponent(table))
                    == Data(contentsOf: again.appendingPathComponent(table)), "\(table)")
        }
        #expect(try quality(again.appendingPathComponent("quality.csv")) == live)

        // An error episode opens for each failing index, still open at the end.
        let events = try String(contentsOf: dir.file("events.jsonl"), encoding: .utf8).split(separator: "\n")
        let errors = try events.map { try CaptureTests.object(String($0)) }.filter {
            $0["event"] as? String == "error_start"
        }
        #expect(Set(errors.compactMap { $0["index"] as? String }) == ["follower-broken", "follower-proxy"])
        #expect(errors.count == 2)
        // Each says what failed: OpenSearch's own error, and the poller's for an HTML page.
        let types = Dictionary(
            uniqueKeysWithValues: errors.map { ($0["index"] as? String ?? "", $0["error_type"] as? String ?? "") })
        #expect(types == ["follower-broken": "replication_exception", "follower-proxy": "capture_http_error"])
        #expect(Set(errors.compactMap { $0["http_status"] as? Int }) == [500, 502])
    }

    /// `verbose: true` asks every index with `?verbose=true`; without, no query.
    @Test(arguments: [true, false])
    func verboseAsksForTheShardDetails(_ verbose: Bool) throws {
        let server = try ReplayServer()
        let dir = try TemporaryDirectory()
        let file = try dir.write(
            "verbose.yaml",
            """
            sources:
              - capture:
                  url: \(server.url)
                  indices: [follower-syncing, follower-paused]
                  polls: 1
                  verbose: \(verbose)
            sinks:
              csv: report
            """)
        let run = try Replstat.run(
            ["run", "--out-dir", dir.url.path, file.path], environment: CaptureTests.noCredentials)
        #expect(run.status == 0, "\(run.stderr)")
        let query = verbose ? "?verbose=true" : ""
        #expect(
            server.seen.map(\.path).sorted() == [
                "/_plugins/_replication/follower-paused/_status\(query)",
                "/_plugins/_replication/follower-syncing/_status\(query)",
            ])
    }

    @Test(arguments: [SIGINT, SIGTERM])
    func stoppingTheCaptureStillWritesTheReports(signal: Int32) throws {
        let server = try ReplayServer()
        let dir = try TemporaryDirectory()
        let file = try pipeline(server, in: dir, polls: "")
        // The third round has started (12 polls of 4 indices): the first two are complete.
        let stopped = try Replstat.runUntil(
            server, saw: 12, thenSend: signal, ["run", "--out-dir", dir.url.path, file.path])
        #expect(stopped.sawPolls)
        #expect(stopped.status == 0)
        #expect(stopped.stderr.isEmpty)

        let raw = try CaptureTests.gunzip(dir.file("raw/ccr.jsonl.gz"))
        #expect(raw.count >= 8)
        let live = try quality(dir.file("report/quality.csv"))
        #expect(live["lines"] == String(raw.count))
        let summary = CSV.parse(try String(contentsOf: dir.file("report/summary.csv"), encoding: .utf8))
        #expect(summary.dropFirst().map { $0[0] } == Self.indices.sorted())
    }

    /// The event printer ends the program when its reader goes away (`| head`): the capture is
    /// stopped first, and the raw capture it kept is complete gzip, not damaged.
    @Test func aReaderThatGoesAwayLeavesTheKeptCaptureComplete() throws {
        let server = try ReplayServer()
        let dir = try TemporaryDirectory()
        let file = try dir.write(
            "head.yaml",
            """
            sources:
              - capture:
                  url: \(server.url)
                  indices: [follower-paused, follower-broken]
                  interval: 0.2
                  out: \(dir.file("raw.jsonl.gz").path)
            analysis:
              reorder-window: 0
              max-gap: 0.1
            sinks:
              watch: {format: csv}
            """)
        // head takes the CSV header and goes. Every round then brings events (a gap for each
        // index, polled every 0.2 s with max-gap 0.1): one of them meets the closed pipe, however
        // late head goes (with only the first round's error event, a head slower than it left
        // the run waiting for an event that never came).
        let run = try Replstat.bash(
            "'\(Replstat.binary.path)' run '\(file.path)' | head -1", environment: CaptureTests.noCredentials)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.isEmpty, "\(run.stderr)")
        #expect(run.stdoutText.hasPrefix("event,"))
        let test = try Replstat.shell("gzip -t '\(dir.file("raw.jsonl.gz").path)'")
        #expect(test.status == 0, "gzip -t: \(test.stderr)")
        // At least the line whose event met the closed pipe; the other poll may have been in flight.
        #expect(try CaptureTests.gunzip(dir.file("raw.jsonl.gz")).count >= 1)
    }

    /// As `replstat capture --out`: an out that cannot be written ends the run before the first poll.
    @Test func anUnwritableOutEndsTheRunBeforeThePolls() throws {
        let server = try ReplayServer()
        let dir = try TemporaryDirectory()
        let blocker = try dir.write("file", "x")
        let file = try dir.write(
            "blocked.yaml",
            """
            sources:
              - capture:
                  url: \(server.url)
                  indices: [follower-paused]
                  parallel: 2
                  polls: 1
                  out: \(blocker.path)/raw.jsonl.gz
            sinks:
              csv: \(dir.file("report").path)
            """)
        let run = try Replstat.run(["run", file.path], environment: CaptureTests.noCredentials)
        #expect(run.status == 1)
        #expect(run.stderr.contains(blocker.path), "\(run.stderr)")
        #expect(server.seen.isEmpty)
    }

    /// The shipped capture-and-alert.yaml, pointed at the replay server for three rounds.
    @Test func theShippedCapturePipelineRuns() throws {
        let server = try ReplayServer()
        let dir = try TemporaryDirectory()
        let shipped = try String(
            contentsOf: PipelineRunTests.root.appendingPathComponent("pipelines/capture-and-alert.yaml"),
            encoding: .utf8)
        var text = shipped
        text = text.replacingOccurrences(of: "url: https://localhost:9200", with: "url: \(server.url)")
        text = text.replacingOccurrences(
            of: "indices: [follower-orders, follower-invoices, follower-catalog]",
            with: "indices: [follower-paused, follower-forbidden]\n      polls: 3")
        text = text.replacingOccurrences(of: "interval: 30", with: "interval: 0.2")
        #expect(text.contains(server.url) && text.contains("polls: 3") && text.contains("interval: 0.2"))
        let file = try dir.write("capture-and-alert.yaml", text)
        let run = try Replstat.run(
            ["run", "--out-dir", dir.url.path, file.path], environment: CaptureTests.noCredentials)
        #expect(run.status == 0, "\(run.stderr)")
        // The 403 of follower-forbidden: an error episode starts (and still goes on at the end);
        // follower-paused stays PAUSED: nothing.
        let events = run.stdoutText.split(separator: "\n").map(String.init)
        #expect(events.count == 1)
        let event = try CaptureTests.object(try #require(events.first))
        #expect(event["event"] as? String == "error_start")
        #expect(event["index"] as? String == "follower-forbidden")
        // --out-dir takes the place of the file's captures/ folder.
        let kept = try FileManager.default.contentsOfDirectory(atPath: dir.url.path).filter { $0.hasPrefix("ccr") }
        #expect(kept.count == 1)
        #expect(!FileManager.default.fileExists(atPath: dir.file("captures").path))
        #expect(kept.first?.wholeMatch(of: /ccr-\d{8}T\d{6}Z\.jsonl\.gz/) != nil, "\(kept)")
        #expect(try CaptureTests.gunzip(dir.file(kept[0])).count == 6)
        let metrics = try String(contentsOf: dir.file("replstat.prom"), encoding: .utf8)
        #expect(metrics.contains("replstat_follower_error_samples_total{index=\"follower-forbidden\"} 3\n"))
    }
}
