import ReplStatCore

/// The fixed traits of one simulated follower index: its names, its shards, how busy its
/// leader is and how fast the follower can replay, and the JSON pieces of its lines, encoded
/// once so that the hot path only copies bytes.
struct FollowerProfile {
    let followerName: String
    let leaderName: String
    let leaderAlias: String
    /// Primary shards: checkpoints are sums over them, so an empty index shows `-shards`.
    let shards: Int64
    /// Leader operations per second at the daily peak of its region.
    let peakRate: Double
    /// Operations per second the follower can replay: above the usual load, below a big burst.
    let replayRate: Double
    /// How long an operation takes to reach the follower when it keeps up.
    let replicationDelaySeconds: Double
    /// Hour of the day (UTC) when the leader's region is busiest.
    let peakHourUTC: Double
    /// The leader's checkpoint when the capture starts.
    var initialLeaderCheckpoint: Int64
    /// Before this instant the leader takes no writes (a new, empty leader index).
    var writesStartAt: Int64 = .min
    /// How its operations spread over its shards; nil when neither shard details nor a hot
    /// shard were asked for.
    var shardLayout: ShardLayout?
    /// Whether its lines carry `shard_replication_details`.
    var writesShardDetails = false

    /// `"follower-orders-0003"`, quoted.
    let nameJSON: [UInt8]
    /// `"leader_alias":"...","leader_index":"...","follower_index":"..."`
    let namesMembers: [UInt8]
    /// Reasons as quoted JSON strings; phases refer to them by position.
    private(set) var reasons: [[UInt8]]

    static let userInitiated = 0
    static let emptyReason = 1

    private static let kinds = [
        "orders", "sessions", "customers", "payments", "events", "metrics", "audit", "catalog", "clicks",
        "inventory", "shipments", "invoices",
    ]
    /// Leader cluster aliases and the UTC hour their users are busiest.
    private static let regions: [(alias: String, peakHour: Double)] = [
        ("us-east-1", 18), ("eu-west-1", 14), ("ap-south-1", 8),
    ]
    /// Orders of magnitude of leader load, in operations per second at peak.
    private static let loads: [Double] = [4, 10, 25, 60, 150, 400, 1_000]

    init(number: Int, random: inout SimulationRandom, shards fixedShards: Int? = nil) {
        let kind = random.pick(Self.kinds)
        let suffix = Self.zeroPadded(number, width: 4)
        followerName = "follower-\(kind)-\(suffix)"
        leaderName = "leader-\(kind)-\(suffix)"
        let region = random.pick(Self.regions)
        leaderAlias = region.alias
        peakHourUTC = region.peakHour + random.uniform(-1.5, 1.5)
        let drawnShards = Int64(random.pick([1, 3, 5, 5, 5, 6, 10]))
        shards = fixedShards.map(Int64.init) ?? drawnShards
        peakRate = random.pick(Self.loads) * random.uniform(0.7, 1.4)
        replayRate = peakRate * random.uniform(2.0, 4.5) + 30
        replicationDelaySeconds = random.uniform(0.3, 2.5)
        // Weeks of history at a fraction of the peak rate.
        let historySeconds = random.uniform(3, 90) * 86_400
        initialLeaderCheckpoint = Int64(peakRate * 0.4 * historySeconds) - shards

        nameJSON = Self.quoted(followerName)
        namesMembers =
            Array("\"leader_alias\":".utf8) + Self.quoted(leaderAlias) + Array(",\"leader_index\":".utf8)
            + Self.quoted(leaderName) + Array(",\"follower_index\":".utf8) + Self.quoted(followerName)
        reasons = [Self.quoted("User initiated"), Self.quoted("")]
    }

    /// Registers a reason and returns the id phases use for it.
    mutating func addReason(_ reason: String) -> Int {
        reasons.append(Self.quoted(reason))
        return reasons.count - 1
    }

    /// A JSON string literal, quotes included.
    static func quoted(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        JSONText.appendString(text.utf8, to: &out)
        return out
    }

    static func zeroPadded(_ number: Int, width: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
