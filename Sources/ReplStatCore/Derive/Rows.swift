/// A change of status between two consecutive samples of an index (a row of transitions.csv).
public struct TransitionRow: Sendable, Equatable {
    public var timestamp: Int64
    public var index: Int32
    public var from: ReplicationStatus
    public var to: ReplicationStatus
    /// The new sample's reason, or `StatusSample.none`.
    public var reason: Int32
    /// Milliseconds since the first sample of the run of `from` that ended here.
    public var millisInPrevious: Int64
    /// The new sample's checkpoints, when it has `syncing_details`.
    public var checkpoints: Checkpoints?
}

public struct Checkpoints: Sendable, Equatable {
    public var leader: Int64
    public var follower: Int64
}

/// A stretch where the follower was behind and did not move (a row of stalls.csv).
public struct StallRow: Sendable, Equatable {
    public var index: Int32
    public var start: Int64
    public var end: Int64
    public var followerCheckpoint: Int64
    public var maxLag: UInt64

    public var millis: Int64 { end - start }
}

/// Lag statistics of an index over its lag samples.
public struct LagSummary: Sendable, Equatable {
    public var count: Int
    public var min: UInt64
    public var max: UInt64
    public var last: UInt64
    /// Sum of all lags, for the exact mean: a lag can reach 2^64 - 1.
    public var sum: UInt128
    public var p50: UInt64
    public var p90: UInt64
    public var p99: UInt64
}

/// Everything derived for one index (a row of summary.csv).
public struct IndexSummary: Sendable {
    public var index: Int32
    public var samples = 0
    public var errorSamples = 0
    public var leaderAlias: Int32 = StatusSample.none
    public var leaderIndex: Int32 = StatusSample.none
    public var firstSeen: Int64?
    public var lastSeen: Int64?
    public var firstStatus: ReplicationStatus?
    public var lastStatus: ReplicationStatus?
    public var transitions = 0
    /// Milliseconds per status (indexed by raw value), and in capture gaps.
    public var millisInStatus = StatusDurations()
    public var millisUnknown: Int64 = 0
    public var gaps = 0
    public var lag: LagSummary?
    public var aheadSamples = 0
    /// Sums behind the rates; nil when no pair of lag samples qualifies.
    public var rates: RateSums?
    public var stalls = 0
    public var millisStalled: Int64 = 0
    /// Lag in seconds; nil when no lag sample has a value.
    public var lagSeconds: LagSecondsSummary?
    /// Lag over time, when the HTML report draws it (`AnalysisOptions.timelineCapacity`).
    public var timeline: LagTimeline?
    /// The peaks of the Markdown report's sparkline, when it is drawn without the HTML report's
    /// timeline (`AnalysisOptions.timelineCapacity`).
    public var sparkline: LagSparkline?

    public init(index: Int32) { self.index = index }
}

public struct RateSums: Sendable, Equatable {
    public var leaderIncrease: UInt128
    public var followerIncrease: UInt128
    public var millis: Int64
}

/// A capture gap: no sample of the index for longer than the gap limit (a row of gaps.csv).
public struct GapRow: Sendable, Equatable {
    public var index: Int32
    public var start: Int64
    public var end: Int64

    public var millis: Int64 { end - start }
}

/// A run of alike error samples of an index (a row of errors.csv): the same `http_status` and
/// `error_type`, each within the gap limit of the one before it in input order.
public struct ErrorEpisode: Sendable, Equatable {
    public var index: Int32
    /// The smallest and largest timestamps of its samples.
    public var start: Int64
    public var end: Int64
    public var samples: Int
    /// What its samples say of themselves; the reason is that of its first sample.
    public var httpStatus: Int64?
    public var type: Int32
    public var reason: Int32
    /// The input position of its first sample, among all lines of the run: orders episodes
    /// that start at the same time in the same index.
    public var ordinal: Int64
}

/// Lag figures of one shard of an index (a row of shards.csv).
public struct ShardSummary: Sendable, Equatable {
    public var index: Int32
    public var shard: UInt32
    public var lagSamples: Int
    public var p50: UInt64
    public var p99: UInt64
    public var max: UInt64
    public var last: UInt64
    public var stalls: Int
    public var millisStalled: Int64
    /// The highest lag over time, when the HTML report draws it (`LagTimeline.shardCapacity`).
    public var peaks: LagSparkline? = nil
}

/// The age of the oldest operation the follower lacks, over an index's lag samples that have
/// a value, in milliseconds (exact values rounded half away from zero).
public struct LagSecondsSummary: Sendable, Equatable {
    public var p50: Int64
    public var p99: Int64
    public var max: Int64
    /// The value of the index's last lag sample; nil when it has none.
    public var last: Int64?
}

/// A stall, lag breach or error episode that was announced and had not ended when the input did.
public struct OpenAtEnd: Sendable, Equatable {
    public enum Kind: Int, Sendable {
        case stall, lagBreach, lagSecondsBreach, errorEpisode, shardStall
    }

    public var kind: Kind
    public var index: Int32
    public var start: Int64
    /// The shard of a shard stall.
    public var shard: UInt32?

    public init(kind: Kind, index: Int32, start: Int64, shard: UInt32? = nil) {
        self.kind = kind
        self.index = index
        self.start = start
        self.shard = shard
    }
}

/// Milliseconds per status, indexed by a status's raw value: stored inline, as every index has
/// one, so that it costs no allocation of its own.
public struct StatusDurations: RandomAccessCollection, MutableCollection, Sendable, Equatable {
    private var millis = InlineArray<7, Int64>(repeating: 0)

    public init() {}

    public var startIndex: Int { 0 }
    public var endIndex: Int { millis.count }

    public subscript(position: Int) -> Int64 {
        get { millis[position] }
        set { millis[position] = newValue }
    }

    public static func == (left: StatusDurations, right: StatusDurations) -> Bool {
        left.elementsEqual(right)
    }
}
