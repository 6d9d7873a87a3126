/// The figures of one shard of an index (docs/format.md, shards), from the index's lag
/// samples whose shard details carry checkpoints for it, in the index's order: its lag, and
/// its stalls (runs of samples behind at the same follower checkpoint, no step over the gap
/// limit, no status sample of the index between them that is not a lag sample).
struct ShardDerivation {
    let shard: UInt32
    private(set) var lag = LagStatistics()
    private(set) var stalls = 0
    private(set) var millisStalled: Int64 = 0
    /// The run of stuck samples going on.
    private var run: (start: Int64, end: Int64, follower: Int64)?

    init(shard: UInt32) {
        self.shard = shard
    }

    /// Takes in a shard sample at `time`; `lastBreak` is the time of the index's last status
    /// sample that was no lag sample.
    mutating func add(_ checkpoints: ShardCheckpoints, at time: Int64, lastBreak: Int64, limits: StallLimits) {
        let difference = Int128(checkpoints.leader) - Int128(checkpoints.follower)
        let lag = difference > 0 ? UInt64(difference) : 0
        self.lag.record(lag)
        if let current = run, lag > 0, checkpoints.follower == current.follower,
            time - current.end <= limits.maxGap, lastBreak < current.end
        {
            run?.end = time
            return
        }
        finish(limits: limits)
        if lag > 0 { run = (time, time, checkpoints.follower) }
    }

    /// Ends the run going on: a stall if it lasted long enough.
    mutating func finish(limits: StallLimits) {
        guard let current = run else { return }
        run = nil
        if current.end - current.start >= limits.stallAfter {
            stalls += 1
            millisStalled += current.end - current.start
        }
    }

    func summary(index: Int32) -> ShardSummary {
        let quantiles = lag.quantiles(percent: [50, 99])
        return ShardSummary(
            index: index, shard: shard, lagSamples: lag.count, p50: quantiles[0], p99: quantiles[1], max: lag.max,
            last: lag.last, stalls: stalls, millisStalled: millisStalled)
    }
}

/// The gap limit and the shortest stall, in milliseconds.
struct StallLimits {
    var maxGap: Int64
    var stallAfter: Int64
}
