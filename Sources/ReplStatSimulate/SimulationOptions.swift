import ReplStatCore

/// The story a simulated capture tells. samples/README.md tells each one at length.
public enum SimulationScenario: String, CaseIterable, Sendable {
    /// Every follower syncs all along: a daily load curve, write bursts, lag that builds and drains.
    case healthy
    /// A follower stalls, the leader's retention lease for one of its shards is gone, and the
    /// plugin auto-pauses it; the operator stops and starts it again, it bootstraps and catches up.
    case autopause
    /// New followers are started: one cannot start its restore (FAILED) and is stopped and started
    /// again; another dies part-way through its restore and is left FAILED.
    case bootstrapFail = "bootstrap-fail"
    /// The poller dies for a while (a capture gap for every index) and comes back without the
    /// permission to read the status (403s); a user pause falls inside the gap.
    case outage
    /// A bit of everything across the fleet.
    case mixed

    /// One line for `--help`.
    public var summary: String {
        switch self {
        case .healthy: "every follower syncs; lag comes and goes with the load"
        case .autopause: "a stall, a lost retention lease, auto-pause, a new bootstrap"
        case .bootstrapFail: "new followers; one restore cannot start, one dies part-way"
        case .outage: "the poller dies (a capture gap), comes back with 403s"
        case .mixed: "a bit of everything across the fleet"
        }
    }
}

/// What `replstat simulate` generates. The same options always give the same bytes.
public struct SimulationOptions: Sendable, Equatable {
    /// Follower indices polled, each with its own story.
    public var indices = 12
    /// Polls per index.
    public var polls = 360
    /// Time between two polls of one index, in milliseconds.
    public var intervalMillis: Int64 = 10_000
    /// The first round of polls, in milliseconds since the Unix epoch (2026-11-28T00:00:00Z).
    public var startMillis: Int64 = 1_795_824_000_000
    /// Seed of every random choice.
    public var seed: UInt64 = 1
    public var scenario: SimulationScenario = .mixed
    /// Mix in the damaged and odd lines real captures have (docs/format.md).
    public var dirty = false
    /// Write each shard's checkpoints (`shard_replication_details`), as `capture --verbose` gets them.
    public var verbose = false
    /// Primary shards of every index; nil: each index draws its own (1 to 10).
    public var shards: Int?
    /// One index in four (the first among them) has a hot shard: one shard replays slower than
    /// its others and lags behind them at the peaks.
    public var hotShard = false

    public static let shardsLimit = CountLimit("shards", meaning: "a number of primary shards", range: 1...1024)

    public init() {}

    /// From the first round of polls to the end of the last interval.
    public var durationMillis: Int64 { Int64(polls) * intervalMillis }
}
