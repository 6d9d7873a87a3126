/// One shard of a status sample's `shard_replication_details` that carries checkpoints: its
/// number (N of the `shard_id` `[index][N]`) and its `syncing_task_details` checkpoints.
public struct ShardCheckpoints: Sendable, Equatable {
    public var shard: UInt32
    public var leader: Int64
    public var follower: Int64

    public init(shard: UInt32, leader: Int64, follower: Int64) {
        self.shard = shard
        self.leader = leader
        self.follower = follower
    }
}

/// Where the scanner found the parts of one element of a shards array.
struct ShardElementSlots {
    var element: FieldSlot
    var shardID: FieldSlot
    var task: FieldSlot
    var leaderCheckpoint: FieldSlot
    var followerCheckpoint: FieldSlot
    var seqNo: FieldSlot
}

/// The elements of a line's `shard_replication_details` arrays (the flat body's and the one
/// under `response`), checked one by one as the scanner finishes each (docs/format.md, Captures):
/// an object with a `shard_id` string ending in `[N]` (1 to 9 digits) and, when present,
/// `syncing_task_details`, an object with int64 `leader_checkpoint` and `follower_checkpoint`
/// and an optional int64 `seq_no`. Checking at once keeps 24 bytes per element, not the slots.
public struct ShardDetailsCollector {
    /// An element's shard and, when it has `syncing_task_details`, its checkpoints.
    private struct Element {
        var shard: UInt32
        var hasCheckpoints: Bool
        var leader: Int64
        var follower: Int64
    }

    /// The elements of one array so far, until one of them is bad.
    private struct Collected {
        var elements: [Element] = []
        var isValid = true
    }

    private var flat = Collected()
    private var nested = Collected()

    /// Forgets both arrays, for a new line.
    mutating func removeAll() {
        removeAll(flat: true)
        removeAll(flat: false)
    }

    /// Forgets one array, when its key repeats (the last occurrence counts).
    mutating func removeAll(flat isFlat: Bool) {
        if isFlat {
            flat.elements.removeAll(keepingCapacity: true)
            flat.isValid = true
        } else {
            nested.elements.removeAll(keepingCapacity: true)
            nested.isValid = true
        }
    }

    mutating func add(_ slots: ShardElementSlots, in line: UnsafePointer<UInt8>, flat isFlat: Bool) {
        if isFlat {
            Self.add(slots, in: line, to: &flat)
        } else {
            Self.add(slots, in: line, to: &nested)
        }
    }

    private static func add(_ slots: ShardElementSlots, in line: UnsafePointer<UInt8>, to collected: inout Collected) {
        guard collected.isValid else { return }
        guard let element = element(slots, in: line) else {
            collected.isValid = false
            collected.elements.removeAll()
            return
        }
        collected.elements.append(element)
    }

    private static func element(_ slots: ShardElementSlots, in line: UnsafePointer<UInt8>) -> Element? {
        guard slots.element.kind == .object, slots.shardID.kind == .string,
            let shard = shardNumber(slots.shardID, in: line)
        else { return nil }
        if slots.task.isMissing { return Element(shard: shard, hasCheckpoints: false, leader: 0, follower: 0) }
        guard slots.task.kind == .object,
            let leader = JSONInteger.int64(slots.leaderCheckpoint, in: line),
            let follower = JSONInteger.int64(slots.followerCheckpoint, in: line),
            slots.seqNo.isMissing || JSONInteger.isInt64(slots.seqNo, in: line)
        else { return nil }
        return Element(shard: shard, hasCheckpoints: true, leader: leader, follower: follower)
    }

    /// N of a `shard_id` that ends in `[N]`, N being 1 to 9 decimal digits; nil otherwise.
    static func shardNumber(_ slot: FieldSlot, in line: UnsafePointer<UInt8>) -> UInt32? {
        let content = UnsafeBufferPointer(start: line + Int(slot.start), count: Int(slot.end - slot.start))
        if slot.hasEscapes {
            return JSONString.decode(content).withUnsafeBufferPointer { shardNumber(decoded: $0) }
        }
        return shardNumber(decoded: content)
    }

    private static func shardNumber(decoded id: UnsafeBufferPointer<UInt8>) -> UInt32? {
        guard id.last == UInt8(ascii: "]") else { return nil }
        var value: UInt32 = 0
        var digits = 0
        var i = id.count - 2
        while i >= 0, id[i] &- UInt8(ascii: "0") < 10 {
            digits += 1
            i -= 1
        }
        guard i >= 0, id[i] == UInt8(ascii: "["), (1...9).contains(digits) else { return nil }
        for position in (i + 1)..<(id.count - 1) { value = value * 10 + UInt32(id[position] - UInt8(ascii: "0")) }
        return value
    }

    /// The checkpoints of one array's shards, by ascending shard number (of two elements of the
    /// same shard the last counts; shards still bootstrapping carry none), or nil when an element
    /// was bad. Every line of a verbose capture comes here: elements in ascending order, the
    /// usual case, take one pass and one allocation (none when no shard has checkpoints).
    func checkpoints(flat isFlat: Bool) -> [ShardCheckpoints]? {
        guard isFlat ? flat.isValid : nested.isValid else { return nil }
        let elements = isFlat ? flat.elements : nested.elements
        return elements.withUnsafeBufferPointer { elements in
            var withCheckpoints = 0
            var previous: UInt32?
            for element in elements {
                if let previous, previous >= element.shard { return Self.checkpoints(unordered: elements) }
                previous = element.shard
                if element.hasCheckpoints { withCheckpoints += 1 }
            }
            guard withCheckpoints > 0 else { return [] }
            return [ShardCheckpoints](unsafeUninitializedCapacity: withCheckpoints) { buffer, count in
                for element in elements where element.hasCheckpoints {
                    buffer.initializeElement(
                        at: count,
                        to: ShardCheckpoints(shard: element.shard, leader: element.leader, follower: element.follower))
                    count += 1
                }
            }
        }
    }

    /// `checkpoints` of elements out of order: sorted by (shard, position), each shard's last.
    private static func checkpoints(unordered elements: UnsafeBufferPointer<Element>) -> [ShardCheckpoints] {
        let ordered = elements.enumerated().sorted {
            $0.element.shard != $1.element.shard ? $0.element.shard < $1.element.shard : $0.offset < $1.offset
        }
        var result: [ShardCheckpoints] = []
        for (position, entry) in ordered.enumerated()
        where position + 1 == ordered.count || ordered[position + 1].element.shard != entry.element.shard {
            guard entry.element.hasCheckpoints else { continue }
            result.append(
                ShardCheckpoints(
                    shard: entry.element.shard, leader: entry.element.leader, follower: entry.element.follower))
        }
        return result
    }
}
