/// A key of an object in a line, read for matching against the few keys the decoder knows:
/// its first 8 bytes as one little-endian word (zero past the key).
struct ScannedKey {
    let start: UnsafePointer<UInt8>
    let count: Int
    let head: UInt64

    /// `readable` bytes from `start` may be read (at least `count`): 8 bytes are loaded at once
    /// when there are 8, whatever the key's length, so that a short key costs no loop.
    @inline(__always)
    init(_ start: UnsafePointer<UInt8>, count: Int, readable: Int) {
        self.start = start
        self.count = count
        if readable >= 8 {
            let word = UnsafeRawPointer(start).loadUnaligned(as: UInt64.self)
            head = count >= 8 ? word : word & ((1 as UInt64) &<< (UInt64(count) &* 8) &- 1)
        } else {
            var word: UInt64 = 0
            for offset in 0..<min(count, 8) { word |= UInt64(start[offset]) &<< (UInt64(offset) &* 8) }
            head = word
        }
    }

    /// The 8 bytes from `offset` (at most `count - 8`) as a little-endian word.
    @inline(__always)
    func word(at offset: Int) -> UInt64 {
        UnsafeRawPointer(start + offset).loadUnaligned(as: UInt64.self)
    }
}

/// The keys of docs/format.md's shapes that the scanner records, wherever they occur.
enum KnownKey: Int, CaseIterable {
    case ts, time, index, response, timestamp, atTimestamp
    case status, error, reason, leaderAlias, leaderIndex, followerIndex, syncingDetails, shardReplicationDetails
    case type, leaderCheckpoint, followerCheckpoint, seqNo, shardID, syncingTaskDetails

    var text: StaticString {
        switch self {
        case .ts: "ts"
        case .time: "time"
        case .index: "index"
        case .response: "response"
        case .timestamp: "timestamp"
        case .atTimestamp: "@timestamp"
        case .status: "status"
        case .error: "error"
        case .reason: "reason"
        case .leaderAlias: "leader_alias"
        case .leaderIndex: "leader_index"
        case .followerIndex: "follower_index"
        case .syncingDetails: "syncing_details"
        case .shardReplicationDetails: "shard_replication_details"
        case .type: "type"
        case .leaderCheckpoint: "leader_checkpoint"
        case .followerCheckpoint: "follower_checkpoint"
        case .seqNo: "seq_no"
        case .shardID: "shard_id"
        case .syncingTaskDetails: "syncing_task_details"
        }
    }
}

/// Finds which known key a key is, if any, with one multiply, one lookup and a compare per 8
/// bytes of the key: a perfect hash of each known key's first word and length into 32 places,
/// where comparing with each candidate key in turn costs a compare and a branch per candidate
/// and a call per key (each line has a dozen keys).
struct KnownKeyTable {
    private struct Entry {
        /// The key's words: the first 8 bytes, bytes 8 to 15, 16 to 23, and the last 8 bytes
        /// (those past 8 bytes only where the key is that long).
        var head: UInt64 = 0
        var second: UInt64 = 0
        var third: UInt64 = 0
        var last: UInt64 = 0
        /// -1 for an unused place, which no key's length matches.
        var count = -1
        var key = -1
    }

    private static let places = 32
    /// Chosen so that no two known keys share a place (`init` checks it).
    private static let multiplier: UInt64 = 0x098B_BBBF_BF5A_2C0F

    private let entries: UnsafeMutablePointer<Entry>

    init() {
        entries = .allocate(capacity: Self.places)
        entries.initialize(repeating: Entry(), count: Self.places)
        for known in KnownKey.allCases {
            let text = known.text
            let key = ScannedKey(text.utf8Start, count: text.utf8CodeUnitCount, readable: text.utf8CodeUnitCount)
            let place = Self.place(key)
            precondition(entries[place].key < 0, "two known keys share a place: choose another multiplier")
            var entry = Entry(head: key.head, count: key.count, key: known.rawValue)
            if key.count > 8 { entry.last = key.word(at: key.count - 8) }
            if key.count > 16 { entry.second = key.word(at: 8) }
            if key.count > 24 { entry.third = key.word(at: 16) }
            precondition(key.count <= 32, "a known key longer than 32 bytes needs another word")
            entries[place] = entry
        }
    }

    /// Frees the table: once, by its owner, when no copy of it is used any more.
    func deallocate() {
        entries.deallocate()
    }

    @inline(__always)
    private static func place(_ key: ScannedKey) -> Int {
        let mixed = key.head ^ (UInt64(truncatingIfNeeded: key.count) &* 0x9E37_79B9_7F4A_7C15)
        return Int(truncatingIfNeeded: (mixed &* multiplier) &>> 59)
    }

    /// The `KnownKey` raw value of the key, or -1 when it is none of them.
    @inline(__always)
    func find(_ key: ScannedKey) -> Int {
        let entry = entries[Self.place(key)]
        guard entry.head == key.head && entry.count == key.count else { return -1 }
        if key.count > 8 {
            guard key.word(at: key.count - 8) == entry.last else { return -1 }
            if key.count > 16 {
                guard key.word(at: 8) == entry.second else { return -1 }
                if key.count > 24 && key.word(at: 16) != entry.third { return -1 }
            }
        }
        return entry.key
    }
}

/// A known key as it most often stands in a line, `"key":` (quotes and colon), compared in
/// place with a line's bytes: where the scanner expects a given key (the one that followed the
/// same key on an earlier line), one compare of one to four words both validates and finds it,
/// instead of scanning the string, then hashing and looking it up (`KnownKeyTable`).
struct KeyPattern {
    /// The first 8 bytes (zero past the pattern), the bytes 8 to 15 and 16 to 23, and the last 8
    /// (those past 8 bytes only where the pattern is that long).
    private var first: UInt64 = 0
    private var second: UInt64 = 0
    private var third: UInt64 = 0
    private var last: UInt64 = 0
    /// Keeps the pattern's own bytes of the first 8 loaded.
    private var firstMask: UInt64 = 0
    private(set) var count = 0
    /// Bytes that must be readable to compare: 8 are loaded at once even for a shorter pattern.
    private var needed = Int.max

    /// A pattern that matches nothing.
    static let none = KeyPattern()

    private init() {}

    init(_ known: KnownKey) {
        let text = UnsafeBufferPointer(start: known.text.utf8Start, count: known.text.utf8CodeUnitCount)
        let bytes = [UInt8(ascii: "\"")] + Array(text) + Array(#"":"#.utf8)
        precondition(bytes.count <= 32, "a known key longer than 29 bytes needs another word")
        let padded = bytes + [UInt8](repeating: 0, count: 32 - bytes.count)
        count = bytes.count
        needed = max(bytes.count, 8)
        padded.withUnsafeBytes { raw in
            first = raw.loadUnaligned(as: UInt64.self)
            if bytes.count > 8 { last = raw.loadUnaligned(fromByteOffset: bytes.count - 8, as: UInt64.self) }
            if bytes.count > 16 { second = raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self) }
            if bytes.count > 24 { third = raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self) }
        }
        firstMask = bytes.count >= 8 ? ~0 : (1 << (UInt64(bytes.count) * 8)) - 1
    }

    /// The pattern's length when the `readable` bytes at `start` begin with it, else 0.
    @inline(__always)
    func matchedLength(at start: UnsafePointer<UInt8>, readable: Int) -> Int {
        guard readable >= needed else { return 0 }
        let raw = UnsafeRawPointer(start)
        guard raw.loadUnaligned(as: UInt64.self) & firstMask == first else { return 0 }
        if count > 8 {
            guard raw.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self) == last else { return 0 }
            if count > 16 {
                guard raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self) == second else { return 0 }
                if count > 24 && raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self) != third { return 0 }
            }
        }
        return count
    }
}
