#if canImport(Glibc)
    import Glibc
#endif

/// Gives each distinct byte string (an index name, a reason) a small integer id, so that the
/// hot path compares and stores integers instead of allocating a `String` per line.
public struct StringTable: Sendable {
    private var arena: [UInt8] = []
    private var offsets: [Int] = [0]
    private var hashes: [UInt64] = []
    /// Open addressing; -1 marks an empty slot.
    private var table = [Int32](repeating: -1, count: 64)

    public init() {}

    public var count: Int { hashes.count }

    public mutating func intern(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
        let hash = Self.hash(bytes)
        let mask = table.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let id = table[slot]
            if id < 0 { break }
            if hashes[Int(id)] == hash && equals(Int(id), bytes) { return id }
            slot = (slot + 1) & mask
        }
        let id = Int32(hashes.count)
        arena.append(contentsOf: bytes)
        offsets.append(arena.count)
        hashes.append(hash)
        table[slot] = id
        if hashes.count * 2 > table.count { grow() }
        return id
    }

    public mutating func intern(_ string: String) -> Int32 {
        var copy = string
        return copy.withUTF8 { intern($0) }
    }

    public func bytes(_ id: Int32) -> ArraySlice<UInt8> {
        arena[offsets[Int(id)]..<offsets[Int(id) + 1]]
    }

    public func string(_ id: Int32) -> String {
        String(decoding: bytes(id), as: UTF8.self)
    }

    private func equals(_ id: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = offsets[id]
        let count = offsets[id + 1] - start
        guard count == bytes.count else { return false }
        guard count > 0 else { return true }
        return arena.withUnsafeBufferPointer { stored in
            memcmp(stored.baseAddress! + start, bytes.baseAddress!, count) == 0
        }
    }

    private mutating func grow() {
        table = [Int32](repeating: -1, count: table.count * 2)
        let mask = table.count - 1
        for (id, hash) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: hash) & mask
            while table[slot] >= 0 { slot = (slot + 1) & mask }
            table[slot] = Int32(id)
        }
    }

    /// A multiply-xorshift hash over 8 bytes at a time: index names and reasons are hashed for
    /// every line, so this is on the hot path.
    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        guard let base = UnsafeRawPointer(bytes.baseAddress) else { return hash }
        let count = bytes.count
        var offset = 0
        while offset + 8 <= count {
            hash = (hash ^ base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            hash ^= hash >> 32
            offset += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while offset < count {
            tail |= UInt64(base.load(fromByteOffset: offset, as: UInt8.self)) << shift
            shift += 8
            offset += 1
        }
        hash = (hash ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        return hash ^ (hash >> 29)
    }
}
