import Foundation
import Testing

/// How replstat puts its files down: under an unpredictable temporary name that follows no link,
/// keeping the mode of the file it replaces, refusing a link at the final name, and writing into
/// a pipe or a device in place.
@Suite(.timeLimit(.minutes(10))) struct WrittenFilesTests {
    static let capture = Conformance.casesDirectory.appendingPathComponent("outcomes/capture.jsonl")
    static let line = #"{"@timestamp":"2026-11-28T00:00:00Z","index":"a","response":{"status":"PAUSED"}}"#

    private func mode(_ url: URL) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int)
    }

    private func isLink(_ url: URL) -> Bool {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: url.path)) != nil
    }

    /// Links planted where the temporary files used to be (`NAME.tmp-PID`: `exec` keeps the
    /// shell's pid) must not be written through: the file they point to stays as it was.
    @Test(arguments: ["csv", "markdown", "simulate"])
    func aLinkPlantedAtAPredictableTemporaryNameIsNotFollowed(_ kind: String) throws {
        let dir = try TemporaryDirectory()
        let out = dir.file("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let victim = try dir.write("victim.txt", "keep me\n")
        let names: [String]
        let command: String
        let binary = Replstat.binary.path
        switch kind {
        case "csv":
            names = ["summary.csv", "transitions.csv", "stalls.csv", "quality.csv", "rejects.jsonl"]
            command =
                "\"\(binary)\" analyze --format csv --out \"\(out.path)\" --rejects \"\(out.path)/rejects.jsonl\" "
                + "\"\(Self.capture.path)\""
        case "markdown":
            names = ["report.md"]
            command = "\"\(binary)\" analyze --out \"\(out.path)\" \"\(Self.capture.path)\""
        default:
            names = ["capture.jsonl"]
            command = "\"\(binary)\" simulate --indices 2 --polls 3 --output \"\(out.path)/capture.jsonl\""
        }
        let plant = names.map { "ln -s \"\(victim.path)\" \"\(out.path)/\($0).tmp-$$\"" }.joined(separator: "; ")
        let run = try Replstat.bash("\(plant); exec \(command)")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try String(contentsOf: victim, encoding: .utf8) == "keep me\n")
        for name in names {
            let written = try String(contentsOf: out.appendingPathComponent(name), encoding: .utf8)
            #expect(!written.isEmpty && written != "keep me\n", "\(name)")
        }
        // The planted links are someone else's: left alone.
        let planted = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.contains(".tmp-") }
        #expect(planted.count == names.count)
    }

    /// The tables of a run are put in place together: when one cannot be written (here the
    /// transitions table passes a file-size limit, as on a full disk), every table of the
    /// previous run stays, not a folder mixing the new summary with old transitions.
    @Test func aTableThatCannotBeWrittenLeavesEveryPreviousTable() throws {
        let dir = try TemporaryDirectory()
        let out = dir.file("out")
        let binary = Replstat.binary.path
        let first = try Replstat.run(["analyze", "--format", "csv", "--out", out.path, Self.capture.path])
        #expect(first.status == 0, "\(first.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        #expect(names.count == 7)
        let before = try names.map { try Data(contentsOf: out.appendingPathComponent($0)) }
        // 600 transitions of one index: a transitions table of ~50 KB, a summary of one row.
        let lines = (0..<600).map { i in
            #"{"@timestamp":"2026-11-28T00:\#(String(format: "%02d:%02d", i / 60, i % 60))Z","index":"a","#
                + #""response":{"status":"\#(i % 2 == 0 ? "PAUSED" : "FAILED")"}}"#
        }
        let capture = try dir.write("transitions.jsonl", lines.joined(separator: "\n") + "\n")
        // A write past RLIMIT_FSIZE fails with EFBIG once SIGXFSZ is ignored (kept through exec).
        let run = try Replstat.bash(
            "trap '' XFSZ; ulimit -f 24; exec \"\(binary)\" analyze --format csv --out \"\(out.path)\" \"\(capture.path)\""
        )
        #expect(run.status == 1)
        #expect(run.stderr.contains("transitions.csv"), "\(run.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == names)
        for (name, bytes) in zip(names, before) {
            #expect(try Data(contentsOf: out.appendingPathComponent(name)) == bytes, "\(name) was replaced")
        }
    }

    @Test func anInterruptedSimulateLeavesNoTemporaryFile() throws {
        let dir = try TemporaryDirectory()
        let process = Process()
        process.executableURL = Replstat.binary
        process.arguments = [
            "simulate", "--indices", "1000", "--polls", "100000000", "--output", dir.file("big.jsonl").path,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        var temporaryExists = false
        for _ in 0..<500 where !temporaryExists {
            Thread.sleep(forTimeInterval: 0.02)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.url.path)) ?? []
            temporaryExists = names.contains { $0.hasPrefix("big.jsonl.tmp-") }
        }
        #expect(temporaryExists)
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 130)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path) == [])
    }

    @Test func replacingAReportKeepsItsMode() throws {
        let out = try TemporaryDirectory()
        try Data("old\n".utf8).write(to: out.file("summary.csv"))
        chmod(out.file("summary.csv").path, 0o600)
        try Data("old\n".utf8).write(to: out.file("rejects.jsonl"))
        chmod(out.file("rejects.jsonl").path, 0o640)
        let run = try Replstat.run([
            "analyze", "--format", "csv", "--out", out.url.path, "--rejects", out.file("rejects.jsonl").path,
            Self.capture.path,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try mode(out.file("summary.csv")) == 0o600)
        #expect(try mode(out.file("rejects.jsonl")) == 0o640)
        #expect(try String(contentsOf: out.file("summary.csv"), encoding: .utf8).hasPrefix("index,"))
    }

    @Test(arguments: [0o022, 0o027, 0o077])
    func newReportsFollowTheUmask(umask: Int) throws {
        let out = try TemporaryDirectory()
        let run = try Replstat.bash(
            "umask \(String(umask, radix: 8)); exec \"\(Replstat.binary.path)\" analyze --format csv --out "
                + "\"\(out.url.path)\" --rejects \"\(out.file("rejects.jsonl").path)\" \"\(Self.capture.path)\"")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try mode(out.file("summary.csv")) == 0o666 & ~umask)
        #expect(try mode(out.file("rejects.jsonl")) == 0o666 & ~umask)
    }

    /// A link at the final name is neither followed (it may have been planted to send the
    /// report over someone's file) nor silently replaced (it may be someone's deliberate
    /// arrangement): the run says so and writes nothing there.
    @Test(arguments: ["summary.csv", "rejects.jsonl"])
    func aLinkAtTheFinalNameIsRefused(_ name: String) throws {
        let dir = try TemporaryDirectory()
        let out = dir.file("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let elsewhere = try dir.write("elsewhere.txt", "someone's\n")
        let link = out.appendingPathComponent(name)
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: elsewhere.path)
        let run = try Replstat.run([
            "analyze", "--format", "csv", "--out", out.path, "--rejects",
            out.appendingPathComponent("rejects.jsonl").path,
            Self.capture.path,
        ])
        #expect(run.status == 1)
        #expect(run.stderr.contains(link.path) && run.stderr.contains("symbolic link"), "\(run.stderr)")
        #expect(try String(contentsOf: elsewhere, encoding: .utf8) == "someone's\n")
        #expect(isLink(link))
        // Refused before anything was read: no report at all.
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path) == [name])
    }

    /// The rejects of the `outcomes` case, as `--rejects` writes them to a file.
    private func expectedRejects() throws -> Data {
        let dir = try TemporaryDirectory()
        let run = try Replstat.run([
            "analyze", "--format", "json", "--max-line-bytes", "400", "--rejects", dir.file("r.jsonl").path,
            Self.capture.path,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let rejects = try Data(contentsOf: dir.file("r.jsonl"))
        #expect(rejects.split(separator: 0x0A).count == 13)
        return rejects
    }

    /// What `body` writes into a FIFO, read once it is done: the reading end is open (without
    /// waiting for a writer) before, and what is written must fit in the pipe (64 KiB).
    private func throughFIFO(_ fifo: URL, _ body: () throws -> Void) throws -> Data {
        let reader = open(fifo.path, O_RDONLY | O_NONBLOCK)
        try #require(reader >= 0)
        defer { close(reader) }
        try body()
        var received = Data()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while case let count = read(reader, &buffer, buffer.count), count > 0 {
            received.append(contentsOf: buffer[..<count])
        }
        return received
    }

    @Test func rejectsIntoANamedPipeAndALinkToOne() throws {
        let expected = try expectedRejects()
        let dir = try TemporaryDirectory()
        let fifo = dir.file("pipe")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        try FileManager.default.createSymbolicLink(atPath: dir.file("link").path, withDestinationPath: fifo.path)
        for name in ["pipe", "link"] {
            let received = try throughFIFO(fifo) {
                let run = try Replstat.run([
                    "analyze", "--format", "json", "--max-line-bytes", "400", "--rejects", dir.file(name).path,
                    Self.capture.path,
                ])
                #expect(run.status == 0, "\(run.stderr)")
            }
            #expect(received == expected, "\(name)")
            var info = stat()
            #expect(lstat(fifo.path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFIFO)
            #expect(isLink(dir.file("link")))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path).sorted() == ["link", "pipe"])
    }

    /// `/dev/fd/1` and `/proc/self/fd/1` name standard output, whatever it is: a pipe here, a
    /// file opened by the shell below. (Tests leave `/dev/stdout` alone: a root run of a broken
    /// build would replace it.)
    @Test(arguments: ["/dev/fd/1", "/proc/self/fd/1"])
    func rejectsIntoStandardOutputByName(_ name: String) throws {
        let expected = try expectedRejects()
        let run = try Replstat.run([
            "analyze", "--format", "json", "--max-line-bytes", "400", "--rejects", name, Self.capture.path,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        // The rejects first (written as the lines are read), then the report.
        #expect(run.stdout.prefix(expected.count) == expected)
        #expect(run.stdout.dropFirst(expected.count).first == UInt8(ascii: "{"))

        let dir = try TemporaryDirectory()
        let shell = try Replstat.bash(
            "\"\(Replstat.binary.path)\" analyze --format json --max-line-bytes 400 --rejects \(name) \"\(Self.capture.path)\" "
                + "> \"\(dir.file("out").path)\"")
        #expect(shell.status == 0, "\(shell.stderr)")
        #expect(try Data(contentsOf: dir.file("out")).prefix(expected.count) == expected)
    }

    /// A character device: a private copy of /dev/null when this runs as root (`mknod`), else
    /// /dev/null itself, which a user cannot replace anyway.
    @Test func rejectsIntoACharacterDevice() throws {
        let dir = try TemporaryDirectory()
        var device = dir.file("null").path
        // Device 1:3 (makedev is a C macro: major << 8 | minor for numbers this small).
        if mknod(device, S_IFCHR | 0o666, dev_t(1 << 8 | 3)) != 0 { device = "/dev/null" }
        let run = try Replstat.run(["analyze", "--format", "json", "--rejects", device, Self.capture.path])
        #expect(run.status == 0, "\(run.stderr)")
        var info = stat()
        #expect(lstat(device, &info) == 0 && (info.st_mode & S_IFMT) == S_IFCHR)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path).allSatisfy { $0 == "null" })
    }

    @Test func simulateIntoANamedPipe() throws {
        let dir = try TemporaryDirectory()
        let fifo = dir.file("pipe")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        let expected = try Replstat.run(["simulate", "--indices", "2", "--polls", "5"])
        let received = try throughFIFO(fifo) {
            let run = try Replstat.run(["simulate", "--indices", "2", "--polls", "5", "--output", fifo.path])
            #expect(run.status == 0, "\(run.stderr)")
        }
        #expect(!received.isEmpty && received == expected.stdout)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path) == ["pipe"])
    }

    /// A pipeline's sinks naming standard output: both reports arrive there, one after the other.
    @Test func runSinksNamingStandardOutput() throws {
        let dir = try TemporaryDirectory()
        let pipeline = try dir.write(
            "p.yaml",
            """
            sources: ["\(Self.capture.path)"]
            sinks:
              markdown: /dev/fd/1
              json: /proc/self/fd/1
            """)
        let run = try Replstat.run(["run", pipeline.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdoutText.hasPrefix("# Replication report\n"))
        #expect(run.stdoutText.contains("\n{"))
    }
}
