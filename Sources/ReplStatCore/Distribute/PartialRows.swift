/// How each piece of an analysis result is written in a partial document and read back, one
/// place per piece (docs/distributed.md, the partial format), so that a change to a piece
/// (`IndexSummary`, `LagTimeline`, a row) changes one writer and its reader here, and the
/// format's version with them.
///
/// Reading checks what a real analysis guarantees and the reports rely on (timestamps within
/// the years 0000 to 9999, durations within them, counts that fit, a sum of lags between count
/// times the smallest and count times the largest, ids that exist), so that a made-up document
/// can make the reports no worse than a capture could.
struct PartialRows {
    let ids: PartialIds

    // MARK: Writing

    func line(_ summary: IndexSummary) -> PartialLine {
        var line = PartialLine("index")
        line.add(ids.index(summary.index))
        line.add(summary.samples)
        line.add(summary.errorSamples)
        line.add(ids.text(summary.leaderAlias))
        line.add(ids.text(summary.leaderIndex))
        line.add(summary.firstSeen)
        line.add(summary.lastSeen)
        line.add(summary.firstStatus)
        line.add(summary.lastStatus)
        line.add(summary.transitions)
        for millis in summary.millisInStatus { line.add(millis) }
        line.add(summary.millisUnknown)
        line.add(summary.gaps)
        let lag = summary.lag
        line.add(lag?.count)
        line.add(lag?.min)
        line.add(lag?.max)
        line.add(lag?.last)
        line.add(lag?.sum)
        line.add(lag?.p50)
        line.add(lag?.p90)
        line.add(lag?.p99)
        line.add(summary.aheadSamples)
        line.add(summary.rates?.leaderIncrease)
        line.add(summary.rates?.followerIncrease)
        line.add(summary.rates?.millis)
        line.add(summary.stalls)
        line.add(summary.millisStalled)
        line.add(summary.lagSeconds?.p50)
        line.add(summary.lagSeconds?.p99)
        line.add(summary.lagSeconds?.max)
        line.add(summary.lagSeconds?.last)
        return line
    }

    /// An index's timeline.
    func line(_ timeline: LagTimeline, of index: Int32) -> PartialLine {
        var line = PartialLine("timeline")
        line.add(ids.index(index))
        line.add(timeline.capacity)
        line.add(timeline.origin)
        line.add(timeline.width)
        let buckets = timeline.buckets
        line.add(buckets.count)
        for bucket in buckets {
            line.add(bucket.minimum)
            line.add(bucket.maximum)
            line.add(bucket.last)
            line.add(bucket.minimumMillis)
            line.add(bucket.maximumMillis)
            line.add(bucket.lastMillis)
        }
        return line
    }

    /// A shard's peaks: from the origin up to the bucket of the last sample, empty for a bucket
    /// without lag sample.
    func line(_ peaks: LagSparkline, of index: Int32, shard: UInt32) -> PartialLine {
        var line = PartialLine("shard-peaks")
        line.add(ids.index(index))
        line.add(shard)
        line.add(peaks.origin)
        line.add(peaks.width)
        let figures = peaks.peaks
        line.add(figures.count)
        for peak in figures { line.add(peak) }
        return line
    }

    func line(_ row: TransitionRow) -> PartialLine {
        var line = PartialLine("transition")
        line.add(ids.index(row.index))
        line.add(row.timestamp)
        line.add(row.from)
        line.add(row.to)
        line.add(ids.text(row.reason))
        line.add(row.millisInPrevious)
        line.add(row.checkpoints?.leader)
        line.add(row.checkpoints?.follower)
        return line
    }

    func line(_ row: StallRow) -> PartialLine {
        var line = PartialLine("stall")
        line.add(ids.index(row.index))
        line.add(row.start)
        line.add(row.end)
        line.add(row.followerCheckpoint)
        line.add(row.maxLag)
        return line
    }

    func line(_ row: GapRow) -> PartialLine {
        var line = PartialLine("gap")
        line.add(ids.index(row.index))
        line.add(row.start)
        line.add(row.end)
        return line
    }

    func line(_ row: ErrorEpisode) -> PartialLine {
        var line = PartialLine("episode")
        line.add(ids.index(row.index))
        line.add(row.start)
        line.add(row.end)
        line.add(row.samples)
        line.add(row.httpStatus)
        line.add(ids.text(row.type))
        line.add(ids.text(row.reason))
        line.add(row.ordinal)
        return line
    }

    func line(_ row: OpenAtEnd) -> PartialLine {
        var line = PartialLine("open")
        line.add(ids.index(row.index))
        line.add(word: row.kind.word)
        line.add(row.start)
        line.add(row.shard)
        return line
    }

    func line(_ row: ShardSummary) -> PartialLine {
        var line = PartialLine("shard")
        line.add(ids.index(row.index))
        line.add(row.shard)
        line.add(row.lagSamples)
        line.add(row.p50)
        line.add(row.p99)
        line.add(row.max)
        line.add(row.last)
        line.add(row.stalls)
        line.add(row.millisStalled)
        return line
    }
}

/// Reads the rows of one document back, each checked (`PartialRows`); ids are the document's.
struct PartialRowReader {
    typealias Problem = PartialFields.Problem

    /// How many index names and texts the document holds.
    let indexNames: Int
    let texts: Int

    private static let instants = Timestamp.earliest...Timestamp.latest
    /// A duration within the years a timestamp can take.
    private static let durations = Int64(0)...(Timestamp.latest - Timestamp.earliest)
    private static let counts = 0...PartialFormat.countLimit

    private func index(_ fields: inout PartialFields) throws(Problem) -> Int32 {
        guard indexNames > 0 else { throw Problem(message: "a row comes before any index name") }
        return try fields.number("index", in: Int32(0)...Int32(indexNames - 1))
    }

    private func text(_ fields: inout PartialFields, _ what: String) throws(Problem) -> Int32 {
        try fields.number(what, in: StatusSample.none...Int32(texts - 1))
    }

    private static func instant(_ fields: inout PartialFields, _ what: String) throws(Problem) -> Int64 {
        try fields.number(what, in: instants)
    }

    private static func optionalInstant(_ fields: inout PartialFields, _ what: String) throws(Problem) -> Int64? {
        guard let value = try fields.optional(what, as: Int64.self) else { return nil }
        guard instants.contains(value) else { throw Problem(message: "\(what) \(value) is not a time replstat reads") }
        return value
    }

    private static func duration(_ fields: inout PartialFields, _ what: String) throws(Problem) -> Int64 {
        try fields.number(what, in: durations)
    }

    func summary(_ fields: inout PartialFields) throws(Problem) -> IndexSummary {
        var summary = IndexSummary(index: try index(&fields))
        summary.samples = try fields.number("samples", in: Self.counts)
        summary.errorSamples = try fields.number("error_samples", in: Self.counts)
        guard summary.samples + summary.errorSamples > 0 else {
            throw Problem(message: "an index without samples has no row")
        }
        summary.leaderAlias = try text(&fields, "leader_alias")
        summary.leaderIndex = try text(&fields, "leader_index")
        summary.firstSeen = try Self.optionalInstant(&fields, "first_seen")
        summary.lastSeen = try Self.optionalInstant(&fields, "last_seen")
        summary.firstStatus = try fields.status("first_status")
        summary.lastStatus = try fields.status("last_status")
        summary.transitions = try fields.number("transitions", in: Self.counts)
        for status in ReplicationStatus.allCases {
            summary.millisInStatus[Int(status.rawValue)] = try Self.duration(&fields, "seconds_" + status.columnName)
        }
        summary.millisUnknown = try Self.duration(&fields, "seconds_unknown")
        summary.gaps = try fields.number("gaps", in: Self.counts)
        let count = try fields.optional("lag_samples", as: Int.self)
        let minimum = try fields.optional("lag_min", as: UInt64.self)
        let maximum = try fields.optional("lag_max", as: UInt64.self)
        let last = try fields.optional("lag_last", as: UInt64.self)
        let sum = try fields.optional("lag sum", as: UInt128.self)
        let p50 = try fields.optional("lag_p50", as: UInt64.self)
        let p90 = try fields.optional("lag_p90", as: UInt64.self)
        let p99 = try fields.optional("lag_p99", as: UInt64.self)
        if let count, let minimum, let maximum, let last, let sum, let p50, let p90, let p99 {
            guard Self.counts.contains(count), count > 0, minimum <= maximum,
                UInt128(minimum) * UInt128(count) <= sum, sum <= UInt128(maximum) * UInt128(count)
            else { throw Problem(message: "the lag figures do not add up (\(count) samples, sum \(sum))") }
            summary.lag = LagSummary(
                count: count, min: minimum, max: maximum, last: last, sum: sum, p50: p50, p90: p90, p99: p99)
        } else if [count != nil, minimum != nil, maximum != nil, last != nil, sum != nil, p50 != nil].contains(true)
            || p90 != nil || p99 != nil
        {
            throw Problem(message: "the lag figures are only partly there")
        }
        summary.aheadSamples = try fields.number("ahead_samples", in: Self.counts)
        let leaderIncrease = try fields.optional("leader increase", as: UInt128.self)
        let followerIncrease = try fields.optional("follower increase", as: UInt128.self)
        let rateMillis = try fields.optional("rate time", as: Int64.self)
        if let leaderIncrease, let followerIncrease, let rateMillis {
            let most = UInt128(PartialFormat.countLimit) * UInt128(UInt64.max)
            guard rateMillis > 0, Self.durations.contains(rateMillis), leaderIncrease <= most, followerIncrease <= most
            else { throw Problem(message: "the rates do not add up") }
            summary.rates = RateSums(
                leaderIncrease: leaderIncrease, followerIncrease: followerIncrease, millis: rateMillis)
        } else if leaderIncrease != nil || followerIncrease != nil || rateMillis != nil {
            throw Problem(message: "the rates are only partly there")
        }
        summary.stalls = try fields.number("stalls", in: Self.counts)
        summary.millisStalled = try Self.duration(&fields, "stall_seconds")
        let secondsP50 = try fields.optional("lag_seconds_p50", as: Int64.self)
        let secondsP99 = try fields.optional("lag_seconds_p99", as: Int64.self)
        let secondsMax = try fields.optional("lag_seconds_max", as: Int64.self)
        let secondsLast = try fields.optional("lag_seconds_last", as: Int64.self)
        if let secondsP50, let secondsP99, let secondsMax {
            guard [secondsP50, secondsP99, secondsMax, secondsLast ?? 0].allSatisfy(Self.durations.contains) else {
                throw Problem(message: "a lag in seconds is out of range")
            }
            summary.lagSeconds = LagSecondsSummary(p50: secondsP50, p99: secondsP99, max: secondsMax, last: secondsLast)
        } else if secondsP50 != nil || secondsP99 != nil || secondsMax != nil || secondsLast != nil {
            throw Problem(message: "the lag in seconds is only partly there")
        }
        try fields.end()
        if summary.samples > 0 {
            guard let first = summary.firstSeen, let last = summary.lastSeen, first <= last,
                summary.firstStatus != nil, summary.lastStatus != nil,
                summary.millisInStatus.reduce(summary.millisUnknown, +) == last - first,
                summary.millisStalled <= last - first
            else { throw Problem(message: "the times of the index do not add up") }
        } else if summary.firstSeen != nil || summary.lastSeen != nil {
            throw Problem(message: "an index without status samples has times")
        }
        return summary
    }

    /// A timeline line: the index's id, the timeline.
    func timeline(_ fields: inout PartialFields) throws(Problem) -> (index: Int32, timeline: LagTimeline) {
        let index = try index(&fields)
        let capacity = try fields.number("capacity", in: 2...4096)
        let origin = try Self.instant(&fields, "origin")
        let width = try fields.number("width", in: LagTimeline.initialWidth...(Int64.max / 4))
        let count = try fields.number("buckets", in: 0...capacity)
        guard fields.remaining == 6 * count else {
            throw Problem(message: "the timeline claims \(count) buckets and has \(fields.remaining) figures")
        }
        try Self.checkSpan(origin: origin, width: width, buckets: count)
        var buckets: [LagTimeline.Bucket] = []
        buckets.reserveCapacity(count)
        for _ in 0..<count {
            var bucket = LagTimeline.Bucket()
            bucket.minimum = try fields.number("minimum")
            bucket.maximum = try fields.number("maximum")
            bucket.last = try fields.number("last")
            bucket.minimumMillis = try fields.number("minimum millis")
            bucket.maximumMillis = try fields.number("maximum millis")
            bucket.lastMillis = try fields.number("last millis")
            let lagFits = bucket.isEmpty || (bucket.minimum...bucket.maximum).contains(bucket.last)
            let millisFit =
                bucket.hasMillis
                ? bucket.minimumMillis >= 0 && bucket.minimumMillis <= bucket.maximumMillis
                    && (bucket.lastMillis == -1
                        || (bucket.minimumMillis...bucket.maximumMillis).contains(bucket.lastMillis))
                : bucket.minimumMillis == .max && bucket.lastMillis == -1
            guard lagFits && millisFit else { throw Problem(message: "a bucket's figures do not fit together") }
            buckets.append(bucket)
        }
        try fields.end()
        return (index, LagTimeline(capacity: capacity, origin: origin, width: width, buckets: buckets))
    }

    /// A shard's peaks line: the index's id, the shard's number, the peaks up to the bucket of
    /// the last sample (which has one).
    func shardPeaks(_ fields: inout PartialFields) throws(Problem) -> (
        index: Int32, shard: UInt32, peaks: LagSparkline
    ) {
        let index = try index(&fields)
        let shard: UInt32 = try fields.number("shard")
        let origin = try Self.instant(&fields, "origin")
        let width = try fields.number("width", in: LagTimeline.initialWidth...(Int64.max / 4))
        let count = try fields.number("buckets", in: 1...LagSparkline.capacity)
        guard fields.remaining == count else {
            throw Problem(message: "the peaks claim \(count) buckets and have \(fields.remaining) figures")
        }
        try Self.checkSpan(origin: origin, width: width, buckets: count)
        var peaks: [UInt64?] = []
        for _ in 0..<count { peaks.append(try fields.optional("peak")) }
        guard peaks.last! != nil else { throw Problem(message: "the peaks end in a bucket without lag sample") }
        try fields.end()
        return (index, shard, LagSparkline(origin: origin, width: width, peaks: peaks))
    }

    /// Buckets that end before the end of time.
    private static func checkSpan(origin: Int64, width: Int64, buckets: Int) throws(Problem) {
        let (span, overflow) = width.multipliedReportingOverflow(by: Int64(buckets))
        guard !overflow, origin <= Int64.max - span else { throw Problem(message: "the timeline ends past any time") }
    }

    func transition(_ fields: inout PartialFields) throws(Problem) -> TransitionRow {
        let index = try index(&fields)
        let timestamp = try Self.instant(&fields, "timestamp")
        guard let from = try fields.status("from_status"), let to = try fields.status("to_status") else {
            throw Problem(message: "a transition lacks a status")
        }
        let reason = try text(&fields, "reason")
        let millis = try Self.duration(&fields, "seconds_in_previous")
        let leader = try fields.optional("leader_checkpoint", as: Int64.self)
        let follower = try fields.optional("follower_checkpoint", as: Int64.self)
        guard (leader == nil) == (follower == nil) else { throw Problem(message: "a transition has one checkpoint") }
        try fields.end()
        return TransitionRow(
            timestamp: timestamp, index: index, from: from, to: to, reason: reason, millisInPrevious: millis,
            checkpoints: leader.map { Checkpoints(leader: $0, follower: follower!) })
    }

    private static func span(_ fields: inout PartialFields) throws(Problem) -> (start: Int64, end: Int64) {
        let start = try instant(&fields, "start")
        let end = try instant(&fields, "end")
        guard start <= end else { throw Problem(message: "it ends before it starts") }
        return (start, end)
    }

    func stall(_ fields: inout PartialFields) throws(Problem) -> StallRow {
        let index = try index(&fields)
        let (start, end) = try Self.span(&fields)
        let row = StallRow(
            index: index, start: start, end: end, followerCheckpoint: try fields.number("follower_checkpoint"),
            maxLag: try fields.number("max_lag"))
        try fields.end()
        return row
    }

    func gap(_ fields: inout PartialFields) throws(Problem) -> GapRow {
        let index = try index(&fields)
        let (start, end) = try Self.span(&fields)
        try fields.end()
        return GapRow(index: index, start: start, end: end)
    }

    func episode(_ fields: inout PartialFields) throws(Problem) -> ErrorEpisode {
        let index = try index(&fields)
        let (start, end) = try Self.span(&fields)
        let row = ErrorEpisode(
            index: index, start: start, end: end,
            samples: try fields.number("samples", in: 1...PartialFormat.countLimit),
            httpStatus: try fields.optional("http_status"), type: try text(&fields, "error_type"),
            reason: try text(&fields, "reason"), ordinal: try fields.number("ordinal", in: 0...Int64.max))
        try fields.end()
        return row
    }

    func open(_ fields: inout PartialFields) throws(Problem) -> OpenAtEnd {
        let index = try index(&fields)
        let word = try fields.word("kind")
        guard let kind = OpenAtEnd.Kind.all.first(where: { $0.word == word }) else {
            throw Problem(message: "'\(VisibleText.escaped(word))' is not a kind of episode")
        }
        let start = try Self.instant(&fields, "start")
        let shard = try fields.optional("shard", as: UInt32.self)
        guard (shard != nil) == (kind == .shardStall) else { throw Problem(message: "only a shard stall has a shard") }
        try fields.end()
        return OpenAtEnd(kind: kind, index: index, start: start, shard: shard)
    }

    func shard(_ fields: inout PartialFields) throws(Problem) -> ShardSummary {
        let row = ShardSummary(
            index: try index(&fields), shard: try fields.number("shard"),
            lagSamples: try fields.number("lag_samples", in: 1...PartialFormat.countLimit),
            p50: try fields.number("lag_p50"),
            p99: try fields.number("lag_p99"), max: try fields.number("lag_max"), last: try fields.number("lag_last"),
            stalls: try fields.number("stalls", in: Self.counts),
            millisStalled: try Self.duration(&fields, "stall_seconds"))
        try fields.end()
        return row
    }
}

extension OpenAtEnd.Kind {
    /// Every kind (their raw values count from 0).
    static let all = (0..<64).compactMap(OpenAtEnd.Kind.init(rawValue:))

    /// The kind's word in a partial document.
    var word: String {
        switch self {
        case .stall: "stall"
        case .lagBreach: "lag-breach"
        case .lagSecondsBreach: "lag-seconds-breach"
        case .errorEpisode: "error-episode"
        case .shardStall: "shard-stall"
        }
    }
}

/// A row that belongs to an index.
protocol IndexedRow {
    var index: Int32 { get set }
}

extension TransitionRow: IndexedRow {}
extension StallRow: IndexedRow {}
extension GapRow: IndexedRow {}
extension ErrorEpisode: IndexedRow {}
extension ShardSummary: IndexedRow {}
extension OpenAtEnd: IndexedRow {}
