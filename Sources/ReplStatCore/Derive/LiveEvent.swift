/// Something that happened to an index, reported as soon as it is final: what
/// `replstat watch` prints. Times are milliseconds since the epoch; indices are ids in the
/// analysis's `indexNames`. Lag in seconds is in milliseconds, nil where it is unknown.
public enum LiveEvent: Sendable, Equatable {
    /// A row of transitions.csv.
    case transition(TransitionRow)
    /// A stall reached `stallAfter` at `time`: behind since `start` at `followerCheckpoint`.
    case stallStart(index: Int32, time: Int64, start: Int64, followerCheckpoint: Int64, lag: UInt64, lagMillis: Int64?)
    /// A stall ended (a row of stalls.csv); its time is its last stuck sample, whose lag in
    /// seconds is the largest of the stall's. A stall still going on at the end of the input has no end.
    case stallEnd(StallRow, lagMillis: Int64?)
    /// One shard of an index stalled (docs/format.md, shards), as `stallStart`.
    case shardStallStart(index: Int32, shard: UInt32, time: Int64, start: Int64, followerCheckpoint: Int64, lag: UInt64)
    /// A shard's stall ended; its time is its last stuck shard sample.
    case shardStallEnd(ShardStall)
    /// No sample of the index between `from` and `to`, longer than `maxGap`.
    case gap(index: Int32, from: Int64, to: Int64)
    /// Lag above one of the alert's thresholds since `start`, for the alert's duration as of `time`.
    case lagBreachStart(LagAlert.Measure, index: Int32, time: Int64, start: Int64, lag: UInt64, lagMillis: Int64?)
    /// The lag came back under the threshold (or the run of lag samples broke) at `time`; never
    /// at the end of the input, which is no recovery.
    case lagBreachEnd(LagAlert.Measure, LagBreach)
    /// The first error sample of an error episode (a row of errors.csv to come).
    case errorStart(ErrorEpisode)
    /// An error episode is over (a row of errors.csv): an error sample of another kind opened the
    /// next one, or the index's status samples moved on more than `maxGap` past its last error
    /// sample. Never at the end of the input.
    case errorEnd(ErrorEpisode)
    /// A rejected line.
    case reject(source: String, line: Int, outcome: Outcome)
}

/// A stall of one shard of an index: shard samples behind at the same follower checkpoint.
public struct ShardStall: Sendable, Equatable {
    public var index: Int32
    public var shard: UInt32
    public var start: Int64
    public var end: Int64
    public var followerCheckpoint: Int64
    public var maxLag: UInt64

    public var millis: Int64 { end - start }
}

/// A run of lag samples above an alert's threshold that lasted the alert's duration.
public struct LagBreach: Sendable, Equatable {
    public var index: Int32
    /// The first and last samples above the threshold.
    public var start: Int64
    public var end: Int64
    /// The first sample that was not above, which ended it.
    public var time: Int64
    public var maxLag: UInt64
    /// The largest lag in seconds of its samples, nil when none had a value.
    public var maxLagMillis: Int64?
}

/// Receives live events, in the order they become final.
public protocol LiveEventSink: AnyObject {
    func emit(_ event: LiveEvent)
    /// Whether the sink takes `stateChanged`: a state is built only for a sink that does, as it
    /// costs every sample. By default, no.
    var followsStates: Bool { get }
    /// Where an index stands after each of its samples (`watch --metrics-file`); by default, nothing.
    func stateChanged(_ state: FollowerState)
}

extension LiveEventSink {
    public var followsStates: Bool { false }
    public func stateChanged(_ state: FollowerState) {}
}

/// The lag alerts of `replstat watch`: lag above `threshold` operations, or above
/// `thresholdMillis` of lag in seconds, continuously for `millis`. Each threshold makes its own
/// breaches.
public struct LagAlert: Sendable, Equatable {
    /// What a threshold measures: lag in operations or lag in seconds.
    public enum Measure: Sendable, Equatable, CaseIterable {
        case operations, seconds
    }

    public var threshold: UInt64?
    public var thresholdMillis: Int64?
    public var millis: Int64

    public init(threshold: UInt64? = nil, thresholdMillis: Int64? = nil, millis: Int64) {
        self.threshold = threshold
        self.thresholdMillis = thresholdMillis
        self.millis = millis
    }

    /// The measures that have a threshold.
    var measures: [Measure] {
        Measure.allCases.filter { $0 == .operations ? threshold != nil : thresholdMillis != nil }
    }
}
