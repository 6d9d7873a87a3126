import Foundation
import ReplStatCore
import Testing

/// Damaged and odd input through the command: never a crash, the exit status of docs/format.md, the
/// lines before the damage reported, and a message that names the source and the byte offset;
/// the same with either inflater (`REPLSTAT_INFLATE`).
@Suite(.timeLimit(.minutes(10))) struct DamagedInputTests {
    /// A small gzip capture of two members, and the plain bytes it holds.
    static let capture: (gzip: Data, plain: Data) = {
        let plain = try! Data(contentsOf: Conformance.casesDirectory.appendingPathComponent("lifecycle/capture.jsonl"))
        let half = plain.count / 2
        return (gzip(plain.prefix(half)) + gzip(plain.suffix(from: half)), plain)
    }()

    static func gzip(_ data: Data) -> Data {
        Data(try! SystemGzip.compress([UInt8](data)))
    }

    /// The test's environment, with `REPLSTAT_INFLATE` naming `inflater`.
    static func environment(_ inflater: Inflater) -> [String: String] {
        ProcessInfo.processInfo.environment.merging([Inflater.environmentVariable: inflater.rawValue]) { $1 }
    }

    private func analyze(
        _ bytes: Data, name: String = "damaged.jsonl.gz", inflater: Inflater = .isal
    ) throws -> (Replstat.Run, [[String]]) {
        let dir = try TemporaryDirectory()
        let source = dir.file(name)
        try bytes.write(to: source)
        let run = try Replstat.run(
            ["analyze", "--format", "csv", "--out", dir.url.path, source.path], environment: Self.environment(inflater))
        let quality = CSV.parse((try? String(contentsOf: dir.file("quality.csv"), encoding: .utf8)) ?? "")
        return (run, quality)
    }

    private func count(_ quality: [[String]], _ outcome: String) -> Int {
        Int(quality.first { $0.count == 3 && $0[0] == "*" && $0[1] == outcome }?[2] ?? "") ?? -1
    }

    @Test(arguments: Inflater.allCases)
    func truncatedAtManyOffsets(inflater: Inflater) throws {
        let (gzip, plain) = Self.capture
        let wholeLines = plain.split(separator: 0x0A).count
        var offsets = Array(stride(from: 1, to: gzip.count, by: max(1, gzip.count / 40)))
        offsets.append(gzip.count - 1)
        for offset in offsets {
            let (run, quality) = try analyze(gzip.prefix(offset), inflater: inflater)
            // Cut inside a member: damage (exit 1) with the offset; cut right after the first member:
            // a complete file of one member.
            #expect(run.status == 1 || run.status == 0, "offset \(offset): \(run.status)")
            if run.status == 1 {
                #expect(run.stderr.contains("damaged.jsonl.gz"), "offset \(offset)")
                #expect(run.stderr.contains("at byte"), "offset \(offset)")
            }
            let lines = count(quality, "lines")
            #expect(lines >= 0 && lines <= wholeLines, "offset \(offset): \(lines) lines")
        }
    }

    static func flipBits(seed: Int) -> Data {
        var gzip = capture.gzip
        var generator = SplitMix64(seed: UInt64(seed))
        for _ in 0..<(1 + seed % 3) {
            let at = Int.random(in: 0..<gzip.count, using: &generator)
            gzip[at] ^= UInt8(1 << Int.random(in: 0..<8, using: &generator))
        }
        return gzip
    }

    @Test(arguments: Inflater.allCases, 0..<30)
    func bitFlipsNeverCrash(inflater: Inflater, seed: Int) throws {
        let (run, quality) = try analyze(Self.flipBits(seed: seed), inflater: inflater)
        #expect((0...1).contains(run.status), "seed \(seed): status \(run.status), \(run.stderr)")
        // Whatever happened, every line read is counted once.
        let lines = count(quality, "lines")
        let parts = [
            "blank", "status", "error", "line_too_long", "invalid_json", "not_object", "missing_timestamp",
            "invalid_timestamp", "invalid_field", "missing_index", "missing_status", "unknown_status", "late",
            "duplicate",
        ].map { count(quality, $0) }
        #expect(lines == parts.reduce(0, +))
    }

    /// A flipped byte in the second member's CRC-32, or in its length: the message names the byte
    /// where that field starts (8 or 4 bytes before the end of the member gzip wrote), the same
    /// with either inflater, from a file and from standard input; every line of both members counts.
    @Test(arguments: [(8, "CRC-32 mismatch"), (4, "length mismatch")])
    func aBadTrailerIsReportedAtItsField(fromEnd: Int, why: String) throws {
        let plain = Self.capture.plain
        let half = plain.count / 2
        let (first, second) = (Self.gzip(plain.prefix(half)), Self.gzip(plain.suffix(from: half)))
        var bytes = first + second
        let field = first.count + second.count - fromEnd
        bytes[field] ^= 0x20
        let dir = try TemporaryDirectory()
        let source = dir.file("bad-trailer.jsonl.gz")
        try bytes.write(to: source)
        let expected =
            "\(source.path): corrupt gzip member at byte \(field) (\(why)); "
            + "lines inflated before the damage showed were analyzed\n"
        for inflater in Inflater.allCases {
            let fromFile = try Replstat.run(
                ["analyze", "--format", "csv", "--out", dir.file("out").path, source.path],
                environment: Self.environment(inflater))
            #expect(fromFile.status == 1, "\(inflater)")
            #expect(fromFile.stderr.hasSuffix(expected), "\(inflater): \(fromFile.stderr)")
            let quality = CSV.parse(try String(contentsOf: dir.file("out/quality.csv"), encoding: .utf8))
            #expect(count(quality, "lines") == plain.split(separator: 0x0A).count, "\(inflater)")
            let fromStandardInput = try Replstat.run(
                ["analyze", "--format", "csv", "--out", dir.file("stdin").path], stdin: bytes,
                environment: Self.environment(inflater))
            #expect(fromStandardInput.status == 1, "\(inflater)")
            #expect(
                fromStandardInput.stderr.hasSuffix("-" + expected.dropFirst(source.path.count)),
                "\(inflater): \(fromStandardInput.stderr)")
        }
    }

    @Test(arguments: Inflater.allCases)
    func trailingGarbageAfterTheLastMember(inflater: Inflater) throws {
        let (run, quality) = try analyze(Self.capture.gzip + Data("garbage".utf8), inflater: inflater)
        #expect(run.status == 1)
        #expect(run.stderr.contains("at byte \(Self.capture.gzip.count)"))
        #expect(count(quality, "lines") == Self.capture.plain.split(separator: 0x0A).count)
    }

    /// Whole, cut, flipped, followed by garbage: every report, message and exit status is the
    /// same bytes for either inflater and any number of jobs. (The bit flips are seeds whose
    /// damage is not the one kind only zlib sees, a Huffman code with unused codes:
    /// `SourceReaderTests.damageReadsTheSameWithEitherInflater` covers that one.)
    @Test(arguments: ["whole", "cut", "garbage", "bad CRC", "flip 1", "flip 2", "flip 4", "flip 8", "flip 27"])
    func eitherInflaterAndAnyJobsWriteTheSameBytes(damage: String) throws {
        var bytes = Self.capture.gzip
        switch damage {
        case "cut": bytes = bytes.prefix(bytes.count * 2 / 3)
        case "garbage": bytes += Data([0, 0, 0, 0])
        case "bad CRC": bytes[bytes.count - 8] ^= 0x10
        case "whole": break
        default: bytes = Self.flipBits(seed: Int(damage.split(separator: " ")[1])!)
        }
        let dir = try TemporaryDirectory()
        let source = dir.file("capture.jsonl.gz")
        try bytes.write(to: source)
        var reference: [String]?
        for inflater in Inflater.allCases {
            for jobs in [1, 2, 8] {
                let out = dir.file("\(inflater)-\(jobs)")
                let csv = try Replstat.run(
                    ["analyze", "--jobs", "\(jobs)", "--format", "csv", "--out", out.path, source.path],
                    environment: Self.environment(inflater))
                let markdown = try Replstat.run(
                    ["analyze", "--jobs", "\(jobs)", source.path], environment: Self.environment(inflater))
                let files = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
                var outputs = [
                    "\(csv.status) \(csv.stderr)", "\(markdown.status) \(markdown.stderr)", markdown.stdoutText,
                ]
                outputs += try files.map {
                    "\($0)\n" + (try String(contentsOf: out.appendingPathComponent($0), encoding: .utf8))
                }
                if let reference {
                    #expect(outputs == reference, "\(damage), \(inflater), --jobs \(jobs)")
                } else {
                    reference = outputs
                    #expect(files.contains("summary.csv"), "\(damage)")
                }
            }
        }
    }

    /// `REPLSTAT_INFLATE` names an inflater or is a usage error.
    @Test func anUnknownInflaterIsAUsageError() throws {
        var environment = ProcessInfo.processInfo.environment
        environment[Inflater.environmentVariable] = "gzip"
        let run = try Replstat.run(["analyze", "--format", "json", "/dev/null"], environment: environment)
        #expect(run.status == 2)
        #expect(run.stderr == "replstat: REPLSTAT_INFLATE must be isal or zlib, or unset\n")
        environment[Inflater.environmentVariable] = ""
        #expect(try Replstat.run(["analyze", "--format", "json", "/dev/null"], environment: environment).status == 0)
    }

    @Test func anEmptyFileIsNoLines() throws {
        let (run, quality) = try analyze(Data(), name: "empty.jsonl")
        #expect(run.status == 0)
        #expect(count(quality, "lines") == 0)
    }

    @Test func aBinaryFileIsRejectedLineByLine() throws {
        var generator = SplitMix64(seed: 7)
        let binary = Data((0..<20_000).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let (run, quality) = try analyze(binary, name: "binary.bin")
        #expect(run.status == 0)
        let lines = count(quality, "lines")
        #expect(lines == binary.split(separator: 0x0A, omittingEmptySubsequences: false).count)
        #expect(count(quality, "status") == 0)
    }

    /// 100,000 distinct indices, two samples each.
    @Test func aHundredThousandIndices() throws {
        let dir = try TemporaryDirectory()
        var text = ""
        text.reserveCapacity(100_000 * 2 * 100)
        for second in ["00", "10"] {
            for index in 0..<100_000 {
                text +=
                    #"{"@timestamp":"2026-11-28T00:00:\#(second).000Z","index":"f-\#(index)","response":{"status":"PAUSED"}}"#
                text += "\n"
            }
        }
        let source = try dir.write("many.jsonl", text)
        let run = try Replstat.run(["analyze", "--format", "csv", "--out", dir.url.path, source.path])
        #expect(run.status == 0)
        let summary = try String(contentsOf: dir.file("summary.csv"), encoding: .utf8)
        #expect(summary.split(separator: "\n").count == 100_001)
        #expect(summary.contains("\nf-99999,,,2,0,2026-11-28T00:00:00.000Z,2026-11-28T00:00:10.000Z,PAUSED,PAUSED,0,"))
    }

    /// A file cut short while it is read lost lines that were there when it was opened: damage.
    /// `watch` writes an event per line into a pipe nobody reads yet, so it stops mid-file once
    /// the pipe is full; the file is cut then, and the pipe drained.
    @Test(arguments: [0, 1000])
    func aFileThatShrinksWhileReadIsDamage(to size: Int) throws {
        let dir = try TemporaryDirectory()
        var text = ""
        for second in 0..<60_000 {
            text += WatchTests.line(second % 3600, "f-\(second / 3600)", status: second % 2 == 0 ? "SYNCING" : "PAUSED")
            text += "\n"
        }
        let source = try dir.write("shrinking.jsonl", text)
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        defer { close(ends[0]) }
        let process = Process()
        process.executableURL = Replstat.binary
        process.arguments = ["watch", "--reorder-window", "0", source.path]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle(fileDescriptor: ends[1], closeOnDealloc: false)
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        // Full is for good until someone reads: no POLLOUT for a moment means replstat waits.
        var slot = pollfd(fd: ends[1], events: Int16(POLLOUT), revents: 0)
        while process.isRunning && poll(&slot, 1, 50) == 1 { usleep(1000) }
        try #require(process.isRunning, "replstat ended before the pipe filled")
        #expect(truncate(source.path, off_t(size)) == 0)
        close(ends[1])
        let drained = FileHandle(fileDescriptor: ends[0], closeOnDealloc: false).readDataToEndOfFile()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(drained.count > 60_000)
        #expect(process.terminationStatus == 1, "\(stderr)")
        #expect(stderr.contains(source.path) && stderr.contains("shrank"), "\(stderr)")
    }

    /// `analyze ... | head -1` ends with no message on standard error.
    @Test func aReaderThatGoesAwayEndsTheReportQuietly() throws {
        let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../samples/fleet-day.jsonl.gz").standardized
        let run = try Replstat.shell("\"\(Replstat.binary.path)\" analyze \"\(sample.path)\" | head -1")
        #expect(run.stdoutText == "# Replication report\n")
        #expect(run.stderr.isEmpty, "\(run.stderr)")
    }
}

/// A line far over the limit is skipped as it streams, not held in memory.
@Suite(.timeLimit(.minutes(10))) struct LongLineTests {
    @Test func aQuarterGigabyteLineOnStandardInputCostsNoMemory() throws {
        let time = "/usr/bin/time"
        try #require(FileManager.default.isExecutableFile(atPath: time), "GNU time is needed (apt-get install time)")
        let dir = try TemporaryDirectory()
        let capture = Conformance.casesDirectory.appendingPathComponent("lifecycle/capture.jsonl").path
        func peakKilobytes(_ input: String) throws -> (Int, [[String]]) {
            let script = """
                (\(input)) | \(time) -f %M -o "\(dir.file("rss").path)" \
                "\(Replstat.binary.path)" analyze --format csv --out "\(dir.url.path)" -
                """
            let run = try Replstat.shell(script)
            #expect(run.status == 0, "\(run.stderr)")
            let rss = try String(contentsOf: dir.file("rss"), encoding: .utf8)
            let quality = CSV.parse(try String(contentsOf: dir.file("quality.csv"), encoding: .utf8))
            return (Int(rss.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1, quality)
        }
        let (normal, _) = try peakKilobytes("cat \"\(capture)\"")
        let (withLine, quality) = try peakKilobytes(
            "cat \"\(capture)\"; head -c 268435456 /dev/zero; echo; cat \"\(capture)\"")
        #expect(quality.contains(["-", "line_too_long", "1"]))
        #expect(quality.contains(["-", "lines", "31"]))
        #expect(
            normal > 0 && withLine - normal < 64 * 1024,
            "peak RSS \(normal) KB without the line, \(withLine) KB with it")
    }
}

/// With `--rejects`, a line over the limit goes to a temporary file as it streams, and from
/// there into the rejects file: never whole in memory. (`scripts/measure-long-line` does the
/// same with 2 GiB on a release build: this debug one takes 40 s a gigabyte.)
@Suite(.timeLimit(.minutes(10))) struct SpooledLongLineTests {
    /// 256 MiB, four times the memory allowed: `0xFF` (so not UTF-8: the record holds
    /// base64), then zeros, in a sparse file between two good lines.
    static let lineBytes: Int64 = 1 << 28

    @Test func aLongLineWithRejectsKeepsItsBytesAndNotItsMemory() throws {
        let time = "/usr/bin/time"
        try #require(FileManager.default.isExecutableFile(atPath: time), "GNU time is needed (apt-get install time)")
        let dir = try TemporaryDirectory()
        let good = Data((CommandLineTests.goodLine + "\n").utf8)
        let source = dir.file("long.jsonl")
        try (good + [0xFF]).write(to: source)
        #expect(truncate(source.path, off_t(Int64(good.count) + Self.lineBytes)) == 0)
        let handle = try FileHandle(forWritingTo: source)
        try handle.seekToEnd()
        try handle.write(contentsOf: [0x0A] + good.replacing(Data("00:00:00Z".utf8), with: Data("00:00:10Z".utf8)))
        try handle.close()

        let spools = dir.file("spools")
        try FileManager.default.createDirectory(at: spools, withIntermediateDirectories: true)
        let rejects = dir.file("rejects.jsonl")
        let run = try Replstat.bash(
            "TMPDIR=\"\(spools.path)\" \(time) -v -o \"\(dir.file("time").path)\" \"\(Replstat.binary.path)\" "
                + "analyze --format csv --out \"\(dir.url.path)\" --rejects \"\(rejects.path)\" \"\(source.path)\"")
        #expect(run.status == 0, "\(run.stderr)")
        let report = try String(contentsOf: dir.file("time"), encoding: .utf8).split(separator: "\n")
        func measured(_ name: String) -> String {
            report.first { $0.contains(name) }.map { String($0.split(separator: ": ").last ?? "") } ?? ""
        }
        let peak = Int(measured("Maximum resident set size")) ?? -1
        print("\(Self.lineBytes)-byte line with --rejects: peak RSS \(peak) KB, \(measured("Elapsed (wall clock)"))")
        #expect(peak > 0 && peak < 64 * 1024, "peak RSS \(peak) KB")

        let quality = CSV.parse(try String(contentsOf: dir.file("quality.csv"), encoding: .utf8))
        #expect(quality.contains([source.path, "lines", "3"]))
        #expect(quality.contains([source.path, "line_too_long", "1"]))
        #expect(quality.contains([source.path, "status", "2"]))
        #expect(try FileManager.default.contentsOfDirectory(atPath: spools.path) == [])

        // One record. Base64 of FF 00 00 is "/wAA", of 00 00 00 "AAAA", of one or two last zeros "AA==", "AAA=".
        let head = Data(#"{"source":"\#(source.path)","line":2,"reason":"line_too_long","base64":"/wAA"#.utf8)
        let tail = Data((["AAAA", "AA==", "AAA="][Int(Self.lineBytes % 3)] + "\"}\n").utf8)
        let encoded = (Self.lineBytes + 2) / 3 * 4
        let size = try #require(try FileManager.default.attributesOfItem(atPath: rejects.path)[.size] as? Int64)
        #expect(size == Int64(head.count - 4) + encoded + 3)
        let file = try FileHandle(forReadingFrom: rejects)
        defer { try? file.close() }
        #expect(try file.read(upToCount: head.count) == head)
        try file.seek(toOffset: UInt64(size) - UInt64(tail.count))
        #expect(try file.readToEnd() == tail)
        // The middle, at a few hundred places: nothing but "A".
        var generator = SplitMix64(seed: 11)
        let middle = UInt64(head.count)..<UInt64(size) - UInt64(tail.count) - 4096
        for _ in 0..<300 {
            try file.seek(toOffset: UInt64.random(in: middle, using: &generator))
            let bytes = try #require(try file.read(upToCount: 4096))
            #expect(bytes.count == 4096 && bytes.allSatisfy { $0 == UInt8(ascii: "A") })
        }
    }
}

/// On a pipe, a gzip member's deflate data is kept for zlib (docs/robustness.md, "Two inflaters")
/// up to `GzipReader.keptLimit`: a member far longer costs no more memory than from a file.
@Suite(.timeLimit(.minutes(10))) struct PipedGzipMemoryTests {
    @Test func aLongMemberOnAPipeCostsAtMostTheKeptLimit() throws {
        let time = "/usr/bin/time"
        try #require(FileManager.default.isExecutableFile(atPath: time), "GNU time is needed (apt-get install time)")
        let dir = try TemporaryDirectory()
        // One member of 24 MiB of compressed data: random base64 hardly compresses.
        let source = dir.file("one-member.jsonl.gz")
        let made = try Replstat.bash("head -c 24000000 /dev/urandom | base64 -w 100 | gzip -1 > \"\(source.path)\"")
        try #require(made.status == 0, "\(made.stderr)")
        func peakKilobytes(pipeFrom: String, redirect: String) throws -> Int {
            let run = try Replstat.bash(
                "\(pipeFrom) \(time) -f %M -o \"\(dir.file("rss").path)\" \"\(Replstat.binary.path)\" "
                    + "analyze --format csv --out \"\(dir.url.path)\" - \(redirect)")
            #expect(run.status == 0, "\(run.stderr)")
            let rss = try String(contentsOf: dir.file("rss"), encoding: .utf8)
            return Int(rss.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }
        // The same bytes as standard input, once a file (read again, nothing kept), once a pipe.
        let fromFile = try peakKilobytes(pipeFrom: "", redirect: "< \"\(source.path)\"")
        let fromPipe = try peakKilobytes(pipeFrom: "cat \"\(source.path)\" |", redirect: "")
        #expect(
            fromFile > 0 && fromPipe - fromFile < 8 * 1024,
            "peak RSS \(fromFile) KB from a file, \(fromPipe) KB from a pipe")
    }
}
