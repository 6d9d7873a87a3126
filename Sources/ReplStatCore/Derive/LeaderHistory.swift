/// Lag in seconds (docs/format.md): the leader checkpoints an index went through and when,
/// from which the time the leader wrote the follower's next missing operation is interpolated.
///
/// The history H holds entries (first seen, last seen, leader checkpoint) with strictly
/// increasing checkpoints; `dropped` (D) is the entry removed last from its front. H holds at most
/// `capacity` entries, in storage allocated at the first lag sample behind the leader, so an index
/// without one costs no allocation and a follower that never catches up costs at most `capacity`
/// entries. Its oldest and newest entries, the only ones the arithmetic reads, are kept whole; the
/// ones between as deltas in a byte stream (`EntryLog`): while a follower is behind, an entry is
/// added per poll, and times and checkpoints only grow, mostly by small steps, so an entry takes
/// 3 to 5 bytes instead of 24, and the histories of the indices behind at the same time are most
/// of what a longer capture adds. The arithmetic is exact: in 64-bit integers where nothing can
/// overflow, else in 128-bit ones.
///
/// A copy shares its entries with the original (the storage is not copied on write, so that no
/// sample pays for a check of its uniqueness): a derivation keeps its history in place.
struct LeaderHistory {
    static let capacity = 65_536

    struct Entry: Equatable {
        var firstSeen: Int64
        var lastSeen: Int64
        var checkpoint: Int64
    }

    private var log: EntryLog?
    private(set) var dropped: Entry?

    var count: Int32 { log?.count ?? 0 }

    /// Forgets the history and D (rule 1: after a capture gap, or a status other than SYNCING or RUNNING).
    mutating func clear() {
        forgetEntries()
        dropped = nil
    }

    /// Empties H, and gives its room back when it is more than a follower that keeps up needs:
    /// over a long capture each index falls behind once in a while, and streams kept at the size
    /// of their longest backlog would add up, where given back they serve the next backlog.
    private mutating func forgetEntries() {
        guard let log else { return }
        log.removeAll(keepingRoom: Self.keptRoom)
    }

    /// The bytes of stream an index keeps when its history empties: a dozen entries of small steps.
    static let keptRoom = 64

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
            log.unsafelyUnwrapped.see(at: time)
            while count > 0 && oldest.checkpoint <= follower { removeOldest() }
        } else if count == 1 && oldest.checkpoint <= follower {
            // What nearly every lag sample of a follower a little behind does: it has the one
            // entry of the poll before, which goes to D, and this sample's entry takes its place.
            dropped = log.unsafelyUnwrapped.replaceOnly(
                with: Entry(firstSeen: time, lastSeen: time, checkpoint: leader))
        } else {
            // The entries the follower has go first: the new one, above the follower, stays, so
            // a follower that keeps up needs one entry, and no stream.
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

    /// The bytes the stream has room for (for tests).
    var room: Int { Int(log?.room ?? 0) }

    /// The entries from oldest to newest (for tests).
    var entries: [Entry] { log?.entries ?? [] }

    private var oldest: Entry { log.unsafelyUnwrapped.oldest }
    private var newest: Entry { log.unsafelyUnwrapped.newest }

    private mutating func append(_ entry: Entry) {
        guard let log else {
            log = EntryLog(first: entry)
            return
        }
        if log.count == Self.capacity { removeOldest() }
        log.append(entry)
    }

    private mutating func removeOldest() {
        dropped = log.unsafelyUnwrapped.removeOldest()
    }
}

/// The entries of a `LeaderHistory`: the oldest and the newest whole, those between as deltas
/// from the entry before each, in LEB128 (`bytes[read..<write]`). An entry i after the oldest is
/// its checkpoint's step from entry i-1's, its first time's from entry i-1's last time, then its
/// last time's from its own first time; the last of these is written once the entry is no longer
/// the newest (until then it still moves). Steps are taken in wrapping arithmetic, so any values
/// come back exactly; only growing ones are short, as they are while a follower is behind.
private final class EntryLog {
    // Used on every lag sample behind the leader: unchecked, the accesses cost no runtime
    // exclusivity check; only the derivation that owns the history uses it.
    @exclusivity(unchecked) var oldest: LeaderHistory.Entry
    @exclusivity(unchecked) var newest: LeaderHistory.Entry
    @exclusivity(unchecked) var count: Int32 = 1
    @exclusivity(unchecked) private var read: Int32 = 0
    @exclusivity(unchecked) private var write: Int32 = 0
    @exclusivity(unchecked) private(set) var room: Int32 = 0
    @exclusivity(unchecked) private var bytes: UnsafeMutablePointer<UInt8>?

    /// The most an append writes: the newest entry's last step and the new entry's two.
    private static let appendBytes = 3 * LEB128.maxBytes

    init(first: LeaderHistory.Entry) {
        oldest = first
        newest = first
    }

    deinit { bytes?.deallocate() }

    /// Sets the newest entry's last time (the oldest's too, when it is the only one).
    @inline(__always)
    func see(at time: Int64) {
        newest.lastSeen = time
        if count == 1 { oldest.lastSeen = time }
    }

    func append(_ entry: LeaderHistory.Entry) {
        if count == 0 {
            (oldest, newest, count) = (entry, entry, 1)
            return
        }
        if room - write < Self.appendBytes { makeRoom() }
        let base = bytes.unsafelyUnwrapped
        var position = Int(write)
        if count > 1 {
            LEB128.write(UInt64(bitPattern: newest.lastSeen &- newest.firstSeen), to: base, at: &position)
        }
        LEB128.write(UInt64(bitPattern: entry.checkpoint &- newest.checkpoint), to: base, at: &position)
        LEB128.write(UInt64(bitPattern: entry.firstSeen &- newest.lastSeen), to: base, at: &position)
        write = Int32(position)
        newest = entry
        count += 1
    }

    /// Replaces the only entry with `entry` (as `removeOldest` then `append` would); returns it.
    @inline(__always)
    func replaceOnly(with entry: LeaderHistory.Entry) -> LeaderHistory.Entry {
        let removed = oldest
        (oldest, newest) = (entry, entry)
        (read, write) = (0, 0)
        return removed
    }

    /// Removes the oldest entry and returns it.
    func removeOldest() -> LeaderHistory.Entry {
        let removed = oldest
        count -= 1
        if count <= 1 {
            // The newest is the only one left (or none): its steps in the stream are not needed.
            oldest = newest
            (read, write) = (0, 0)
        } else {
            oldest = Self.entry(after: oldest, in: bytes.unsafelyUnwrapped, at: &read)
        }
        return removed
    }

    /// Empties the log; gives its stream back if larger than `keepingRoom` bytes.
    func removeAll(keepingRoom: Int) {
        (count, read, write) = (0, 0, 0)
        if room > keepingRoom {
            bytes?.deallocate()
            (bytes, room) = (nil, 0)
        }
    }

    /// From oldest to newest.
    var entries: [LeaderHistory.Entry] {
        guard count > 0 else { return [] }
        var entries = [oldest]
        var position = read
        while entries.count < Int(count) - 1 {
            entries.append(Self.entry(after: entries[entries.count - 1], in: bytes.unsafelyUnwrapped, at: &position))
        }
        if count > 1 { entries.append(newest) }
        return entries
    }

    /// Decodes the entry after `previous` at `position` (not the newest, whose last step is not written yet).
    @inline(__always)
    private static func entry(
        after previous: LeaderHistory.Entry, in bytes: UnsafeMutablePointer<UInt8>, at position: inout Int32
    ) -> LeaderHistory.Entry {
        var offset = Int(position)
        let checkpoint = previous.checkpoint &+ Int64(bitPattern: LEB128.read(from: bytes, at: &offset))
        let firstSeen = previous.lastSeen &+ Int64(bitPattern: LEB128.read(from: bytes, at: &offset))
        let lastSeen = firstSeen &+ Int64(bitPattern: LEB128.read(from: bytes, at: &offset))
        position = Int32(offset)
        return LeaderHistory.Entry(firstSeen: firstSeen, lastSeen: lastSeen, checkpoint: checkpoint)
    }

    /// Room for an append: the bytes still needed moved to the front when that frees a quarter
    /// of the stream, else a stream larger by half (at least `appendBytes` more). While a follower
    /// stays behind, entries leave the front as fast as they come at the back: moved only once
    /// they freed half, a stream grew to two or three times its entries, and such histories are
    /// most of what a long run adds; moving a quarter at a time costs a few bytes' copy per entry.
    private func makeRoom() {
        let live = Int(write - read)
        if let bytes, live + Self.appendBytes <= Int(room) - Int(room) / 4 {
            UnsafeMutableRawPointer(bytes).copyMemory(from: bytes + Int(read), byteCount: live)
        } else {
            let size = max(Int(room) + Int(room) / 2, live + Self.appendBytes, 2 * Self.appendBytes)
            let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: size)
            if let bytes {
                larger.update(from: bytes + Int(read), count: live)
                bytes.deallocate()
            }
            (bytes, room) = (larger, Int32(size))
        }
        (read, write) = (0, Int32(live))
    }
}
