/// Lag in seconds (docs/format.md): the leader checkpoints an index went through and when,
/// from which the time the leader wrote the follower's next missing operation is interpolated.
///
/// The history H holds entries (first seen, last seen, leader checkpoint) with strictly
/// increasing checkpoints; `dropped` (D) is the entry removed last from its front. H is a ring
/// of at most `capacity` entries, allocated at the first lag sample and grown as needed, so an
/// index without lag samples costs no allocation and a follower that never catches up costs at
/// most `capacity` entries. The arithmetic is exact, in 128-bit integers.
struct LeaderHistory {
    static let capacity = 65_536

    struct Entry: Equatable {
        var firstSeen: Int64
        var lastSeen: Int64
        var checkpoint: Int64
    }

    private var ring: [Entry] = []
    private var head: Int32 = 0
    private(set) var count: Int32 = 0
    private(set) var dropped: Entry?

    /// Forgets the history and D (rule 1: after a capture gap, or a status other than SYNCING or RUNNING).
    mutating func clear() {
        head = 0
        count = 0
        dropped = nil
    }

    /// Takes in a lag sample (rules 2 to 4) and returns its lag in milliseconds, rounded half away
    /// from zero; nil when it is unknown.
    mutating func lagMillis(at time: Int64, leader: Int64, follower: Int64) -> Int64? {
        if count > 0 && leader < newest.checkpoint { clear() }
        if follower >= leader {
            // The follower has all the leader had: rules 2 and 3 leave H empty and this
            // sample's entry in D (with the first time of an equal newest entry).
            let firstSeen = count > 0 && leader == newest.checkpoint ? newest.firstSeen : time
            dropped = Entry(firstSeen: firstSeen, lastSeen: time, checkpoint: leader)
            head = 0
            count = 0
            return 0
        }
        if count == 0, let dropped, leader <= dropped.checkpoint { self.dropped = nil }
        if count > 0 && leader == newest.checkpoint {
            ring[position(Int(count) - 1)].lastSeen = time
            while count > 0 && oldest.checkpoint <= follower { removeOldest() }
        } else {
            // The entries the follower has go first: the new one, above the follower, stays, so
            // a follower that keeps up needs a ring of one entry.
            while count > 0 && oldest.checkpoint <= follower { removeOldest() }
            append(Entry(firstSeen: time, lastSeen: time, checkpoint: leader))
        }
        if count == 0 { return 0 }
        guard let dropped, follower >= dropped.checkpoint else { return nil }
        // ts - (D.last + (F + 1 - D.L) * (B.first - D.last) / (B.L - D.L)), B the oldest entry left.
        let next = oldest
        let span = Int128(next.checkpoint) - Int128(dropped.checkpoint)
        let numerator =
            (Int128(time) - Int128(dropped.lastSeen)) * span
            - (Int128(follower) + 1 - Int128(dropped.checkpoint)) * (Int128(next.firstSeen) - Int128(dropped.lastSeen))
        return Int64(Self.rounded(numerator, span))
    }

    /// `numerator / denominator` (denominator > 0) rounded half away from zero.
    static func rounded(_ numerator: Int128, _ denominator: Int128) -> Int128 {
        let magnitude = (2 * numerator.magnitude + denominator.magnitude) / (2 * denominator.magnitude)
        return numerator < 0 ? -Int128(magnitude) : Int128(magnitude)
    }

    /// The entries from oldest to newest (for tests).
    var entries: [Entry] { (0..<Int(count)).map { ring[position($0)] } }

    private var oldest: Entry { ring[Int(head)] }
    private var newest: Entry { ring[position(Int(count) - 1)] }

    @inline(__always)
    private func position(_ offset: Int) -> Int {
        let raw = Int(head) + offset
        return raw < ring.count ? raw : raw - ring.count
    }

    private mutating func append(_ entry: Entry) {
        if Int(count) == ring.count {
            if ring.count == Self.capacity {
                removeOldest()
            } else {
                grow()
            }
        }
        ring[position(Int(count))] = entry
        count += 1
    }

    private mutating func removeOldest() {
        dropped = oldest
        head = Int32(position(1))
        count -= 1
    }

    /// Doubles the ring (from 1 entry), oldest entry first.
    private mutating func grow() {
        var larger = entries
        let filler = Entry(firstSeen: 0, lastSeen: 0, checkpoint: 0)
        larger.append(contentsOf: repeatElement(filler, count: Swift.max(1, ring.count * 2) - larger.count))
        ring = larger
        head = 0
    }
}
