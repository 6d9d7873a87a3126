import Foundation
import ReplStatTestSupport
import Testing

@testable import ReplStatCore

/// Compresses with the system `gzip`; with `name`, the header carries the file name and time.
private func gzip(_ bytes: [UInt8], name: Bool = false) throws -> [UInt8] {
    try SystemGzip.compress(bytes, keepName: name)
}

/// What a read delivered, and how it ended.
private struct ReadResult {
    var bytes: [UInt8] = []
    var chunkSizes: [Int] = []
    var failure: SourceFailure?
}

private func read(_ path: String, chunkSize: Int = 256 * 1024) -> ReadResult {
    var result = ReadResult()
    do {
        try SourceReader(chunkSize: chunkSize).read(InputSource(path)) { chunk in
            result.bytes.append(contentsOf: chunk)
            result.chunkSizes.append(chunk.count)
        }
    } catch {
        result.failure = error
    }
    return result
}

private func readBytes(_ bytes: [UInt8], chunkSize: Int = 256 * 1024) throws -> ReadResult {
    let path = try ScratchFile.write(bytes)
    defer { ScratchFile.remove(path) }
    return read(path, chunkSize: chunkSize)
}

private func sampleLines(_ count: Int, seed: UInt64 = 1) -> [UInt8] {
    var random = SplitMix64(seed: seed)
    var text = ""
    for line in 0..<count {
        let lag = random.next() % 1000
        text += #"{"@timestamp":"2026-11-28T10:00:\#(String(format: "%02d", line % 60)).000Z","#
        text += #""index":"follower-\#(line % 7)","response":{"status":"SYNCING","lag":\#(lag)}}"#
        text += "\n"
    }
    return Array(text.utf8)
}

@Suite struct SourceReaderTests {
    /// 0 is taken as 1.
    static let chunkSizes = [0, 1, 2, 3, 7, 64 * 1024]

    @Test(arguments: chunkSizes)
    func plainBytesPassThroughUnchanged(chunkSize: Int) throws {
        var random = SplitMix64(seed: UInt64(chunkSize))
        // Random bytes, but not starting with the gzip magic.
        var bytes = (0..<10_000).map { _ in UInt8.random(in: 0...255, using: &random) }
        bytes[0] = UInt8(ascii: "{")
        let result = try readBytes(bytes, chunkSize: chunkSize)
        #expect(result.failure == nil)
        #expect(result.bytes == bytes)
        #expect(result.chunkSizes.allSatisfy { $0 <= max(chunkSize, 2) })
    }

    @Test(arguments: [[0x1F], [0x1F, 0x00], [0x8B, 0x1F], [0x1F, 0x8A, 0x0A]] as [[UInt8]])
    func plainBytesThatOnlyResembleGzip(bytes: [UInt8]) throws {
        for chunkSize in [1, 2, 64] {
            let result = try readBytes(bytes, chunkSize: chunkSize)
            #expect(result.failure == nil)
            #expect(result.bytes == bytes)
        }
    }

    @Test func emptyFileDeliversNothing() throws {
        for chunkSize in [1, 64] {
            let result = try readBytes([], chunkSize: chunkSize)
            #expect(result.failure == nil)
            #expect(result.bytes.isEmpty)
        }
    }

    @Test(arguments: chunkSizes)
    func singleGzipMember(chunkSize: Int) throws {
        let original = sampleLines(200)
        let result = try readBytes(try gzip(original), chunkSize: chunkSize)
        #expect(result.failure == nil)
        #expect(result.bytes == original)
    }

    @Test func gzipOfNothingIsEmpty() throws {
        let result = try readBytes(try gzip([]))
        #expect(result.failure == nil)
        #expect(result.bytes.isEmpty)
    }

    @Test(arguments: chunkSizes)
    func severalMembersAreOneStream(chunkSize: Int) throws {
        // The second member starts in the middle of a line; the third is empty.
        let whole = sampleLines(50)
        let cut = whole.count / 2 + 5
        let parts = [Array(whole[..<cut]), Array(whole[cut...]), [], Array("tail without LF".utf8)]
        var file: [UInt8] = []
        for (number, part) in parts.enumerated() { file += try gzip(part, name: number % 2 == 1) }
        let result = try readBytes(file, chunkSize: chunkSize)
        #expect(result.failure == nil)
        #expect(result.bytes == parts.flatMap { $0 })
    }

    @Test func largeMemberDrainsFullOutputBuffers() throws {
        // Highly compressible data: one input chunk inflates to many output buffers.
        let original = [UInt8](repeating: UInt8(ascii: "a"), count: 1 << 20) + Array("\n".utf8)
        for chunkSize in [7, 4096] {
            let result = try readBytes(try gzip(original) + (try gzip(original)), chunkSize: chunkSize)
            #expect(result.failure == nil)
            #expect(result.bytes == original + original)
        }
    }

    @Test(arguments: [1, 5, 64 * 1024])
    func memberCutAtEveryOffset(chunkSize: Int) throws {
        let first = Array("first member\n".utf8)
        let second = sampleLines(4, seed: 9)
        let firstGzip = try gzip(first)
        let file = firstGzip + (try gzip(second))
        let original = first + second
        // Cut exactly between the members is no damage: checked below.
        for cut in 2..<file.count where cut != firstGzip.count {
            let result = try readBytes(Array(file[..<cut]), chunkSize: chunkSize)
            let failure = try #require(result.failure, "cut at \(cut)")
            #expect(failure.kind == .truncatedGzip || failure.kind == .corruptGzip, "cut at \(cut)")
            #expect(original.starts(with: result.bytes), "cut at \(cut)")
            let offset = try #require(failure.byteOffset)
            #expect(offset >= 0 && offset <= Int64(cut), "cut at \(cut)")
            if failure.kind == .truncatedGzip { #expect(offset == Int64(cut), "cut at \(cut)") }
            if cut > firstGzip.count { #expect(result.bytes.count >= first.count, "cut at \(cut)") }
        }
        // Cut exactly between the members: nothing is damaged.
        let between = try readBytes(firstGzip, chunkSize: chunkSize)
        #expect(between.failure == nil)
        #expect(between.bytes == first)
    }

    @Test(
        arguments: [
            Array("garbage\n".utf8), [0x00], [0x00, 0x00, 0x00, 0x00], [0x1F, 0x00, 0x41], [0x8B, 0x1F],
        ] as [[UInt8]])
    func trailingGarbageAfterMember(garbage: [UInt8]) throws {
        let original = sampleLines(30)
        let member = try gzip(original)
        for chunkSize in [1, 2, 3, 7, 64 * 1024] {
            let result = try readBytes(member + garbage, chunkSize: chunkSize)
            let failure = try #require(result.failure)
            #expect(failure.kind == .trailingGarbage, "chunk size \(chunkSize)")
            #expect(failure.byteOffset == Int64(member.count), "chunk size \(chunkSize)")
            #expect(result.bytes == original, "chunk size \(chunkSize)")
        }
    }

    @Test func garbageAfterSecondMemberKeepsBoth() throws {
        let one = Array("one\n".utf8)
        let two = Array("two\n".utf8)
        let members = try gzip(one) + (try gzip(two))
        let result = try readBytes(members + Array("xyz".utf8), chunkSize: 3)
        #expect(result.failure?.kind == .trailingGarbage)
        #expect(result.failure?.byteOffset == Int64(members.count))
        #expect(result.bytes == one + two)
    }

    /// The trailer is CRC32 then ISIZE, 4 bytes each, little-endian, at the member's end.
    @Test(arguments: [(8, "CRC"), (4, "length")])
    func corruptTrailerDeliversWholeMember(fromEnd: Int, field: String) throws {
        let original = sampleLines(40)
        var member = try gzip(original)
        member[member.count - fromEnd] ^= 0x01
        for chunkSize in [1, 7, 64 * 1024] {
            let result = try readBytes(member + (try gzip(Array("next\n".utf8))), chunkSize: chunkSize)
            let failure = try #require(result.failure, "\(field), chunk size \(chunkSize)")
            #expect(failure.kind == .corruptGzip, "\(field), chunk size \(chunkSize)")
            #expect(result.bytes == original, "\(field), chunk size \(chunkSize)")
            let offset = try #require(failure.byteOffset)
            #expect(offset >= Int64(member.count - 8) && offset <= Int64(member.count))
        }
    }

    @Test func corruptDeflateDataIsReported() throws {
        let original = sampleLines(300)
        let member = try gzip(original)
        var random = SplitMix64(seed: 42)
        for _ in 0..<50 {
            var damaged = member
            // Damage the deflate data, past the 10-byte header and before the trailer.
            let position = Int.random(in: 10..<(member.count - 8), using: &random)
            damaged[position] ^= UInt8.random(in: 1...255, using: &random)
            let result = try readBytes(damaged, chunkSize: 64)
            let failure = try #require(result.failure)
            // Damaged literals inflate to wrong bytes that only the CRC catches, so the bytes
            // delivered need not be a prefix; the damage must still be reported.
            #expect(failure.kind == .corruptGzip || failure.kind == .truncatedGzip)
            #expect(failure.byteOffset.map { $0 <= Int64(damaged.count) } == true)
        }
    }

    /// A pipe can deliver the two magic bytes in separate reads.
    @Test(arguments: [false, true])
    func pipeDeliveringOneByteFirst(compressed: Bool) throws {
        let original = sampleLines(20)
        let content = compressed ? try gzip(original) : original
        let file = try ScratchFile.write(content)
        let fifo = FileManager.default.temporaryDirectory
            .appendingPathComponent("replstat-fifo-\(UUID().uuidString)").path
        defer {
            ScratchFile.remove(file)
            ScratchFile.remove(fifo)
        }
        #expect(mkfifo(fifo, 0o600) == 0)
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/bin/sh")
        writer.arguments = ["-c", #"(head -c 1 "$1"; sleep 0.2; tail -c +2 "$1") > "$2""#, "sh", file, fifo]
        try writer.run()
        let result = read(fifo, chunkSize: 64 * 1024)
        writer.waitUntilExit()
        #expect(result.failure == nil)
        #expect(result.bytes == original)
    }

    @Test func missingFileIsUnreadable() {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("replstat-\(UUID().uuidString)").path
        var delivered = 0
        do {
            try SourceReader().read(InputSource(path)) { delivered += $0.count }
            Issue.record("reading a missing file succeeded")
        } catch {
            #expect(error.kind == .unreadable)
            #expect(error.source == path)
            #expect(error.byteOffset == nil)
        }
        #expect(delivered == 0)
    }

    @Test func directoryIsUnreadable() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("replstat-dir-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
        defer { ScratchFile.remove(url.path) }
        let result = read(url.path)
        #expect(result.failure?.kind == .unreadable)
        #expect(result.bytes.isEmpty)
    }

    /// Bytes that were there when the file was opened and are gone before they were read are
    /// lost lines: damage, wherever the file was cut and whether or not it is compressed.
    @Test(arguments: [(false, 0), (false, 3000), (false, 20_000), (true, 0), (true, 500)])
    func aFileCutWhileReadIsDamage(compressed: Bool, cutTo size: Int) throws {
        let plain = sampleLines(400)
        let bytes = compressed ? try gzip(plain) : plain
        let path = try ScratchFile.write(bytes)
        defer { ScratchFile.remove(path) }
        var delivered = 0
        var cut = false
        do {
            try SourceReader(chunkSize: 1024).read(InputSource(path)) { chunk in
                delivered += chunk.count
                if !cut {
                    cut = true
                    #expect(truncate(path, off_t(size)) == 0)
                }
            }
            Issue.record("reading a file cut to \(size) of \(bytes.count) bytes succeeded")
        } catch {
            #expect(error.kind == .readError)
            #expect(error.source == path)
            #expect(
                error.description.contains("shrank while it was read (\(bytes.count) bytes when opened, \(size) now)"))
        }
        #expect(delivered > 0 && delivered < plain.count)
    }

    /// A file still being written (a capture) is read as far as it goes: growing is no damage.
    @Test func aFileThatGrowsWhileReadIsReadToItsNewEnd() throws {
        let first = sampleLines(100)
        let more = sampleLines(50, seed: 2)
        let path = try ScratchFile.write(first)
        defer { ScratchFile.remove(path) }
        var appended = false
        var delivered: [UInt8] = []
        try SourceReader(chunkSize: 1024).read(InputSource(path)) { chunk in
            delivered += chunk
            if !appended {
                appended = true
                let handle = FileHandle(forWritingAtPath: path)!
                handle.seekToEndOfFile()
                handle.write(Data(more))
                handle.closeFile()
            }
        }
        #expect(delivered == first + more)
    }
}
