/// The figures of one shard of an index (docs/format.md, shards), from the index's lag
/// samples whose shard details carry checkpoints for it, in the index's order: its lag, and
/// its stalls (runs of samples behind at the same follower checkpoint, no step over the gap
/// limit, no status sample of the index between them that is not a lag sample).
struct ShardDerivation {
    let shard: UInt32
    private(set) var lag = LagStatistics()
    private(set) var stalls = 0
    private(set) var millisStalled: Int64 = 0
    /// Whether it keeps `peaks`: only when the HTML report draws the charts.
    private let keepsPeaks: Bool
    /// Its highest lag over time, for the HTML report's chart of the index's shards, from its
    /// first lag sample; nil before, and when no report draws it. Without the samples of
    /// `pending`: read `summary`'s.
    private var peaks: LagSparkline?
    /// The samples since the last one written into `peaks` that fall in the same bucket: their
    /// highest lag, kept here until a sample falls past `pending.end`, so that most samples touch
    /// the shard's own figures alone, not the storage of its peaks (a shard takes a sample per line).
    private var pending: (end: Int64, time: Int64, peak: UInt64?) = (.min, 0, nil)
    /// The run of stuck samples going on, and whether it was announced as a stall.
    private var run: (start: Int64, end: Int64, follower: Int64, maxLag: UInt64, announced: Bool)?

    /// Whether a run of stuck samples is going on (which `close` would end).
    var isRunning: Bool { run != nil }

    /// `timelineCapacity`: `LagTimeline.shardCapacity`, 0 when no report draws the shards' lag;
    /// otherwise its `peaks` keep `LagSparkline.capacity` buckets.
    init(shard: UInt32, timelineCapacity: Int = 0) {
        self.shard = shard
        keepsPeaks = timelineCapacity > 0
    }

    /// Takes in a shard sample at `time`. A status sample of the index that is no lag sample
    /// breaks the run before this (`close`).
    mutating func add(
        _ checkpoints: ShardCheckpoints, at time: Int64, index: Int32, limits: StallLimits, events: LiveEventSink?
    ) {
        let difference = Int128(checkpoints.leader) - Int128(checkpoints.follower)
        let lag = difference > 0 ? UInt64(difference) : 0
        self.lag.record(lag)
        recordPeak(at: time, lag: lag)
        if var current = run, lag > 0, checkpoints.follower == current.follower, time - current.end <= limits.maxGap {
            current.end = time
            current.maxLag = max(current.maxLag, lag)
            run = current
        } else {
            close(index: index, limits: limits, events: events)
            guard lag > 0 else { return }
            run = (time, time, checkpoints.follower, lag, false)
        }
        if let current = run, !current.announced, current.end - current.start >= limits.stallAfter {
            run?.announced = true
            events?.emit(
                .shardStallStart(
                    index: index, shard: shard, time: time, start: current.start, followerCheckpoint: current.follower,
                    lag: lag))
        }
    }

    /// Ends the run going on: a stall if it lasted long enough, whose end is announced.
    mutating func close(index: Int32, limits: StallLimits, events: LiveEventSink?) {
        guard let current = run, finish(limits: limits) != nil else { return }
        events?.emit(
            .shardStallEnd(
                ShardStall(
                    index: index, shard: shard, start: current.start, end: current.end,
                    followerCheckpoint: current.follower, maxLag: current.maxLag)))
    }

    /// Ends the run going on without announcing an end: the start of the stall it was, if it
    /// lasted long enough.
    mutating func finish(limits: StallLimits) -> Int64? {
        guard let current = run else { return nil }
        run = nil
        guard current.end - current.start >= limits.stallAfter else { return nil }
        stalls += 1
        millisStalled += current.end - current.start
        return current.start
    }

    private mutating func recordPeak(at time: Int64, lag: UInt64) {
        if time < pending.end {
            pending.peak = max(pending.peak ?? 0, lag)
            return
        }
        if peaks != nil {
            if let peak = pending.peak { peaks!.record(at: pending.time, lag: peak) }
            peaks!.record(at: time, lag: lag)
        } else if keepsPeaks {
            peaks = LagSparkline(at: time, lag: lag)
        } else {
            return
        }
        pending = (peaks!.lastBucketEnd, time, nil)
    }

    func summary(index: Int32) -> ShardSummary {
        var peaks = peaks
        if let peak = pending.peak { peaks?.record(at: pending.time, lag: peak) }
        let quantiles = lag.quantiles(percent: [50, 99])
        return ShardSummary(
            index: index, shard: shard, lagSamples: lag.count, p50: quantiles[0], p99: quantiles[1], max: lag.max,
            last: lag.last, stalls: stalls, millisStalled: millisStalled, peaks: peaks)
    }
}

/// The gap limit and the shortest stall, in milliseconds.
struct StallLimits {
    var maxGap: Int64
    var stallAfter: Int64
}
