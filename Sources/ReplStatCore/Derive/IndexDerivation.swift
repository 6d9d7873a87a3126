/// Derives the figures of docs/format.md for one index from its status samples in
/// timestamp order and its error samples in input order, one sample at a time: state per
/// index, not per sample (apart from the rows it finds, the lag histograms' buckets and the
/// leader's checkpoint history).
///
/// A run keeps one per index, so its layout is part of the memory promise of docs/robustness.md
/// ("Memory and time bounds"): what every index needs is stored inline and compactly (the settings
/// are shared, the previous sample is kept as the few fields the next one needs), and what few
/// indices need (rows, error samples, shards, the lag alert) sits in `extras`, allocated at first use.
struct IndexDerivation {
    let settings: DerivationSettings
    var maxGap: Int64 { settings.limits.maxGap }
    var stallAfter: Int64 { settings.limits.stallAfter }
    var events: LiveEventSink? { settings.events }
    var lagAlert: LagAlert? { settings.lagAlert }
    /// Whether transitions and stalls are kept as rows as well as sent as events.
    var keepsRows: Bool { settings.keepsRows }

    let index: Int32
    private var leaderAlias: Int32 = StatusSample.none
    private var leaderIndex: Int32 = StatusSample.none
    private var firstStatus: ReplicationStatus?
    /// The status of the previous sample (the last one, in timestamp order).
    private var lastStatus: ReplicationStatus?
    /// Whether the previous sample was a lag sample, and its checkpoints.
    private var previousIsLagSample = false
    private var openStallAnnounced = false
    private var samples = 0
    private var firstSeen: Int64 = 0
    /// The timestamp of the previous sample.
    private var lastSeen: Int64 = 0
    private var previousLeader: Int64 = 0
    private var previousFollower: Int64 = 0
    private var runStart: Int64 = 0
    private var transitionCount = 0
    private var millisInStatus = StatusDurations()

    private var lag = LagStatistics()
    private var lagSum: UInt128 = 0
    private var aheadSamples = 0

    private var leaderHistory = LeaderHistory()
    private var lagSeconds = LagStatistics()
    /// The lag in seconds of the last lag sample, `Self.noLag` when it has none.
    private var lastLagMillis = Self.noLag
    /// The lag in seconds of the open stall's last sample, `Self.noLag` when it had none.
    private var openStallLagMillis = Self.noLag
    private static let noLag = Int64.min
    /// Lag over time, when a report draws it, from the first lag sample: a nil pointer otherwise.
    private var lagOverTime = LagOverTime.none

    private var rateSums = RateSums(leaderIncrease: 0, followerIncrease: 0, millis: 0)
    private var ratePairs = 0

    private var openStall: StallRow?
    /// The time past which a status sample ends the open error episode (its last error sample's
    /// time plus the gap limit), `Int64.max` when none is open: kept here, each status sample
    /// tests it without reaching the extras, whose storage was most of the cache misses of `add`.
    private var errorEpisodeDeadline = Int64.max

    /// What few indices need, allocated at first use; an array of none or one keeps the
    /// derivation a value (copy on write) at the cost of one pointer.
    private var extras: [DerivationExtras] = []

    init(index: Int32, settings: DerivationSettings) {
        self.index = index
        self.settings = settings
    }

    init(
        index: Int32, maxGap: Int64, stallAfter: Int64, events: LiveEventSink? = nil, lagAlert: LagAlert? = nil,
        keepsRows: Bool = false, timelineCapacity: Int = 0
    ) {
        self.init(
            index: index,
            settings: DerivationSettings(
                maxGap: maxGap, stallAfter: stallAfter, events: events, lagAlert: lagAlert, keepsRows: keepsRows,
                timelineCapacity: timelineCapacity))
    }

    /// The figures so far (complete once `finish()` is done).
    var summary: IndexSummary {
        var summary = IndexSummary(index: index)
        summary.samples = samples
        summary.errorSamples = extras.first?.errorSamples ?? 0
        summary.leaderAlias = leaderAlias
        summary.leaderIndex = leaderIndex
        if samples > 0 {
            summary.firstSeen = firstSeen
            summary.lastSeen = lastSeen
        }
        summary.firstStatus = firstStatus
        summary.lastStatus = lastStatus
        summary.transitions = transitionCount
        summary.millisInStatus = millisInStatus
        summary.aheadSamples = aheadSamples
        if let extras = extras.first {
            summary.millisUnknown = extras.millisUnknown
            summary.gaps = extras.gapCount
            summary.stalls = extras.stallCount
            summary.millisStalled = extras.millisStalled
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
                p50: Int64(quantiles[0]), p99: Int64(quantiles[1]), max: Int64(lagSeconds.max),
                last: lastLagMillis == Self.noLag ? nil : lastLagMillis)
        }
        summary.rates = ratePairs > 0 ? rateSums : nil
        summary.timeline = lagOverTime.timeline
        summary.sparkline = lagOverTime.sparkline
        return summary
    }

    /// Where the index stands after the samples so far; the stall going on counts once announced.
    var state: FollowerState {
        let stalledSince = openStallAnnounced ? openStall?.start : nil
        return FollowerState(
            index: index, status: lastStatus, samples: samples,
            errorSamples: extras.first?.errorSamples ?? 0, transitions: transitionCount,
            stalls: (extras.first?.stallCount ?? 0) + (stalledSince == nil ? 0 : 1), stalledSince: stalledSince,
            lag: lag.count > 0 ? lag.last : nil, lagMillis: lastLagMillis == Self.noLag ? nil : lastLagMillis,
            lastSample: samples > 0 ? lastSeen : nil, lastErrorSample: extras.first?.newestErrorTime)
    }

    var transitions: [TransitionRow] { extras.first?.transitions ?? [] }
    var stalls: [StallRow] { extras.first?.stalls ?? [] }
    var gaps: [GapRow] { extras.first?.gaps ?? [] }
    /// The last one is still open until `finish()`, even when the other rows are not kept.
    var errorEpisodes: [ErrorEpisode] { extras.first?.errorEpisodes.episodes ?? [] }
    /// How many `errorEpisodes` has.
    var errorEpisodeCount: Int { extras.first?.errorEpisodes.count ?? 0 }
    /// `errorEpisodes` as the derivation keeps them.
    var errorEpisodeLog: ErrorEpisodeLog { extras.first?.errorEpisodes ?? ErrorEpisodeLog() }
    /// Stalls, lag breaches, shard stalls and error episodes still going on at the end, once
    /// `finish()` is done.
    var stillOpen: [OpenAtEnd] { extras.first?.stillOpen ?? [] }
    /// Whether the index had a status or an error sample.
    var hasSamples: Bool { samples > 0 || !extras.isEmpty && extras[0].errorSamples > 0 }

    /// The extras, allocated at first use.
    private var more: DerivationExtras {
        get { extras.first ?? DerivationExtras() }
        _modify {
            if extras.isEmpty { extras.append(DerivationExtras()) }
            yield &extras[0]
        }
    }

    /// Takes in an error sample, in input order; `ordinal` is its line's place among all lines.
    mutating func add(_ sample: ErrorSample, ordinal: Int64) {
        let keepsRows = keepsRows
        let maxGap = maxGap
        let events = events
        more.addError(sample, ordinal: ordinal, index: index, maxGap: maxGap, keepsRows: keepsRows, events: events)
        let (deadline, overflow) = extras[0].lastErrorTime.addingReportingOverflow(maxGap)
        errorEpisodeDeadline = extras[0].errorEpisodeOpen && !overflow ? deadline : .max
        settings.states?.stateChanged(state)
    }

    /// Takes in a status sample, in timestamp order.
    mutating func add(_ sample: StatusSample) {
        // No later error sample can join an episode whose index has moved on past the gap limit
        // (unless it comes more than the reorder window out of order).
        if sample.timestamp > errorEpisodeDeadline {
            let events = events
            more.endErrorEpisode(events: events)
            errorEpisodeDeadline = .max
        }
        samples += 1
        if sample.leaderAlias != StatusSample.none { leaderAlias = sample.leaderAlias }
        if sample.leaderIndex != StatusSample.none { leaderIndex = sample.leaderIndex }
        // Read once: the getter is a call, which the five places asking for it each paid.
        let isLagSample = sample.isLagSample
        let lag = isLagSample ? recordLag(sample) : nil
        var isGap = false
        if let previousStatus = lastStatus {
            let previousTime = lastSeen
            let elapsed = sample.timestamp - previousTime
            isGap = elapsed > maxGap
            if isGap {
                more.gapCount += 1
                more.millisUnknown += elapsed
                events?.emit(.gap(index: index, from: previousTime, to: sample.timestamp))
                if keepsRows {
                    more.gaps.append(GapRow(index: index, start: previousTime, end: sample.timestamp))
                }
                leaderHistory.clear()
            } else {
                millisInStatus[Int(previousStatus.rawValue)] += elapsed
            }
            if previousStatus != sample.status {
                transitionCount += 1
                let transition = TransitionRow(
                    timestamp: sample.timestamp, index: index, from: previousStatus, to: sample.status,
                    reason: sample.reason, millisInPrevious: sample.timestamp - runStart,
                    checkpoints: sample.hasCheckpoints
                        ? Checkpoints(leader: sample.leaderCheckpoint, follower: sample.followerCheckpoint) : nil)
                events?.emit(.transition(transition))
                if keepsRows { more.transitions.append(transition) }
                runStart = sample.timestamp
            }
            if previousIsLagSample && isLagSample && elapsed > 0 && !isGap {
                ratePairs += 1
                rateSums.millis += elapsed
                rateSums.leaderIncrease += increase(previousLeader, sample.leaderCheckpoint)
                rateSums.followerIncrease += increase(previousFollower, sample.followerCheckpoint)
            }
        } else {
            firstSeen = sample.timestamp
            firstStatus = sample.status
            runStart = sample.timestamp
        }
        let lagMillis = isLagSample ? recordLagSeconds(sample) : nil
        if !isLagSample {
            // SYNCING or RUNNING without checkpoints leaves the leader's history as it is.
            if !sample.status.carriesLag { leaderHistory.clear() }
            if !extras.isEmpty {
                let limits = settings.limits
                extras[0].shards.close(index: index, limits: limits, events: events)
            }
        }
        trackStall(sample, lag: lag, lagMillis: lagMillis, afterGap: isGap)
        if let lagAlert { trackBreaches(sample, lag: lag, lagMillis: lagMillis, afterGap: isGap, alert: lagAlert) }
        if let lag {
            lagOverTime.record(at: sample.timestamp, lag: lag, millis: lagMillis, capacity: settings.timelineCapacity)
        }
        lastSeen = sample.timestamp
        lastStatus = sample.status
        previousIsLagSample = isLagSample
        previousLeader = sample.leaderCheckpoint
        previousFollower = sample.followerCheckpoint
        settings.states?.stateChanged(state)
    }

    /// Ends what is still going on at the end. What is still going on stays open: a stall that
    /// lasted long enough is a row, but no end is announced that was not seen.
    mutating func finish() {
        if let stall = openStall, stall.millis >= stallAfter {
            more.stillOpen.append(OpenAtEnd(kind: .stall, index: index, start: stall.start))
        }
        closeStall(announcingTheEnd: false)
        let limits = settings.limits
        guard !extras.isEmpty else { return }
        let index = index
        for rule in extras[0].breaches where rule.announced {
            extras[0].stillOpen.append(
                OpenAtEnd(
                    kind: rule.measure == .operations ? .lagBreach : .lagSecondsBreach, index: index,
                    start: rule.run!.start))
        }
        if extras[0].errorEpisodeOpen, let episode = extras[0].errorEpisodes.last {
            extras[0].stillOpen.append(OpenAtEnd(kind: .errorEpisode, index: index, start: episode.start))
        }
        for (shard, start) in extras[0].shards.finish(limits: limits) {
            extras[0].stillOpen.append(OpenAtEnd(kind: .shardStall, index: index, start: start, shard: shard))
        }
        if !keepsRows { extras[0].errorEpisodes = ErrorEpisodeLog() }
    }

    /// Forgets the rows, once taken: the figures do not depend on them.
    mutating func forgetRows() {
        guard !extras.isEmpty else { return }
        extras[0].transitions = []
        extras[0].stalls = []
        extras[0].gaps = []
        extras[0].errorEpisodes = ErrorEpisodeLog()
        extras[0].stillOpen = []
    }

    /// A row per shard with shard samples, by shard number.
    var shards: [ShardSummary] { extras.first?.shards.summaries(index: index) ?? [] }
    var hasShards: Bool { !(extras.first?.shards.isEmpty ?? true) }
    /// How many rows `shards` has.
    var shardCount: Int { extras.first?.shards.count ?? 0 }

    @inline(__always)
    private mutating func recordLag(_ sample: StatusSample) -> UInt64 {
        let value: UInt64
        if sample.leaderCheckpoint < sample.followerCheckpoint {
            aheadSamples += 1
            value = 0
        } else {
            // Exact: the difference of two Int64 in order is at most UInt64.max.
            value = UInt64(bitPattern: sample.leaderCheckpoint &- sample.followerCheckpoint)
        }
        lag.record(value)
        lagSum += UInt128(value)
        return value
    }

    private mutating func recordLagSeconds(_ sample: StatusSample) -> Int64? {
        let millis = leaderHistory.lagMillis(
            at: sample.timestamp, leader: sample.leaderCheckpoint, follower: sample.followerCheckpoint)
        lastLagMillis = millis ?? Self.noLag
        if let millis { lagSeconds.record(UInt64(millis)) }
        return millis
    }

    /// Takes in a status sample and the checkpoints of its shards, in timestamp order; only a
    /// lag sample's shards count.
    mutating func add(_ sample: StatusSample, shards: [ShardCheckpoints]) {
        add(sample)
        if sample.isLagSample && !shards.isEmpty {
            let limits = settings.limits
            let index = index
            let events = events
            let timelineCapacity = settings.shardTimelineCapacity
            more.shards.add(
                shards, at: sample.timestamp, index: index, limits: limits, events: events,
                timelineCapacity: timelineCapacity)
        }
    }

    @inline(__always)
    private func increase(_ from: Int64, _ to: Int64) -> UInt128 {
        // As `recordLag`: in 64 bits, exact; through Int128 each pair of samples paid two calls.
        to > from ? UInt128(UInt64(bitPattern: to &- from)) : 0
    }

    /// A stall: consecutive lag samples, all behind (lag > 0) at the same follower
    /// checkpoint, no gap inside, lasting at least `stallAfter`.
    private mutating func trackStall(_ sample: StatusSample, lag: UInt64?, lagMillis: Int64?, afterGap: Bool) {
        let behind = lag.map { $0 > 0 } ?? false
        if var stall = openStall, behind, !afterGap, sample.followerCheckpoint == stall.followerCheckpoint {
            stall.end = sample.timestamp
            stall.maxLag = max(stall.maxLag, lag!)
            openStall = stall
            openStallLagMillis = lagMillis ?? Self.noLag
        } else {
            closeStall(announcingTheEnd: true)
            guard behind, let lag else { return }
            openStall = StallRow(
                index: index, start: sample.timestamp, end: sample.timestamp,
                followerCheckpoint: sample.followerCheckpoint, maxLag: lag)
            openStallLagMillis = lagMillis ?? Self.noLag
        }
        if let stall = openStall, !openStallAnnounced, stall.millis >= stallAfter {
            openStallAnnounced = true
            events?.emit(
                .stallStart(
                    index: index, time: sample.timestamp, start: stall.start,
                    followerCheckpoint: stall.followerCheckpoint, lag: lag ?? 0, lagMillis: lagMillis))
        }
    }

    /// Inlined: nearly every lag sample of a follower behind closes the one-sample stall of the
    /// sample before, which is too short to count.
    @inline(__always)
    private mutating func closeStall(announcingTheEnd: Bool) {
        guard let stall = openStall else { return }
        openStall = nil
        openStallAnnounced = false
        if stall.millis >= stallAfter { countStall(stall, announcingTheEnd: announcingTheEnd) }
    }

    /// Counts a stall that lasted long enough, and announces its end.
    private mutating func countStall(_ stall: StallRow, announcingTheEnd: Bool) {
        more.stallCount += 1
        more.millisStalled += stall.millis
        if announcingTheEnd {
            events?.emit(.stallEnd(stall, lagMillis: openStallLagMillis == Self.noLag ? nil : openStallLagMillis))
        }
        if keepsRows { more.stalls.append(stall) }
    }

    /// The lag alert's breaches, in operations and in seconds (`LagBreachRule`), kept with the
    /// extras: allocated for the indices of a run with an alert only.
    private mutating func trackBreaches(
        _ sample: StatusSample, lag: UInt64?, lagMillis: Int64?, afterGap: Bool, alert: LagAlert
    ) {
        let index = index
        let events = events
        if more.breaches.isEmpty { more.breaches = alert.measures.map(LagBreachRule.init) }
        for position in extras[0].breaches.indices {
            extras[0].breaches[position].track(
                time: sample.timestamp, lag: lag, lagMillis: lagMillis, afterGap: afterGap, alert: alert,
                index: index, events: events)
        }
    }
}

/// The settings every derivation of a run shares, held once.
final class DerivationSettings {
    let limits: StallLimits
    /// Where live events go, if anywhere, and the lag alert they include.
    let events: LiveEventSink?
    /// `events` when it follows each index's state (`LiveEventSink.followsStates`), else nil.
    let states: LiveEventSink?
    let lagAlert: LagAlert?
    /// Whether transitions and stalls are kept as rows as well as sent as events.
    let keepsRows: Bool
    /// The buckets of lag over time each index keeps: none unless a report draws it.
    let timelineCapacity: Int
    /// The buckets each shard's timeline keeps (`LagTimeline.shardCapacity`).
    let shardTimelineCapacity: Int

    init(
        maxGap: Int64, stallAfter: Int64, events: LiveEventSink? = nil, lagAlert: LagAlert? = nil, keepsRows: Bool,
        timelineCapacity: Int = 0
    ) {
        self.timelineCapacity = timelineCapacity
        shardTimelineCapacity = LagTimeline.shardCapacity(forIndexCapacity: timelineCapacity)
        limits = StallLimits(maxGap: maxGap, stallAfter: stallAfter)
        self.events = events
        states = events?.followsStates == true ? events : nil
        self.lagAlert = lagAlert
        // A live run reports rows as events and keeps none, so that its memory does not grow for
        // days, unless it also writes reports at the end.
        self.keepsRows = events == nil || keepsRows
    }
}

/// The part of an index's derivation that few indices need: the rows it found, its error
/// samples, capture gaps, stalls, shards and lag alert.
struct DerivationExtras {
    var transitions: [TransitionRow] = []
    var stalls: [StallRow] = []
    var gaps: [GapRow] = []
    var errorEpisodes = ErrorEpisodeLog()
    var stillOpen: [OpenAtEnd] = []
    var errorSamples = 0
    /// The timestamp of the previous error sample in input order.
    var lastErrorTime: Int64 = 0
    /// The newest error sample's timestamp.
    var newestErrorTime: Int64?
    /// Whether the last error episode was announced and its end not yet.
    var errorEpisodeOpen = false
    var gapCount = 0
    var millisUnknown: Int64 = 0
    var stallCount = 0
    var millisStalled: Int64 = 0
    /// The lag alert's rules, one per measure with a threshold.
    var breaches: [LagBreachRule] = []
    /// The shards that had a shard sample.
    var shards = IndexShards()

    mutating func addError(
        _ sample: ErrorSample, ordinal: Int64, index: Int32, maxGap: Int64, keepsRows: Bool, events: LiveEventSink?
    ) {
        errorSamples += 1
        let httpStatus = sample.hasHTTPStatus ? sample.httpStatus : nil
        if var episode = errorEpisodes.last, episode.httpStatus == httpStatus, episode.type == sample.type,
            abs(sample.timestamp - lastErrorTime) <= maxGap
        {
            episode.samples += 1
            episode.start = min(episode.start, sample.timestamp)
            episode.end = max(episode.end, sample.timestamp)
            errorEpisodes.replaceLast(with: episode)
        } else {
            endErrorEpisode(events: events)
            // A live run without reports keeps only the episode that is open.
            if !keepsRows { errorEpisodes.removeAll() }
            let episode = ErrorEpisode(
                index: index, start: sample.timestamp, end: sample.timestamp, samples: 1,
                httpStatus: httpStatus, type: sample.type, reason: sample.reason, ordinal: ordinal)
            errorEpisodes.append(episode)
            errorEpisodeOpen = true
            events?.emit(.errorStart(episode))
        }
        lastErrorTime = sample.timestamp
        newestErrorTime = max(newestErrorTime ?? sample.timestamp, sample.timestamp)
    }

    /// Announces the end of the open error episode.
    mutating func endErrorEpisode(events: LiveEventSink?) {
        guard errorEpisodeOpen, let episode = errorEpisodes.last else { return }
        errorEpisodeOpen = false
        events?.emit(.errorEnd(episode))
    }
}
