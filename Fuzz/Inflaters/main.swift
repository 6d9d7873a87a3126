// libFuzzer target: the two inflaters against each other.
//
// Built by scripts/fuzz together with the sources of ReplStatCore, as one module. The first byte
// of the input chooses what the rest is:
//
// - even: a source file as it is; when it does not start with the gzip magic, a 10-byte gzip
//   header is put in front, so that the rest is read as deflate data;
// - odd: plain text, compressed here with zlib (level, strategy and member count from a hash of
//   the input), then damaged the way the hash says: bits flipped, cut short, zeros over a
//   stretch, garbage after it, the trailer changed, or nothing.
//
// The source is read with zlib and with ISA-L, each with a few chunk sizes, and with ISA-L
// from a pipe. Checked: each inflater delivers the same bytes and fails the same way (kind,
// offset, detail) whatever the chunk size, and ISA-L the same from a pipe as from a file; and
// the two inflaters agree, but where zlib refuses a member's Huffman code set, a code that
// ISA-L accepts when it leaves codes unused: there what zlib delivered must be where ISA-L's
// bytes start, and ISA-L may read the member whole (its data never needed the missing codes).

import CZlib

#if canImport(Glibc)
    import Glibc
#endif

// MARK: - Making gzip

/// `plain` as zlib compresses it, in `members` members.
func compress(_ plain: [UInt8], level: Int32, strategy: Int32, members: Int) -> [UInt8] {
    var out: [UInt8] = []
    let size = plain.count / members + 1
    var start = 0
    repeat {
        let end = min(plain.count, start + size)
        out += compressMember(Array(plain[start..<end]), level: level, strategy: strategy)
        start = end
    } while start < plain.count
    return out
}

func compressMember(_ plain: [UInt8], level: Int32, strategy: Int32) -> [UInt8] {
    let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    stream.initialize(to: z_stream())
    defer {
        deflateEnd(stream)
        stream.deallocate()
    }
    check(
        deflateInit2_(stream, level, Z_DEFLATED, 31, 8, strategy, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
            == Z_OK, "deflateInit2 failed")
    var out = [UInt8](repeating: 0, count: Int(deflateBound(stream, uLong(plain.count))) + 32)
    var input = plain
    let produced = input.withUnsafeMutableBufferPointer { source in
        out.withUnsafeMutableBufferPointer { target in
            stream.pointee.next_in = source.baseAddress
            stream.pointee.avail_in = uInt(source.count)
            stream.pointee.next_out = target.baseAddress
            stream.pointee.avail_out = uInt(target.count)
            check(deflate(stream, Z_FINISH) == Z_STREAM_END, "deflate did not finish")
            return target.count - Int(stream.pointee.avail_out)
        }
    }
    return Array(out.prefix(produced))
}

func damage(_ gzip: [UInt8], _ random: inout Random) -> [UInt8] {
    var bytes = gzip
    guard !bytes.isEmpty else { return bytes }
    switch random.below(6) {
    case 0:
        for _ in 0...random.below(3) { bytes[random.below(bytes.count)] ^= UInt8(1 << random.below(8)) }
    case 1:
        bytes = Array(bytes.prefix(random.below(bytes.count)))
    case 2:
        let start = random.below(bytes.count)
        for index in start..<min(bytes.count, start + 1 + random.below(16)) { bytes[index] = 0 }
    case 3:
        bytes += [[0], [0, 0, 0, 0], [0x1F], [0x1F, 0x8B], Array("garbage".utf8)][random.below(5)]
    case 4:
        bytes[bytes.count - 1 - random.below(min(8, bytes.count))] ^= 0x01
    default:
        break
    }
    return bytes
}

// MARK: - Reading

struct ReadResult: Equatable {
    var bytes: [UInt8] = []
    var failure: SourceFailure?

    var verdict: String { failure.map { "\($0.kind) at \($0.byteOffset ?? -1) (\($0.detail))" } ?? "none" }
}

func readScratch(chunkSize: Int, inflater: Inflater) -> ReadResult {
    var result = ReadResult()
    do {
        try SourceReader(chunkSize: chunkSize, inflater: inflater).read(InputSource(scratchPath)) {
            result.bytes.append(contentsOf: $0)
        }
    } catch {
        result.failure = error
    }
    return result
}

/// `source` read by ISA-L from a pipe, which cannot be read again: a member is kept in memory
/// for zlib (`KeptBytes`). Nil when the source does not fit in the pipe's buffer.
func readThroughPipe(_ source: [UInt8], chunkSize: Int) -> ReadResult? {
    var ends: [Int32] = [0, 0]
    check(pipe(&ends) == 0, "pipe failed")
    // F_SETPIPE_SZ and F_GETPIPE_SZ (Linux): a buffer of 1 MiB holds any input of this target.
    _ = fcntl(ends[1], 1031, Int32(1 << 20))
    guard source.count <= Int(fcntl(ends[1], 1032)) else {
        close(ends[0])
        close(ends[1])
        return nil
    }
    let written = source.withUnsafeBytes { write(ends[1], $0.baseAddress, $0.count) }
    close(ends[1])
    check(written == source.count, "cannot write the pipe")
    var result = ReadResult()
    do {
        // The reader closes the descriptor it is given.
        try SourceReader(chunkSize: chunkSize, inflater: .isal).read(
            InputSource(name: scratchPath, descriptor: ends[0])
        ) { result.bytes.append(contentsOf: $0) }
    } catch {
        result.failure = error
    }
    return result
}

// MARK: - Entry point

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    var random = Random(input)
    var source = Array(input.dropFirst())
    if input[0] % 2 == 1 {
        let level = Int32(random.below(10))
        let strategy = [Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE, Z_FIXED][random.below(5)]
        source = damage(compress(source, level: level, strategy: strategy, members: 1 + random.below(3)), &random)
    } else if !source.starts(with: [0x1F, 0x8B]) {
        source = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3] + source
    }
    writeScratch(source)
    defer { unlink(scratchPath) }

    var chunkSizes = [random.below(4096) + 1, 1 << 16]
    if source.count <= 16 << 10 { chunkSizes.append(random.below(8) + 1) }
    // Each inflater at every chunk size, the reference size first; and ISA-L from a pipe.
    chunkSizes.swapAt(0, 1)
    var reads: [Inflater: [ReadResult]] = [:]
    for inflater in Inflater.allCases {
        reads[inflater] = chunkSizes.map { readScratch(chunkSize: $0, inflater: inflater) }
    }
    let zlib = reads[.zlib]![0]
    let isal = reads[.isal]![0]
    // The one difference allowed: a code set zlib refuses (ISA-L decodes a code that leaves codes
    // unused), in the member zlib found corrupt. ISA-L then delivers more of that member than
    // zlib, as much as it had inflated when it met the damage, which depends on how the input
    // came (the chunk size, a pipe's reads): what zlib delivered is where its bytes start.
    let refused =
        zlib.failure?.kind == .corruptGzip
        && zlib.failure?.byteOffset.flatMap { ZlibOracle.message(source[Int($0)...], windowBits: 31) }
            .map(ZlibOracle.codeSetMessages.contains) == true
    func checkSame(_ other: ReadResult, _ reference: ReadResult, isal: Bool, _ what: String) {
        guard other != reference else { return }
        let context =
            "\(what): \(other.bytes.count) bytes, \(other.verdict); "
            + "expected \(reference.bytes.count) bytes, \(reference.verdict)"
        check(isal && refused, "they differ: \(context)")
        // A member whose data never needs the codes zlib misses and whose CRC and length match
        // reads whole with ISA-L (docs/robustness.md): no verdict at all then.
        check(
            other.failure == zlib.failure || other.failure == nil && (reference.failure == nil || reference == zlib),
            "another verdict than zlib's: \(context)")
        check(other.bytes.starts(with: zlib.bytes), "bytes that do not start with zlib's: \(context)")
    }
    for (inflater, results) in reads {
        for (chunkSize, other) in zip(chunkSizes, results).dropFirst() {
            checkSame(other, results[0], isal: inflater == .isal, "\(inflater), chunk size \(chunkSize)")
        }
    }
    if let piped = readThroughPipe(source, chunkSize: chunkSizes[1]) {
        checkSame(piped, isal, isal: true, "ISA-L from a pipe, against a file")
    }
    checkSame(isal, zlib, isal: true, "ISA-L against zlib")
    return 0
}
