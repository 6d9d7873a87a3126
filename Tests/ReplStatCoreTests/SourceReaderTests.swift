import Foundation
import ReplStatTestSupport
import Testing

@testable import ReplStatCore

/// What a read delivered, and how it ended.
private struct ReadResult {
    var bytes: [UInt8] = []
    var chunkSizes: [Int] = []
    var failure: SourceFailure?

    /// The same bytes, and the same failure but for the source's name.
    func isSame(as other: ReadResult) -> Bool {
        bytes == other.bytes && failure?.kind == other.failure?.kind
            && failure?.byteOffset == other.failure?.byteOffset && failure?.detail == other.failure?.detail
    }
}

private func read(_ path: String, chunkSize: Int = 256 * 1024, inflater: Inflater = .isal) -> ReadResult {
    var result = ReadResult()
    do {
        try SourceReader(chunkSize: chunkSize, inflater: inflater).read(InputSource(path)) { chunk in
            result.bytes.append(contentsOf: chunk)
            result.chunkSizes.append(chunk.count)
        }
    } catch {
        result.failure = error
    }
    return result
}

private func readBytes(_ bytes: [UInt8], chunkSize: Int = 256 * 1024, inflater: Inflater = .isal) throws -> ReadResult {
    let path = try ScratchFile.write(bytes)
    defer { ScratchFile.remove(path) }
    return read(path, chunkSize: chunkSize, inflater: inflater)
}

/// What a pipe delivers: `bytes`, written by another thread.
private func readPipe(_ bytes: [UInt8], chunkSize: Int, inflater: Inflater) -> ReadResult {
    var ends: [Int32] = [0, 0]
    precondition(pipe(&ends) == 0)
    let writeEnd = ends[1]
    let writer = Thread {
        bytes.withUnsafeBytes { buffer in
            var written = 0
            while written < buffer.count {
                let count = write(writeEnd, buffer.baseAddress! + written, buffer.count - written)
                if count <= 0 { break }
                written += count
            }
        }
        close(writeEnd)
    }
    writer.start()
    var result = ReadResult()
    do {
        try SourceReader(chunkSize: chunkSize, inflater: inflater).read(InputSource(name: "pipe", descriptor: ends[0]))
        {
            result.bytes.append(contentsOf: $0)
        }
    } catch {
        result.failure = error
    }
    return result
}

/// How many bytes ISA-L alone inflates from deflate data that may be cut.
private func isalAlone(deflate: ArraySlice<UInt8>, chunkSize: Int) -> Int {
    let decoder = IsalDecoder()
    let output = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
    defer { output.deallocate() }
    var total = 0
    var start = deflate.startIndex
    while start < deflate.endIndex {
        let end = min(deflate.endIndex, start + chunkSize)
        var callAgain = true
        deflate[start..<end].withUnsafeBytes { chunk in
            var input = chunk
            while !input.isEmpty || callAgain {
                guard
                    case .progress(let consumed, let produced, let again) = decoder.inflate(
                        input: input, output: output)
                else { return }
                total += produced
                input = UnsafeRawBufferPointer(rebasing: input[consumed...])
                callAgain = again
            }
        }
        start = end
    }
    return total
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

    @Test(arguments: Inflater.allCases, chunkSizes)
    func singleGzipMember(inflater: Inflater, chunkSize: Int) throws {
        let original = sampleLines(200)
        let result = try readBytes(try systemGzip(original), chunkSize: chunkSize, inflater: inflater)
        #expect(result.failure == nil)
        #expect(result.bytes == original)
    }

    @Test(arguments: Inflater.allCases)
    func gzipOfNothingIsEmpty(inflater: Inflater) throws {
        let result = try readBytes(try systemGzip([]), inflater: inflater)
        #expect(result.failure == nil)
        #expect(result.bytes.isEmpty)
    }

    @Test(arguments: Inflater.allCases, chunkSizes)
    func severalMembersAreOneStream(inflater: Inflater, chunkSize: Int) throws {
        // The second member starts in the middle of a line; the third is empty.
        let whole = sampleLines(50)
        let cut = whole.count / 2 + 5
        let parts = [Array(whole[..<cut]), Array(whole[cut...]), [], Array("tail without LF".utf8)]
        var file: [UInt8] = []
        for (number, part) in parts.enumerated() { file += try systemGzip(part, name: number % 2 == 1) }
        let result = try readBytes(file, chunkSize: chunkSize, inflater: inflater)
        #expect(result.failure == nil)
        #expect(result.bytes == parts.flatMap { $0 })
    }

    @Test(arguments: Inflater.allCases)
    func largeMemberDrainsFullOutputBuffers(inflater: Inflater) throws {
        // Highly compressible data: one input chunk inflates to many output buffers.
        let original = [UInt8](repeating: UInt8(ascii: "a"), count: 1 << 20) + Array("\n".utf8)
        for chunkSize in [7, 4096] {
            let result = try readBytes(
                try systemGzip(original) + (try systemGzip(original)), chunkSize: chunkSize, inflater: inflater)
            #expect(result.failure == nil)
            #expect(result.bytes == original + original)
        }
    }

    /// Members made by hand (FEXTRA, FNAME, FCOMMENT, FHCRC, each alone and all together) read
    /// as gzip makes them; with a damaged header they are corrupt at their first byte.
    @Test(arguments: Inflater.allCases)
    func everyHeaderField(inflater: Inflater) throws {
        let first = Array("first\n".utf8)
        let second = sampleLines(30, seed: 5)
        let plain = try systemGzip(first)
        let flagSets: [UInt8] = [0x04, 0x08, 0x10, 0x02, 0x1F, 0x1E]
        for flags in flagSets {
            let member = try GzipMember(of: second, flags: flags)
            for chunkSize in [1, 3, 64 * 1024] {
                let result = try readBytes(plain + member.bytes, chunkSize: chunkSize, inflater: inflater)
                #expect(result.failure == nil, "flags \(flags), chunk size \(chunkSize)")
                #expect(result.bytes == first + second, "flags \(flags), chunk size \(chunkSize)")
            }
        }
        let all = try GzipMember(of: second, flags: 0x1E)
        var damages: [(String, Int, UInt8)] = [
            ("compression method 7, not deflate", 2, 8 ^ 7), ("reserved header flags set", 3, 0x20),
            ("reserved header flags set", 3, 0x80),
        ]
        // A flipped bit in the name: the header CRC no longer matches.
        damages.append(("header CRC mismatch", all.nameOffset, 0x01))
        damages.append(("header CRC mismatch", all.headerCRCOffset + 1, 0x40))
        for (why, offset, bits) in damages {
            var bytes = all.bytes
            bytes[offset] ^= bits
            for chunkSize in [1, 2, 64 * 1024] {
                let result = try readBytes(plain + bytes, chunkSize: chunkSize, inflater: inflater)
                let context = "\(why) at \(offset), chunk size \(chunkSize)"
                #expect(result.failure?.kind == .corruptGzip, "\(context)")
                #expect(result.failure?.byteOffset == Int64(plain.count), "\(context)")
                #expect(result.failure?.detail == why, "\(context)")
                #expect(result.bytes == first, "\(context)")
            }
        }
        // Cut anywhere in the header: truncated where the file ends.
        for cut in 1..<all.deflateOffset {
            let result = try readBytes(plain + all.bytes.prefix(cut), chunkSize: 3, inflater: inflater)
            #expect(result.failure?.kind == .truncatedGzip, "cut at \(cut)")
            #expect(result.failure?.byteOffset == Int64(plain.count + cut), "cut at \(cut)")
            #expect(result.bytes == first, "cut at \(cut)")
        }
    }

    /// zlib's order, which decides between truncated and corrupt when a damaged member is also
    /// cut: the method with the flags, once both are in; the CRC once its 4 bytes are in, the
    /// length once its own are. (The trailer case was found by scripts/fuzz read-and-frame.)
    @Test(arguments: Inflater.allCases)
    func checksComeInZlibsOrder(inflater: Inflater) throws {
        let lines = sampleLines(20)
        let member = try systemGzip(lines)
        var badCRC = member
        badCRC[member.count - 8] ^= 0x01
        let cases: [(String, [UInt8], SourceFailure.Kind, String)] = [
            (
                "bad method, cut before the flags", [0x1F, 0x8B, 7], .truncatedGzip,
                "the stream ends inside a gzip member"
            ),
            ("bad method", [0x1F, 0x8B, 7, 0], .corruptGzip, "compression method 7, not deflate"),
            ("bad CRC, cut in the length", Array(badCRC.dropLast(2)), .corruptGzip, "CRC-32 mismatch"),
            (
                "good CRC, cut in the length", Array(member.dropLast(2)), .truncatedGzip,
                "the stream ends inside a gzip member"
            ),
        ]
        for (what, bytes, kind, detail) in cases {
            for chunkSize in [1, 64 * 1024] {
                let result = try readBytes(bytes, chunkSize: chunkSize, inflater: inflater)
                if what == "bad CRC, cut in the length" {
                    #expect(result.failure?.byteOffset == Int64(member.count - 8), "chunk size \(chunkSize)")
                }
                #expect(result.failure?.kind == kind, "\(what), chunk size \(chunkSize)")
                #expect(result.failure?.detail == detail, "\(what), chunk size \(chunkSize)")
                #expect(result.bytes == (bytes.count > 4 ? lines : []), "\(what), chunk size \(chunkSize)")
            }
        }
    }

    @Test(arguments: Inflater.allCases, [1, 5, 64 * 1024])
    func memberCutAtEveryOffset(inflater: Inflater, chunkSize: Int) throws {
        let first = Array("first member\n".utf8)
        let second = sampleLines(4, seed: 9)
        let firstGzip = try systemGzip(first)
        let file = firstGzip + (try systemGzip(second))
        let original = first + second
        // Cut exactly between the members is no damage: checked below.
        for cut in 2..<file.count where cut != firstGzip.count {
            let result = try readBytes(Array(file[..<cut]), chunkSize: chunkSize, inflater: inflater)
            let failure = try #require(result.failure, "cut at \(cut)")
            #expect(failure.kind == .truncatedGzip, "cut at \(cut)")
            #expect(failure.byteOffset == Int64(cut), "cut at \(cut)")
            #expect(original.starts(with: result.bytes), "cut at \(cut)")
            if cut > firstGzip.count { #expect(result.bytes.count >= first.count, "cut at \(cut)") }
            // All of a member's bytes are out once its deflate data is in: only the trailer is missing.
            if cut >= file.count - 8 { #expect(result.bytes == original, "cut at \(cut)") }
        }
        // Cut exactly between the members: nothing is damaged.
        let between = try readBytes(firstGzip, chunkSize: chunkSize, inflater: inflater)
        #expect(between.failure == nil)
        #expect(between.bytes == first)
    }

    /// Cut anywhere in a long member: every whole symbol before the cut is delivered, with either
    /// inflater and any chunk size, from a file and from a pipe. (ISA-L decodes up to three
    /// literals in one look-up and left the last ones of a cut stream; zlib inflates the cut
    /// member again.)
    @Test(arguments: [61, 64 * 1024])
    func aCutMemberDeliversTheSameBytesWithEitherInflater(chunkSize: Int) throws {
        let original = sampleLines(2000, seed: 4)
        let member = try systemGzip(original)
        var random = SplitMix64(seed: UInt64(chunkSize))
        var shorter = 0
        for _ in 0..<60 {
            let cut = Int.random(in: 11..<(member.count - 8), using: &random)
            let bytes = Array(member.prefix(cut))
            let zlibRead = try readBytes(bytes, chunkSize: chunkSize, inflater: .zlib)
            let fromFile = try readBytes(bytes, chunkSize: chunkSize, inflater: .isal)
            let fromPipe = readPipe(bytes, chunkSize: chunkSize, inflater: .isal)
            let context =
                "cut at \(cut): zlib \(zlibRead.bytes.count) bytes, file \(fromFile.bytes.count), "
                + "pipe \(fromPipe.bytes.count)"
            let same = fromFile.isSame(as: zlibRead) && fromPipe.isSame(as: zlibRead)
            #expect(same, "\(context)")
            #expect(zlibRead.failure?.kind == .truncatedGzip && original.starts(with: zlibRead.bytes), "\(context)")
            if isalAlone(deflate: bytes[10...], chunkSize: chunkSize) != zlibRead.bytes.count { shorter += 1 }
        }
        // The replay is needed: without it ISA-L ends short at some of these cuts (when it had
        // much input at hand where the last block began, as it has with large chunks).
        if chunkSize > 4096 { #expect(shorter > 0) }
    }

    /// Lines of random letters, which hardly compress: `count` bytes give about 3/4 as many of
    /// deflate data.
    private static func incompressible(_ count: Int, seed: UInt64) -> [UInt8] {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var random = SplitMix64(seed: seed)
        return (0..<count).map { $0 % 100 == 99 ? 0x0A : alphabet[Int(random.next() % 64)] }
    }

    /// On a pipe, zlib reads again the member's bytes kept in blocks: cut, or with a bad CRC, a
    /// member spanning several blocks reads as zlib reads it from a file.
    @Test func aMemberKeptInSeveralBlocksReadsAsWithZlib() throws {
        let original = Self.incompressible(1_500_000, seed: 11)
        let member = try systemGzip(original)
        #expect(member.count > 3 * KeptBytes.blockSize && member.count < GzipReader.keptLimit)
        var badCRC = member
        badCRC[member.count - 8] ^= 0x01
        let damaged =
            [member.count / 2, member.count - 9, member.count - 3].map { Array(member.prefix($0)) } + [badCRC]
        for bytes in damaged {
            let zlibRead = try readBytes(bytes, chunkSize: 64 * 1024, inflater: .zlib)
            let fromPipe = readPipe(bytes, chunkSize: 64 * 1024, inflater: .isal)
            #expect(zlibRead.failure != nil && original.starts(with: zlibRead.bytes))
            #expect(
                fromPipe.isSame(as: zlibRead),
                "\(bytes.count) bytes: pipe \(fromPipe.bytes.count), zlib \(zlibRead.bytes.count)")
        }
    }

    /// A member longer than `GzipReader.keptLimit` on a pipe is not kept whole: cut, it is still
    /// truncated at the same offset, and what ISA-L delivered is the start of what was compressed.
    @Test func aMemberPastTheKeptLimitOnAPipeIsStillTruncated() throws {
        let original = Self.incompressible(6_000_000, seed: 12)
        let member = try systemGzip(original)
        #expect(member.count > GzipReader.keptLimit)
        let cut = Array(member.prefix(member.count - 1000))
        let zlibRead = try readBytes(cut, chunkSize: 64 * 1024, inflater: .zlib)
        let fromPipe = readPipe(cut, chunkSize: 64 * 1024, inflater: .isal)
        #expect(
            fromPipe.failure?.kind == .truncatedGzip && fromPipe.failure?.byteOffset == zlibRead.failure?.byteOffset)
        #expect(original.starts(with: fromPipe.bytes) && fromPipe.bytes.count > original.count - 2000)
    }

    @Test(
        arguments: Inflater.allCases,
        [
            Array("garbage\n".utf8), [0x00], [0x00, 0x00, 0x00, 0x00], [0x1F, 0x00, 0x41], [0x8B, 0x1F],
        ] as [[UInt8]])
    func trailingGarbageAfterMember(inflater: Inflater, garbage: [UInt8]) throws {
        let original = sampleLines(30)
        let member = try systemGzip(original)
        for chunkSize in [1, 2, 3, 7, 64 * 1024] {
            let result = try readBytes(member + garbage, chunkSize: chunkSize, inflater: inflater)
            let failure = try #require(result.failure)
            #expect(failure.kind == .trailingGarbage, "chunk size \(chunkSize)")
            #expect(failure.byteOffset == Int64(member.count), "chunk size \(chunkSize)")
            #expect(result.bytes == original, "chunk size \(chunkSize)")
        }
    }

    /// A lone `1f` after a member could start another one: the stream is cut, not garbage.
    @Test(arguments: Inflater.allCases)
    func aLoneFirstMagicByteAtTheEndIsTruncation(inflater: Inflater) throws {
        let member = try systemGzip(Array("one\n".utf8))
        let result = try readBytes(member + [0x1F], chunkSize: 3, inflater: inflater)
        #expect(result.failure?.kind == .truncatedGzip)
        #expect(result.failure?.byteOffset == Int64(member.count + 1))
    }

    @Test(arguments: Inflater.allCases)
    func garbageAfterSecondMemberKeepsBoth(inflater: Inflater) throws {
        let one = Array("one\n".utf8)
        let two = Array("two\n".utf8)
        let members = try systemGzip(one) + (try systemGzip(two))
        let result = try readBytes(members + Array("xyz".utf8), chunkSize: 3, inflater: inflater)
        #expect(result.failure?.kind == .trailingGarbage)
        #expect(result.failure?.byteOffset == Int64(members.count))
        #expect(result.bytes == one + two)
    }

    /// The trailer is CRC32 then ISIZE, 4 bytes each, little-endian, at the member's end: a field
    /// that does not match is reported at its own first byte, counted from the end of the member
    /// gzip wrote, from a file and from a pipe.
    @Test(arguments: Inflater.allCases, [(8, "CRC-32 mismatch"), (4, "length mismatch")])
    func corruptTrailerDeliversWholeMember(inflater: Inflater, field: (fromEnd: Int, why: String)) throws {
        let first = try systemGzip(Array("first\n".utf8))
        let original = sampleLines(40)
        var member = try systemGzip(original)
        member[member.count - field.fromEnd] ^= 0x01
        let bytes = first + member + (try systemGzip(Array("next\n".utf8)))
        for chunkSize in [1, 7, 64 * 1024] {
            for (how, result) in [
                ("file", try readBytes(bytes, chunkSize: chunkSize, inflater: inflater)),
                ("pipe", readPipe(bytes, chunkSize: chunkSize, inflater: inflater)),
            ] {
                let context = "\(field.why), \(how), chunk size \(chunkSize)"
                let failure = try #require(result.failure, "\(context)")
                #expect(failure.kind == .corruptGzip, "\(context)")
                #expect(failure.detail == field.why, "\(context)")
                #expect(result.bytes == Array("first\n".utf8) + original, "\(context)")
                #expect(failure.byteOffset == Int64(first.count + member.count - field.fromEnd), "\(context)")
            }
        }
    }

    /// Invalid deflate data, made by hand after 1,000 good bytes: exactly those bytes are
    /// delivered, and the member is corrupt where it starts, from a file (zlib inflates the
    /// member again) and from a pipe (ISA-L redoes its last call carefully: its fast loop counts
    /// a bad match's bytes as output before it checks the distance).
    @Test(arguments: Inflater.allCases, DeflateDamage.allCases)
    func invalidDeflateDataStopsRightBeforeIt(inflater: Inflater, damage: DeflateDamage) throws {
        let first = try systemGzip(Array("first\n".utf8))
        let good = (0..<1000).map { UInt8(ascii: "a") + UInt8($0 % 26) }
        let member = damage.member(after: good)
        for chunkSize in [1, 7, 64, 4096, 64 * 1024] {
            for (how, result) in [
                ("file", try readBytes(first + member, chunkSize: chunkSize, inflater: inflater)),
                ("pipe", readPipe(first + member, chunkSize: chunkSize, inflater: inflater)),
            ] {
                let context = "\(how), chunk size \(chunkSize)"
                #expect(result.failure?.kind == .corruptGzip, "\(context): \(String(describing: result.failure))")
                #expect(result.failure?.byteOffset == Int64(first.count), "\(context)")
                #expect(result.failure?.detail == "invalid deflate data", "\(context)")
                let exact = result.bytes == Array("first\n".utf8) + good
                #expect(exact, "\(context): \(result.bytes.count) bytes")
            }
        }
    }

    /// ISA-L refuses a block header as soon as end-of-block has no code, zlib only once the
    /// header is whole: cut before that, the stream is truncated, as zlib says. (Found by
    /// scripts/fuzz inflaters.)
    @Test(arguments: Inflater.allCases)
    func aHeaderCutBeforeZlibSeesItsFaultIsTruncated(inflater: Inflater) throws {
        let hex =
            "1f8b0800000000000403ad8e310bc2301085777fc6cdadcd5c3224883848972ebae852427b6a304d202ec24def7bbcfb"
            + "12aca219284417410953657175656e6361ce79967e598aafc17ec02c010000"
        var bytes: [UInt8] = []
        var digits = hex.makeIterator()
        while let high = digits.next(), let low = digits.next() {
            bytes.append(UInt8(String([high, low]), radix: 16)!)
        }
        for chunkSize in [1, 64 * 1024] {
            for result in [
                try readBytes(bytes, chunkSize: chunkSize, inflater: inflater),
                readPipe(bytes, chunkSize: chunkSize, inflater: inflater),
            ] {
                #expect(result.failure?.kind == .truncatedGzip, "chunk size \(chunkSize)")
                #expect(result.failure?.byteOffset == Int64(bytes.count))
                #expect(result.bytes.isEmpty)
            }
        }
    }

    /// Damage anywhere in a member's deflate data: the two inflaters deliver the same bytes and
    /// fail the same way, for any chunk size. The one exception is the Huffman code that does not
    /// use all its codes: zlib refuses it where its block starts, ISA-L decodes it until it meets
    /// a missing code (or to its end); what zlib delivered is then where ISA-L's bytes start.
    @Test(arguments: 0..<8)
    func damageReadsTheSameWithEitherInflater(seed: Int) throws {
        let member = try systemGzip(sampleLines(3000, seed: 3))
        var random = SplitMix64(seed: UInt64(seed))
        for _ in 0..<40 {
            var damaged = member
            for _ in 0..<(1 + Int(random.next() % 3)) {
                // In the deflate data: past the 10-byte header, before the trailer.
                let position = Int.random(in: 10..<(member.count - 8), using: &random)
                damaged[position] ^= UInt8(1 << Int.random(in: 0..<8, using: &random))
            }
            let zlibRead = try readBytes(damaged, chunkSize: 64 * 1024, inflater: .zlib)
            let isal = try readBytes(damaged, chunkSize: 64 * 1024, inflater: .isal)
            let context =
                "seed \(seed): zlib \(zlibRead.bytes.count) bytes, \(String(describing: zlibRead.failure)); "
                + "ISA-L \(isal.bytes.count) bytes, \(String(describing: isal.failure))"
            let zlibChunked = try readBytes(damaged, chunkSize: 61, inflater: .zlib).isSame(as: zlibRead)
            let isalChunked = try readBytes(damaged, chunkSize: 61, inflater: .isal).isSame(as: isal)
            #expect(zlibChunked && isalChunked, "\(context)")
            if ZlibOracle.refusesACodeSet(rawDeflate: Array(damaged[10...])) {
                let zlibFirst = isal.bytes.starts(with: zlibRead.bytes)
                #expect(zlibFirst, "\(context)")
            } else {
                let same = isal.isSame(as: zlibRead)
                #expect(same, "\(context)")
            }
        }
    }

    /// The limit above, made by hand: a member whose literal/length code leaves a code unused
    /// that its data never needs. zlib refuses it; ISA-L inflates it, and its CRC matches.
    @Test func anIncompleteHuffmanCodeIsOnlyRefusedByZlib() throws {
        let first = try systemGzip(Array("first\n".utf8))
        let member = DeflateDamage.incompleteLiteralCode(repeating: UInt8(ascii: "a"), count: 500)
        let zlibRead = try readBytes(first + member, inflater: .zlib)
        #expect(zlibRead.failure?.kind == .corruptGzip)
        #expect(zlibRead.failure?.byteOffset == Int64(first.count))
        #expect(zlibRead.bytes == Array("first\n".utf8))
        let isal = try readBytes(first + member, inflater: .isal)
        #expect(isal.failure == nil)
        #expect(isal.bytes == Array("first\n".utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: 500))
    }

    /// Found by `scripts/fuzz inflaters`: a member cut in its trailer whose deflate data ISA-L
    /// reads to its end through a code set zlib refuses. ISA-L's reader said truncated at the end
    /// of the file, zlib corrupt at the member's start; zlib, inflating it again, now decides.
    @Test func aMemberCutInItsTrailerAfterACodeSetZlibRefusesIsCorruptWithEither() throws {
        let deflate: [UInt8] = Array(
            Data(base64Encoded: "rc6xDoIwEAbg3cfoDKYtUIXJxMG4sOiiSyFwaiMUQmvUEN7dspg4c1zIWDMAAADI1w==")!)
        let member: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3] + deflate
        for chunkSize in [1, 7, 64 * 1024] {
            let zlibRead = try readBytes(member, chunkSize: chunkSize, inflater: .zlib)
            let isalRead = try readBytes(member, chunkSize: chunkSize, inflater: .isal)
            let piped = readPipe(member, chunkSize: chunkSize, inflater: .isal)
            #expect(zlibRead.failure?.kind == .corruptGzip)
            #expect(zlibRead.failure?.byteOffset == 0)
            for read in [isalRead, piped] {
                #expect(read.failure?.kind == .corruptGzip)
                #expect(read.failure?.byteOffset == 0)
            }
            #expect(isalRead.bytes.starts(with: zlibRead.bytes))
        }
    }

    /// A pipe can deliver the two magic bytes in separate reads.
    @Test(arguments: [false, true])
    func pipeDeliveringOneByteFirst(compressed: Bool) throws {
        let original = sampleLines(20)
        let content = compressed ? try systemGzip(original) : original
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
        let bytes = compressed ? try systemGzip(plain) : plain
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

    /// With a destination, a plain source after its first read is read into the memory it
    /// gives (no more than it holds), and delivered there; the bytes and the damage are those of
    /// a read without one. Gzip input is inflated as without it.
    @Test(arguments: [(false, 1), (false, 7), (false, 1024), (true, 1024), (false, 8192)])
    func aDestinationGetsThePlainBytes(compressed: Bool, chunkSize: Int) throws {
        let plain = sampleLines(300)
        let path = try ScratchFile.write(compressed ? try systemGzip(plain) : plain)
        defer { ScratchFile.remove(path) }
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16)
        defer { memory.deallocate() }
        var delivered: [UInt8] = []
        var inDestination = 0
        try SourceReader(chunkSize: chunkSize).read(InputSource(path), into: { memory }) { chunk in
            delivered += chunk
            if chunk.baseAddress == UnsafeRawPointer(memory.baseAddress) {
                #expect(chunk.count <= min(chunkSize, memory.count))
                inDestination += 1
            }
        }
        #expect(delivered == plain)
        #expect(compressed ? inDestination == 0 : inDestination > 0)
        let cut = try ScratchFile.write(plain)
        defer { ScratchFile.remove(cut) }
        var failure: SourceFailure?
        do {
            try SourceReader(chunkSize: 1024).read(InputSource(cut), into: { memory }) { _ in
                _ = truncate(cut, 3000)
            }
        } catch {
            failure = error
        }
        #expect(failure?.kind == .readError && failure?.description.contains("shrank") == true)
    }
}
