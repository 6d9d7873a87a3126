import Foundation
import Testing

/// `replstat run`: the shipped pipelines on the samples, compared with `analyze` and `watch`,
/// which reach the same results by another path; and mistakes in a pipeline file. Runs start in
/// the repository root, as the pipelines' header comments say; `--out-dir` sends what they
/// write to a scratch folder.
@Suite(.timeLimit(.minutes(10))) struct PipelineRunTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// What nightly-report's `samples/fleet-*.jsonl.gz` matches.
    static let nightlySources = ["samples/fleet-day.jsonl.gz"]

    private func run(_ arguments: [String], stdin: Data? = nil) throws -> Replstat.Run {
        try Replstat.run(arguments, in: Self.root, stdin: stdin)
    }

    private func files(under directory: URL) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: directory.path)
        return (enumerator?.allObjects as? [String] ?? []).filter {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(
                atPath: directory.appendingPathComponent($0).path, isDirectory: &isDirectory)
            return !isDirectory.boolValue
        }.sorted()
    }

    private func read(_ url: URL) throws -> Data { try Data(contentsOf: url) }

    @Test func nightlyReportEqualsAnalyze() throws {
        let out = try TemporaryDirectory()
        let pipeline = try run(["run", "--out-dir", out.url.path, "pipelines/nightly-report.yaml"])
        #expect(pipeline.status == 0, "\(pipeline.stderr)")
        #expect(
            files(under: out.url) == [
                "csv/errors.csv", "csv/gaps.csv", "csv/quality.csv", "csv/shards.csv", "csv/stalls.csv",
                "csv/summary.csv", "csv/transitions.csv", "rejects.jsonl", "report.html", "report.md",
            ])

        let reference = try TemporaryDirectory()
        let csv = try run(
            [
                "analyze", "--format", "csv", "--out", reference.url.path, "--rejects",
                reference.file("rejects.jsonl").path,
            ]
                + Self.nightlySources)
        #expect(csv.status == 0)
        let nightly = out.url
        for table in ["summary.csv", "transitions.csv", "stalls.csv", "quality.csv"] {
            #expect(try read(nightly.appendingPathComponent("csv/" + table)) == read(reference.file(table)), "\(table)")
        }
        #expect(try read(nightly.appendingPathComponent("rejects.jsonl")) == read(reference.file("rejects.jsonl")))
        let markdown = try run(["analyze", "--format", "markdown"] + Self.nightlySources)
        #expect(try read(nightly.appendingPathComponent("report.md")) == markdown.stdout)
        // Alone, the Markdown report keeps fewer buckets of lag over time: its sparklines are the same.
        let html = try run(["analyze", "--format", "html"] + Self.nightlySources)
        #expect(try read(nightly.appendingPathComponent("report.html")) == html.stdout)
        // fleet-day's 16,740 lines, none rejected (samples/README.md).
        let quality = try String(contentsOf: nightly.appendingPathComponent("csv/quality.csv"), encoding: .utf8)
        #expect(quality.contains("samples/fleet-day.jsonl.gz,lines,16740\n"))
        #expect(try read(nightly.appendingPathComponent("rejects.jsonl")).isEmpty)
    }

    /// The `openmetrics` sink writes what `analyze --format openmetrics` writes, byte for byte,
    /// to a file or to standard output, with the file's analysis options.
    @Test func theOpenMetricsSinkEqualsAnalyze() throws {
        let dir = try TemporaryDirectory()
        let verbose = dir.file("verbose.jsonl.gz").path
        let simulate = try run([
            "simulate", "--verbose", "--shards", "3", "--hot-shard", "--indices", "6", "--polls", "200", "--scenario",
            "outage", "--output", verbose,
        ])
        #expect(simulate.status == 0, "\(simulate.stderr)")
        let sources = ["samples/autopause.jsonl.gz", verbose]
        let reference = try run(
            ["analyze", "--format", "openmetrics", "--out", dir.file("reference").path, "--stall-after", "30"] + sources
        )
        #expect(reference.status == 0, "\(reference.stderr)")
        let expected = try read(dir.file("reference/metrics.prom"))
        #expect(String(decoding: expected, as: UTF8.self).contains("replstat_"))

        let file = try dir.write(
            "p.yaml",
            "sources: [x]\nanalysis: {stall-after: 30}\nsinks:\n  openmetrics: \(dir.file("out/state.prom").path)\n"
                + "  csv: \(dir.file("out/csv").path)\n")
        let toFile = try run(["run", file.path] + sources)
        #expect(toFile.status == 0, "\(toFile.stderr)")
        #expect(try read(dir.file("out/state.prom")) == expected)

        let standardOutput = try dir.write(
            "stdout.yaml", "sources: [x]\nanalysis: {stall-after: 30}\nsinks: {openmetrics: \"-\"}\n")
        let toStandardOutput = try run(["run", standardOutput.path] + sources)
        #expect(toStandardOutput.status == 0, "\(toStandardOutput.stderr)")
        #expect(toStandardOutput.stdout == expected)
        let check = try run(["run", "--check", file.path])
        #expect(check.stdoutText.contains("  openmetrics \(dir.file("out/state.prom").path)\n"), "\(check.stdoutText)")
    }

    @Test func liveAlertsEqualWatch() throws {
        let capture = try Replstat.shell("gzip -dc '\(Self.root.path)/samples/autopause.jsonl.gz'").stdout
        #expect(capture.count > 1_000_000)
        let pipeline = try run(["run", "pipelines/live-alerts.yaml"], stdin: capture)
        #expect(pipeline.status == 0, "\(pipeline.stderr)")
        let watch = try run(
            ["watch", "--reorder-window", "30", "--lag-above", "50000", "--for", "120", "--show-rejects"],
            stdin: capture)
        #expect(pipeline.stdout == watch.stdout)
        // By hand with watch: follower-invoices-0002 (max lag 92,168) and follower-invoices-0010
        // stay above 50,000 for two minutes around 00:32.
        let starts = pipeline.stdoutText.split(separator: "\n").filter { $0.contains(#""event":"lag_breach_start""#) }
        #expect(starts.count == 2)
        #expect(starts.first?.contains(#""index":"follower-invoices-0002""#) == true)
    }

    @Test func qualityAuditIsStrictAndWritesOnlyQualityAndRejects() throws {
        let out = try TemporaryDirectory()
        let audit = try run(["run", "--out-dir", out.url.path, "pipelines/quality-audit.yaml"])
        #expect(audit.status == 3)
        #expect(audit.stderr == "replstat: 76 line(s) rejected (strict: true)\n")
        #expect(files(under: out.url) == ["quality.csv", "rejects.jsonl"])
        let rows = CSV.parse(try String(contentsOf: out.file("quality.csv"), encoding: .utf8))
        let total = rows.filter { $0.first == "*" }
        let count = { (outcome: String) in Int(total.first { $0[1] == outcome }?[2] ?? "") ?? -1 }
        let accepted = ["lines", "blank", "status", "error"]
        let rejected = total.filter { !accepted.contains($0[1]) }.reduce(0) { $0 + (Int($1[2]) ?? 0) }
        #expect(count("lines") == count("blank") + count("status") + count("error") + rejected)
        #expect(rejected == 76)
        let rejects = try read(out.file("rejects.jsonl")).split(separator: 0x0A)
        #expect(rejects.count == rejected)
    }

    /// Live events to a file and reports at the end, from one run: the reports still hold the
    /// transitions and stalls that went out as events.
    @Test func watchAndReportsTogether() throws {
        let out = try TemporaryDirectory()
        let file = try out.write(
            "both.yaml",
            """
            sources: [samples/fleet-day.jsonl.gz]
            sinks:
              csv: \(out.url.path)/csv
              watch: {to: \(out.url.path)/events.csv, format: csv}
            """)
        let both = try run(["run", file.path])
        #expect(both.status == 0, "\(both.stderr)")
        #expect(both.stdout.isEmpty)
        let reference = try TemporaryDirectory()
        _ = try run(["analyze", "--format", "csv", "--out", reference.url.path, "samples/fleet-day.jsonl.gz"])
        for table in ["summary.csv", "transitions.csv", "stalls.csv", "quality.csv"] {
            #expect(try read(out.file("csv/" + table)) == read(reference.file(table)), "\(table)")
        }
        let transitions = CSV.parse(try String(contentsOf: reference.file("transitions.csv"), encoding: .utf8))
        #expect(transitions.count == 27)  // 26 transitions (samples/README.md) and the header
        let watch = try run(["watch", "--format", "csv", "samples/fleet-day.jsonl.gz"])
        #expect(try read(out.file("events.csv")) == watch.stdout)
    }

    @Test func commandLineSourcesReplaceTheFilesAndCheckWritesNothing() throws {
        let out = try TemporaryDirectory()
        let check = try run(
            ["run", "--check", "--out-dir", out.url.path, "pipelines/nightly-report.yaml", "samples/healthy.jsonl.gz"])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(
            check.stdoutText.hasPrefix("pipelines/nightly-report.yaml: valid\nsources:\n  samples/healthy.jsonl.gz\n"))
        #expect(check.stdoutText.contains("  markdown    \(out.url.path)/report.md\n"))
        #expect(files(under: out.url).isEmpty)

        let real = try run([
            "run", "--out-dir", out.url.path, "pipelines/nightly-report.yaml", "samples/healthy.jsonl.gz",
        ])
        #expect(real.status == 0)
        let quality = try String(contentsOf: out.file("csv/quality.csv"), encoding: .utf8)
        #expect(quality.contains("samples/healthy.jsonl.gz,lines,17280\n"))
        #expect(!quality.contains("fleet-day"))
    }

    @Test func mistakesExitTwoWithTheirPlaceAndWriteNothing() throws {
        let out = try TemporaryDirectory()
        let unknownKey = try out.write(
            "bad.yaml",
            """
            sources: [samples/healthy.jsonl.gz]
            analysis:
              max-gap: 60
              stall_after: 30
            sinks:
              csv: \(out.url.path)/csv
              rejects: \(out.url.path)/rejects.jsonl
            """)
        let run1 = try run(["run", unknownKey.path])
        #expect(run1.status == 2)
        #expect(
            run1.stderr.hasPrefix(
                "\(unknownKey.path):4:3: unknown key 'stall_after' in analysis; did you mean 'stall-after'?"))
        #expect(run1.stdout.isEmpty)

        let noMatch = try out.write("glob.yaml", "sources: [samples/*.csv]\nsinks: {csv: \(out.url.path)/csv}\n")
        let run2 = try run(["run", noMatch.path])
        #expect(run2.status == 2)
        #expect(run2.stderr.hasPrefix("\(noMatch.path):1:11: no file matches 'samples/*.csv'"))

        let capture = try out.write(
            "capture.yaml",
            "sources:\n  - capture: {url: \"https://h:9200\", indices: [a]}\nsinks: {json: \(out.url.path)/r.json}\n")
        // Half the credentials: refused before anything is polled or written.
        let run3 = try Replstat.run(["run", capture.path], in: Self.root, environment: ["REPLSTAT_USER": "ops"])
        #expect(run3.status == 2)
        #expect(run3.stderr == "\(capture.path): capture: REPLSTAT_USER is set without REPLSTAT_PASSWORD\n")

        let missing = try run(["run", out.file("absent.yaml").path])
        #expect(missing.status == 2)
        #expect(missing.stderr == "\(out.file("absent.yaml").path): cannot read: No such file or directory\n")

        #expect(files(under: out.url) == ["bad.yaml", "capture.yaml", "glob.yaml"])
    }

    /// What a run writes must not destroy what it reads or itself, however the paths are spelled
    /// and wherever --out-dir puts them: refused before anything is read or written.
    @Test func outputsThatWouldDestroyInputsOrEachOtherAreRefused() throws {
        let dir = try TemporaryDirectory()
        let capture = try dir.write(
            "in.jsonl", #"{"@timestamp":"2026-11-28T00:00:00Z","index":"a","response":{"status":"PAUSED"}}"# + "\n")
        let original = try Data(contentsOf: capture)
        // The run's arguments around the file name (options before, sources after), and the message.
        let cases: [(yaml: String, options: [String], sources: [String], message: String)] = [
            (
                "sources: [in.jsonl]\nsinks:\n  markdown: \"-\"\n  watch: {to: ./in.jsonl}\n", [], [],
                "p.yaml: the watch sink writes ./in.jsonl, which is also a source (in.jsonl)"
            ),
            (
                "sources: [\"*.jsonl\"]\nsinks:\n  markdown: new/../in.jsonl\n", [], [],
                "p.yaml: the markdown report writes new/../in.jsonl, which is also a source (in.jsonl)"
            ),
            (
                "sources: [other.jsonl]\nsinks:\n  rejects: in.jsonl\n", [], ["in.jsonl"],
                "p.yaml: the rejects file writes in.jsonl, which is also a source (in.jsonl)"
            ),
            (
                "sources: [in.jsonl]\nsinks:\n  markdown: \(dir.url.path)/od/r.md\n  json: r.md\n",
                ["--out-dir", dir.file("od").path], [],
                "p.yaml: the markdown report and the json report both write \(dir.url.path)/od/r.md"
            ),
        ]
        for (yaml, options, sources, message) in cases {
            try Data(yaml.utf8).write(to: dir.file("p.yaml"))
            let run = try Replstat.run(["run"] + options + ["p.yaml"] + sources, in: dir.url)
            #expect(run.status == 2, "\(yaml)")
            #expect(run.stderr.hasPrefix(message), "\(run.stderr)")
            #expect(try Data(contentsOf: capture) == original)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path).sorted() == ["in.jsonl", "p.yaml"])
    }

    /// A sink must not replace the pipeline file itself, nor the capture's `index-file` or
    /// `ca-file`, whether they exist or not: refused before anything is read or polled, by
    /// `run --check` too.
    @Test(arguments: [false, true]) func sinksOnThePipelineFileOrTheCapturesFilesAreRefused(check: Bool) throws {
        let dir = try TemporaryDirectory()
        _ = try dir.write(
            "in.jsonl", #"{"@timestamp":"2026-11-28T00:00:00Z","index":"a","response":{"status":"PAUSED"}}"#)
        _ = try dir.write("idx.txt", "follower-a\nfollower-b\n")
        _ = try dir.write("ca.pem", "not a certificate\n")
        // Nothing listens on port 9 (discard): a poll would fail, but none may start.
        func capture(_ field: String) -> String {
            "sources: [{capture: {url: \"http://127.0.0.1:9\", \(field), polls: 1}}]\n"
        }
        let cases: [(yaml: String, message: String)] = [
            (
                "sources: [in.jsonl]\nsinks: {markdown: p.yaml}\n",
                "p.yaml: the markdown report writes p.yaml, which is the pipeline file: it would be replaced; "
                    + "give the markdown report another path"
            ),
            (
                "sources: [in.jsonl]\nsinks: {rejects: sub/../p.yaml}\n",
                "p.yaml: the rejects file writes sub/../p.yaml, which is the pipeline file"
            ),
            (
                capture("index-file: idx.txt") + "sinks: {markdown: idx.txt}\n",
                "p.yaml: the markdown report writes idx.txt, which is the capture's index-file"
            ),
            (
                capture("indices: [a], ca-file: ca.pem") + "sinks: {json: ./ca.pem}\n",
                "p.yaml: the json report writes ./ca.pem, which is the capture's ca-file"
            ),
            (
                capture("index-file: new/../absent.txt") + "sinks: {html: absent.txt}\n",
                "p.yaml: the html report writes absent.txt, which is the capture's index-file"
            ),
        ]
        for (yaml, message) in cases {
            try Data(yaml.utf8).write(to: dir.file("p.yaml"))
            let run = try Replstat.run(["run"] + (check ? ["--check"] : []) + ["p.yaml"], in: dir.url)
            #expect(run.status == 2, "\(yaml)")
            #expect(run.stderr.hasPrefix(message), "\(run.stderr)")
            #expect(try String(contentsOf: dir.file("p.yaml"), encoding: .utf8) == yaml)
        }
        #expect(try String(contentsOf: dir.file("idx.txt"), encoding: .utf8) == "follower-a\nfollower-b\n")
        #expect(try String(contentsOf: dir.file("ca.pem"), encoding: .utf8) == "not a certificate\n")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: dir.url.path).sorted() == [
                "ca.pem", "idx.txt", "in.jsonl", "p.yaml",
            ])
    }

    /// `run ... | head`: the events' reader went away before the report sinks were written. The
    /// run says so and fails, and leaves no temporary file behind.
    @Test func aReaderThatGoesAwayBeforeTheReportsFailsCleanly() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write(
            "p.yaml", "sources: [-]\nsinks:\n  csv: out/csv\n  rejects: out/rejects.jsonl\n  watch: {}\n")
        let run = try Replstat.bash(
            "gzip -dc '\(Self.root.path)/samples/autopause.jsonl.gz' | (cd '\(dir.url.path)' && "
                + "'\(Replstat.binary.path)' run '\(file.path)') | head -1")
        #expect(run.status == 1)
        #expect(
            run.stderr.hasPrefix("replstat: the events' reader went away; stopped without writing out/csv/summary.csv"),
            "\(run.stderr)")
        #expect(run.stdoutText.hasPrefix(#"{"event":"#))
        #expect(files(under: dir.url) == ["p.yaml"])
    }

    /// A file named like a pattern is itself; folders a glob matches are not captures.
    @Test func globsMatchFilesOnly() throws {
        let dir = try TemporaryDirectory()
        _ = try dir.write("cap[1].jsonl", "\n")
        try FileManager.default.createDirectory(at: dir.file("gd/sub"), withIntermediateDirectories: true)
        _ = try dir.write("gd/a.jsonl", "\n")
        _ = try dir.write("p.yaml", "sources: [\"cap[1].jsonl\", \"gd/*\"]\nsinks: {json: o.json}\n")
        let run = try Replstat.run(["run", "--check", "p.yaml"], in: dir.url)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdoutText.contains("sources:\n  cap[1].jsonl\n  gd/a.jsonl\nanalysis:"), "\(run.stdoutText)")
    }
}
