import CZlib

/// The header of a gzip member (RFC 1952, section 2.3), read as its bytes arrive, with zlib's
/// checks: the magic bytes, the method (deflate), no reserved flag, and the header CRC when
/// FHCRC asks for one. FEXTRA, FNAME and FCOMMENT are skipped, however long.
struct GzipHeader {
    enum Verdict: Equatable {
        case needsMore
        case complete
        /// The bytes do not start a gzip member.
        case notGzip
        /// A gzip header that cannot be inflated: why.
        case corrupt(String)
    }

    private enum Field {
        /// The 10 bytes every header has: magic, method, flags, time, extra flags, system.
        case fixed(read: Int)
        case extraLength(read: Int)
        case extra(left: Int)
        case name
        case comment
        case headerCRC(read: Int)
    }

    private enum Flag {
        static let headerCRC: UInt8 = 0x02
        static let extra: UInt8 = 0x04
        static let name: UInt8 = 0x08
        static let comment: UInt8 = 0x10
        static let reserved: UInt8 = 0xE0
    }

    private var field = Field.fixed(read: 0)
    private var method: UInt8 = 0
    private var flags: UInt8 = 0
    /// A two-byte little-endian field being read: XLEN, or the header CRC.
    private var number = 0
    /// CRC-32 of the header's bytes so far, while FHCRC asks for it.
    private var crc = crc32(0, nil, 0)

    /// Reads from `bytes` until the header is complete or found bad; returns how many bytes it
    /// used and the verdict.
    mutating func read(_ bytes: UnsafeRawBufferPointer) -> (used: Int, verdict: Verdict) {
        var used = 0
        while used < bytes.count {
            let start = used
            var verdict = Verdict.needsMore
            switch field {
            case .fixed(let read):
                let byte = bytes[used]
                used += 1
                if (read == 0 && byte != 0x1F) || (read == 1 && byte != 0x8B) { return (used, .notGzip) }
                // zlib checks the method and the flags together, once it has both.
                if read == 2 { method = byte }
                if read == 3 {
                    if method != 8 { return (used, .corrupt("compression method \(method), not deflate")) }
                    if byte & Flag.reserved != 0 { return (used, .corrupt("reserved header flags set")) }
                    flags = byte
                }
                if read < 9 {
                    field = .fixed(read: read + 1)
                } else {
                    verdict = advance(past: 0)
                }
            case .extraLength(let read):
                number |= Int(bytes[used]) << (8 * read)
                used += 1
                if read == 0 {
                    field = .extraLength(read: 1)
                } else if number > 0 {
                    field = .extra(left: number)
                } else {
                    verdict = advance(past: Flag.extra)
                }
            case .extra(let left):
                let skipped = min(left, bytes.count - used)
                used += skipped
                if skipped < left {
                    field = .extra(left: left - skipped)
                } else {
                    verdict = advance(past: Flag.extra)
                }
            case .name, .comment:
                let rest = UnsafeRawBufferPointer(rebasing: bytes[used...])
                guard let zero = rest.firstIndex(of: 0) else {
                    used = bytes.count
                    break
                }
                used += zero + 1
                if case .name = field {
                    verdict = advance(past: Flag.name)
                } else {
                    verdict = advance(past: Flag.comment)
                }
            case .headerCRC(let read):
                number |= Int(bytes[used]) << (8 * read)
                used += 1
                if read == 0 {
                    field = .headerCRC(read: 1)
                    continue
                }
                return (used, number == Int(crc & 0xFFFF) ? .complete : .corrupt("header CRC mismatch"))
            }
            if flags & Flag.headerCRC != 0 || start < 4 {
                crc = crc32(crc, bytes.baseAddress!.assumingMemoryBound(to: Bytef.self) + start, uInt(used - start))
            }
            if verdict != .needsMore { return (used, verdict) }
        }
        return (used, .needsMore)
    }

    /// Moves to the field after the one of `flag` (0: after the fixed part), or ends the header.
    private mutating func advance(past flag: UInt8) -> Verdict {
        number = 0
        if flag < Flag.extra && flags & Flag.extra != 0 {
            field = .extraLength(read: 0)
        } else if flag < Flag.name && flags & Flag.name != 0 {
            field = .name
        } else if flag < Flag.comment && flags & Flag.comment != 0 {
            field = .comment
        } else if flags & Flag.headerCRC != 0 {
            field = .headerCRC(read: 0)
        } else {
            return .complete
        }
        return .needsMore
    }
}

/// The 8 bytes after a member's deflate data: the CRC-32 and the length (modulo 2^32) of what
/// it inflates to, both little-endian. As zlib does, the CRC is checked as soon as its 4 bytes
/// are in, the length once its own are.
struct GzipTrailer {
    private var value: UInt64 = 0
    private var read = 0

    var isComplete: Bool { read == 8 }

    /// Reads from `bytes` until the trailer is complete; returns how many bytes it used.
    mutating func read(_ bytes: UnsafeRawBufferPointer) -> Int {
        let used = min(8 - read, bytes.count)
        for byte in bytes.prefix(used) {
            value |= UInt64(byte) << (8 * read)
            read += 1
        }
        return used
    }

    /// Why the member's inflated bytes do not match the fields read so far, if they do not, and
    /// where the field that does not match starts in the trailer (0 for the CRC, 4 for the length).
    func mismatch(checksum: UInt32, length: UInt32) -> (why: String, field: Int)? {
        if read >= 4 && UInt32(truncatingIfNeeded: value) != checksum { return ("CRC-32 mismatch", 0) }
        if read == 8 && UInt32(truncatingIfNeeded: value >> 32) != length { return ("length mismatch", 4) }
        return nil
    }
}
