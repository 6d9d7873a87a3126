/// Derives the figures of docs/format.md for one index from its status samples in
/// timestamp order and its error samples in input order, one sample at a time: state per
/// index, not per sample (apart from the rows it finds, the lag histograms' buckets and the
/// leader's checkpoint history).
struct IndexDerivation {
    let limits: StallLimits
    var maxGap: Int64 { limits.maxGap }
    var stallAfter: Int64 { limits.stallAfter }
    /// Where live events go, if anywhere, and the lag alert they include.
    let events: LiveEventSink?
    let lagAlert: LagAlert?
    /// Whether transitions and stalls are kept as rows as well as sent as events.
    let keepsRows: Bool

    private(set) var summary: IndexSummary
    private(set) var transitions: [TransitionRow] = []
    private(set) var stalls: [StallRow] = []
    private(set) var gaps: [GapRow] = []
    /// The last one is still open until `finish()`, even when the other rows are not kept.
    private(set) var errorEpisodes: [ErrorEpisode] = []
    /// Stalls and lag breaches still going on at the end, once `finish()` is done.
    private(set) var stillOpen: [OpenAtEnd] = []

    private var previous: StatusSample?
    private var runStart: Int64 = 0

    private var lag = LagStatistics()
    private var lagSum: UInt128 = 0

    private var leaderHistory = LeaderHistory()
    private var lagSeconds = LagStatistics()
    /// The lag in seconds of the last lag sample, when it has one.
    private var lastLagMillis: Int64?

    /// By ascending shard number, for the shards that had a shard sample.
    private var shardDerivations: [ShardDerivation] = []

    /// The timestamp of the previous error sample in input order.
    private var lastErrorTime: Int64 = 0
    /// The newest error sample's timestamp.
    private var newestErrorTime: Int64?
    /// Whether the last error episode was announced and its end not yet.
    private var errorEpisodeOpen = false

    private var rateSums = RateSums(leaderIncrease: 0, followerIncrease: 0, millis: 0)
    private var ratePairs = 0

    private var openStall: StallRow?
    private var openStallAnnounced = false
    /// The lag in seconds of the open stall's last sample.
    private var openStallLagMillis: Int64?
    /// The lag alert's breaches, in operations and in seconds; empty (allocating nothing) without an alert.
    private var breaches: [LagBreachRule] = []

    init(
        index: Int32, maxGap: Int64, stallAfter: Int64, events: LiveEventSink? = nil, lagAlert: LagAlert? = nil,
        keepsRows: Bool = false, timelineCapacity: Int = 0
    ) {
        limits = StallLimits(maxGap: maxGap, stallAfter: stallAfter)
        self.events = events
        self.lagAlert = lagAlert
        if let lagAlert { breaches = lagAlert.measures.map(LagBreachRule.init) }
        // A live run reports rows as events and keeps none, so that its memory does not grow for
        // days, unless it also writes reports at the end.
        self.keepsRows = events == nil || keepsRows
        summary = IndexSummary(index: index)
        if timelineCapacity > 0 { summary.timeline = LagTimeline(capacity: timelineCapacity) }
    }

    /// Takes in an error sample, in input order; `ordinal` is its line's place among all lines.
    mutating func add(_ sample: ErrorSample, ordinal: Int64) {
        summary.errorSamples += 1
        let httpStatus = sample.hasHTTPStatus ? sample.httpStatus : nil
        if var episode = errorEpisodes.last, episode.httpStatus == httpStatus, episode.type == sample.type,
            abs(sample.timestamp - lastErrorTime) <= maxGap
        {
            episode.samples += 1
            episode.start = min(episode.start, sample.timestamp)
            episode.end = max(episode.end, sample.timestamp)
            errorEpisodes[errorEpisodes.count - 1] = episode
        } else {
            endErrorEpisode()
            // A live run without reports keeps only the episode that is open.
            if !keepsRows { errorEpisodes.removeAll(keepingCapacity: true) }
            let episode = ErrorEpisode(
                index: summary.index, start: sample.timestamp, end: sample.timestamp, samples: 1,
                httpStatus: httpStatus, type: sample.type, reason: sample.reason, ordinal: ordinal)
            errorEpisodes.append(episode)
            errorEpisodeOpen = true
            events?.emit(.errorStart(episode))
        }
        lastErrorTime = sample.timestamp
        newestErrorTime = max(newestErrorTime ?? sample.timestamp, sample.timestamp)
        events?.stateChanged(state)
    }

    /// Announces the end of the open error episode.
    private mutating func endErrorEpisode() {
        guard errorEpisodeOpen, let episode = errorEpisodes.last else { return }
        errorEpisodeOpen = false
        events?.emit(.errorEnd(episode))
    }

    /// Takes in a status sample, in timestamp order.
    mutating func add(_ sample: StatusSample) {
        // No later error sample can join an episode whose index has moved on past the gap limit
        // (unless it comes more than the reorder window out of order).
        if errorEpisodeOpen && sample.timestamp - lastErrorTime > maxGap { endErrorEpisode() }
        summary.samples += 1
        if sample.leaderAlias != StatusSample.none { summary.leaderAlias = sample.leaderAlias }
        if sample.leaderIndex != StatusSample.none { summary.leaderIndex = sample.leaderIndex }
        if summary.firstSeen == nil {
            summary.firstSeen = sample.timestamp
            summary.firstStatus = sample.status
            runStart = sample.timestamp
        }
        summary.lastSeen = sample.timestamp
        summary.lastStatus = sample.status

        let lag = sample.isLagSample ? recordLag(sample) : nil
        var isGap = false
        if let previous {
            let elapsed = sample.timestamp - previous.timestamp
            isGap = elapsed > maxGap
            if isGap {
                summary.gaps += 1
                summary.millisUnknown += elapsed
                events?.emit(.gap(index: summary.index, from: previous.timestamp, to: sample.timestamp))
                if keepsRows {
                    gaps.append(GapRow(index: summary.index, start: previous.timestamp, end: sample.timestamp))
                }
                leaderHistory.clear()
            } else {
                summary.millisInStatus[Int(previous.status.rawValue)] += elapsed
            }
            if previous.status != sample.status {
                summary.transitions += 1
                let transition = TransitionRow(
                    timestamp: sample.timestamp, index: summary.index, from: previous.status, to: sample.status,
                    reason: sample.reason, millisInPrevious: sample.timestamp - runStart,
                    checkpoints: sample.hasCheckpoints
                        ? Checkpoints(leader: sample.leaderCheckpoint, follower: sample.followerCheckpoint) : nil)
                events?.emit(.transition(transition))
                if keepsRows { transitions.append(transition) }
                runStart = sample.timestamp
            }
            if previous.isLagSample && sample.isLagSample && elapsed > 0 && !isGap {
                ratePairs += 1
                rateSums.millis += elapsed
                rateSums.leaderIncrease += increase(previous.leaderCheckpoint, sample.leaderCheckpoint)
                rateSums.followerIncrease += increase(previous.followerCheckpoint, sample.followerCheckpoint)
            }
        }
        let lagMillis = sample.isLagSample ? recordLagSeconds(sample) : nil
        if !sample.isLagSample {
            // SYNCING or RUNNING without checkpoints leaves the leader's history as it is.
            if !sample.status.carriesLag { leaderHistory.clear() }
            for position in shardDerivations.indices {
                shardDerivations[position].close(index: summary.index, limits: limits, events: events)
            }
        }
        trackStall(sample, lag: lag, lagMillis: lagMillis, afterGap: isGap)
        if let lagAlert {
            for position in breaches.indices {
                breaches[position].track(
                    time: sample.timestamp, lag: lag, lagMillis: lagMillis, afterGap: isGap, alert: lagAlert,
                    index: summary.index, events: events)
            }
        }
        if let lag { summary.timeline?.record(at: sample.timestamp, lag: lag, millis: lastLagMillis) }
        previous = sample
        events?.stateChanged(state)
    }

    /// Where the index stands after the samples so far; the stall going on counts once announced.
    var state: FollowerState {
        let stalledSince = openStallAnnounced ? openStall?.start : nil
        return FollowerState(
            index: summary.index, status: summary.lastStatus, samples: summary.samples,
            errorSamples: summary.errorSamples, transitions: summary.transitions,
            stalls: summary.stalls + (stalledSince == nil ? 0 : 1), stalledSince: stalledSince,
            lag: lag.count > 0 ? lag.last : nil, lagMillis: lastLagMillis, lastSample: summary.lastSeen,
            lastErrorSample: newestErrorTime)
    }

    /// Fills in the figures. What is still going on at the end stays open: a stall that lasted
    /// long enough is a row, but no end is announced that was not seen.
    mutating func finish() {
        if let stall = openStall, stall.millis >= stallAfter {
            stillOpen.append(OpenAtEnd(kind: .stall, index: summary.index, start: stall.start))
        }
        closeStall(announcingTheEnd: false)
        for rule in breaches where rule.announced {
            stillOpen.append(
                OpenAtEnd(
                    kind: rule.measure == .operations ? .lagBreach : .lagSecondsBreach, index: summary.index,
                    start: rule.run!.start))
        }
        if errorEpisodeOpen, let episode = errorEpisodes.last {
            stillOpen.append(OpenAtEnd(kind: .errorEpisode, index: summary.index, start: episode.start))
        }
        if lag.count > 0 {
            let quantiles = lag.quantiles(percent: [50, 90, 99])
            summary.lag = LagSummary(
                count: lag.count, min: lag.min, max: lag.max, last: lag.last, sum: lagSum,
                p50: quantiles[0], p90: quantiles[1], p99: quantiles[2])
        }
        if lagSeconds.count > 0 {
            let quantiles = lagSeconds.quantiles(percent: [50, 99])
            summary.lagSeconds = LagSecondsSummary(
                p50: Int64(quantiles[0]), p99: Int64(quantiles[1]), max: Int64(lagSeconds.max), last: lastLagMillis)
        }
        summary.rates = ratePairs > 0 ? rateSums : nil
        for position in shardDerivations.indices {
            if let start = shardDerivations[position].finish(limits: limits) {
                stillOpen.append(
                    OpenAtEnd(
                        kind: .shardStall, index: summary.index, start: start, shard: shardDerivations[position].shard))
            }
        }
        if !keepsRows { errorEpisodes = [] }
    }

    /// A row per shard with shard samples, by shard number.
    var shards: [ShardSummary] { shardDerivations.map { $0.summary(index: summary.index) } }
    var hasShards: Bool { !shardDerivations.isEmpty }

    private mutating func recordLag(_ sample: StatusSample) -> UInt64 {
        let difference = Int128(sample.leaderCheckpoint) - Int128(sample.followerCheckpoint)
        let value: UInt64
        if difference < 0 {
            summary.aheadSamples += 1
            value = 0
        } else {
            value = UInt64(difference)
        }
        lag.record(value)
        lagSum += UInt128(value)
        return value
    }

    private mutating func recordLagSeconds(_ sample: StatusSample) -> Int64? {
        lastLagMillis = leaderHistory.lagMillis(
            at: sample.timestamp, leader: sample.leaderCheckpoint, follower: sample.followerCheckpoint)
        if let millis = lastLagMillis { lagSeconds.record(UInt64(millis)) }
        return lastLagMillis
    }

    /// Takes in a status sample and the checkpoints of its shards, in timestamp order; only a
    /// lag sample's shards count.
    mutating func add(_ sample: StatusSample, shards: [ShardCheckpoints]) {
        add(sample)
        if sample.isLagSample && !shards.isEmpty { addShards(shards, at: sample.timestamp) }
    }

    /// Both lists ascend by shard number: a merge, linear in their lengths.
    private mutating func addShards(_ shards: [ShardCheckpoints], at time: Int64) {
        var position = 0
        var allKnown = true
        for checkpoints in shards {
            while position < shardDerivations.count && shardDerivations[position].shard < checkpoints.shard {
                position += 1
            }
            if position == shardDerivations.count || shardDerivations[position].shard != checkpoints.shard {
                allKnown = false
                break
            }
        }
        if !allKnown { makeRoom(for: shards) }
        position = 0
        for checkpoints in shards {
            while shardDerivations[position].shard < checkpoints.shard { position += 1 }
            shardDerivations[position].add(
                checkpoints, at: time, index: summary.index, limits: limits, events: events)
        }
    }

    /// Adds the shards not seen before, keeping the order.
    private mutating func makeRoom(for shards: [ShardCheckpoints]) {
        var merged: [ShardDerivation] = []
        merged.reserveCapacity(shardDerivations.count + shards.count)
        var position = 0
        for checkpoints in shards {
            while position < shardDerivations.count && shardDerivations[position].shard < checkpoints.shard {
                merged.append(shardDerivations[position])
                position += 1
            }
            if position < shardDerivations.count && shardDerivations[position].shard == checkpoints.shard {
                merged.append(shardDerivations[position])
                position += 1
            } else {
                merged.append(
                    ShardDerivation(
                        shard: checkpoints.shard, timelineCapacity: LagTimeline.shardCapacity(besides: summary.timeline)
                    ))
            }
        }
        merged.append(contentsOf: shardDerivations[position...])
        shardDerivations = merged
    }

    private func increase(_ from: Int64, _ to: Int64) -> UInt128 {
        let difference = Int128(to) - Int128(from)
        return difference > 0 ? UInt128(difference) : 0
    }

    /// A stall: consecutive lag samples, all behind (lag > 0) at the same follower
    /// checkpoint, no gap inside, lasting at least `stallAfter`.
    private mutating func trackStall(_ sample: StatusSample, lag: UInt64?, lagMillis: Int64?, afterGap: Bool) {
        let behind = lag.map { $0 > 0 } ?? false
        if var stall = openStall, behind, !afterGap, sample.followerCheckpoint == stall.followerCheckpoint {
            stall.end = sample.timestamp
            stall.maxLag = max(stall.maxLag, lag!)
            openStall = stall
            openStallLagMillis = lagMillis
        } else {
            closeStall(announcingTheEnd: true)
            guard behind, let lag else { return }
            openStall = StallRow(
                index: summary.index, start: sample.timestamp, end: sample.timestamp,
                followerCheckpoint: sample.followerCheckpoint, maxLag: lag)
            openStallLagMillis = lagMillis
        }
        if let stall = openStall, !openStallAnnounced, stall.millis >= stallAfter {
            openStallAnnounced = true
            events?.emit(
                .stallStart(
                    index: summary.index, time: sample.timestamp, start: stall.start,
                    followerCheckpoint: stall.followerCheckpoint, lag: lag ?? 0, lagMillis: lagMillis))
        }
    }

    private mutating func closeStall(announcingTheEnd: Bool) {
        guard let stall = openStall else { return }
        openStall = nil
        openStallAnnounced = false
        if stall.millis >= stallAfter {
            summary.stalls += 1
            summary.millisStalled += stall.millis
            if announcingTheEnd { events?.emit(.stallEnd(stall, lagMillis: openStallLagMillis)) }
            if keepsRows { stalls.append(stall) }
        }
    }
}
