/// Derives the figures of SPEC.md section 3 for one index from its status samples in
/// timestamp order, one sample at a time: state per index, not per sample (apart from the
/// transitions and stalls it finds, and the lag histogram's buckets).
struct IndexDerivation {
    let maxGap: Int64
    let stallAfter: Int64
    /// Where live events go, if anywhere, and the lag alert they include.
    let events: LiveEventSink?
    let lagAlert: LagAlert?
    /// Whether transitions and stalls are kept as rows as well as sent as events.
    let keepsRows: Bool

    private(set) var summary: IndexSummary
    private(set) var transitions: [TransitionRow] = []
    private(set) var stalls: [StallRow] = []

    private var previous: StatusSample?
    private var runStart: Int64 = 0

    private var lagCount = 0
    private var lagMin = UInt64.max
    private var lagMax: UInt64 = 0
    private var lagLast: UInt64 = 0
    private var lagSum: UInt128 = 0
    private var histogram = LagHistogram()

    private var rateSums = RateSums(leaderIncrease: 0, followerIncrease: 0, millis: 0)
    private var ratePairs = 0

    private var openStall: StallRow?
    private var openStallAnnounced = false
    /// A run of lag samples above the alert threshold: from, to, the largest lag, announced.
    private var breach: (start: Int64, end: Int64, maxLag: UInt64, announced: Bool)?

    init(
        index: Int32, maxGap: Int64, stallAfter: Int64, events: LiveEventSink? = nil, lagAlert: LagAlert? = nil,
        keepsRows: Bool = false
    ) {
        self.maxGap = maxGap
        self.stallAfter = stallAfter
        self.events = events
        self.lagAlert = lagAlert
        // A live run reports rows as events and keeps none, so that its memory does not grow for
        // days, unless it also writes reports at the end.
        self.keepsRows = events == nil || keepsRows
        summary = IndexSummary(index: index)
    }

    mutating func countError() {
        summary.errorSamples += 1
    }

    mutating func add(_ sample: StatusSample) {
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
        if let previous {
            let elapsed = sample.timestamp - previous.timestamp
            let isGap = elapsed > maxGap
            if isGap {
                summary.gaps += 1
                summary.millisUnknown += elapsed
                events?.emit(.gap(index: summary.index, from: previous.timestamp, to: sample.timestamp))
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
            trackStall(sample, lag: lag, afterGap: isGap)
            if lagAlert != nil { trackBreach(sample, lag: lag, afterGap: isGap) }
        } else {
            trackStall(sample, lag: lag, afterGap: false)
            if lagAlert != nil { trackBreach(sample, lag: lag, afterGap: false) }
        }
        previous = sample
    }

    /// Closes what is still open and fills in the lag and rate figures.
    mutating func finish() {
        closeStall()
        closeBreach(at: summary.lastSeen ?? 0)
        if lagCount > 0 {
            let quantiles = histogram.quantiles(percent: [50, 90, 99], minimum: lagMin, maximum: lagMax)
            summary.lag = LagSummary(
                count: lagCount, min: lagMin, max: lagMax, last: lagLast, sum: lagSum,
                p50: quantiles[0], p90: quantiles[1], p99: quantiles[2])
        }
        summary.rates = ratePairs > 0 ? rateSums : nil
    }

    private mutating func recordLag(_ sample: StatusSample) -> UInt64 {
        let difference = Int128(sample.leaderCheckpoint) - Int128(sample.followerCheckpoint)
        let lag: UInt64
        if difference < 0 {
            summary.aheadSamples += 1
            lag = 0
        } else {
            lag = UInt64(difference)
        }
        lagCount += 1
        lagMin = min(lagMin, lag)
        lagMax = max(lagMax, lag)
        lagLast = lag
        lagSum += UInt128(lag)
        histogram.record(lag)
        return lag
    }

    private func increase(_ from: Int64, _ to: Int64) -> UInt128 {
        let difference = Int128(to) - Int128(from)
        return difference > 0 ? UInt128(difference) : 0
    }

    /// A stall: consecutive lag samples, all behind (lag > 0) at the same follower
    /// checkpoint, no gap inside, lasting at least `stallAfter`.
    private mutating func trackStall(_ sample: StatusSample, lag: UInt64?, afterGap: Bool) {
        let behind = lag.map { $0 > 0 } ?? false
        if var stall = openStall, behind, !afterGap, sample.followerCheckpoint == stall.followerCheckpoint {
            stall.end = sample.timestamp
            stall.maxLag = max(stall.maxLag, lag!)
            openStall = stall
        } else {
            closeStall()
            guard behind, let lag else { return }
            openStall = StallRow(
                index: summary.index, start: sample.timestamp, end: sample.timestamp,
                followerCheckpoint: sample.followerCheckpoint, maxLag: lag)
        }
        if let stall = openStall, !openStallAnnounced, stall.millis >= stallAfter {
            openStallAnnounced = true
            events?.emit(
                .stallStart(
                    index: summary.index, time: sample.timestamp, start: stall.start,
                    followerCheckpoint: stall.followerCheckpoint, lag: lag ?? 0))
        }
    }

    private mutating func closeStall() {
        guard let stall = openStall else { return }
        openStall = nil
        openStallAnnounced = false
        if stall.millis >= stallAfter {
            summary.stalls += 1
            summary.millisStalled += stall.millis
            events?.emit(.stallEnd(stall))
            if keepsRows { stalls.append(stall) }
        }
    }

    /// The lag alert: consecutive lag samples above the threshold, no gap inside, announced
    /// once they have lasted the alert's duration and closed by the first sample that is not.
    private mutating func trackBreach(_ sample: StatusSample, lag: UInt64?, afterGap: Bool) {
        guard let lagAlert else { return }
        let above = lag.map { $0 > lagAlert.threshold } ?? false
        if var run = breach, above, !afterGap {
            run.end = sample.timestamp
            run.maxLag = max(run.maxLag, lag!)
            breach = run
        } else {
            closeBreach(at: sample.timestamp)
            guard above, let lag else { return }
            breach = (sample.timestamp, sample.timestamp, lag, false)
        }
        if let run = breach, !run.announced, run.end - run.start >= lagAlert.millis {
            breach?.announced = true
            events?.emit(.lagBreachStart(index: summary.index, time: sample.timestamp, start: run.start, lag: lag!))
        }
    }

    private mutating func closeBreach(at time: Int64) {
        guard let run = breach else { return }
        breach = nil
        if run.announced {
            events?.emit(
                .lagBreachEnd(index: summary.index, time: time, start: run.start, end: run.end, maxLag: run.maxLag))
        }
    }
}
