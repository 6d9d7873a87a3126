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
// The source is read with zlib and with ISA-L, each with a few chunk sizes. Checked: each
// inflater delivers the same bytes and fails the same way (kind, offset, detail) whatever the
// chunk size; and the two inflaters agree, but where zlib refuses a member's Huffman code set,
// a code that ISA-L accepts when it leaves codes unused: there what zlib delivered must be
// where ISA-L's bytes start.

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

/// zlib's own message for the member that starts at `offset`, read by zlib alone.
func zlibMessage(_ source: [UInt8], member offset: Int) -> String? {
    let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    stream.initialize(to: z_stream())
    defer {
        inflateEnd(stream)
        stream.deallocate()
    }
    check(inflateInit2_(stream, 31, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK, "inflateInit2 failed")
    var output = [UInt8](repeating: 0, count: 1 << 16)
    return source.withUnsafeBufferPointer { input in
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress! + offset)
        stream.pointee.avail_in = uInt(input.count - offset)
        while true {
            let status = output.withUnsafeMutableBufferPointer { buffer in
                stream.pointee.next_out = buffer.baseAddress
                stream.pointee.avail_out = uInt(buffer.count)
                return inflate(stream, Z_NO_FLUSH)
            }
            if status == Z_OK && stream.pointee.avail_out == 0 { continue }
            return stream.pointee.msg.map { String(cString: $0) }
        }
    }
}

/// zlib refuses a Huffman code set that over- or under-fills its code space.
let codeSetMessages: Set = ["invalid code lengths set", "invalid literal/lengths set", "invalid distances set"]

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
    var results: [Inflater: ReadResult] = [:]
    for inflater in Inflater.allCases {
        let reference = readScratch(chunkSize: chunkSizes[1], inflater: inflater)
        for chunkSize in chunkSizes where chunkSize != chunkSizes[1] {
            let other = readScratch(chunkSize: chunkSize, inflater: inflater)
            check(
                other == reference,
                "\(inflater), chunk size \(chunkSize): \(other.bytes.count) bytes, \(other.verdict); "
                    + "chunk size \(chunkSizes[1]): \(reference.bytes.count) bytes, \(reference.verdict)")
        }
        results[inflater] = reference
    }
    let zlib = results[.zlib]!
    let isal = results[.isal]!
    let context = "zlib: \(zlib.bytes.count) bytes, \(zlib.verdict); ISA-L: \(isal.bytes.count) bytes, \(isal.verdict)"
    if zlib == isal { return 0 }
    // The one difference allowed: a code set zlib refuses, in the member it found corrupt.
    let refused =
        zlib.failure?.kind == .corruptGzip
        && zlib.failure?.byteOffset.flatMap { zlibMessage(source, member: Int($0)) }.map(codeSetMessages.contains)
            == true
    check(refused, "the inflaters differ: \(context)")
    check(isal.bytes.starts(with: zlib.bytes), "ISA-L's bytes do not start with zlib's: \(context)")
    return 0
}
