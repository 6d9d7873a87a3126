/// Restores timestamp order within one index, holding back only the samples that a later
/// line could still precede: those within `window` milliseconds of the newest accepted one.
///
/// A sample more than `window` older than the newest accepted is `late`; one with the
/// timestamp of an accepted sample is a `duplicate`. Released samples come out in timestamp
/// order (which is (timestamp, input position) order, as equal timestamps are duplicates).
struct ReorderWindow {
    let window: Int64
    private(set) var newest: Int64?
    private var pending: [StatusSample] = []
    private var head = 0

    init(window: Int64) {
        self.window = window
    }

    /// Offers a sample; returns its outcome (`.status`, `.late` or `.duplicate`) and passes
    /// every sample that can no longer be preceded to `release`, oldest first.
    mutating func offer(_ sample: StatusSample, release: (StatusSample) -> Void) -> Outcome {
        if let newest, sample.timestamp < newest - window { return .late }
        // Samples already released are older than newest - window, so only `pending` can match.
        let position = insertionPoint(sample.timestamp)
        if position < pending.count && pending[position].timestamp == sample.timestamp { return .duplicate }
        pending.insert(sample, at: position)
        if newest == nil || sample.timestamp > newest! { newest = sample.timestamp }
        let horizon = newest! - window
        while head < pending.count && pending[head].timestamp < horizon {
            release(pending[head])
            head += 1
        }
        if head > 64 && head * 2 > pending.count {
            pending.removeFirst(head)
            head = 0
        }
        return .status
    }

    /// Releases everything still held, at the end of input.
    mutating func flush(release: (StatusSample) -> Void) {
        while head < pending.count {
            release(pending[head])
            head += 1
        }
        pending.removeAll()
        head = 0
    }

    private func insertionPoint(_ timestamp: Int64) -> Int {
        // Captures are nearly ordered: most samples go at the end.
        if let last = pending.last, last.timestamp < timestamp { return pending.count }
        var low = head
        var high = pending.count
        while low < high {
            let middle = (low + high) / 2
            if pending[middle].timestamp < timestamp { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
