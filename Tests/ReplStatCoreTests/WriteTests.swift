import Foundation
import Testing

@testable import ReplStatCore

/// A scratch folder of its own for each test, removed at the end.
private final class Folder {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("replstat-write-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }

    var names: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() }

    func text(_ name: String) -> String? { try? String(contentsOfFile: file(name), encoding: .utf8) }
}

private func mode(_ path: String) -> mode_t {
    var info = stat()
    return lstat(path, &info) == 0 ? info.st_mode & 0o7777 : 0
}

@Suite struct TemporaryFileTests {
    @Test func theNameIsUnpredictableAndTheFileReadableOnlyByItsOwnerUntilCommitted() throws {
        let folder = try Folder()
        let first = try TemporaryFile(replacing: folder.file("r.md"))
        let second = try TemporaryFile(replacing: folder.file("r.md"))
        defer { second.abandon() }
        #expect(first.temporaryPath != second.temporaryPath)
        let suffix = first.temporaryPath.dropFirst(folder.file("r.md.tmp-").count)
        #expect(first.temporaryPath.hasPrefix(folder.file("r.md.tmp-")) && suffix.count == 12)
        #expect(!suffix.contains(String(getpid())))
        #expect(mode(first.temporaryPath) == 0o600)
        #expect(write(first.descriptor, "new\n", 4) == 4)
        try first.commit()
        #expect(folder.text("r.md") == "new\n")
        #expect(mode(folder.file("r.md")) == 0o666 & ~TemporaryFile.umask)
        #expect(folder.names.count == 2)  // r.md and the second, still open
    }

    @Test(arguments: [0o600, 0o640, 0o444, 0o755] as [mode_t])
    func replacingKeepsTheMode(_ old: mode_t) throws {
        let folder = try Folder()
        try "old\n".write(toFile: folder.file("s.csv"), atomically: false, encoding: .utf8)
        chmod(folder.file("s.csv"), old)
        try OutputFile.write(Array("new\n".utf8), to: folder.file("s.csv"))
        #expect(folder.text("s.csv") == "new\n")
        #expect(mode(folder.file("s.csv")) == old)
        #expect(folder.names == ["s.csv"])
    }

    /// Compared with what a shell started from here says (it inherits the umask): setting the
    /// umask to read it back would race with the other tests' files.
    @Test func theUmaskIsReadWithoutChangingIt() throws {
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", "umask"]
        let output = Pipe()
        shell.standardOutput = output
        try shell.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        shell.waitUntilExit()
        #expect(mode_t(text.trimmingCharacters(in: .whitespacesAndNewlines), radix: 8) == TemporaryFile.umask)
    }

    /// `zz.md/` is a folder's name: refused before its folder is made, not made and then refused.
    @Test func aFileNameEndingInASlashIsRefusedBeforeAnyFolderIsMade() throws {
        let folder = try Folder()
        #expect(throws: OutputError.self) { try OutputFile.prepare(folder.file("new/zz.md/")) }
        #expect(throws: OutputError.self) { _ = try FileSink(path: folder.file("zz.md/")) }
        #expect(folder.names.isEmpty)
        // An empty name (`--out ""`) says so, instead of "No such file or directory".
        do {
            _ = try FileSink(path: "")
            Issue.record("an empty name was accepted")
        } catch {
            #expect(error.detail == "an empty name names no file: give a file name")
        }
    }

    @Test func abandoningLeavesThePreviousFile() throws {
        let folder = try Folder()
        try "old\n".write(toFile: folder.file("s.csv"), atomically: false, encoding: .utf8)
        let file = try TemporaryFile(replacing: folder.file("s.csv"))
        #expect(folder.names.count == 2)
        file.abandon()
        #expect(folder.names == ["s.csv"] && folder.text("s.csv") == "old\n")
    }

    @Test func anUnnamedFileLeavesNothingInItsFolder() throws {
        let folder = try Folder()
        let descriptor = try TemporaryFile.unnamed(in: folder.path)
        defer { close(descriptor) }
        #expect(write(descriptor, "spool", 5) == 5)
        #expect(folder.names == [])
        #expect(throws: OutputError.self) { try TemporaryFile.unnamed(in: folder.file("missing")) }
    }
}

@Suite struct FileSinkTests {
    @Test func aLinkToAFileIsRefusedAndLeftAlone() throws {
        let folder = try Folder()
        try "someone's\n".write(toFile: folder.file("target"), atomically: false, encoding: .utf8)
        symlink(folder.file("target"), folder.file("link"))
        symlink(folder.file("nowhere"), folder.file("dangling"))
        for name in ["link", "dangling"] {
            #expect {
                try FileSink(path: folder.file(name))
            } throws: { error in
                "\(error)".hasPrefix("\(folder.file(name)): cannot write: it is a symbolic link (to \(folder.path)/")
            }
            #expect(throws: OutputError.self) { try OutputFile.create(folder.file(name)) }
            #expect(throws: OutputError.self) { try OutputFile.prepare(folder.file(name)) }
        }
        #expect(folder.text("target") == "someone's\n")
        #expect(folder.names == ["dangling", "link", "target"])
    }

    @Test func aFolderOrASocketIsRefused() throws {
        let folder = try Folder()
        #expect(throws: OutputError.self) { try FileSink(path: folder.path) }
        let socket = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let socketPath = folder.file("s")
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: socketPath.utf8.prefix($0.count - 1)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        try #require(bound == 0)
        #expect(throws: OutputError.self) { try FileSink(path: socketPath) }
    }

    /// `/dev/fd/N` is descriptor N, whatever it is: here the writing end of a pipe.
    @Test(arguments: ["/dev/fd/", "/proc/self/fd/"])
    func aDescriptorByNameIsWrittenInto(_ prefix: String) throws {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        defer { close(ends[0]) }
        let sink = try FileSink(path: prefix + String(ends[1]))
        try sink.write(Array("through\n".utf8))
        try sink.finish()
        close(ends[1])
        var buffer = [UInt8](repeating: 0, count: 64)
        #expect(read(ends[0], &buffer, 64) == 8 && Array(buffer.prefix(8)) == Array("through\n".utf8))
        #expect(throws: OutputError.self) { try FileSink(path: prefix + "999999") }
    }

    @Test func aNamedPipeIsWrittenIntoAndStays() throws {
        let folder = try Folder()
        let fifo = folder.file("p")
        try #require(mkfifo(fifo, 0o600) == 0)
        symlink(fifo, folder.file("link"))
        let reader = open(fifo, O_RDONLY | O_NONBLOCK)
        defer { close(reader) }
        for name in ["p", "link"] {
            try OutputFile.write(Array("\(name)\n".utf8), to: folder.file(name))
        }
        var buffer = [UInt8](repeating: 0, count: 64)
        #expect(read(reader, &buffer, 64) == 7 && Array(buffer.prefix(7)) == Array("p\nlink\n".utf8))
        #expect(mode(fifo) & 0o7777 == 0o600)
        var info = stat()
        #expect(lstat(fifo, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO)
        #expect(folder.names == ["link", "p"])
    }

    @Test func aLiveFileIsCreatedOrEmptiedInPlace() throws {
        let folder = try Folder()
        try "old content\n".write(toFile: folder.file("events.jsonl"), atomically: false, encoding: .utf8)
        chmod(folder.file("events.jsonl"), 0o600)
        let descriptor = try OutputFile.create(folder.file("events.jsonl"))
        #expect(write(descriptor, "e\n", 2) == 2)
        close(descriptor)
        #expect(folder.text("events.jsonl") == "e\n" && mode(folder.file("events.jsonl")) == 0o600)
        let fresh = try OutputFile.create(folder.file("sub/new.jsonl"))
        close(fresh)
        #expect(mode(folder.file("sub/new.jsonl")) == 0o666 & ~TemporaryFile.umask)
    }

    @Test func anAbandonedSinkLeavesNothing() throws {
        let folder = try Folder()
        do {
            let sink = try FileSink(path: folder.file("x"))
            try sink.write(Array("partial".utf8))
        }
        #expect(folder.names == [])
    }
}

@Suite struct OutputTargetsOnDevicesTests {
    @Test func devicesMayTakeSeveralOutputs() throws {
        let folder = try Folder()
        try #require(mkfifo(folder.file("p"), 0o600) == 0)
        var targets = OutputTargets()
        targets.inputs = ["/dev/null"]
        targets.files = [
            .init("/dev/null", writer: "the rejects file"), .init("/dev/null", writer: "the json report"),
            .init(folder.file("p"), writer: "a"), .init(folder.file("p"), writer: "b"),
        ]
        #expect(targets.conflict() == nil)
    }
}

@Suite struct SpoolTests {
    /// Runs of a few interesting bytes, so that every kind of sequence (cut or whole) meets
    /// every chunk boundary.
    @Test(arguments: 0..<60)
    func theUTF8CheckAgreesWithTheStandardLibraryWhereverTheBytesAreCut(seed: Int) {
        var random = SplitMix64(seed: UInt64(seed) &+ 100)
        let pieces: [[UInt8]] = [
            [0x41], [0x00], [0x7F], [0xC2, 0x80], [0xDF, 0xBF], [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0xA0, 0x80],
            [0xE0, 0x9F, 0xBF], [0xED, 0x9F, 0xBF], [0xED, 0xA0, 0x80], [0xEF, 0xBF, 0xBF], [0xF0, 0x90, 0x80, 0x80],
            [0xF0, 0x8F, 0xBF, 0xBF], [0xF4, 0x8F, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0xF5], [0xFF], [0x80],
            [0xE2, 0x82], Array("plain ascii text".utf8),
        ]
        for _ in 0..<40 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 0...12, using: &random) {
                // Mostly valid pieces, so that valid streams are common too.
                let piece =
                    Bool.random(using: &random)
                    ? pieces[Int.random(in: 0..<3, using: &random)] : pieces.randomElement(using: &random)!
                bytes += piece
            }
            let expected = bytes.withUnsafeBytes { JSONText.isValidUTF8($0) }
            var check = UTF8Check()
            var start = 0
            while start < bytes.count {
                let end = min(bytes.count, start + Int.random(in: 0...9, using: &random))
                bytes[start..<end].withUnsafeBytes { check.take($0) }
                start = end
            }
            #expect(check.isComplete == expected, "\(bytes.map { String($0, radix: 16) })")
        }
    }

    @Test(arguments: [1, 100, 70_000, 300_000])
    func whatGoesInComesBackInPiecesOfTheAskedSize(appendSize: Int) throws {
        var random = SplitMix64(seed: 5)
        let bytes = (0..<500_000).map { _ in UInt8.random(in: 0...255, using: &random) }
        let spool = Spool()
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + appendSize)
            bytes[start..<end].withUnsafeBytes { spool.append($0) }
            start = end
        }
        #expect(spool.count == 500_000 && spool.failure == nil && !spool.isValidUTF8)
        var back: [UInt8] = []
        var sizes: [Int] = []
        try spool.read(chunkSize: 3 * 1000) {
            back += $0
            sizes.append($0.count)
        }
        #expect(back == bytes)
        #expect(sizes.dropLast().allSatisfy { $0 == 3000 } && sizes.last == 500_000 % 3000)
    }

    @Test func aSpoolThatCannotBeMadeSaysWhy() throws {
        let folder = try Folder()
        let spool = Spool(folder: folder.file("missing"))
        Array("some bytes".utf8).withUnsafeBytes { spool.append($0) }
        #expect(spool.count == 10)
        #expect(throws: OutputError.self) { try spool.read { _ in } }
    }
}

@Suite struct RejectsFileTests {
    private func spool(_ bytes: [UInt8]) -> Spool {
        let spool = Spool()
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + 65_521)
            bytes[start..<end].withUnsafeBytes { spool.append($0) }
            start = end
        }
        return spool
    }

    /// Lines far longer than a read-back piece (192 KiB), as text (with every kind of escape,
    /// and characters cut by the pieces' boundaries) and as base64: decoded, they are the bytes
    /// that went in, as for the same line from memory.
    @Test func aSpooledLineIsWrittenByteForByte() throws {
        let folder = try Folder()
        var random = SplitMix64(seed: 9)
        var text: [UInt8] = (0..<700_001).map { _ in
            [0x22, 0x5C, 0x0A, 0x0D, 0x09, 0x00, 0x1F, 0x7F, 0x41].randomElement(using: &random)!
        }
        // U+2028 (which JSON output escapes, when whole), é and 😀 across the first three boundaries.
        text.replaceSubrange(196_607..<196_610, with: Array("\u{2028}".utf8))
        text.replaceSubrange(393_215..<393_217, with: Array("é".utf8))
        text.replaceSubrange(589_822..<589_826, with: Array("😀".utf8))
        let binary = (0..<700_002).map { _ in UInt8.random(in: 0...255, using: &random) }
        let file = try RejectsFile(path: folder.file("r.jsonl"))
        file.reject(source: "a\"b", line: 7, outcome: .lineTooLong, spool: spool(text))
        file.reject(source: "c", line: 8, outcome: .lineTooLong, spool: spool(binary))
        text.withUnsafeBytes { file.reject(source: "a\"b", line: 7, outcome: .lineTooLong, bytes: $0) }
        binary.withUnsafeBytes { file.reject(source: "c", line: 8, outcome: .lineTooLong, bytes: $0) }
        try file.close()
        let records = try Data(contentsOf: URL(fileURLWithPath: folder.file("r.jsonl"))).split(separator: 0x0A).map {
            try #require(try JSONSerialization.jsonObject(with: Data($0)) as? [String: Any])
        }
        try #require(records.count == 4)
        for record in [records[0], records[2]] {
            #expect(record["source"] as? String == "a\"b" && record["line"] as? Int == 7)
            #expect(record["reason"] as? String == "line_too_long")
            #expect(Array((record["text"] as? String ?? "").utf8) == text)
        }
        for record in [records[1], records[3]] {
            #expect((record["base64"] as? String).flatMap { Data(base64Encoded: $0) }.map(Array.init) == binary)
        }
    }

    @Test func aLineThatCouldNotBeSpooledFailsTheFileNamingIt() throws {
        let folder = try Folder()
        let file = try RejectsFile(path: folder.file("r.jsonl"))
        let lost = Spool(folder: folder.file("missing"))
        Array("x".utf8).withUnsafeBytes { lost.append($0) }
        file.reject(source: "in.jsonl", line: 3, outcome: .lineTooLong, spool: lost)
        #expect {
            try file.close()
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix(folder.file("r.jsonl") + ": cannot write: line 3 of in.jsonl is over the line limit")
                && text.contains(folder.file("missing"))
        }
        #expect(folder.names == [])
    }
}
