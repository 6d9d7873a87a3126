/// How one index's operations spread over its primary shards, for verbose captures
/// (`shard_replication_details`): each shard takes its own share of the writes (shards are
/// never even: routing and document sizes differ), and with `--hot-shard` one shard replays
/// slower than the others, so it falls behind at the peaks and catches up at night.
struct ShardLayout {
    /// Primary shards.
    let count: Int
    /// Running sums of the shards' write weights: shard i takes
    /// `(cumulative[i + 1] - cumulative[i]) / cumulative[count]` of the operations.
    let cumulative: [Int64]
    /// The shard that replays slowly, if any.
    let hot: Int?
    /// Each shard's element up to its leader checkpoint's digits:
    /// `{"shard_id":"[follower-...][i]","syncing_task_details":{"leader_checkpoint":`
    let openings: [[UInt8]]
    /// Each shard's element while it still restores: `{"shard_id":"[follower-...][i]","bootstrap_task_details":{`
    let restoringOpenings: [[UInt8]]

    /// How fast the hot shard replays, as a share of its part of the follower's replay rate.
    static let hotReplaySpeed = 0.15

    init(count: Int, followerName: String, hot: Bool, random: inout SimulationRandom) {
        self.count = count
        var sums: [Int64] = [0]
        // Weights from 3 to 6: uneven, but no shard takes more than twice the writes of another,
        // so that only a slow shard (`hot`) lags more than twice its others.
        for _ in 0..<count { sums.append(sums.last! + 3 + Int64(random.below(4))) }
        cumulative = sums
        self.hot = hot ? random.below(count) : nil
        let ids = (0..<count).map { Array("{\"shard_id\":".utf8) + FollowerProfile.quoted("[\(followerName)][\($0)]") }
        openings = ids.map { $0 + Array(",\"syncing_task_details\":{\"leader_checkpoint\":".utf8) }
        restoringOpenings = ids.map { $0 + Array(",\"bootstrap_task_details\":{".utf8) }
    }

    /// The operations of an index (its checkpoint plus one per shard: an empty shard shows -1)
    /// that fall to `shard`; the shares of all shards add up to the whole.
    func share(_ operations: Int64, of shard: Int) -> Int64 {
        let whole = Int128(max(0, operations))
        let total = Int128(cumulative[count])
        return Int64(whole * Int128(cumulative[shard + 1]) / total - whole * Int128(cumulative[shard]) / total)
    }

    /// The hot shard's part of the writes.
    var hotWeight: Double {
        guard let hot else { return 0 }
        return Double(cumulative[hot + 1] - cumulative[hot]) / Double(cumulative[count])
    }
}
