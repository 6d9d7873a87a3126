import Foundation
import Testing

/// A distributed analysis (`split`, `analyze --format partial`, `merge`, run together by
/// scripts/distributed-analyze) gives exactly what `replstat analyze` gives on the same sources:
/// every report file byte for byte, the same messages on standard error, the same exit status;
/// whatever the number of partitions.
@Suite(.timeLimit(.minutes(20))) struct DistributedTests {
    static let root = PipelineRunTests.root
    static let script = root.appendingPathComponent("scripts/distributed-analyze").path
    static let samples = ["autopause", "bootstrap-fail", "fleet-day", "healthy", "outage"].map {
        root.appendingPathComponent("samples/\($0).jsonl.gz").path
    }

    struct Outcome: Equatable {
        var status: Int32
        var stderr: String
        /// Every file written, by name.
        var files: [String: Data]
    }

    /// Runs `analyze` and the script with `options` on `sources`, each into a folder of its own.
    static func both(
        _ sources: [String], format: String = "csv", partitions: Int, options: [String] = [], in dir: TemporaryDirectory
    ) throws -> (single: Outcome, distributed: Outcome) {
        let name = "\(format)-\(partitions)-\(options.joined().filter(\.isLetter))"
        let single = dir.file("single-" + name).path
        let distributed = dir.file("distributed-" + name).path
        let analyze = try Replstat.run(["analyze", "--format", format, "--out", single] + options + sources)
        let quoted =
            (["--partitions", String(partitions), "--jobs", "2", "--format", format, "--out", distributed]
            + options + sources).map(quote).joined(separator: " ")
        let run = try Replstat.bash(
            "\(quote(script)) \(quoted)", environment: ["REPLSTAT_BIN": Replstat.binary.path, "PATH": "/usr/bin:/bin"])
        return (
            Outcome(status: analyze.status, stderr: analyze.stderr, files: try files(single)),
            Outcome(status: run.status, stderr: run.stderr, files: try files(distributed))
        )
    }

    static func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    static func files(_ folder: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
            files[name] = try Data(contentsOf: URL(fileURLWithPath: folder).appendingPathComponent(name))
        }
        return files
    }

    static func expectSame(_ outcomes: (single: Outcome, distributed: Outcome), _ what: String) {
        let (single, distributed) = outcomes
        #expect(distributed.status == single.status, "\(what): \(distributed.stderr)")
        #expect(distributed.stderr == single.stderr, "\(what)")
        #expect(!single.files.isEmpty, "\(what): \(single.stderr)")
        #expect(distributed.files.keys.sorted() == single.files.keys.sorted(), "\(what)")
        for (name, bytes) in single.files.sorted(by: { $0.key < $1.key }) {
            #expect(distributed.files[name] == bytes, "\(what): \(name) differs")
        }
    }

    /// A reader that stops early (`split ... | head -c 100`) ends split quietly, with the status
    /// of a process that SIGPIPE ended (141), as `analyze` ends; it said "Broken pipe", status 1.
    @Test func splitEndsQuietlyWhenItsReaderGoesAway() throws {
        let sample = PrometheusTests.root.appendingPathComponent("samples/fleet-day.jsonl.gz").path
        let run = try Replstat.bash(
            "\"\(Replstat.binary.path)\" split --partitions 2 --source-ordinal 0 \"\(sample)\" | head -c 100 >/dev/null"
        )
        #expect(run.status == 141, "\(run.stderr)")
        #expect(run.stderr.isEmpty, "\(run.stderr)")
    }

    @Test(arguments: samples, [1, 3, 7])
    func eachSample(_ sample: String, partitions: Int) throws {
        let dir = try TemporaryDirectory()
        let outcomes = try Self.both([sample], partitions: partitions, in: dir)
        #expect(outcomes.single.status == 0)
        Self.expectSame(outcomes, "\(sample), \(partitions) partitions")
    }

    @Test(arguments: ["markdown", "json", "html", "openmetrics"])
    func everyFormatOfAllSamples(_ format: String) throws {
        let dir = try TemporaryDirectory()
        Self.expectSame(try Self.both(Self.samples, format: format, partitions: 3, in: dir), format)
    }

    /// A capture in several files with everything that can go wrong: lines of one index late and
    /// duplicate across files, an index name written with an escape, error episodes across files,
    /// rejects of every kind, a BOM and CRLF, a last line without LF, a file read twice, a
    /// verbose capture with a hot shard, a damaged gzip file and a file that cannot be opened.
    @Test(arguments: [1, 3, 7])
    func dirtyCaptureInManyFiles(partitions: Int) throws {
        let dir = try TemporaryDirectory()
        let capture = try DirtyCapture(in: dir)
        let outcomes = try Self.both(capture.all, partitions: partitions, in: dir)
        #expect(outcomes.single.status == 1)
        #expect(outcomes.single.stderr.contains("gzip stream truncated"))
        #expect(outcomes.single.stderr.contains("cannot open"))
        // What makes it dirty is there: late and duplicate lines, error episodes, hot shards.
        let quality = String(decoding: outcomes.single.files["quality.csv"] ?? Data(), as: UTF8.self)
        for outcome in ["late", "duplicate", "invalid_json", "missing_status", "unknown_status", "blank"] {
            #expect(quality.contains("\n*,\(outcome),") && !quality.contains("\n*,\(outcome),0\n"), "\(outcome)")
        }
        #expect((outcomes.single.files["shards.csv"]?.count ?? 0) > 200)
        #expect((outcomes.single.files["errors.csv"]?.count ?? 0) > 100)
        Self.expectSame(outcomes, "dirty, \(partitions) partitions")
        // 1 wins over 3.
        Self.expectSame(try Self.both(capture.all, partitions: partitions, options: ["--strict"], in: dir), "strict")
    }

    @Test(arguments: ["markdown", "json", "html", "openmetrics"])
    func dirtyCaptureInEveryFormat(_ format: String) throws {
        let dir = try TemporaryDirectory()
        let capture = try DirtyCapture(in: dir)
        Self.expectSame(try Self.both(capture.all, format: format, partitions: 3, in: dir), format)
    }

    /// Without damage, --strict makes rejects exit 3, as in a single run.
    @Test(arguments: [1, 3, 7])
    func strictWithRejects(partitions: Int) throws {
        let dir = try TemporaryDirectory()
        let capture = try DirtyCapture(in: dir)
        let outcomes = try Self.both(capture.undamaged, partitions: partitions, options: ["--strict"], in: dir)
        #expect(outcomes.single.status == 3)
        Self.expectSame(outcomes, "strict, \(partitions) partitions")
    }

    /// The analysis options reach every step: a shorter window, gap and stall, a lower line limit.
    @Test func analysisOptions() throws {
        let dir = try TemporaryDirectory()
        let capture = try DirtyCapture(in: dir)
        let options = [
            "--reorder-window", "20", "--max-gap", "30.5", "--stall-after", "10", "--max-line-bytes", "2000",
        ]
        Self.expectSame(try Self.both(capture.all, partitions: 3, options: options, in: dir), "options")
    }

    /// Standard input as a source, as `analyze -` reads it.
    @Test func standardInput() throws {
        let dir = try TemporaryDirectory()
        let capture = try DirtyCapture(in: dir)
        let single = try Replstat.bash(
            "\(Self.quote(Replstat.binary.path)) analyze --format json - \(Self.quote(capture.undamaged[0])) < \(Self.quote(capture.undamaged[1]))"
        )
        let distributed = try Replstat.bash(
            "\(Self.quote(Self.script)) --partitions 2 --format json - \(Self.quote(capture.undamaged[0])) < \(Self.quote(capture.undamaged[1]))",
            environment: ["REPLSTAT_BIN": Replstat.binary.path, "PATH": "/usr/bin:/bin"])
        #expect(single.status == 0)
        #expect(distributed.status == single.status, "\(distributed.stderr)")
        #expect(distributed.stdout == single.stdout)
    }
}

/// The files of a dirty capture (`DistributedTests.dirtyCaptureInManyFiles`).
struct DirtyCapture {
    /// Every source, the missing one and one named twice included, in order.
    let all: [String]
    /// Sources without damage, with rejects.
    let undamaged: [String]

    static func status(
        _ time: String, _ index: String, _ status: String = "SYNCING", leader: Int = 100, follower: Int = 90,
        reason: String = "User initiated"
    ) -> String {
        let details =
            ["SYNCING", "RUNNING"].contains(status)
            ? ",\"syncing_details\":{\"leader_checkpoint\":\(leader),\"follower_checkpoint\":\(follower),\"seq_no\":1}"
            : ""
        return "{\"@timestamp\":\"2026-11-28T\(time)Z\",\"index\":\"\(index)\",\"response\":{\"status\":\"\(status)\","
            + "\"reason\":\"\(reason)\",\"leader_alias\":\"east\",\"leader_index\":\"leader-\(index)\"\(details)}}"
    }

    static func error(_ time: String, _ index: String, code: Int = 500, type: String = "replication_exception")
        -> String
    {
        "{\"@timestamp\":\"2026-11-28T\(time)Z\",\"index\":\"\(index)\",\"response\":{\"error\":{\"type\":\"\(type)\","
            + "\"reason\":\"failed to fetch replication status\"},\"status\":\(code)}}"
    }

    init(in dir: TemporaryDirectory) throws {
        // alpha every 10 s from 10:00:00 to 10:10:00, the follower stuck from 10:03 (a stall).
        var first: [String] = []
        for step in 0...60 {
            let seconds = step * 10
            let time = String(format: "10:%02d:%02d", seconds / 60, seconds % 60)
            first.append(
                Self.status(time, "alpha", leader: 1000 + step * 50, follower: step < 18 ? 990 + step * 50 : 1840))
            if step == 12 || step == 13 { first.append(Self.error(time, "alpha")) }
            if step == 20 { first.append(Self.error(time, "gamma", code: 403, type: "security_exception")) }
        }
        first += [
            "", "  \t", "not json", "[1,2]", "{\"index\":\"alpha\"}",
            "{\"@timestamp\":\"yesterday\",\"index\":\"alpha\",\"response\":{\"status\":\"SYNCING\"}}",
            "{\"@timestamp\":\"2026-11-28T10:11:00Z\",\"index\":\"alpha\",\"response\":{}}",
            "{\"@timestamp\":\"2026-11-28T10:11:00Z\",\"index\":\"alpha\",\"response\":{\"status\":\"DANCING\"}}",
            "{\"@timestamp\":\"2026-11-28T10:11:00Z\",\"index\":\"alpha\",\"response\":{\"status\":5}}",
            "{\"@timestamp\":\"2026-11-28T10:11:00Z\",\"response\":{\"status\":\"SYNCING\"}}",
            "{\"@timestamp\":\"2026-11-28T10:11:00Z\",\"index\":7,\"response\":{\"status\":\"SYNCING\"}}",
            // alpha, written with an escape: the same index, so the same partition.
            "{\"@timestamp\":\"2026-11-28T10:10:05Z\",\"index\":\"alph\\u0061\",\"response\":{\"status\":\"SYNCING\","
                + "\"syncing_details\":{\"leader_checkpoint\":4100,\"follower_checkpoint\":1840}}}",
        ]
        let firstText =
            "\u{FEFF}"
            + first.enumerated().map { $0.offset % 7 == 3 ? $0.element + "\r" : $0.element }
            .joined(separator: "\n") + "\n"
        let plain = dir.file("first.jsonl").path
        try Data(firstText.utf8).write(to: URL(fileURLWithPath: plain))

        // Two gzip members: alpha late (more than 300 s before its newest), duplicate, out of
        // order within the window, after a gap; errors of alpha going on; beta changing status.
        let second = [
            Self.status("09:50:00", "alpha"), Self.status("10:05:00", "alpha", leader: 1500, follower: 1840),
            Self.status("10:09:55", "alpha", leader: 4000, follower: 1840), Self.error("10:02:20", "alpha"),
            Self.status("10:30:00", "alpha", "RUNNING", leader: 5000, follower: 5000),
            Self.status("10:00:00", "beta", "BOOTSTRAPPING"), Self.status("10:01:00", "beta", "SYNCING"),
        ]
        let third = [
            Self.status("10:02:00", "beta", "PAUSED", reason: "AutoPaused: shard [beta][0] failed"),
            Self.status("10:03:00", "beta", "FAILED", reason: ""), Self.status("10:04:00", "=beta", "RUNNING"),
            Self.error("10:04:30", "beta", code: 400, type: "illegal_argument_exception"),
        ]
        let gzip = dir.file("second.jsonl.gz").path
        try Data(
            try SystemGzip.compress(Array((second.joined(separator: "\n") + "\n").utf8))
                + SystemGzip.compress(Array(third.joined(separator: "\n").utf8))
        ).write(to: URL(fileURLWithPath: gzip))

        // A gzip file cut short: the lines inflated before the cut count.
        var fourth: [String] = []
        for minute in 5..<50 { fourth.append(Self.status(String(format: "10:%02d:00", minute), "beta", "SYNCING")) }
        let whole = try SystemGzip.compress(Array(fourth.joined(separator: "\n").utf8))
        let damaged = dir.file("damaged.jsonl.gz").path
        try Data(whole.dropLast(30)).write(to: URL(fileURLWithPath: damaged))

        // A verbose capture with hot shards, and odd lines of its own.
        let verbose = dir.file("verbose.jsonl.gz").path
        let simulate = try Replstat.run([
            "simulate", "--indices", "6", "--polls", "80", "--verbose", "--shards", "4", "--hot-shard", "--dirty",
            "--start", "2026-11-28T10:00:00Z", "--output", verbose,
        ])
        #expect(simulate.status == 0, "\(simulate.stderr)")

        // A line over 2,000 bytes (too long with --max-line-bytes 2000), and no LF at the end.
        let long = Self.status("10:20:00", "delta", reason: String(repeating: "x", count: 2500))
        let last = dir.file("last.jsonl").path
        try Data((long + "\n" + Self.status("10:21:00", "delta")).utf8).write(to: URL(fileURLWithPath: last))

        let missing = dir.file("missing.jsonl").path
        all = [plain, gzip, damaged, missing, verbose, plain, last]
        undamaged = [plain, gzip, verbose, last]
    }
}

/// Each step's messages and exit statuses at the command line (docs/distributed.md).
@Suite struct DistributedStepsTests {
    static let sample = DistributedTests.samples[0]

    func split(_ arguments: [String]) throws -> Replstat.Run {
        try Replstat.run(["split"] + arguments)
    }

    @Test func splitEndsWithItsSourceRecordEvenWhenTheSourceCannotBeOpened() throws {
        let dir = try TemporaryDirectory()
        let missing = dir.file("missing.jsonl.gz").path
        let run = try split(["--partitions", "4", "--source-ordinal", "2", "--source-name", "day 2", missing])
        #expect(run.status == 1)
        #expect(run.stderr == "replstat: day 2: cannot open: No such file or directory\n")
        let lines = run.stdoutText.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines[0].hasPrefix("S\treplstat-partial\t2\tsource\t"))
        #expect(lines[0].contains("\t2\tday%202\t0\t"))
        #expect(lines[0].hasSuffix("\tunreadable\t\tNo%20such%20file%20or%20directory"))
    }

    @Test func splitWritesRecordsInLineOrderThenItsSourceRecord() throws {
        let run = try split(["--partitions", "3", "--source-ordinal", "0", Self.sample])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdoutText.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.last?.hasPrefix("S\t") == true)
        var previous = 0
        for line in lines.dropLast() {
            let fields = line.split(separator: "\t", maxSplits: 3)
            #expect(["0", "1", "2"].contains(fields[0]) && fields[1] == "0")
            let number = Int(fields[2])!
            #expect(number > previous)
            previous = number
        }
    }

    @Test(arguments: [
        (["--partitions", "0", "--source-ordinal", "0", "x"], "--partitions"),
        (["--partitions", "1000001", "--source-ordinal", "0", "x"], "--partitions"),
        (["--partitions", "2", "--source-ordinal", "-1", "x"], "--source-ordinal"),
        (["--partitions", "2", "x"], "--source-ordinal"),
        (["--partitions", "2", "--source-ordinal", "0", "--max-line-bytes", "2000000000", "x"], "--max-line-bytes"),
    ])
    func splitUsageErrors(_ arguments: [String], _ named: String) throws {
        let run = try split(arguments)
        #expect(run.status == 2)
        #expect(run.stderr.contains(named), "\(run.stderr)")
    }

    @Test(arguments: [
        ("0\t0\t2\t{}\n0\t0\t1\t{}\n", "line 2 (source 0, line 1) comes after (source 0, line 2)"),
        ("0\t1\t1\t{}\n0\t0\t5\t{}\n", "line 2 (source 0, line 5) comes after (source 1, line 1)"),
        ("0\t0\t1\t{}\n0\t0\t1\t{}\n", "line 2 (source 0, line 1) comes after (source 0, line 1)"),
        ("0\t0\t1\t{}\nnot a record\n", "line 2 is not a record"),
        ("S\treplstat-partial\t2\tsource\n", "line 1 is a source record (S), which goes to merge"),
        ("0\t0\t1\t{}", "line 1 ends without LF"),
        ("0\t2147483648\t1\t{}\n", "line 1 has the source ordinal 2147483648, past any source"),
    ])
    func partialRefusesRecordsOutOfOrderOrMalformed(_ records: String, _ says: String) throws {
        let run = try Replstat.run(["analyze", "--format", "partial", "-"], stdin: Data(records.utf8))
        #expect(run.status == 2)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.contains("replstat: -: " + says), "\(run.stderr)")
    }

    @Test func partialOfNothingIsAnEmptyDocument() throws {
        let run = try Replstat.run(["analyze", "--format", "partial", "-"], stdin: Data())
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdoutText.hasPrefix("replstat-partial\t2\tpartition\treorder-window=300000\t"))
        #expect(run.stdoutText.hasSuffix("\nend\t1\n"))
    }

    @Test func partialUsageErrors() throws {
        for arguments in [["a", "b"], ["--rejects", "r.jsonl", "-"], ["--strict", "-"]] {
            let run = try Replstat.run(["analyze", "--format", "partial"] + arguments)
            #expect(run.status == 2, "\(arguments)")
            #expect(run.stderr.contains("--format partial"), "\(run.stderr)")
        }
        let missing = try Replstat.run(["analyze", "--format", "partial", "/nonexistent/records"])
        #expect(missing.status == 1)
        #expect(missing.stderr == "replstat: /nonexistent/records: cannot open: No such file or directory\n")
    }

    /// Partials in a folder, as the script leaves them with --keep.
    func kept(in dir: TemporaryDirectory, options: [String] = []) throws -> (partials: [String], sources: [String]) {
        let run = try Replstat.bash(
            ([DistributedTests.script, "--partitions", "2", "--keep", dir.path, "--format", "json"] + options
                + [Self.sample]).map(DistributedTests.quote).joined(separator: " ") + " > /dev/null",
            environment: ["REPLSTAT_BIN": Replstat.binary.path, "PATH": "/usr/bin:/bin"])
        #expect(run.status == 0, "\(run.stderr)")
        let runs = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("run.") }
        let work = dir.url.appendingPathComponent(runs[0])
        func files(_ folder: String) throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: work.appendingPathComponent(folder).path).sorted().map {
                work.appendingPathComponent(folder).appendingPathComponent($0).path
            }
        }
        return (try files("partials"), try files("sources"))
    }

    @Test func mergeRefusesPartialsThatDoNotGoTogether() throws {
        let dir = try TemporaryDirectory()
        let (partials, sources) = try kept(in: dir)
        let other = try TemporaryDirectory()
        let (otherPartials, _) = try kept(in: other, options: ["--max-gap", "120"])
        let cases: [([String], Int32, String)] = [
            (partials, 2, "no source record among the partials"),
            ([partials[0]] + sources, 2, "but the partials account for"),
            (partials + [partials[0]] + sources, 2, "is also in another partial"),
            ([partials[0], otherPartials[1]] + sources, 2, "different settings (--max-gap 120 and 300)"),
            (partials + sources + ["/nonexistent/partial"], 1, "/nonexistent/partial: cannot open"),
        ]
        for (files, status, says) in cases {
            let run = try Replstat.run(["merge", "--format", "json"] + files)
            #expect(run.status == status, "\(says): \(run.stderr)")
            #expect(run.stderr.contains(says), "\(run.stderr)")
            #expect(run.stdout.isEmpty)
        }
        let whole = try Replstat.run(["merge", "--format", "json"] + sources + partials.reversed())
        #expect(whole.status == 0, "\(whole.stderr)")
        #expect(whole.stdout == (try Replstat.run(["analyze", "--format", "json", Self.sample])).stdout)
    }

    /// Partials of an analysis with a --max-line-bytes above merge's default: merge takes them
    /// once given the same --max-line-bytes (the script passes it on), and gives analyze's report.
    @Test func mergeTakesLongerLinesWhenTold() throws {
        let dir = try TemporaryDirectory()
        let (partials, sources) = try kept(in: dir, options: ["--max-line-bytes", "2000000"])
        let refused = try Replstat.run(["merge", "--format", "json"] + partials + sources)
        #expect(refused.status == 2)
        #expect(
            refused.stderr.contains("made with --max-line-bytes 2000000, more than merge takes"), "\(refused.stderr)")
        let merged = try Replstat.run(
            ["merge", "--max-line-bytes", "2000000", "--format", "json"] + partials + sources)
        #expect(merged.status == 0, "\(merged.stderr)")
        let single = try Replstat.run(["analyze", "--max-line-bytes", "2000000", "--format", "json", Self.sample])
        #expect(merged.stdout == single.stdout)
    }

    @Test func mergeUsageErrors() throws {
        let none = try Replstat.run(["merge"])
        #expect(none.status == 2)
        #expect(none.stderr.contains("Give the partial results"), "\(none.stderr)")
        let csv = try Replstat.run(["merge", "--format", "csv", "x"])
        #expect(csv.status == 2)
        #expect(csv.stderr.contains("--out DIR"), "\(csv.stderr)")
        let dir = try TemporaryDirectory()
        let same = try Replstat.run(["merge", "--format", "markdown", "--out", dir.path, dir.file("report.md").path])
        #expect(same.status == 2)
        #expect(same.stderr.contains("also a source"), "\(same.stderr)")
        let tooLong = try Replstat.run(["merge", "--max-line-bytes", "1073741825", "x"])
        #expect(tooLong.status == 2)
        #expect(
            tooLong.stderr.contains(
                "--max-line-bytes must be a number of bytes, a whole number from 0 to 1073741824, not '1073741825'."),
            "\(tooLong.stderr)")
    }
}
