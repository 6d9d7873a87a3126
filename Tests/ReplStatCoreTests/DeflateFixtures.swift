import CZlib
import Foundation
import ReplStatTestSupport

@testable import ReplStatCore

/// Deflate data written bit by bit (RFC 1951): fields least significant bit first, Huffman codes
/// most significant bit first.
struct DeflateBits {
    private(set) var bytes: [UInt8] = []
    private var used = 8

    mutating func field(_ value: Int, bits: Int) {
        for bit in 0..<bits { append(value >> bit & 1) }
    }

    mutating func code(_ value: Int, bits: Int) {
        for bit in (0..<bits).reversed() { append(value >> bit & 1) }
    }

    /// A literal or a length symbol in the fixed Huffman code.
    mutating func fixed(_ symbol: Int) {
        switch symbol {
        case 0..<144: code(0x30 + symbol, bits: 8)
        case 144..<256: code(0x190 + symbol - 144, bits: 9)
        case 256..<280: code(symbol - 256, bits: 7)
        default: code(0xC0 + symbol - 280, bits: 8)
        }
    }

    /// The rest of the last byte is padding.
    mutating func alignToByte() { used = 8 }

    private mutating func append(_ bit: Int) {
        if used == 8 {
            bytes.append(0)
            used = 0
        }
        bytes[bytes.count - 1] |= UInt8(bit) << used
        used += 1
    }
}

/// A gzip member around `deflate`, with the header fields `flags` asks for.
struct GzipMember {
    private(set) var bytes: [UInt8] = []
    private(set) var nameOffset = 0
    private(set) var headerCRCOffset = 0
    private(set) var deflateOffset = 0

    /// `original` compressed by the system's gzip, in a header made here.
    init(of original: [UInt8], flags: UInt8) throws {
        let made = try systemGzip(original)
        // gzip -n writes the 10 fixed header bytes only.
        self.init(deflate: Array(made[10..<(made.count - 8)]), trailer: Array(made.suffix(8)), flags: flags)
    }

    init(deflate: [UInt8], trailer: [UInt8], flags: UInt8 = 0) {
        bytes = [0x1F, 0x8B, 8, flags, 0x78, 0x56, 0x34, 0x12, 0, 3]
        if flags & 0x04 != 0 { bytes += [6, 0, UInt8(ascii: "R"), UInt8(ascii: "S"), 2, 0, 0xFF, 0x00] }
        if flags & 0x08 != 0 {
            nameOffset = bytes.count
            bytes += Array("capture.jsonl".utf8) + [0]
        }
        if flags & 0x10 != 0 { bytes += Array("made by hand".utf8) + [0] }
        if flags & 0x02 != 0 {
            headerCRCOffset = bytes.count
            let crc = bytes.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
            bytes += [UInt8(crc & 0xFF), UInt8(crc >> 8 & 0xFF)]
        }
        deflateOffset = bytes.count
        bytes += deflate + trailer
    }

    /// The CRC-32 and length trailer of `original`.
    static func trailer(of original: [UInt8]) -> [UInt8] {
        let crc = original.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
        return (0..<4).map { UInt8(truncatingIfNeeded: crc >> (8 * $0)) }
            + (0..<4).map { UInt8(truncatingIfNeeded: original.count >> (8 * $0)) }
    }
}

/// Compresses with the system `gzip`, an implementation independent of the one under test.
/// With `name`, the header carries the file name (the FNAME field) and time.
func systemGzip(_ bytes: [UInt8], name: Bool = false) throws -> [UInt8] {
    try SystemGzip.compress(bytes, keepName: name)
}

/// Invalid deflate data after a good block, in a member of its own.
enum DeflateDamage: CaseIterable {
    /// A match reaching back before the member's first byte.
    case distanceTooFarBack
    /// Distance code 30, which RFC 1951 leaves unused.
    case invalidDistanceCode
    /// Literal/length symbol 286, likewise.
    case invalidLengthSymbol
    /// Block type 3.
    case invalidBlockType
    /// A stored block whose length and its complement disagree.
    case storedLengthMismatch

    /// A non-final block of fixed codes that inflates to `good`, then the damage, then more data.
    func member(after good: [UInt8]) -> [UInt8] {
        var bits = DeflateBits()
        bits.field(0, bits: 1)
        bits.field(1, bits: 2)
        for byte in good { bits.fixed(Int(byte)) }
        bits.fixed(256)
        bits.field(1, bits: 1)
        switch self {
        case .distanceTooFarBack:
            bits.field(1, bits: 2)
            // Length 100: symbol 279 and 4 extra bits; distance 2000: code 21 and 9 extra bits.
            bits.fixed(279)
            bits.field(1, bits: 4)
            bits.code(21, bits: 5)
            bits.field(2000 - 1537, bits: 9)
        case .invalidDistanceCode:
            bits.field(1, bits: 2)
            bits.fixed(257)
            bits.code(30, bits: 5)
        case .invalidLengthSymbol:
            bits.field(1, bits: 2)
            bits.fixed(286)
        case .invalidBlockType:
            bits.field(3, bits: 2)
        case .storedLengthMismatch:
            bits.field(0, bits: 2)
            bits.alignToByte()
            bits.field(500, bits: 16)
            bits.field(~500 ^ 1, bits: 16)
        }
        // Plenty more input after the damage, so that ISA-L runs its fast loop over it.
        for _ in 0..<500 { bits.fixed(Int(UInt8(ascii: "z"))) }
        bits.fixed(256)
        return GzipMember(deflate: bits.bytes, trailer: [UInt8](repeating: 0, count: 8)).bytes
    }

    /// A member of `count` times `byte` whose literal/length code gives `byte` a 1-bit code and
    /// end-of-block a 2-bit code, leaving the code 11 unused: valid for ISA-L, not for zlib.
    static func incompleteLiteralCode(repeating byte: UInt8, count: Int) -> [UInt8] {
        var bits = DeflateBits()
        bits.field(1, bits: 1)
        bits.field(2, bits: 2)
        // 257 literal/length codes, 1 distance code, 18 code length codes.
        bits.field(0, bits: 5)
        bits.field(0, bits: 5)
        bits.field(14, bits: 4)
        // Code length code lengths, in RFC 1951's order: 18 gets 1 bit, 1 and 2 get 2 bits.
        let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1]
        let lengths = [18: 1, 1: 2, 2: 2]
        for symbol in order { bits.field(lengths[symbol] ?? 0, bits: 3) }
        // Their codes: 18 is 0, 1 is 10, 2 is 11.
        func zeros(_ count: Int) {
            precondition((11...138).contains(count), "a run of \(count) zeros")
            bits.code(0, bits: 1)
            bits.field(count - 11, bits: 7)
        }
        zeros(Int(byte))
        bits.code(0b10, bits: 2)
        var left = 255 - Int(byte)
        while left > 0 {
            let run = min(left, 138)
            zeros(run)
            left -= run
        }
        // End of block gets 2 bits; the one distance code 1 bit.
        bits.code(0b11, bits: 2)
        bits.code(0b10, bits: 2)
        for _ in 0..<count { bits.code(0, bits: 1) }
        bits.code(0b10, bits: 2)
        let original = [UInt8](repeating: byte, count: count)
        return GzipMember(deflate: bits.bytes, trailer: GzipMember.trailer(of: original)).bytes
    }
}
