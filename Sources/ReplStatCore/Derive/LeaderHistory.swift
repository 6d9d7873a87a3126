/// Lag in seconds (docs/format.md): the leader checkpoints an index went through and when,
/// from which the time the leader wrote the follower's next missing operation is interpolated.
///
/// The history H holds entries (first seen, last seen, leader checkpoint) with strictly
/// increasing checkpoints; `dropped` (D) is the entry removed last from its front. H is a ring
/// of at most `capacity` entries, allocated at the first lag sample and grown as needed, so an
/// index without lag samples costs no allocation and a follower that never catches up costs at
/// most `capacity` entries. The arithmetic is exact: in 64-bit integers where nothing can
/// overflow, else in 128-bit ones.
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
        forgetEntries()
        dropped = nil
    }

    /// Empties H, and gives its room back when it is more than a follower that keeps up needs:
    /// over a long capture each index falls behind once in a while, and rings kept at the size
    /// of their longest backlog would add up, where given back they serve the next backlog.
    private mutating func forgetEntries() {
        head = 0
        count = 0
        if ring.count > Self.keptCapacity { ring = [] }
    }

    /// The ring an index keeps when it empties.
    static let keptCapacity = 16

    /// Takes in a lag sample (rules 2 to 4) and returns its lag in milliseconds, rounded half away
    /// from zero; nil when it is unknown.
    mutating func lagMillis(at time: Int64, leader: Int64, follower: Int64) -> Int64? {
        if count > 0 && leader < newest.checkpoint { clear() }
        if follower >= leader {
            // The follower has all the leader had: rules 2 and 3 leave H empty and this
            // sample's entry in D (with the first time of an equal newest entry).
            let firstSeen = count > 0 && leader == newest.checkpoint ? newest.firstSeen : time
            dropped = Entry(firstSeen: firstSeen, lastSeen: time, checkpoint: leader)
            forgetEntries()
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
        if let millis = Self.interpolated(
            time: time, follower: follower, dropped: dropped, next: next)
        {
            return millis
        }
        let span = Int128(next.checkpoint) - Int128(dropped.checkpoint)
        let numerator =
            (Int128(time) - Int128(dropped.lastSeen)) * span
            - (Int128(follower) + 1 - Int128(dropped.checkpoint)) * (Int128(next.firstSeen) - Int128(dropped.lastSeen))
        return Int64(Self.rounded(numerator, span))
    }

    /// The same value as the 128-bit arithmetic, in 64-bit arithmetic where nothing overflows
    /// (nearly always: spans of checkpoints and milliseconds are small); nil where something
    /// would. A 128-bit division is a call into the runtime, many times the cost of this.
    @inline(__always)
    private static func interpolated(time: Int64, follower: Int64, dropped: Entry, next: Entry) -> Int64? {
        let (span, o1) = next.checkpoint.subtractingReportingOverflow(dropped.checkpoint)
        let (elapsed, o2) = time.subtractingReportingOverflow(dropped.lastSeen)
        let (missing, o3) = (follower &+ 1).subtractingReportingOverflow(dropped.checkpoint)
        let (interval, o4) = next.firstSeen.subtractingReportingOverflow(dropped.lastSeen)
        let (left, o5) = elapsed.multipliedReportingOverflow(by: span)
        let (right, o6) = missing.multipliedReportingOverflow(by: interval)
        let (numerator, o7) = left.subtractingReportingOverflow(right)
        guard !(o1 || o2 || o3 || o4 || o5 || o6 || o7 || follower == .max), span > 0,
            numerator.magnitude < UInt64(1) << 61, span < Int64(1) << 61
        else { return nil }
        let magnitude = (2 * numerator.magnitude + span.magnitude) / (2 * span.magnitude)
        return numerator < 0 ? -Int64(magnitude) : Int64(magnitude)
    }

    /// `numerator / denominator` (denominator > 0) rounded half away from zero.
    static func rounded(_ numerator: Int128, _ denominator: Int128) -> Int128 {
        let magnitude = (2 * numerator.magnitude + denominator.magnitude) / (2 * denominator.magnitude)
        return numerator < 0 ? -Int128(magnitude) : Int128(magnitude)
    }

    /// The entries the ring has room for (for tests).
    var room: Int { ring.count }

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

    /// Grows the ring by half (from 1 entry, up to `capacity`), oldest entry first: by half,
    /// not double, as the rings of the indices that are behind at the same time add up, and
    /// the room a ring does not use yet is then a third of it at most, not a half.
    private mutating func grow() {
        let size = Swift.min(Self.capacity, Swift.max(ring.count + 1, ring.count + ring.count / 2))
        var larger: [Entry] = []
        larger.reserveCapacity(size)
        larger += entries
        let filler = Entry(firstSeen: 0, lastSeen: 0, checkpoint: 0)
        larger.append(contentsOf: repeatElement(filler, count: size - larger.count))
        ring = larger
        head = 0
    }
}
