/// Unsigned LEB128: 7 bits a byte, low bits first, the high bit set on every byte but the last;
/// a value below 128 takes one byte, any 64-bit value at most `maxBytes`. The compact state of a
/// derivation stores its steps so (`LeaderHistory`, `ErrorEpisodeLog`, `BucketStream`).
enum LEB128 {
    static let maxBytes = 10

    /// Writes `value` at `base + position` and moves `position` past it.
    @inline(__always)
    static func write(_ value: UInt64, to base: UnsafeMutablePointer<UInt8>, at position: inout Int) {
        var rest = value
        while rest >= 0x80 {
            base[position] = UInt8(truncatingIfNeeded: rest) | 0x80
            position += 1
            rest >>= 7
        }
        base[position] = UInt8(rest)
        position += 1
    }

    /// Reads the value at `base + position` and moves `position` past it.
    @inline(__always)
    static func read(from base: UnsafePointer<UInt8>, at position: inout Int) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = base[position]
            position += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
    }

    /// A signed value as an unsigned one of about its magnitude (0, -1, 1, -2, ... as 0, 1, 2,
    /// 3, ...), so that a small step back takes a byte or two, not ten.
    @inline(__always)
    static func zigzag(_ value: Int64) -> UInt64 {
        UInt64(bitPattern: (value << 1) ^ (value >> 63))
    }

    @inline(__always)
    static func unzigzag(_ value: UInt64) -> Int64 {
        Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1)
    }
}
