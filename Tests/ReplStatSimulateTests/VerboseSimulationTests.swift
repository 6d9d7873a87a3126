import Foundation
import ReplStatCore
import ReplStatSimulate
import Testing

/// `replstat simulate --verbose --shards N --hot-shard`: verbose captures with uneven shards
/// and a hot one, the rest of the capture as it is without them.
@Suite("Verbose simulation")
struct VerboseSimulationTests {
    private static func options(
        _ scenario: SimulationScenario = .healthy, indices: Int = 8, polls: Int = 360, verbose: Bool = true,
        shards: Int? = nil, hot: Bool = false
    ) -> SimulationOptions {
        var options = SimulatorTests.options(scenario, polls: polls)
        options.indices = indices
        options.verbose = verbose
        options.shards = shards
        options.hotShard = hot
        return options
    }

    /// Each line without its `shard_replication_details` member.
    private static func withoutShardDetails(_ bytes: [UInt8]) -> [String] {
        SimulatorTests.lines(bytes).map { line in
            guard let start = line.range(of: ",\"shard_replication_details\":[") else { return line }
            let end = line[start.upperBound...].range(of: "}}]")!.upperBound
            return String(line[..<start.lowerBound] + line[end...])
        }
    }

    @Test(arguments: [SimulationScenario.mixed, .autopause], [false, true])
    func shardDetailsAreAllThatChanges(_ scenario: SimulationScenario, _ hot: Bool) {
        let verbose = Simulator(options: Self.options(scenario, hot: hot)).generate()
        let plain = Simulator(options: Self.options(scenario, verbose: false, hot: hot)).generate()
        #expect(verbose != plain)
        #expect(Self.withoutShardDetails(verbose) == SimulatorTests.lines(plain))
        #expect(verbose == Simulator(options: Self.options(scenario, hot: hot)).generate())
    }

    /// Every lag sample carries every shard (but while a restore still runs); the shards'
    /// checkpoints add up to the index's (the follower's too, but where the plugin's artefact
    /// shows it a little ahead); a shard's follower is behind its leader, or at most one
    /// operation ahead (the writes of a moment are split between shards by rounding).
    @Test func shardsAddUpToTheIndex() throws {
        let bytes = Simulator(options: Self.options(.mixed, indices: 12, shards: 5, hot: true)).generate()
        var checked = 0
        for line in SimulatorTests.lines(bytes) where line.contains("\"syncing_details\"") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let response = try #require(object["response"] as? [String: Any])
            guard response["bootstrap_details"] == nil else { continue }
            let index = try #require(response["syncing_details"] as? [String: Any])
            let shards = try #require(response["shard_replication_details"] as? [[String: Any]], "\(line)")
            #expect(shards.count == 5)
            let name = try #require(object["index"] as? String)
            #expect(shards.map { $0["shard_id"] as? String } == (0..<5).map { "[\(name)][\($0)]" })
            let details = shards.compactMap { $0["syncing_task_details"] as? [String: Any] }
            let leaders = details.compactMap { ($0["leader_checkpoint"] as? NSNumber)?.int64Value }
            let followers = details.compactMap { ($0["follower_checkpoint"] as? NSNumber)?.int64Value }
            let indexLeader = try #require((index["leader_checkpoint"] as? NSNumber)?.int64Value)
            let indexFollower = try #require((index["follower_checkpoint"] as? NSNumber)?.int64Value)
            #expect(leaders.reduce(0, +) == indexLeader)
            let followerSum = followers.reduce(0, +)
            #expect(followerSum == indexFollower || (indexFollower > followerSum && indexFollower <= indexLeader + 3))
            #expect(zip(leaders, followers).allSatisfy { $0 + 1 >= $1 })
            checked += 1
        }
        #expect(checked > 1_000)
        let result = try SimulatorTests.analyze(bytes)
        #expect(result.totals.rejected == 0)
        #expect(Set(result.shards.map(\.shard)) == [0, 1, 2, 3, 4])
    }

    /// While a restore ends, some shards sync and the others still restore: those carry their
    /// progress and no checkpoints: the analysis accepts them, as no shard samples.
    @Test func shardsStillRestoringCarryNoCheckpoints() throws {
        let bytes = Simulator(options: Self.options(.mixed, indices: 12, polls: 720, shards: 4)).generate()
        let restoring = SimulatorTests.lines(bytes).filter { $0.contains("\"bootstrap_task_details\"") }
        let line = try #require(restoring.first)
        #expect(line.contains(#"[2]","bootstrap_task_details":{"bytes_percent":"#))
        #expect(line.contains(#"[1]","syncing_task_details":{"leader_checkpoint":"#))
        let result = try SimulatorTests.analyze(bytes)
        #expect(result.totals.rejected == 0)
    }

    /// The hot-shard rule names the hot shards, and no other: the shards' uneven writes alone
    /// never make one lag twice the others.
    @Test func theHotShardsAreTheOnesTheRuleFinds() throws {
        let bytes = Simulator(options: Self.options(indices: 8, polls: 2_000, shards: 5, hot: true)).generate()
        let result = try SimulatorTests.analyze(bytes)
        let found = HotShard.find(in: result.shards).map { result.indexName($0.index) }
        #expect(found == ["follower-events-0001", "follower-payments-0005"])
        let even = try SimulatorTests.analyze(
            Simulator(options: Self.options(indices: 8, polls: 2_000, shards: 5)).generate())
        #expect(HotShard.find(in: even.shards).isEmpty)
    }
}
