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
    private var pending: [StatusSample] = []
    /// Where the samples still pending start in `pending`.
    private var head: Int {
        get { Int(headPosition) }
        set { headPosition = Int32(newValue) }
    }
    private var headPosition: Int32 = 0
    private var hasNewest = false
    /// The timestamp of `pending[head]`, or `Int64.max` when nothing is pending: kept here so
    /// that most lines decide without touching the buffer.
    private var oldestPending = Int64.max
    /// The timestamp of the last sample released: a later sample can only tie with it, as
    /// everything released before is older still.
    private var lastReleased = Int64.min

    init(window: Int64) {
        self.window = window
    }

    /// Offers a sample; returns its outcome (`.status`, `.late` or `.duplicate`) and passes
    /// every sample that can no longer be preceded to `release`, oldest first.
    mutating func offer(_ sample: StatusSample, release: (StatusSample) -> Void) -> Outcome {
        if let newest, sample.timestamp < newest - window { return .late }
        // Samples released are at most newest - window old: only the last of them can tie.
        if sample.timestamp == lastReleased { return .duplicate }
        let position = insertionPoint(sample.timestamp)
        if position < pending.count && pending[position].timestamp == sample.timestamp { return .duplicate }
        if position == pending.count {
            pending.append(sample)
        } else {
            pending.insert(sample, at: position)
        }
        if position == head { oldestPending = sample.timestamp }
        if !hasNewest || sample.timestamp > newestTimestamp {
            newestTimestamp = sample.timestamp
            hasNewest = true
        }
        let horizon = newestTimestamp - window
        if oldestPending <= horizon {
            while head < pending.count && pending[head].timestamp <= horizon {
                lastReleased = pending[head].timestamp
                release(pending[head])
                head += 1
            }
            oldestPending = head < pending.count ? pending[head].timestamp : .max
            // Moving what is left (no more than what went) keeps the buffer to about twice the
            // samples held back (a window of 300 s holds 30 samples of polls every 10 s), at a
            // cost of at most one move per release.
            if head * 2 >= pending.count {
                pending.removeFirst(head)
                head = 0
            }
        }
        return .status
    }

    /// Releases everything still held, at the end of input.
    mutating func flush(release: (StatusSample) -> Void) {
        while head < pending.count {
            lastReleased = pending[head].timestamp
            release(pending[head])
            head += 1
        }
        pending.removeAll()
        head = 0
        oldestPending = .max
    }

    private func insertionPoint(_ timestamp: Int64) -> Int {
        // Captures are nearly ordered: most samples are the newest and go at the end. Asking
        // `newest`, not the buffer, spares a cache miss per line with thousands of indices.
        if let newest, newest < timestamp { return pending.count }
        var low = head
        var high = pending.count
        while low < high {
            let middle = (low + high) / 2
            if pending[middle].timestamp < timestamp { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
