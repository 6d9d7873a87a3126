import Foundation
import ReplStatCore
import Testing

@testable import ReplStatCapture

@Suite struct GzipCaptureFilesTests {
    static let day: Int64 = 86_400_000
    /// 2026-11-30T23:59:59.000Z, by hand: the end of day 20,787 after 1970-01-01, less a second.
    static let beforeMidnight: Int64 = 20_788 * day - 1000

    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("replstat-capture-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    /// The lines of a gzip file, read by the analyzer's reader, which stops at any damage.
    func lines(_ path: String) throws -> [String] {
        var bytes: [UInt8] = []
        try SourceReader().read(InputSource(path)) { bytes.append(contentsOf: $0) }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    func files() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    }

    @Test func dailyRotationStartsAFileAtMidnightUTC() throws {
        let output = GzipCaptureFiles(path: folder.path + "/ccr.jsonl.gz", rotation: Rotation(daily: true))
        try output.write(Array("a".utf8), timestamp: Self.beforeMidnight)
        try output.write(Array("b".utf8), timestamp: Self.beforeMidnight + 999)
        try output.write(Array("c".utf8), timestamp: Self.beforeMidnight + 1000)
        // Arrived a moment late: no third file for the day that is over.
        try output.write(Array("late".utf8), timestamp: Self.beforeMidnight + 998)
        try output.write(Array("d".utf8), timestamp: Self.beforeMidnight + 5000)
        try output.close()
        #expect(try files() == ["ccr-20261130T235959Z.jsonl.gz", "ccr-20261201T000000Z.jsonl.gz"])
        #expect(try lines(folder.path + "/ccr-20261130T235959Z.jsonl.gz") == ["a", "b"])
        #expect(try lines(folder.path + "/ccr-20261201T000000Z.jsonl.gz") == ["c", "late", "d"])
        #expect(output.paths.map { URL(fileURLWithPath: $0).lastPathComponent } == (try files()))
    }

    @Test func aTakenNameGetsANumber() throws {
        let path = folder.path + "/ccr.jsonl.gz"
        for letter in ["a", "b", "c"] {
            let output = GzipCaptureFiles(path: path, rotation: Rotation(daily: true))
            try output.write(Array(letter.utf8), timestamp: Self.beforeMidnight)
            try output.close()
        }
        #expect(
            try files() == [
                "ccr-20261130T235959Z.jsonl.gz", "ccr-20261130T235959Z_02.jsonl.gz", "ccr-20261130T235959Z_03.jsonl.gz",
            ])
        #expect(try lines(folder.path + "/ccr-20261130T235959Z_03.jsonl.gz") == ["c"])
    }

    @Test func aCheckpointAfterFlushEveryMakesTheFileCompleteWhileItStaysOpen() throws {
        let path = folder.path + "/live.jsonl.gz"
        nonisolated(unsafe) var uptime: Int64 = 5_000
        let output = GzipCaptureFiles(path: path, flushEveryMillis: 60_000, uptimeMillis: { uptime })
        try output.write(Array("one".utf8), timestamp: 0)
        uptime += 59_999
        try output.checkpoint()
        // Still inside the open member: the file is not complete gzip yet.
        #expect(throws: SourceFailure.self) { try lines(path) }
        uptime += 1
        try output.checkpoint()
        #expect(try lines(path) == ["one"])
        try output.write(Array("two".utf8), timestamp: 61_000)
        try output.close()
        #expect(try lines(path) == ["one", "two"])
    }

    @Test func sizeRotationClosesAFileOnceItHoldsTheSize() throws {
        let output = GzipCaptureFiles(path: folder.path + "/big.gz", rotation: Rotation(maxBytes: 64 * 1024))
        // Random letters compress to about 60%: 400 KiB of them must spill over into several files.
        var generator = SystemRandomNumberGenerator()
        var written: [String] = []
        for second in 0..<400 {
            let line = String(
                (0..<1024).map { _ in Character(Unicode.Scalar(UInt8.random(in: 97...122, using: &generator))) })
            written.append(line)
            try output.write(Array(line.utf8), timestamp: Self.beforeMidnight + Int64(second) * 1000)
        }
        try output.close()
        let names = try files()
        #expect(names.count >= 3)
        var read: [String] = []
        for name in output.paths { read += try lines(name) }
        #expect(read == written)
        for name in output.paths.dropLast() {
            let size = try FileManager.default.attributesOfItem(atPath: name)[.size] as! Int
            #expect(size >= 64 * 1024 && size < 64 * 1024 + 300 * 1024, "\(name): \(size)")
        }
    }

    @Test func withoutRotationAnIntactFileIsContinued() throws {
        let path = folder.path + "/ccr.jsonl.gz"
        for letter in ["a", "b"] {
            let output = GzipCaptureFiles(path: path)
            try output.write(Array(letter.utf8), timestamp: 0)
            try output.close()
        }
        #expect(try files() == ["ccr.jsonl.gz"])
        #expect(try lines(path) == ["a", "b"])
    }

    /// A link could lead the capture into someone else's file, or create the file it names.
    @Test(arguments: [true, false])
    func aSymbolicLinkIsRefusedAndNothingIsWrittenThroughIt(targetExists: Bool) throws {
        let target = folder.path + "/target"
        if targetExists { try Data("someone's data\n".utf8).write(to: URL(fileURLWithPath: target)) }
        let link = folder.path + "/ccr.jsonl.gz"
        #expect(symlink(target, link) == 0)
        let output = GzipCaptureFiles(path: link)
        #expect {
            try output.open()
        } throws: { error in
            "\(error)".contains("symbolic link")
        }
        #expect(throws: OutputError.self) { try output.write(Array("a".utf8), timestamp: 0) }
        if targetExists {
            #expect(try String(contentsOfFile: target, encoding: .utf8) == "someone's data\n")
        } else {
            #expect(!FileManager.default.fileExists(atPath: target))
        }
    }

    /// A capture describes a cluster: its files are for their owner only, whatever the umask.
    @Test(arguments: [Rotation(), Rotation(daily: true)])
    func newFilesAreReadableByTheirOwnerOnly(rotation: Rotation) throws {
        let output = GzipCaptureFiles(path: folder.path + "/ccr.jsonl.gz", rotation: rotation)
        let previous = umask(0)
        defer { umask(previous) }
        try output.open()
        try output.write(Array("a".utf8), timestamp: Self.beforeMidnight)
        try output.close()
        let path = try #require(output.paths.first)
        var status = stat()
        #expect(stat(path, &status) == 0)
        #expect(status.st_mode & 0o777 == 0o600)
    }

    @Test func anExistingFileKeepsItsMode() throws {
        let path = folder.path + "/shared.jsonl.gz"
        let first = GzipCaptureFiles(path: path)
        try first.write(Array("a".utf8), timestamp: 0)
        try first.close()
        #expect(chmod(path, 0o640) == 0)
        let again = GzipCaptureFiles(path: path)
        try again.open()
        try again.write(Array("b".utf8), timestamp: 0)
        try again.close()
        var status = stat()
        #expect(stat(path, &status) == 0)
        #expect(status.st_mode & 0o777 == 0o640)
        #expect(try lines(path) == ["a", "b"])
    }

    /// Before the first poll: a file that cannot be written is found before credentials go out.
    @Test(arguments: [Rotation(), Rotation(daily: true)])
    func openFindsAnUnwritablePathBeforeAnythingIsWritten(rotation: Rotation) throws {
        let blocker = folder.path + "/file"
        try Data("x".utf8).write(to: URL(fileURLWithPath: blocker))
        let output = GzipCaptureFiles(path: blocker + "/ccr.jsonl.gz", rotation: rotation)
        #expect(throws: OutputError.self) { try output.open() }
    }

    @Test func aFIFOIsRefusedWithoutWaitingForAReader() throws {
        let path = folder.path + "/fifo"
        #expect(mkfifo(path, 0o600) == 0)
        #expect {
            try GzipCaptureFiles(path: path).open()
        } throws: { error in
            "\(error)".contains("not a regular file")
        }
    }
}

@Suite struct PlainLinesTests {
    /// A pipe whose reader stopped reading: the writer waits for room, but a stop still ends it.
    @Test func aStopEndsAWriteThatWaitsForAReader() async throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]) }
        let lines = PlainLines.pipe(descriptor: ends[1], name: "pipe")
        nonisolated(unsafe) let output = lines
        let writer = Task { () -> OutputError? in
            do throws(OutputError) {
                // 64 KiB fill a Linux pipe: 1,000 lines of 1 KiB cannot all fit.
                for _ in 0..<1000 { try output.write([UInt8](repeating: UInt8(ascii: "x"), count: 1023), timestamp: 0) }
                return nil
            } catch {
                return error
            }
        }
        try await Task.sleep(for: .milliseconds(300))
        writer.cancel()
        let failure = await writer.value
        #expect(failure?.code == ECANCELED)
        try lines.close()
    }
}
