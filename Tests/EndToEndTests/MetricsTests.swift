import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `analyze --format openmetrics` and `watch --metrics-file` from the command line
/// (docs/metrics.md); `PrometheusTests` feeds them to the real Prometheus.
@Suite struct MetricsTests {
    static let root = PipelineRunTests.root
    static let samples = ["autopause", "bootstrap-fail", "fleet-day", "healthy", "outage"]

    /// The lines that are not comments: the samples, which both formats write alike.
    static func sampleLines(_ text: String) -> [Substring] {
        text.split(separator: "\n").filter { !$0.hasPrefix("#") }
    }

    @Test func analyzeWritesMetricsPromUnderOut() throws {
        let folder = try TemporaryDirectory()
        let sample = Self.root.appendingPathComponent("samples/outage.jsonl.gz").path
        let toFile = try Replstat.run(["analyze", "--format", "openmetrics", "--out", folder.path, sample])
        #expect(toFile.status == 0, "\(toFile.stderr)")
        #expect(toFile.stdout.isEmpty)
        let toStandardOutput = try Replstat.run(["analyze", "--format", "openmetrics", sample])
        #expect(try Data(contentsOf: folder.file("metrics.prom")) == toStandardOutput.stdout)
        #expect(toStandardOutput.stdoutText.hasSuffix("\n# EOF\n"))
    }

    /// At the end of the input the file holds what `analyze` reports for the whole capture, and
    /// promtool (Prometheus' own linter) finds nothing to say about it.
    @Test(arguments: samples)
    func watchEndsWithTheStateAnalyzeReports(sample: String) throws {
        let folder = try TemporaryDirectory()
        let capture = Self.root.appendingPathComponent("samples/\(sample).jsonl.gz").path
        let metrics = folder.file("replstat.prom").path
        let watch = try Replstat.run(["watch", "--metrics-file", metrics, "--metrics-stale", "100000000", capture])
        #expect(watch.status == 0, "\(watch.stderr)")
        let analyze = try Replstat.run(["analyze", "--format", "openmetrics", capture])
        let written = try String(contentsOfFile: metrics, encoding: .utf8)
        #expect(Self.sampleLines(written) == Self.sampleLines(analyze.stdoutText))
        #expect(Self.sampleLines(written).contains { $0.hasPrefix("replstat_follower_lag_seconds{") })
        let lint = try Promtool.checkMetrics(metrics)
        #expect(lint.status == 0 && lint.output.isEmpty, "\(lint.output)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["replstat.prom"])
    }

    /// Names with what the formats must escape, and what they must not touch, survive promtool.
    @Test func hostileIndexNamesPassPromtool() throws {
        let folder = try TemporaryDirectory()
        let names = [
            #"quo\"te"#, #"back\\slash\\n"#, #"line\nfeed"#, #"tab\tcr\r"#, #"nul\u0000bel\u0007"#, "brace}{=,",
            #"sep\u2028bidi\u202e"#, "é中",
        ]
        let capture = names.enumerated().map { number, name in
            #"{"@timestamp":"2026-11-28T00:00:0\#(number)Z","index":"\#(name)","response":{"status":"SYNCING","#
                + #""syncing_details":{"leader_checkpoint":5,"follower_checkpoint":3}}}"#
        }.joined(separator: "\n")
        let source = try folder.write("capture.jsonl", capture + "\n")
        let metrics = folder.file("replstat.prom").path
        let watch = try Replstat.run(["watch", "--metrics-file", metrics, source.path])
        #expect(watch.status == 0, "\(watch.stderr)")
        let text = try String(contentsOfFile: metrics, encoding: .utf8)
        #expect(Self.sampleLines(text).filter { $0.hasPrefix("replstat_follower_samples_total{") }.count == names.count)
        #expect(text.contains(#"{index="quo\"te"}"#))
        #expect(text.contains(#"{index="back\\slash\\n"}"#))
        #expect(text.contains(#"{index="line\nfeed"}"#))
        #expect(text.contains("{index=\"tab\tcr\r\"}"))
        let lint = try Promtool.checkMetrics(metrics)
        #expect(lint.status == 0 && lint.output.isEmpty, "\(lint.output)")
    }

    /// While the input flows, the file is rewritten once the capture's clock has moved on by the
    /// interval, before the input ends; and an index gone quiet for the stale limit drops out.
    @Test func theFileFollowsTheInputAsItComes() throws {
        let folder = try TemporaryDirectory()
        let metrics = folder.file("replstat.prom").path
        let process = Process()
        process.executableURL = Replstat.binary
        process.arguments = [
            "watch", "--reorder-window", "0", "--metrics-file", metrics, "--metrics-interval", "60",
            "--metrics-stale", "120",
        ]
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        func send(_ index: String, at seconds: Int) {
            // A watch that ended would make the write end the tests with SIGPIPE.
            guard process.isRunning else { return }
            let line =
                #"{"@timestamp":\#(1_795_824_000 + seconds),"index":"\#(index)","response":{"status":"RUNNING"}}"#
            input.fileHandleForWriting.write(Data((line + "\n").utf8))
        }
        func samples() -> [String] {
            let text = (try? String(contentsOfFile: metrics, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").filter { $0.hasPrefix("replstat_follower_samples_total{") }.map(
                String.init)
        }
        send("a", at: 0)
        #expect(Wait.until { samples() == [#"replstat_follower_samples_total{index="a"} 1"#] })
        // 59 s later: not due yet; 60 s: due, with both samples.
        send("b", at: 59)
        send("b", at: 60)
        #expect(
            Wait.until {
                samples() == [
                    #"replstat_follower_samples_total{index="a"} 1"#, #"replstat_follower_samples_total{index="b"} 2"#,
                ]
            })
        // a was last heard of at 0 s: at 121 s it is stale.
        send("b", at: 121)
        #expect(Wait.until { samples() == [#"replstat_follower_samples_total{index="b"} 3"#] })
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    /// The names of the samples replstat writes, from a capture that has every kind of value
    /// (with `--stall-after 0`, a follower behind at its last sample is stalled).
    static func writtenNames() throws -> Set<String> {
        let capture = Self.root.appendingPathComponent("samples/autopause.jsonl.gz").path
        let run = try Replstat.run(["analyze", "--format", "openmetrics", "--stall-after", "0", capture])
        return Set(sampleLines(run.stdoutText).map { String($0.prefix { $0 != "{" }) })
    }

    /// docs/metrics.md lists every metric, the rules and the dashboard name no other: a typo in
    /// a name would make an alert or a panel silently empty.
    @Test func theDocsTheRulesAndTheDashboardNameTheMetricsWritten() throws {
        let written = try Self.writtenNames()
        #expect(written.count == 12)
        func named(in file: String) throws -> Set<String> {
            let text = try String(contentsOf: Self.root.appendingPathComponent(file), encoding: .utf8)
            return Set(text.matches(of: /replstat_[a-z_]+/).map { String($0.output) })
        }
        // The table of docs/metrics.md: a row per metric, its name first.
        let metricsPage = try String(contentsOf: Self.root.appendingPathComponent("docs/metrics.md"), encoding: .utf8)
        let documented = metricsPage.matches(of: /\n\| `(replstat_[a-z_]+)`/).map { String($0.output.1) }
        #expect(documented.sorted() == written.sorted())
        #expect(try named(in: "docs/replstat-alerts.yml").subtracting(written).isEmpty)
        #expect(try named(in: "docs/grafana-dashboard.json").subtracting(written).isEmpty)
    }

    @Test(arguments: [
        (["--metrics-interval", "5"], "--metrics-interval and --metrics-stale shape the --metrics-file: give it too."),
        (["--metrics-stale", "5"], "--metrics-interval and --metrics-stale shape the --metrics-file: give it too."),
        (["--metrics-file", ""], "--metrics-file needs a file name."),
        (["--metrics-file", "m.prom", "--metrics-interval", "soon"], "--metrics-interval"),
    ])
    func usageMistakes(arguments: [String], message: String) throws {
        // No standard input: it is never read (a pipe no one reads would end the tests with SIGPIPE).
        let run = try Replstat.run(["watch"] + arguments)
        #expect(run.status == 2)
        #expect(run.stderr.contains(message), "\(run.stderr)")
    }

    /// The file is replaced whole at each write: a pipe, a device or a link cannot be, and a link
    /// is never followed to someone else's file.
    @Test func whatCannotBeReplacedIsRefusedBeforeReading() throws {
        let folder = try TemporaryDirectory()
        let victim = try folder.write("victim", "keep\n")
        let link = folder.file("link.prom").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: victim.path)
        let source = try folder.write("capture.jsonl", "{}\n")
        for (path, detail) in [
            (link, "it is a symbolic link"), ("/dev/stdout", "the metrics file must be a file"),
            ("/dev/null", "the metrics file must be a file"),
        ] {
            let run = try Replstat.run(["watch", "--metrics-file", path, source.path])
            #expect(run.status == 1)
            #expect(run.stderr.contains(path) && run.stderr.contains(detail), "\(run.stderr)")
        }
        #expect(try String(contentsOf: victim, encoding: .utf8) == "keep\n")
    }

    @Test func theMetricsFileIsNoOtherOutput() throws {
        let run = try Replstat.run(["watch", "--metrics-file", "/tmp/x.jsonl", "/tmp/x.jsonl"])
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stderr.contains("the metrics file"), "\(run.stderr)")
    }
}

/// Prometheus' `promtool`, from Debian's `prometheus` package (`scripts/setup --tests`).
enum Promtool {
    static let path = "/usr/bin/promtool"

    /// `promtool check metrics < file`: status and everything it printed.
    static func checkMetrics(_ file: String) throws -> (status: Int32, output: String) {
        try run(["check", "metrics"], stdin: file)
    }

    static func run(_ arguments: [String], stdin: String? = nil) throws -> (status: Int32, output: String) {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw PrometheusMissing(program: path)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardInput = try stdin.map { try FileHandle(forReadingFrom: URL(fileURLWithPath: $0)) }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: printed, as: UTF8.self))
    }
}

/// A program of Debian's Prometheus packages is missing: the test fails, saying how to install it.
struct PrometheusMissing: Error, CustomStringConvertible {
    let program: String
    var description: String { "\(program) is missing: run scripts/setup --tests (Debian's prometheus packages)" }
}

/// Waits for a condition, not for a time: checks it every 20 ms until it holds, up to a hang
/// guard far beyond any busy machine's delay.
enum Wait {
    static func until(seconds guardSeconds: Double = 120, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(guardSeconds)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return try condition()
    }
}
