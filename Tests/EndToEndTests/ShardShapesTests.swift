import Foundation
import Testing

/// Captures shaped to make shard bookkeeping slow: every line bringing a new shard number, or
/// many shards followed by many status samples that are no lag samples. The cost must follow
/// the bytes read, not their square: compared by CPU time with a capture of the same number
/// of lines that repeats one shard (a ratio, which holds on a busy machine).
@Suite(.timeLimit(.minutes(10))) struct ShardShapesTests {
    private static func line(_ time: Int, _ status: String, shards: [Int]) -> String {
        let details =
            shards.isEmpty
            ? ""
            : #","shard_replication_details":["#
                + shards.map {
                    #"{"shard_id":"[f][\#($0)]","syncing_task_details":{"leader_checkpoint":5,"follower_checkpoint":1}}"#
                }.joined(separator: ",") + "]"
        let checkpoints =
            status == "SYNCING" ? #","syncing_details":{"leader_checkpoint":5,"follower_checkpoint":1}"# : ""
        return #"{"@timestamp":\#(1_764_288_000_000 + time),"index":"a","response":{"status":"\#(status)""#
            + checkpoints + details + "}}"
    }

    /// User and system CPU seconds of `analyze --format csv` on `lines`, and its exit status.
    private func cpuSeconds(_ lines: [String], in dir: TemporaryDirectory, name: String) throws -> Double {
        let capture = try dir.write(name, lines.joined(separator: "\n") + "\n")
        let run = try Replstat.bash(
            "TIMEFORMAT='%3U %3S'; { time \"\(Replstat.binary.path)\" analyze --format csv --out \"\(dir.path)/out-\(name)\" "
                + "\"\(capture.path)\" >/dev/null 2>&1; } 2>&1")
        #expect(run.status == 0)
        let fields = run.stdoutText.split(whereSeparator: \.isWhitespace).compactMap { Double($0) }
        try #require(fields.count == 2, "\(run.stdoutText)")
        return fields[0] + fields[1]
    }

    @Test func aNewShardOnEveryLineCostsWhatOneShardDoes() throws {
        let dir = try TemporaryDirectory()
        let count = 20_000
        let new = try cpuSeconds((0..<count).map { Self.line($0, "SYNCING", shards: [$0]) }, in: dir, name: "new")
        let same = try cpuSeconds((0..<count).map { Self.line($0, "SYNCING", shards: [0]) }, in: dir, name: "same")
        // Quadratic, the new shards took over 100 times as long.
        #expect(new < 5 * max(same, 0.05), "new shard per line \(new) s, one shard \(same) s")
    }

    @Test func statusSamplesAfterManyShardsCostWhatTheyDoAfterOne() throws {
        let dir = try TemporaryDirectory()
        let count = 40_000
        let alternating = (0..<count).map { Self.line(10 + $0, $0 % 2 == 0 ? "PAUSED" : "SYNCING", shards: []) }
        // 40,000 shards in lines of 5,000 (a line of all of them would pass --max-line-bytes).
        let wide = (0..<8).map { Self.line($0, "SYNCING", shards: Array($0 * 5_000..<($0 + 1) * 5_000)) } + alternating
        let narrow = (0..<8).map { Self.line($0, "SYNCING", shards: [$0]) } + alternating
        let manyShards = try cpuSeconds(wide, in: dir, name: "wide")
        let oneShard = try cpuSeconds(narrow, in: dir, name: "narrow")
        // Each PAUSED sample visited all 40,000 shards: 8e8 visits.
        #expect(manyShards < 5 * max(oneShard, 0.05), "40,000 shards \(manyShards) s, one shard \(oneShard) s")
    }

    /// One shard behind between status samples that are no lag samples, in an index of 40,000
    /// shards: each such sample closes one run, and must not touch (or copy) the other shards.
    @Test func closingOneRunAmongManyShardsCostsWhatItDoesAmongFew() throws {
        let dir = try TemporaryDirectory()
        let count = 40_000
        let alternating = (0..<count).map {
            Self.line(10 + $0, $0 % 2 == 0 ? "PAUSED" : "SYNCING", shards: $0 % 2 == 0 ? [] : [0])
        }
        let wide = (0..<8).map { Self.line($0, "SYNCING", shards: Array($0 * 5_000..<($0 + 1) * 5_000)) } + alternating
        let narrow = (0..<8).map { Self.line($0, "SYNCING", shards: [$0]) } + alternating
        let manyShards = try cpuSeconds(wide, in: dir, name: "wide")
        let oneShard = try cpuSeconds(narrow, in: dir, name: "narrow")
        #expect(manyShards < 5 * max(oneShard, 0.05), "40,000 shards \(manyShards) s, 8 shards \(oneShard) s")
    }
}
