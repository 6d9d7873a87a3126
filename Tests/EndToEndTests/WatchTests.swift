import Foundation
import Synchronization
import Testing

/// `replstat watch`: events as they happen, the same engine as `analyze`.
@Suite(.timeLimit(.minutes(10))) struct WatchTests {
    /// A status line of a tiny capture, `seconds` after 2026-11-28T00:00:00Z.
    static func line(
        _ seconds: Int, _ index: String = "f", status: String = "SYNCING", leader: Int? = nil, follower: Int? = nil
    ) -> String {
        let time = String(format: "2026-11-28T00:%02d:%02d.000Z", seconds / 60, seconds % 60)
        var body = #""status":"\#(status)""#
        if let leader, let follower {
            body += #","syncing_details":{"leader_checkpoint":\#(leader),"follower_checkpoint":\#(follower)}"#
        }
        return #"{"@timestamp":"\#(time)","index":"\#(index)","response":{\#(body)}}"#
    }

    static func errorLine(_ seconds: Int, _ index: String = "f") -> String {
        let time = String(format: "2026-11-28T00:%02d:%02d.000Z", seconds / 60, seconds % 60)
        return #"{"@timestamp":"\#(time)","index":"\#(index)","response":{"error":{"type":"x"},"status":500}}"#
    }

    private func events(_ arguments: [String], input: [String]) throws -> [[String: Any]] {
        let run = try Replstat.run(["watch"] + arguments, stdin: Data((input.joined(separator: "\n") + "\n").utf8))
        #expect(run.status == 0, "\(run.stderr)")
        return try run.stdout.split(separator: 0x0A).map {
            try #require(try JSONSerialization.jsonObject(with: Data($0)) as? [String: Any])
        }
    }

    private func kinds(_ events: [[String: Any]]) -> [String] { events.map { $0["event"] as? String ?? "?" } }

    /// The three error samples are one episode (status samples between them do not end it): it
    /// starts at the first and ends once the index's samples are more than --max-gap past the last.
    @Test func transitionsGapsAndAnErrorEpisode() throws {
        let got = try events(
            ["--reorder-window", "0", "--max-gap", "60"],
            input: [
                Self.line(0), Self.errorLine(5), Self.errorLine(6), Self.line(10, status: "PAUSED"),
                Self.errorLine(15), Self.line(100, status: "PAUSED"),
            ])
        #expect(kinds(got) == ["error_start", "transition", "error_end", "gap"])
        #expect(got[0]["time"] as? String == "2026-11-28T00:00:05.000Z")
        #expect(got[0]["http_status"] as? Int == 500 && got[0]["error_type"] as? String == "x")
        #expect(got[1]["from_status"] as? String == "SYNCING" && got[1]["to_status"] as? String == "PAUSED")
        #expect(got[1]["time"] as? String == "2026-11-28T00:00:10.000Z")
        #expect(got[2]["start"] as? String == "2026-11-28T00:00:05.000Z")
        #expect(got[2]["end"] as? String == "2026-11-28T00:00:15.000Z" && got[2]["samples"] as? Int == 3)
        #expect(got[3]["start"] as? String == "2026-11-28T00:00:10.000Z")
        #expect(got[3]["seconds"] as? Double == 90)
    }

    /// The follower lacks operation 11 at 10 s, written at 1 s (between checkpoints 10 at 0 s
    /// and 20 at 10 s): 9 s behind; at 20 s, 19 s behind; at 30 s in step again.
    @Test func anAlertOnSecondsBehind() throws {
        let got = try events(
            ["--reorder-window", "0", "--lag-seconds-above", "5", "--for", "10"],
            input: [
                Self.line(0, leader: 10, follower: 10), Self.line(10, leader: 20, follower: 10),
                Self.line(20, leader: 30, follower: 10), Self.line(30, leader: 30, follower: 30),
            ])
        #expect(kinds(got) == ["lag_seconds_breach_start", "lag_seconds_breach_end"])
        #expect(got[0]["time"] as? String == "2026-11-28T00:00:20.000Z" && got[0]["lag_seconds"] as? Double == 19)
        #expect(got[1]["start"] as? String == "2026-11-28T00:00:10.000Z")
        #expect(got[1]["end"] as? String == "2026-11-28T00:00:20.000Z")
        #expect(got[1]["max_lag_seconds"] as? Double == 19 && got[1]["max_lag"] as? Int == 20)
    }

    @Test func stallAndLagBreachStartAndEnd() throws {
        // Behind at checkpoint 5 from 0 s to 40 s, then moving: a 40 s stall (stall-after 30) and a
        // lag over 100 for 40 s (alert after 20 s).
        let got = try events(
            ["--reorder-window", "0", "--stall-after", "30", "--lag-above", "100", "--for", "20"],
            input: [
                Self.line(0, leader: 200, follower: 5), Self.line(10, leader: 300, follower: 5),
                Self.line(20, leader: 400, follower: 5), Self.line(30, leader: 500, follower: 5),
                Self.line(40, leader: 600, follower: 5), Self.line(50, leader: 600, follower: 600),
            ])
        #expect(kinds(got) == ["lag_breach_start", "stall_start", "stall_end", "lag_breach_end"])
        #expect(got[0]["time"] as? String == "2026-11-28T00:00:20.000Z" && got[0]["lag"] as? Int == 395)
        #expect(got[1]["time"] as? String == "2026-11-28T00:00:30.000Z")
        #expect(got[2]["seconds"] as? Double == 40 && got[2]["max_lag"] as? Int == 595)
        #expect(got[3]["end"] as? String == "2026-11-28T00:00:40.000Z")
        #expect(got[3]["time"] as? String == "2026-11-28T00:00:50.000Z")
    }

    /// Trust issue item 21: the input ends while the follower is still stuck and far behind. No
    /// recovery was seen, so neither `stall_end` nor `lag_breach_end` is printed; the summary
    /// lists both as still open; `analyze` keeps the stall, which lasted `--stall-after`.
    @Test func aStallAndABreachStillGoingOnAtTheEndStayOpen() throws {
        let input = [
            Self.line(0, leader: 200, follower: 5), Self.line(10, leader: 300, follower: 5),
            Self.line(20, leader: 400, follower: 5), Self.line(30, leader: 500, follower: 5),
            Self.line(40, leader: 600, follower: 5),
        ]
        let stdin = Data((input.joined(separator: "\n") + "\n").utf8)
        let options = ["--reorder-window", "0", "--stall-after", "30"]
        let run = try Replstat.run(
            ["watch", "--summary", "--lag-above", "100", "--for", "20"] + options, stdin: stdin)
        #expect(run.status == 0, "\(run.stderr)")
        let printed = try run.stdout.split(separator: 0x0A).map {
            try #require(try JSONSerialization.jsonObject(with: Data($0)) as? [String: Any])
        }
        #expect(kinds(printed) == ["lag_breach_start", "stall_start"])
        #expect(
            run.stderr
                == "replstat watch: 5 lines, 2 events, 0 rejected, 1 index; still open: "
                + "stall of f since 2026-11-28T00:00:00.000Z, lag breach of f since 2026-11-28T00:00:00.000Z\n")

        let out = try TemporaryDirectory()
        let analyze = try Replstat.run(["analyze", "--format", "csv", "--out", out.url.path] + options, stdin: stdin)
        #expect(analyze.status == 0, "\(analyze.stderr)")
        let stalls = CSV.parse(try String(contentsOf: out.file("stalls.csv"), encoding: .utf8))
        #expect(
            stalls.dropFirst() == [["f", "2026-11-28T00:00:00.000Z", "2026-11-28T00:00:40.000Z", "40.000", "5", "595"]])
    }

    /// A simulated verbose capture whose first index has a hot shard: `--summary` names it, and
    /// the Markdown report lists the same shard.
    @Test func theSummaryNamesTheHotShard() throws {
        let capture = try Replstat.run([
            "simulate", "--scenario", "healthy", "--indices", "3", "--polls", "2000", "--verbose", "--shards", "5",
            "--hot-shard",
        ])
        #expect(capture.status == 0, "\(capture.stderr)")
        let watch = try Replstat.run(["watch", "--summary"], stdin: capture.stdout)
        #expect(watch.status == 0, "\(watch.stderr)")
        let named = try #require(watch.stderr.firstRange(of: "; hot: shard "), "\(watch.stderr)")
        let shard = watch.stderr[named.upperBound...].prefix { $0.isNumber }
        #expect(watch.stderr[named.upperBound...].hasPrefix("\(shard) of follower-events-0001 (lag p99 "))
        #expect(!watch.stderr.contains("), shard "), "one hot shard only: \(watch.stderr)")
        let report = try Replstat.run(["analyze"], stdin: capture.stdout)
        let section = try #require(report.stdoutText.firstRange(of: "## Hot shards"))
        let row = report.stdoutText[section.upperBound...].split(separator: "\n").first {
            $0.hasPrefix("| follower-events-0001 ")
        }
        let cells = try #require(row).split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(cells.count == 4 && cells[1] == String(shard))
    }

    @Test func rejectsOnlyWhenAsked() throws {
        let input = [Self.line(0), "not json", Self.line(0)]
        #expect(try events([], input: input).isEmpty)
        let got = try events(["--show-rejects"], input: input)
        #expect(kinds(got) == ["reject", "reject"])
        #expect(got[0]["line"] as? Int == 2 && got[0]["reason"] as? String == "invalid_json")
        #expect(got[1]["line"] as? Int == 3 && got[1]["reason"] as? String == "duplicate")
    }

    @Test func eventsWaitForTheReorderWindow() throws {
        // With a 30 s window the transition at 10 s is final only once a sample 30 s newer arrives;
        // the late-arriving 5 s sample still lands before it.
        let got = try events(
            ["--reorder-window", "30", "--max-gap", "600"],
            input: [Self.line(0), Self.line(10, status: "PAUSED"), Self.line(5), Self.line(40, status: "PAUSED")])
        #expect(kinds(got) == ["transition"])
        #expect(got[0]["seconds"] as? Double == 10)
    }

    @Test func summaryOnRequest() throws {
        let input = Data(([Self.line(0), "x", Self.line(10, status: "PAUSED")].joined(separator: "\n") + "\n").utf8)
        let run = try Replstat.run(["watch", "--summary", "--reorder-window", "0"], stdin: input)
        #expect(run.status == 0)
        #expect(run.stderr == "replstat watch: 3 lines, 1 event, 1 rejected, 1 index\n")
        #expect(try Replstat.run(["watch"], stdin: input).stderr.isEmpty)
    }

    @Test func usageErrors() throws {
        #expect(try Replstat.run(["watch", "--lag-above", "5"], stdin: Data()).status == 2)
        #expect(try Replstat.run(["watch", "--lag-seconds-above", "5"], stdin: Data()).status == 2)
        #expect(try Replstat.run(["watch", "--for", "5"], stdin: Data()).status == 2)
        #expect(try Replstat.run(["watch", "--lag-seconds-above", "-1", "--for", "5"], stdin: Data()).status == 2)
        #expect(try Replstat.run(["watch", "--format", "xml"], stdin: Data()).status == 2)
    }

    /// Each source of each conformance case, with the case's options: `watch` reads one source.
    static let conformanceSources: [String] = Conformance.caseNames.flatMap { name in
        ((try? Conformance.sources(of: name)) ?? []).map { name + "/" + $0 }
    }

    /// Parity of `watch` and `analyze` on every conformance source: the transitions
    /// and gaps `watch` prints are the rows of transitions.csv and gaps.csv; every row of
    /// stalls.csv was announced by a `stall_start` (same index, start and follower checkpoint)
    /// and is either a `stall_end` (equal to the row) or, when the stall still went on at the
    /// end of the input, a stall that the summary lists as still open; and no other stall
    /// was announced. Likewise each row of errors.csv is an `error_start` and an `error_end`
    /// equal to the row (or still open), and the shard stalls of shards.csv are
    /// `shard_stall_start`s and `shard_stall_end`s. With `--lag-seconds-above 0 --for 0`, the
    /// indices with a lag in seconds above zero are those with a breach, whose values reach
    /// summary.csv's `lag_seconds_max` unless the breach still went on at the end.
    @Test(arguments: conformanceSources)
    func sameRowsAsAnalyze(_ caseAndSource: String) throws {
        let (name, source) = (
            String(caseAndSource.prefix { $0 != "/" }), String(caseAndSource.drop { $0 != "/" }.dropFirst())
        )
        let folder = Conformance.casesDirectory.appendingPathComponent(name)
        let sources = try Conformance.sources(of: name)
        let arguments = try Conformance.arguments(of: name).filter { !sources.contains($0) } + [source]
        let out = try TemporaryDirectory()
        _ = try Replstat.run(["analyze", "--format", "csv", "--out", out.url.path] + arguments, in: folder)
        let watch = try Replstat.run(
            ["watch", "--format", "csv", "--summary", "--lag-seconds-above", "0", "--for", "0"] + arguments, in: folder)
        let rows = CSV.parse(watch.stdoutText)
        let header = try #require(rows.first)
        func events(_ kind: String, _ columns: [String]) -> [[String]] {
            rows.dropFirst().filter { $0[0] == kind }.map { row in columns.map { row[header.firstIndex(of: $0)!] } }
        }
        func table(_ file: String) throws -> [[String]] {
            Array(CSV.parse(try String(contentsOf: out.file(file), encoding: .utf8)).dropFirst())
        }
        let transitions = events(
            "transition",
            [
                "time", "index", "from_status", "to_status", "reason", "seconds", "leader_checkpoint",
                "follower_checkpoint",
            ])
        let byTimeAndIndex: ([String], [String]) -> Bool = { ($0[0], $0[1]) < ($1[0], $1[1]) }
        #expect(transitions.sorted(by: byTimeAndIndex) == (try table("transitions.csv")))
        let gaps = events("gap", ["index", "start", "end", "seconds"])
        #expect(gaps.sorted { ($0[1], $0[0]) < ($1[1], $1[0]) } == (try table("gaps.csv")))

        let ended = events("stall_end", ["index", "start", "end", "seconds", "follower_checkpoint", "max_lag"])
        let started = events("stall_start", ["index", "start", "follower_checkpoint"])
        let stallRows = try table("stalls.csv")
        #expect(Set(started.map { $0.joined(separator: ",") }).count == started.count)
        #expect(Set(stallRows.map { [$0[0], $0[1], $0[4]] }) == Set(started))
        var stillOpen: [[String]] = []
        for row in stallRows {
            if let end = ended.first(where: { $0[0] == row[0] && $0[1] == row[1] }) {
                #expect(end == row)
            } else {
                stillOpen.append(row)
            }
        }
        #expect(ended.count + stillOpen.count == stallRows.count)
        var openItems = stillOpen.map { "stall of \($0[0]) since \($0[1])" }

        let errorColumns = ["index", "start", "end", "samples", "http_status", "error_type", "reason"]
        let errorRows = try table("errors.csv")
        // An episode starts at its first sample in input order, which may not be its earliest.
        let errorsStarted = events("error_start", ["index", "http_status", "error_type", "reason"])
        let byText: ([String], [String]) -> Bool = { $0.lexicographicallyPrecedes($1) }
        let startsMatch =
            errorsStarted.sorted(by: byText) == errorRows.map { [$0[0], $0[4], $0[5], $0[6]] }.sorted(by: byText)
        #expect(startsMatch, "\(errorsStarted.count) error_start events, \(errorRows.count) rows of errors.csv")
        var errorsEnded = events("error_end", errorColumns)
        for row in errorRows {
            if let found = errorsEnded.firstIndex(of: row) {
                errorsEnded.remove(at: found)
            } else {
                openItems.append("errors of \(row[0]) since \(row[1])")
            }
        }
        #expect(errorsEnded.isEmpty, "error_end events that are no row of errors.csv: \(errorsEnded)")

        let shardRows = try table("shards.csv")
        let shardsStarted = events("shard_stall_start", ["index", "shard"])
        let shardsEnded = events("shard_stall_end", ["index", "shard", "seconds"])
        for row in shardRows {
            let key = [row[0], row[1]]
            let ends = shardsEnded.filter { Array($0.prefix(2)) == key }
            #expect(shardsStarted.filter { $0 == key }.count == Int(row[7]), "\(key)")
            if ends.count == Int(row[7]) {
                let seconds = ends.reduce(0) { $0 + Int(Double($1[2])! * 1000) }
                #expect(seconds == Int(Double(row[8])! * 1000), "\(key)")
            } else {
                openItems.append("stall of shard \(row[1]) of \(row[0]) since")
            }
        }
        #expect(shardsStarted.count == shardRows.reduce(0) { $0 + Int($1[7])! })

        let summary = try table("summary.csv")
        let lagSecondsMax = Dictionary(uniqueKeysWithValues: summary.map { ($0[0], $0[34]) })
        // The summary lists the first five things still open (of every kind) and counts the rest.
        let listsAllOpen = !watch.stderr.contains(" more")
        let breaches =
            events("lag_seconds_breach_start", ["index", "lag_seconds"])
            + events("lag_seconds_breach_end", ["index", "max_lag_seconds"])
        for (index, maximum) in lagSecondsMax {
            let seen = breaches.filter { $0[0] == index }.map { Double($0[1])! }
            let stillBehind = watch.stderr.contains("lag seconds breach of \(index) since")
            if let maximum = Double(maximum), maximum > 0 {
                #expect(!seen.isEmpty && seen.allSatisfy { $0 > 0 && $0 <= maximum }, "\(index)")
                if !stillBehind && listsAllOpen { #expect(seen.max() == maximum, "\(index)") }
            } else {
                #expect(seen.isEmpty && !watch.stderr.contains("breach of \(index) since"), "\(index)")
            }
        }

        if listsAllOpen {
            for item in openItems { #expect(watch.stderr.contains(item), "\(item): \(watch.stderr)") }
        }
        if !openItems.isEmpty { #expect(watch.stderr.contains("still open"), "\(watch.stderr)") }
        #expect(watch.status == (name == "truncated-gzip" ? 1 : 0), "\(watch.stderr)")
    }

    /// Lines written one at a time, with pauses: each event is on standard output before the
    /// next line is written, long before the input ends.
    @Test func eventsComeOutWhileTheInputIsStillOpen() throws {
        let process = Process()
        process.executableURL = Replstat.binary
        process.arguments = ["watch", "--reorder-window", "0"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let received = Mutex(Data())
        let reading = Thread {
            while true {
                let data = output.fileHandleForReading.availableData
                if data.isEmpty { return }
                received.withLock { $0.append(data) }
            }
        }
        reading.start()
        func waitForLines(_ count: Int) -> Bool {
            for _ in 0..<400 {
                if received.withLock({ $0.split(separator: 0x0A).count }) >= count { return true }
                Thread.sleep(forTimeInterval: 0.025)
            }
            return false
        }
        let writer = input.fileHandleForWriting
        let statuses = ["SYNCING", "PAUSED", "SYNCING", "FAILED"]
        for (step, status) in statuses.enumerated() {
            writer.write(Data((Self.line(step * 10, status: status) + "\n").utf8))
            // The first line makes no event; each later one makes one transition, at once.
            #expect(waitForLines(step), "event \(step) did not come while the input was open")
            Thread.sleep(forTimeInterval: 0.1)
        }
        try writer.close()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let lines = received.withLock { $0 }.split(separator: 0x0A).map { String(decoding: $0, as: UTF8.self) }
        #expect(lines.count == 3)
        #expect(Set(lines).count == lines.count)
    }

    /// Events that cannot be written (a full disk) are not lost silently.
    @Test func aFullDiskFailsLoudly() throws {
        let capture = Conformance.casesDirectory.appendingPathComponent("lifecycle/capture.jsonl").path
        let run = try Replstat.shell("\"\(Replstat.binary.path)\" watch --reorder-window 0 \"\(capture)\" > /dev/full")
        #expect(run.status == 1)
        #expect(run.stderr.contains("No space left on device"))
    }

    /// A reader that goes away ends `watch` at once and quietly.
    @Test func aReaderThatGoesAwayEndsItQuietly() throws {
        let dir = try TemporaryDirectory()
        let script = """
            "\(Replstat.binary.path)" simulate --indices 50 --polls 2000 --output "\(dir.file("c.jsonl").path)" &&
            "\(Replstat.binary.path)" watch --reorder-window 0 "\(dir.file("c.jsonl").path)" | head -3
            """
        let run = try Replstat.shell(script)
        #expect(run.stdout.split(separator: 0x0A).count == 3)
        #expect(run.stderr.isEmpty, "\(run.stderr)")
    }
}
