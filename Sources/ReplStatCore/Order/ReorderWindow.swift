/// Restores timestamp order within one index, holding back only the samples that a later
/// line could still precede: those less than `window` milliseconds older than the newest
/// accepted one. With a window of 0 every sample is released at once.
///
/// A sample more than `window` older than the newest accepted is `late`; one with the
/// timestamp of an accepted sample is a `duplicate`. Released samples come out in timestamp
/// order (which is (timestamp, input position) order, as equal timestamps are duplicates).
struct ReorderWindow {
    let window: Int64
    /// The newest accepted timestamp, or nil before the first sample; stored without an
    /// optional's padding, as every index has a window.
    var newest: Int64? { hasNewest ? newestTimestamp : nil }
    private var newestTimestamp: Int64 = 0
    /// The timestamp of the last sample released: a later sample can only tie with it, as
    /// everything released before is older still.
    private var lastReleased = Int64.min
    private var held = HeldSamples()
    private var hasNewest = false

    init(window: Int64) {
        self.window = window
    }

    /// Offers a sample; returns its outcome (`.status`, `.late` or `.duplicate`) and passes
    /// every sample that can no longer be preceded to `release`, oldest first.
    ///
    /// Everything held is younger than the horizon (the newest less the window), which moves
    /// only with the newest: a newer sample first releases what its horizon passes, then is
    /// held (or released, with a window of 0); an older one is held in its place, or released
    /// at once when it is at the horizon.
    mutating func offer(_ sample: StatusSample, release: (StatusSample) -> Void) -> Outcome {
        let time = sample.timestamp
        if hasNewest && time <= newestTimestamp {
            if time < newestTimestamp - window { return .late }
            // Samples released are at most newest - window old: only the last of them can tie.
            if time == lastReleased || held.contains(time) { return .duplicate }
            if time <= newestTimestamp - window {
                lastReleased = time
                release(sample)
            } else {
                held.insert(sample)
            }
            return .status
        }
        newestTimestamp = time
        hasNewest = true
        let horizon = time - window
        while let oldest = held.oldestTimestamp, oldest <= horizon {
            lastReleased = oldest
            release(held.removeOldest())
        }
        if time <= horizon {
            lastReleased = time
            release(sample)
        } else {
            held.append(sample)
        }
        return .status
    }

    /// Releases everything still held, at the end of input.
    mutating func flush(release: (StatusSample) -> Void) {
        while let oldest = held.oldestTimestamp {
            lastReleased = oldest
            release(held.removeOldest())
        }
        held = HeldSamples()
    }
}

/// The samples a reorder window holds back, in timestamp order. Most indices hold back only
/// their newest sample: it is kept inline, and a buffer is allocated only when more wait, so
/// that an index costs no allocation and most samples touch no memory but the window's own.
struct HeldSamples {
    /// The one sample held, when the buffer holds none.
    private var single: StatusSample?
    /// The samples held are `buffer[head...]` when there are more than one.
    private var buffer: [StatusSample] = []
    private var head: Int32 = 0

    var oldestTimestamp: Int64? {
        if let single { return single.timestamp }
        return Int(head) < buffer.count ? buffer[Int(head)].timestamp : nil
    }

    func contains(_ time: Int64) -> Bool {
        if let single { return single.timestamp == time }
        let position = insertionPoint(time)
        return position < buffer.count && buffer[position].timestamp == time
    }

    /// Holds a sample newer than all held.
    mutating func append(_ sample: StatusSample) {
        if single == nil && Int(head) == buffer.count {
            single = sample
            return
        }
        moveSingleToBuffer()
        buffer.append(sample)
    }

    /// Holds a sample in its place by time (none held has its time).
    mutating func insert(_ sample: StatusSample) {
        moveSingleToBuffer()
        buffer.insert(sample, at: insertionPoint(sample.timestamp))
    }

    /// Takes the oldest sample held (there is one).
    mutating func removeOldest() -> StatusSample {
        if let sample = single {
            single = nil
            return sample
        }
        let sample = buffer[Int(head)]
        head += 1
        // Moving what is left (no more than what went) keeps the buffer to about twice the
        // samples held, at a cost of at most one move per sample.
        if Int(head) * 2 >= buffer.count {
            buffer.removeFirst(Int(head))
            head = 0
        }
        return sample
    }

    private mutating func moveSingleToBuffer() {
        guard let sample = single else { return }
        single = nil
        buffer.append(sample)
    }

    private func insertionPoint(_ time: Int64) -> Int {
        var low = Int(head)
        var high = buffer.count
        while low < high {
            let middle = (low + high) / 2
            if buffer[middle].timestamp < time { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
