import Foundation
import Testing

/// Hostile inputs to the distributed commands (docs/distributed.md): whatever the bytes, a clear
/// message and an exit status, never a crash, a hang or a report the inputs do not support.
@Suite struct DistributedHostileTests {
    static let settings = "reorder-window=300000\tmax-gap=300000\tstall-after=60000\tmax-line-bytes=1048576"
    /// The most lines a document may claim of one outcome.
    static let most = 1 << 48

    /// A source record of ordinal `ordinal` whose `lines` lines are all blank.
    static func sourceRecord(_ ordinal: Int, lines: Int) -> String {
        "S\treplstat-partial\t2\tsource\t\(settings)\t\(ordinal)\tsource-\(ordinal)\t\(lines)\t\(lines)"
            + String(repeating: "\t0", count: 13) + "\t\t\t\n"
    }

    /// A partition document that claims `count` lines of every outcome of source 0.
    static func partition(claiming count: Int) -> String {
        "replstat-partial\t2\tpartition\t\(settings)\nsource\t0"
            + String(repeating: "\t\(count)", count: 14) + "\nend\t2\n"
    }

    /// A partition of source 0's one line, a status sample of the index `a`, claiming `samples`.
    static func oneIndex(samples: Int) -> String {
        """
        replstat-partial\t2\tpartition\t\(settings)
        source\t0\t0\t1\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0
        name\ta
        index\t0\t\(samples)\t0\t-1\t-1\t1767225600000\t1767225600000\tsyncing\tsyncing\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t\t\t\t\t\t\t\t\t0\t\t\t\t0\t0\t\t\t\t
        end\t4

        """
    }

    /// `documents` in a file of a new temporary folder, which lives as long as the folder.
    static func write(_ documents: String) throws -> (folder: TemporaryDirectory, path: String) {
        let folder = try TemporaryDirectory()
        let file = folder.file("partials")
        try Data(documents.utf8).write(to: file)
        return (folder, file.path)
    }

    /// The documents of each case of `countsBeyondWhatAnAnalysisGivesAreRefused` (made in the
    /// test, so that its arguments stay short in the test's log).
    static func hostileCounts(_ what: String) -> String {
        switch what {
        case "partitions": String(repeating: partition(claiming: most), count: 3000) + sourceRecord(0, lines: most)
        case "sources": (0..<40_000).map { sourceRecord($0, lines: most) }.joined()
        default:
            oneIndex(samples: most)
                + sourceRecord(0, lines: 1).replacingOccurrences(of: "\t1\t1\t0", with: "\t1\t0\t0")
        }
    }

    /// Counts each within the format's limit whose sums do not fit in 64 bits (many partitions
    /// claiming lines of one source, many sources of the most lines), and more samples than lines.
    @Test(arguments: [
        ("partitions", "the partials claim more than 281474976710656 lines of source 0"),
        ("sources", "the source records claim more than 281474976710656 lines in all"),
        ("samples", "the indices have more samples than the sources have lines"),
    ])
    func countsBeyondWhatAnAnalysisGivesAreRefused(_ what: String, _ says: String) throws {
        let (folder, path) = try Self.write(Self.hostileCounts(what))
        for format in ["markdown", "json"] {
            let run = try Replstat.run(["merge", "--format", format, path])
            #expect(run.status == 1, "\(what): \(run.stderr.prefix(300))")
            #expect(run.stderr.contains(says), "\(what): \(run.stderr.prefix(300))")
            #expect(run.stdout.isEmpty)
        }
        withExtendedLifetime(folder) {}
    }

    /// A partial that claims the largest --max-line-bytes, then a line of 20 MB: merge refuses it
    /// at its header (status 2) rather than reading lines up to three times that claim, unless
    /// merge itself was given that --max-line-bytes.
    @Test func mergeHoldsNoLongerLinesThanItsOwnLimit() throws {
        let claim = Self.settings.replacingOccurrences(of: "max-line-bytes=1048576", with: "max-line-bytes=1073741824")
        let (folder, path) = try Self.write(
            "replstat-partial\t2\tpartition\t\(claim)\ntext\t" + String(repeating: "x", count: 20_000_000) + "\n")
        let refused = try Replstat.run(["merge", "--format", "json", path])
        #expect(refused.status == 2)
        #expect(
            refused.stderr
                == "replstat: \(path): line 1: made with --max-line-bytes 1073741824, more than merge takes "
                + "(--max-line-bytes 1048576): give merge the --max-line-bytes of the analysis\n")
        #expect(refused.stdout.isEmpty)
        let allowed = try Replstat.run(["merge", "--max-line-bytes", "1073741824", "--format", "json", path])
        #expect(allowed.status == 1)
        #expect(allowed.stderr.contains("line 2: ends before the document's 'end' line"), "\(allowed.stderr)")
        withExtendedLifetime(folder) {}
    }

    /// Documents of different settings in one file: the message names the file once.
    @Test func settingsThatDifferInOneFile() throws {
        let other = Self.settings.replacingOccurrences(of: "max-gap=300000", with: "max-gap=120000")
        let (folder, path) = try Self.write(
            Self.sourceRecord(0, lines: 0)
                + Self.sourceRecord(1, lines: 0).replacingOccurrences(of: Self.settings, with: other))
        let run = try Replstat.run(["merge", "--format", "json", path])
        withExtendedLifetime(folder) {}
        #expect(run.status == 2)
        #expect(
            run.stderr
                == "replstat: \(path) holds documents that come from analyses with different settings "
                + "(--max-gap 120 and 300): run split and every partial analysis with the same options\n")
    }

    /// A failure at byte -1: no read stops before the start of a file. Refused, its line named.
    @Test func aFailureOffsetBeforeTheStart() throws {
        let failed = Self.sourceRecord(1, lines: 0).replacingOccurrences(
            of: "\t\t\t\n", with: "\ttruncatedGzip\t-1\tcut\n")
        let (folder, path) = try Self.write(Self.sourceRecord(0, lines: 0) + failed)
        let run = try Replstat.run(["merge", "--format", "json", path])
        withExtendedLifetime(folder) {}
        #expect(run.status == 1, "\(run.stderr)")  // as every damaged partial
        #expect(
            run.stderr.hasPrefix(
                "replstat: \(path): line 2: field 25 of the 'replstat-partial' line (failure offset) is '-1': "
                    + "not a partial document of replstat, or damaged; make it again with `replstat split`"),
            "\(run.stderr)")
    }

    /// A record whose line number has more digits than a record has: out of range, said so.
    @Test func aLineNumberPastTheRange() throws {
        let run = try Replstat.run(
            ["analyze", "--format", "partial", "-"], stdin: Data("0\t0\t9223372036854775807\t{}\n".utf8))
        #expect(run.status == 2)
        #expect(
            run.stderr.hasPrefix(
                "replstat: -: line 1 is not a record: its line number is out of range (0 to 999999999999999999);"),
            "\(run.stderr)")
    }

    /// Source files whose names a shell or an option parser could misread: the script's reports
    /// and status are analyze's, and nothing in a name runs.
    @Test func hostileFileNamesInTheScript() throws {
        let dir = try TemporaryDirectory()
        let names = [
            "-lead.jsonl.gz", "sp ace'q\"$(touch pwned)`touch pwned`.jsonl.gz", "new\nline.jsonl.gz",
            "tab\t%41.jsonl.gz",
        ]
        for (name, sample) in zip(names, DistributedTests.samples) {
            try FileManager.default.copyItem(atPath: sample, toPath: dir.file(name).path)
        }
        let single = try Replstat.run(["analyze", "--format", "json", "--"] + names, in: dir.url)
        let distributed = try Replstat.bash(
            "cd \(DistributedTests.quote(dir.path)) && \(DistributedTests.quote(DistributedTests.script)) --partitions 3 "
                + "--format json -- " + names.map(DistributedTests.quote).joined(separator: " "),
            environment: ["REPLSTAT_BIN": Replstat.binary.path, "PATH": "/usr/bin:/bin"])
        #expect(single.status == 0, "\(single.stderr)")
        #expect(distributed.status == single.status, "\(distributed.stderr)")
        #expect(distributed.stderr == single.stderr)
        #expect(distributed.stdout == single.stdout)
        #expect(!FileManager.default.fileExists(atPath: dir.file("pwned").path))
    }

    /// 30,000 indices seen in the year 1 and again in 9999: their gaps add up past 64 bits of
    /// milliseconds. The Markdown and HTML reports crashed on the sum, a single run's as a merge's.
    @Test func gapsWhoseSumPassesSixtyFourBits() throws {
        let dir = try TemporaryDirectory()
        let capture = dir.file("capture.jsonl")
        var lines = ""
        for time in ["0001-01-01T00:00:00Z", "9999-01-01T00:00:00Z"] {
            for index in 0..<30_000 {
                lines += #"{"timestamp":"\#(time)","index":"i\#(index)","status":"SYNCING"}"# + "\n"
            }
        }
        try Data(lines.utf8).write(to: capture)
        let single = try Replstat.run(["analyze", capture.path])
        #expect(single.status == 0, "\(single.stderr.prefix(300))")
        // 3,651,694 days from 0001-01-01 to 9999-01-01 (Python's datetime.date), 30,000 times.
        #expect(single.stdoutText.contains("- Capture gaps: 30,000 (109,550,820,000d 00h in all)"))
        let html = try Replstat.run(["analyze", "--format", "html", capture.path])
        #expect(html.status == 0, "\(html.stderr.prefix(300))")
        let distributed = try Replstat.bash(
            "\(DistributedTests.quote(DistributedTests.script)) --partitions 2 \(DistributedTests.quote(capture.path))",
            environment: ["REPLSTAT_BIN": Replstat.binary.path, "PATH": "/usr/bin:/bin"])
        #expect(distributed.status == 0, "\(distributed.stderr.prefix(300))")
        #expect(distributed.stdout == single.stdout)
    }

    /// A partial whose second line has no end, or no LF: the message names line 2, not line 1.
    @Test(arguments: [
        (500_000, "line 2: longer than 458752 bytes"),
        (10, "line 2: ends without LF: the file was cut short"),
    ])
    func mergeNamesTheLineThatIsDamaged(_ length: Int, _ says: String) throws {
        let (folder, path) = try Self.write(Self.sourceRecord(0, lines: 0) + String(repeating: "x", count: length))
        let run = try Replstat.run(["merge", "--format", "json", path])
        withExtendedLifetime(folder) {}
        #expect(run.status == 1)
        #expect(run.stderr.hasPrefix("replstat: \(path): \(says)"), "\(run.stderr)")
    }

    /// A source named by a path of 30,000 bytes, most of them beyond ASCII (percent-encoded, its
    /// S record is 76 KB): analyze cannot open it and says so in its reports; merge says the same,
    /// rather than refusing the record as too long.
    @Test func aSourceWithAVeryLongName() throws {
        let dir = try TemporaryDirectory()
        let name = String(repeating: "./", count: 2000) + String(repeating: "é", count: 12_000) + ".jsonl"
        let single = try Replstat.run(["analyze", "--format", "json", name], in: dir.url)
        #expect(single.status == 1)
        #expect(single.stderr.contains("cannot open"), "\(single.stderr.prefix(200))")
        let split = try Replstat.run(
            ["split", "--partitions", "2", "--source-ordinal", "0", "--source-name=" + name, "--", name], in: dir.url)
        #expect(split.status == 1)
        let records = dir.file("records")
        try split.stdout.write(to: records)
        let merged = try Replstat.run(["merge", "--format", "json", records.path])
        #expect(merged.status == single.status)
        #expect(merged.stderr == single.stderr, "\(merged.stderr.prefix(300))")
        #expect(merged.stdout == single.stdout)
    }

    /// More partials than one command line holds (720 partitions, the script's folder 3,000 bytes
    /// deep): merge still gets them all, and the script exits with merge's status, not 126.
    @Test func morePartialsThanACommandLineHolds() throws {
        let dir = try TemporaryDirectory()
        let deep = dir.url.appendingPathComponent(
            Array(repeating: String(repeating: "d", count: 250), count: 12).joined(separator: "/"))
        try FileManager.default.createDirectory(at: deep, withIntermediateDirectories: true)
        let sample = DistributedTests.samples[4]
        let single = try Replstat.run(["analyze", "--format", "json", sample])
        let distributed = try Replstat.bash(
            "\(DistributedTests.quote(DistributedTests.script)) --partitions 720 --format json \(DistributedTests.quote(sample))",
            environment: ["REPLSTAT_BIN": Replstat.binary.path, "PATH": "/usr/bin:/bin", "TMPDIR": deep.path])
        #expect(distributed.status == single.status, "\(distributed.stderr.prefix(300))")
        #expect(distributed.stdout == single.stdout)
    }
}
