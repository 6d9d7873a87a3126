import Foundation
import Testing

/// The Spark job of pipelines/spark, run by Apache Spark in local mode (`local[2]`): every report
/// byte-identical to `replstat analyze`'s on the same sources in the same order, and the same exit
/// status. Spark takes 10 to 20 s to start, so each run writes every format, and the runs are
/// serialized (two JVMs at once would only slow each other down on a small machine).
@Suite(.serialized, .timeLimit(.minutes(20))) struct SparkTests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let submit = repository.appendingPathComponent("pipelines/spark/submit")
    static let job = repository.appendingPathComponent("pipelines/spark/replstat_spark.py")
    static let formats = ["csv", "markdown", "json", "html"]

    /// The job, submitted from `directory` (where the sources' relative names start). In client
    /// mode Spark hands on the Python driver's standard error on its standard output: the job's
    /// messages and merge's are there, Spark's own on standard error.
    private func spark(_ arguments: [String], in directory: URL, replstat: URL = Replstat.binary) throws -> Replstat.Run
    {
        let command =
            [
                Self.submit.path, "--master", "local[2]", "--conf", "spark.ui.enabled=false",
                "--conf", "spark.log.level=WARN", Self.job.path, "--replstat", replstat.path,
            ] + arguments
        return try Replstat.bash("cd \(quoted(directory.path)) && " + command.map(quoted).joined(separator: " "))
    }

    private func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Every file under `folder` (relative path -> bytes).
    private func files(in folder: URL) throws -> [String: Data] {
        var found: [String: Data] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] {
            found[name] = try Data(contentsOf: folder.appendingPathComponent(name))
        }
        return found
    }

    /// Runs `replstat analyze` in `directory` once per format on the same sources with the same
    /// options, writing into `scratch`, and expects the job's folder to hold exactly their
    /// reports, its status to be theirs, and its output to say what they said. Returns analyze's
    /// CSV folder, to check the test's premises.
    @discardableResult
    private func expectReportsOfAnalyze(
        _ job: Replstat.Run, out: URL, sources: [String], options: [String] = [], in directory: URL,
        scratch: TemporaryDirectory
    ) throws -> URL {
        var expected: [String: Data] = [:]
        for format in Self.formats {
            let folder = scratch.file("analyze-\(format)")
            let run = try Replstat.run(
                ["analyze", "--format", format, "--out", folder.path] + options + ["--"] + sources, in: directory)
            #expect(
                job.status == run.status, "\(format): analyze exited with \(run.status)\n\(job.stdoutText)\(job.stderr)"
            )
            for line in run.stderr.split(separator: "\n") {
                #expect(job.stdoutText.contains(line), "analyze said \(line); the job did not:\n\(job.stdoutText)")
            }
            expected.merge(try files(in: folder)) { first, _ in first }
        }
        let written = try files(in: out)
        #expect(written.keys.sorted() == expected.keys.sorted())
        for (name, bytes) in expected.sorted(by: { $0.key < $1.key }) {
            guard let got = written[name] else { continue }
            let firstDifference =
                zip(got, bytes).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                ?? min(got.count, bytes.count)
            #expect(
                got == bytes, "\(name): differs from byte \(firstDifference) (\(got.count) and \(bytes.count) bytes)")
        }
        return scratch.file("analyze-csv")
    }

    /// The total row of quality.csv: outcome -> count.
    private func totals(_ csvFolder: URL) throws -> [String: Int] {
        let rows = CSV.parse(try String(contentsOf: csvFolder.appendingPathComponent("quality.csv"), encoding: .utf8))
        return Dictionary(uniqueKeysWithValues: rows.filter { $0.first == "*" }.map { ($0[1], Int($0[2]) ?? -1) })
    }

    @Test func theSamplesGiveTheReportsOfAnalyze() throws {
        let samples = try FileManager.default.contentsOfDirectory(
            atPath: Self.repository.appendingPathComponent("samples").path
        )
        .filter { $0.hasSuffix(".jsonl.gz") }.sorted().map { "samples/\($0)" }
        try #require(samples.count == 5)
        let scratch = try TemporaryDirectory()
        let out = scratch.file("spark")
        let job = try spark(
            ["--partitions", "3", "--format", Self.formats.joined(separator: ","), "--out", out.path] + samples,
            in: Self.repository)
        #expect(job.status == 0, "\(job.stdoutText)\(job.stderr)")
        try expectReportsOfAnalyze(job, out: out, sources: samples, in: Self.repository, scratch: scratch)
    }

    /// Sources of one capture: `replstat simulate --dirty --verbose` (rejects, late and duplicate
    /// lines, shard details) cut into files, each index's lines spread over all of them; lines
    /// of file a copied into c (duplicates and late samples whose first copy is in another
    /// file); b plain, with a byte-order mark, CRLF line ends, a line that is not UTF-8 (split
    /// rejects it) and one with tabs and a name beyond ASCII (a record of raw bytes); d a
    /// gzip file cut short (damage), named before the others; a named twice.
    private func dirtyCapture(in directory: TemporaryDirectory) throws -> [String] {
        let simulated = try Replstat.run([
            "simulate", "--dirty", "--verbose", "--shards", "3", "--hot-shard", "--indices", "8", "--polls", "150",
            "--seed", "14",
        ])
        try #require(simulated.status == 0, "\(simulated.stderr)")
        let lines = simulated.stdout.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast()
            .map { Array($0) + [UInt8(ascii: "\n")] }
        let third = lines.count / 3
        let (a, b, c) = (lines[..<third], lines[third..<2 * third], lines[(2 * third)...])
        let notUTF8 =
            Array(#"{"@timestamp":"2026-11-28T00:20:00Z","index":"follower-"#.utf8) + [0xFF, 0xFE]
            + Array(#"","response":{"status":"SYNCING"}}"#.utf8) + [UInt8(ascii: "\n")]
        // Records carry raw bytes: a tab between JSON tokens, a name in UTF-8 beyond ASCII.
        let tabbed =
            Array("{\"@timestamp\":\"2026-11-28T00:21:00Z\",\t\"index\":\"follower-\u{E9}\u{1F600}\",".utf8)
            + Array("\t\"response\":{\"status\":\"PAUSED\"}}\n".utf8)
        let bText = [0xEF, 0xBB, 0xBF] + b.flatMap { $0.dropLast() + Array("\r\n".utf8) } + notUTF8 + tabbed
        try Data(SystemGzip.compress(Array(a.joined()))).write(to: directory.file("a.jsonl.gz"))
        try Data(bText).write(to: directory.file("b.jsonl"))
        let copies = Array(b.suffix(30).joined()) + Array(a.prefix(30).joined())
        try Data(SystemGzip.compress(copies + Array(c.joined()))).write(to: directory.file("c.jsonl.gz"))
        let damaged = try SystemGzip.compress(Array(c.joined()))
        try Data(damaged.prefix(damaged.count * 2 / 3)).write(to: directory.file("d.jsonl.gz"))
        return ["d.jsonl.gz", "a.jsonl.gz", "b.jsonl", "missing.jsonl.gz", "c.jsonl.gz", "a.jsonl.gz"]
    }

    /// Local reader; a source damaged and one missing (exit 1, what was read still reported).
    @Test func aDirtyCaptureInFilesGivesTheReportsOfAnalyze() throws {
        let scratch = try TemporaryDirectory()
        let sources = try dirtyCapture(in: scratch)
        let out = scratch.file("spark")
        let job = try spark(
            ["--partitions", "5", "--format", Self.formats.joined(separator: ","), "--out", out.path] + sources,
            in: scratch.url)
        #expect(job.status == 1, "\(job.stdoutText)\(job.stderr)")
        let csv = try expectReportsOfAnalyze(job, out: out, sources: sources, in: scratch.url, scratch: scratch)
        let outcomes = try totals(csv)
        for outcome in ["late", "duplicate", "invalid_json", "blank", "status"] {
            #expect(outcomes[outcome, default: 0] > 0, "the capture has no \(outcome) line: \(outcomes)")
        }
        #expect(try String(contentsOf: csv.appendingPathComponent("shards.csv"), encoding: .utf8).count > 200)
    }

    /// The Hadoop reader (Spark's binaryFiles, standard input of split), records shuffled in
    /// chunks of one or two records, analysis options passed through, and --strict: exit 3.
    @Test func strictWithTheHadoopReaderGivesTheReportsOfAnalyze() throws {
        let scratch = try TemporaryDirectory()
        let sources = try dirtyCapture(in: scratch).filter { $0 != "d.jsonl.gz" && $0 != "missing.jsonl.gz" }
        let options = ["--reorder-window", "30", "--max-gap", "45.5", "--stall-after", "20", "--max-line-bytes", "900"]
        let out = scratch.file("spark")
        let job = try spark(
            [
                "--reader", "hadoop", "--chunk-bytes", "1", "--partitions", "3", "--strict", "--format", "csv",
                "--format", "markdown,json,html", "--out", out.path,
            ] + options + sources,
            in: scratch.url)
        #expect(job.status == 3, "\(job.stdoutText)\(job.stderr)")
        let csv = try expectReportsOfAnalyze(
            job, out: out, sources: sources, options: options + ["--strict"], in: scratch.url, scratch: scratch)
        let outcomes = try totals(csv)
        #expect(outcomes["line_too_long", default: 0] > 0 && outcomes["status", default: 0] > 0, "\(outcomes)")
    }

    /// A replstat that fails on an executor fails the job, with its command and standard error,
    /// and nothing is written.
    @Test func aCrashOnAnExecutorFailsTheJobWithItsMessage() throws {
        let scratch = try TemporaryDirectory()
        let impostor = try scratch.write(
            "replstat",
            """
            #!/bin/sh
            if [ "$1" = analyze ]; then echo "the partial analysis broke" >&2; kill -SEGV $$; fi
            exec \(quoted(Replstat.binary.path)) "$@"

            """)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: impostor.path)
        let out = scratch.file("spark")
        let job = try spark(
            ["--format", "csv,markdown", "--out", out.path, "samples/healthy.jsonl.gz"], in: Self.repository,
            replstat: impostor)
        #expect(job.status == 4, "\(job.stdoutText)\(job.stderr)")
        #expect(
            job.stdoutText.contains(
                "replstat_spark.py: the job failed: replstat analyze --format=partial - was killed by signal 11:\n"
                    + "the partial analysis broke\n"), "\(job.stdoutText)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    /// Mistakes in the arguments: status 2 and a message, before Spark starts.
    @Test(arguments: [
        (["--max-gap", "soon", "--out", "x", "a.jsonl.gz"], "--max-gap must be seconds between 0 and"),
        (["--format", "csv", "a.jsonl.gz"], "the following arguments are required: --out"),
        (["--format", "pdf", "--out", "x", "a.jsonl.gz"], "unknown format 'pdf'"),
        (["--out", "x", "-"], "standard input cannot be spread over a cluster"),
        (["--out", "x", "hdfs://namenode/captures/*.jsonl.gz"], "Hadoop would read this as a pattern"),
        (["--partitions", "0", "--out", "x", "a.jsonl.gz"], "'0' must be at least 1"),
    ])
    func aMistakeIsAUsageError(arguments: [String], message: String) throws {
        let scratch = try TemporaryDirectory()
        let job = try spark(arguments, in: scratch.url)
        #expect(job.status == 2, "\(job.stdoutText)\(job.stderr)")
        #expect(job.stdoutText.contains(message), "\(job.stdoutText)")
        #expect(!job.stderr.contains("SparkContext"), "Spark started: \(job.stderr)")
    }
}
