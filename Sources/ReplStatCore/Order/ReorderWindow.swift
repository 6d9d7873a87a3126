import CCacheHints

/// Restores timestamp order within one index, holding back only the samples that a later
/// line could still precede: those less than `window` milliseconds older than the newest
/// accepted one. With a window of 0 every sample is released at once.
///
/// A sample more than `window` older than the newest accepted is `late`; one with the
/// timestamp of an accepted sample is a `duplicate`. Released samples come out in timestamp
/// order (which is (timestamp, input position) order, as equal timestamps are duplicates).
///
/// The samples held back are in a ring whose count and place live here, next to the newest
/// timestamp, not in a header of their buffer: with thousands of indices the buffer is out of
/// the cache at each of an index's samples, and a sample in order touches only the line it is
/// written to and the line of the sample it releases. The buffer is given back by `flush` or
/// `discard`, which the owner calls at the end of every window.
///
/// A sample that would move more than `mostMoved` of those held (samples newest first, or at
/// random within the window, which a hostile capture sends) turns the ring into a
/// `ReorderHeap`, where each costs O(log n); the window goes back to a ring once few are held.
struct ReorderWindow {
    /// The most samples an insertion into the ring moves; beyond, the samples go to a heap.
    static let mostMoved = 32
    /// How few samples a heap holds when it becomes a ring again: well under `mostMoved`, so that
    /// a window does not go back and forth at every sample.
    static let fewHeld = 8

    let window: Int64
    private var newestTimestamp: Int64 = 0
    /// The timestamp of the oldest sample held, or `Int64.max` when none is: kept here so that
    /// most lines decide without touching the buffer.
    private var oldestPending = Int64.max
    /// The ring of samples held, oldest first from `start`, its capacity `1 << capacityShift`; or,
    /// when `heaped`, the retained `ReorderHeap` (one pointer, so that the window stays 48 bytes).
    private var storage: UnsafeMutableRawPointer?
    private var start: Int32 = 0
    /// The number of samples in the ring (0 when `heaped`: the heap counts its own).
    private var count: Int32 = 0
    private var capacityShift: UInt8 = 0
    private var hasNewest = false
    private var heaped = false
    /// Whether a sample exactly `window` older than the newest was released: the only released
    /// sample a later one can tie with, as every one released before is older still (and so late).
    private var releasedAtHorizon = false

    /// The newest accepted timestamp, or nil before the first sample.
    var newest: Int64? { hasNewest ? newestTimestamp : nil }

    init(window: Int64) {
        self.window = window
    }

    /// Offers a sample; returns its outcome (`.status`, `.late` or `.duplicate`) and passes
    /// every sample that can no longer be preceded to `release`, oldest first.
    mutating func offer(_ sample: StatusSample, release: (StatusSample) -> Void) -> Outcome {
        let timestamp = sample.timestamp
        guard hasNewest else {
            hasNewest = true
            advance(to: sample, release: release)
            return .status
        }
        let horizon = newestTimestamp - window
        if timestamp < horizon { return .late }
        // Captures are nearly ordered: most samples are the newest, decided without the buffer.
        if timestamp > newestTimestamp {
            advance(to: sample, release: release)
            return .status
        }
        if timestamp == newestTimestamp { return .duplicate }
        if timestamp == horizon {
            // Everything held is newer than the horizon: this one goes out at once.
            if releasedAtHorizon { return .duplicate }
            releasedAtHorizon = true
            release(sample)
            return .status
        }
        return insert(sample) ? .status : .duplicate
    }

    /// Releases everything still held, at the end of input, and gives back the buffer.
    mutating func flush(release: (StatusSample) -> Void) {
        if heaped {
            let heap = self.heap
            while heap.count > 0 { release(heap.takeOldest()) }
            Unmanaged.passUnretained(heap).release()
            storage = nil
            heaped = false
        }
        while count > 0 { release(takeOldest()) }
        storage?.deallocate()
        storage = nil
        capacityShift = 0
        start = 0
        oldestPending = .max
    }

    /// Asks the cache for the oldest sample held, the one the next sample in order releases: the
    /// owner calls it a few samples ahead, so that the line comes while other work goes on.
    @inline(__always)
    func prefetchOldest() {
        guard count > 0 else { return }
        let oldest = UnsafeRawPointer(slot(0))
        replstat_prefetch(oldest)
        // A sample is 48 bytes: half of them end on the next line.
        replstat_prefetch(oldest + MemoryLayout<StatusSample>.size - 1)
    }

    /// Gives back what is held without releasing it, when the run stops before its end.
    mutating func discard() {
        flush { _ in }
    }

    /// Takes `sample`, newer than every sample accepted, as the newest and releases what can no
    /// longer be preceded.
    private mutating func advance(to sample: StatusSample, release: (StatusSample) -> Void) {
        newestTimestamp = sample.timestamp
        let horizon = newestTimestamp - window
        // The horizon moved past every sample released before.
        releasedAtHorizon = false
        if oldestPending <= horizon {
            if heaped {
                releaseFromHeap(through: horizon, release: release)
            } else {
                while count > 0 && slot(0).pointee.timestamp <= horizon {
                    let oldest = takeOldest()
                    releasedAtHorizon = oldest.timestamp == horizon
                    release(oldest)
                }
                oldestPending = count > 0 ? slot(0).pointee.timestamp : .max
            }
        }
        if sample.timestamp <= horizon {
            // A window of 0: nothing can precede the newest, which is never held.
            releasedAtHorizon = true
            release(sample)
            return
        }
        if heaped {
            // The newest is the largest: it stays where it is appended, no timestamp is equal.
            _ = heap.insert(sample)
            return
        }
        if count == capacity { grow() }
        slot(Int(count)).initialize(to: sample)
        count += 1
        if count == 1 { oldestPending = sample.timestamp }
    }

    /// Puts `sample`, older than the newest and newer than the horizon, in its place among those
    /// held; returns false, holding nothing more, when one there has its timestamp.
    private mutating func insert(_ sample: StatusSample) -> Bool {
        if heaped {
            guard heap.insert(sample) else { return false }
            oldestPending = min(oldestPending, sample.timestamp)
            return true
        }
        var low = 0
        var high = Int(count)
        while low < high {
            let middle = (low + high) / 2
            if slot(middle).pointee.timestamp < sample.timestamp { low = middle + 1 } else { high = middle }
        }
        if low < count && slot(low).pointee.timestamp == sample.timestamp { return false }
        if Int(count) - low > Self.mostMoved {
            moveToHeap()
            return insert(sample)
        }
        if count == capacity { grow() }
        var position = Int(count)
        while position > low {
            slot(position).moveInitialize(from: slot(position - 1), count: 1)
            position -= 1
        }
        slot(low).initialize(to: sample)
        count += 1
        if low == 0 { oldestPending = sample.timestamp }
        return true
    }

    private var capacity: Int32 { storage == nil ? 0 : 1 << capacityShift }

    /// Where the sample `offset` places after the oldest held in the ring is (or goes).
    @inline(__always)
    private func slot(_ offset: Int) -> UnsafeMutablePointer<StatusSample> {
        storage.unsafelyUnwrapped.assumingMemoryBound(to: StatusSample.self)
            + ((Int(start) + offset) & (Int(capacity) - 1))
    }

    /// The samples held, when `heaped`.
    private var heap: ReorderHeap {
        Unmanaged<ReorderHeap>.fromOpaque(storage.unsafelyUnwrapped).takeUnretainedValue()
    }

    /// Moves the samples of the ring, in order (which is a heap's order), to a heap.
    private mutating func moveToHeap() {
        var ordered: [StatusSample] = []
        ordered.reserveCapacity(Int(count) * 2)
        while count > 0 { ordered.append(takeOldest()) }
        storage?.deallocate()
        storage = Unmanaged.passRetained(ReorderHeap(ordered: ordered)).toOpaque()
        capacityShift = 0
        start = 0
        heaped = true
    }

    /// Releases the samples of the heap up to `horizon`, oldest first; then, if few are left,
    /// moves them back to a ring.
    private mutating func releaseFromHeap(through horizon: Int64, release: (StatusSample) -> Void) {
        let heap = self.heap
        while heap.count > 0 && heap.oldestTimestamp <= horizon {
            let oldest = heap.takeOldest()
            releasedAtHorizon = oldest.timestamp == horizon
            release(oldest)
        }
        guard heap.count <= Self.fewHeld else {
            oldestPending = heap.oldestTimestamp
            return
        }
        Unmanaged.passUnretained(heap).release()
        storage = nil
        heaped = false
        while heap.count > 0 {
            if count == capacity { grow() }
            slot(Int(count)).initialize(to: heap.takeOldest())
            count += 1
        }
        oldestPending = count > 0 ? slot(0).pointee.timestamp : .max
    }

    private mutating func takeOldest() -> StatusSample {
        let oldest = slot(0).move()
        start = (start + 1) & (capacity - 1)
        count -= 1
        return oldest
    }

    /// Doubles the ring (4 samples at first), its samples moved to the start of the new one.
    private mutating func grow() {
        let shift: UInt8 = storage == nil ? 2 : capacityShift + 1
        precondition(shift < 31, "a reorder window cannot hold 2^30 samples of one index")
        let larger = UnsafeMutablePointer<StatusSample>.allocate(capacity: 1 << shift)
        if let storage = storage?.assumingMemoryBound(to: StatusSample.self) {
            let first = Int(capacity - start)
            if first >= count {
                larger.moveInitialize(from: storage + Int(start), count: Int(count))
            } else {
                larger.moveInitialize(from: storage + Int(start), count: first)
                (larger + first).moveInitialize(from: storage, count: Int(count) - first)
            }
            storage.deallocate()
        }
        storage = UnsafeMutableRawPointer(larger)
        capacityShift = shift
        start = 0
    }
}

/// The samples a reorder window holds once they come far out of order: a binary min-heap on
/// timestamps, which are distinct, with the set of those timestamps to find duplicates.
final class ReorderHeap {
    private var samples: [StatusSample]
    private var timestamps: Set<Int64>

    /// `ordered` is oldest first, which is already a heap.
    init(ordered: [StatusSample]) {
        samples = ordered
        timestamps = Set(ordered.lazy.map(\.timestamp))
    }

    var count: Int { samples.count }

    /// The timestamp of the oldest sample; the heap must not be empty.
    var oldestTimestamp: Int64 { samples[0].timestamp }

    /// Adds `sample`; returns false, adding nothing, when one held has its timestamp.
    func insert(_ sample: StatusSample) -> Bool {
        guard timestamps.insert(sample.timestamp).inserted else { return false }
        samples.append(sample)
        var child = samples.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            if samples[parent].timestamp < sample.timestamp { break }
            samples[child] = samples[parent]
            child = parent
        }
        samples[child] = sample
        return true
    }

    /// Removes and returns the oldest sample; the heap must not be empty.
    func takeOldest() -> StatusSample {
        let oldest = samples[0]
        timestamps.remove(oldest.timestamp)
        let last = samples.removeLast()
        if samples.isEmpty { return oldest }
        var parent = 0
        while true {
            var child = 2 * parent + 1
            if child >= samples.count { break }
            if child + 1 < samples.count && samples[child + 1].timestamp < samples[child].timestamp { child += 1 }
            if last.timestamp < samples[child].timestamp { break }
            samples[parent] = samples[child]
            parent = child
        }
        samples[parent] = last
        return oldest
    }
}
