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
    public var millisInStatus = [Int64](repeating: 0, count: ReplicationStatus.allCases.count)
    public var millisUnknown: Int64 = 0
    public var gaps = 0
    public var lag: LagSummary?
    public var aheadSamples = 0
    /// Sums behind the rates; nil when no pair of lag samples qualifies.
    public var rates: RateSums?
    public var stalls = 0
    public var millisStalled: Int64 = 0

    public init(index: Int32) { self.index = index }
}

public struct RateSums: Sendable, Equatable {
    public var leaderIncrease: UInt128
    public var followerIncrease: UInt128
    public var millis: Int64
}
