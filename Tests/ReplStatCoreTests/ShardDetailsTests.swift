import Testing

@testable import ReplStatCore

/// `shard_replication_details` (docs/format.md, Captures): validated element by element, and carried
/// as the checkpoints of each shard, by ascending shard number.
@Suite struct ShardDetailsTests {
    private static let ts = #""@timestamp":"2026-11-28T10:00:00.000Z""#

    /// A SYNCING line of index i whose body has `"shard_replication_details":<details>`.
    private static func line(_ details: String, flat: Bool = false) -> String {
        let body = #""status":"SYNCING","shard_replication_details":"# + details
        return flat
            ? #"{"# + ts + #","index":"i","# + body + "}" : #"{"# + ts + #","index":"i","response":{"# + body + "}}"
    }

    private static func element(_ id: String, _ task: String? = #"{"leader_checkpoint":9,"follower_checkpoint":4}"#)
        -> String
    {
        guard let task else { return #"{"shard_id":"\#(id)"}"# }
        return #"{"shard_id":"\#(id)","syncing_task_details":\#(task)}"#
    }

    /// The outcome of a line, and the shard checkpoints of a status sample as (shard, leader, follower).
    private static func decode(_ text: String) -> (Outcome, [[Int64]]) {
        var decoder = RecordDecoder()
        let decoded = Array(text.utf8).withUnsafeBytes { decoder.decode(FramedLine(bytes: $0)) }
        switch decoded {
        case .rejected(let outcome): return (outcome, [])
        case .error: return (.error, [])
        case .status(let sample):
            guard sample.shardDetails != StatusSample.none else { return (.status, []) }
            let lists = decoder.takeShardLists()
            #expect(lists.count == 1 && sample.shardDetails == 0)
            return (.status, lists[Int(sample.shardDetails)].map { [Int64($0.shard), $0.leader, $0.follower] })
        }
    }

    @Test func shardsAreCarriedByNumber() {
        let details =
            "[" + Self.element("[i][1]", #"{"leader_checkpoint":20,"follower_checkpoint":16,"seq_no":16}"#) + ","
            + Self.element("[i][0]", #"{"leader_checkpoint":-5,"follower_checkpoint":-9223372036854775808}"#) + "]"
        let expected: [[Int64]] = [[0, -5, .min], [1, 20, 16]]
        #expect(Self.decode(Self.line(details)) == (.status, expected))
        #expect(Self.decode(Self.line(details, flat: true)) == (.status, expected))
    }

    @Test(
        arguments: [
            ("[i][0]", 0), ("[i][007]", 7), ("[i][999999999]", 999_999_999), ("x[3]", 3), ("[3]", 3),
            ("[a][b][12]", 12), (#"[i]\u005b5\u005d"#, 5),
        ] as [(String, Int64)])
    func shardNumberEndsTheShardID(id: String, number: Int64) {
        #expect(Self.decode(Self.line("[" + Self.element(id) + "]")) == (.status, [[number, 9, 4]]))
    }

    @Test(arguments: [
        "[i]", "[i][]", "[i][1234567890]", "[i][1] ", "[i][1]x", "[i][-1]", "[i][+1]", "[i][1.0]", "1]", "", "]",
        "[i][١]",
    ])
    func badShardIDs(id: String) {
        #expect(Self.decode(Self.line("[" + Self.element(id) + "]")).0 == .invalidField, "\(id)")
    }

    @Test(
        arguments: [
            // Not an array, or an element that is no object.
            #"{"shard_id":"[i][0]"}"#, #""x""#, "5", "true", #"["x"]"#, "[null]", "[[]]", "[1]",
            // shard_id missing, null or no string.
            #"[{"syncing_task_details":{"leader_checkpoint":1,"follower_checkpoint":1}}]"#,
            #"[{"shard_id":null}]"#, #"[{"shard_id":3}]"#, "[{}]",
            // syncing_task_details no object, or its checkpoints missing or no int64; seq_no no int64.
            #"[{"shard_id":"[i][0]","syncing_task_details":"none"}]"#,
            #"[{"shard_id":"[i][0]","syncing_task_details":[]}]"#,
            #"[{"shard_id":"[i][0]","syncing_task_details":{"leader_checkpoint":1}}]"#,
            #"[{"shard_id":"[i][0]","syncing_task_details":{"leader_checkpoint":1.5,"follower_checkpoint":1}}]"#,
            #"[{"shard_id":"[i][0]","syncing_task_details":{"leader_checkpoint":1,"follower_checkpoint":9223372036854775808}}]"#,
            #"[{"shard_id":"[i][0]","syncing_task_details":{"leader_checkpoint":1,"follower_checkpoint":null}}]"#,
            #"[{"shard_id":"[i][0]","syncing_task_details":{"leader_checkpoint":1,"follower_checkpoint":1,"seq_no":"1"}}]"#,
            // One bad element among good ones.
            #"[{"shard_id":"[i][0]"},{"shard_id":"[i][1]"},"x",{"shard_id":"[i][2]"}]"#,
        ])
    func badDetailsAreInvalidField(details: String) {
        #expect(Self.decode(Self.line(details)).0 == .invalidField, "\(details)")
        #expect(Self.decode(Self.line(details, flat: true)).0 == .invalidField, "\(details)")
    }

    @Test func whatCarriesNothing() {
        // Absent, null, empty, or only shards still bootstrapping (no syncing_task_details).
        #expect(Self.decode(#"{"# + Self.ts + #","index":"i","response":{"status":"SYNCING"}}"#) == (.status, []))
        #expect(Self.decode(Self.line("null")) == (.status, []))
        #expect(Self.decode(Self.line("[]")) == (.status, []))
        let bootstrapping =
            #"[{"shard_id":"[i][0]","bootstrap_task_details":{"bytes_percent":40.0}},"#
            + #"{"shard_id":"[i][1]","syncing_task_details":null}]"#
        #expect(Self.decode(Self.line(bootstrapping)) == (.status, []))
    }

    /// Elements in ascending order, the usual case, are taken in one pass: a shard still
    /// bootstrapping among them carries nothing, and the order stays; a repeat right after its
    /// first element takes the other path.
    @Test func ascendingElementsKeepTheirOrder() {
        let details =
            "[" + Self.element("[i][0]", #"{"leader_checkpoint":3,"follower_checkpoint":1}"#) + ","
            + Self.element("[i][1]", nil) + ","
            + Self.element("[i][2]", #"{"leader_checkpoint":8,"follower_checkpoint":8,"seq_no":8}"#) + "]"
        #expect(Self.decode(Self.line(details)) == (.status, [[0, 3, 1], [2, 8, 8]]))
        let repeated =
            "[" + Self.element("[i][0]", #"{"leader_checkpoint":3,"follower_checkpoint":1}"#) + ","
            + Self.element("[i][0]", #"{"leader_checkpoint":4,"follower_checkpoint":2}"#) + "]"
        #expect(Self.decode(Self.line(repeated)) == (.status, [[0, 4, 2]]))
    }

    @Test func ofTwoElementsOfOneShardTheLastCounts() {
        let details =
            "[" + Self.element("[i][7]", #"{"leader_checkpoint":9,"follower_checkpoint":2}"#) + ","
            + Self.element("[i][3]") + ","
            + Self.element("[i][007]", #"{"leader_checkpoint":9,"follower_checkpoint":5}"#) + ","
            + Self.element("[i][3]", nil) + "]"
        // Shard 3's last element carries no checkpoints: shard 3 carries none.
        #expect(Self.decode(Self.line(details)) == (.status, [[7, 9, 5]]))
    }

    @Test func repeatedKeysLastOneCounts() {
        // The last shard_replication_details, the last shard_id and the last syncing_task_details,
        // with nothing of the earlier ones.
        let twice =
            #"{"# + Self.ts + #","index":"i","response":{"status":"SYNCING","shard_replication_details":["x"],"#
            + #""shard_replication_details":[{"shard_id":"[i][1]","syncing_task_details":"#
            + #"{"leader_checkpoint":1,"follower_checkpoint":0},"shard_id":"[i][2]"}]}}"#
        #expect(Self.decode(twice) == (.status, [[2, 1, 0]]))
        let task =
            "[" + #"{"shard_id":"[i][1]","syncing_task_details":{"leader_checkpoint":1,"follower_checkpoint":0},"#
            + #""syncing_task_details":{"leader_checkpoint":3}}]"#
        #expect(Self.decode(Self.line(task)).0 == .invalidField)
        // A repeated response forgets the shards of the earlier one; the flat body's do not count then.
        let response =
            #"{"# + Self.ts + #","index":"i","status":"SYNCING","shard_replication_details":"#
            + "[" + Self.element("[i][4]") + "]"
            + #","response":{"status":"SYNCING","shard_replication_details":["x"]},"#
            + #""response":{"status":"SYNCING"}}"#
        #expect(Self.decode(response) == (.status, []))
    }

    @Test func detailsElsewhereDoNotCount() {
        let nested =
            #"{"# + Self.ts + #","index":"i","response":{"status":"SYNCING","other":{"#
            + #""shard_replication_details":"x"},"list":[{"shard_replication_details":5}]}}"#
        #expect(Self.decode(nested) == (.status, []))
        // Unknown keys of elements and tasks are ignored, however deep.
        let extra =
            "[" + #"{"shard_id":"[i][0]","x":[{"shard_id":5}],"syncing_task_details":{"#
            + #""leader_checkpoint":2,"follower_checkpoint":1,"more":{"leader_checkpoint":"x"}}}]"#
        #expect(Self.decode(Self.line(extra)) == (.status, [[0, 2, 1]]))
    }

    @Test func badDetailsComeBeforeAnUnknownStatus() {
        let line = #"{"# + Self.ts + #","index":"i","response":{"status":"BOGUS","shard_replication_details":5}}"#
        #expect(Self.decode(line).0 == .invalidField)
        // An error sample is an error sample, whatever its shard details.
        let error = #"{"# + Self.ts + #","index":"i","response":{"error":{},"shard_replication_details":5}}"#
        #expect(Self.decode(error).0 == .error)
    }

    @Test func manyElementsOutOfOrder() {
        // 2,000 shards given from the highest number down, each twice (the second counts).
        var elements: [String] = []
        for shard in (0..<2_000).reversed() {
            elements.append(Self.element("[i][\(shard)]", #"{"leader_checkpoint":1,"follower_checkpoint":0}"#))
            elements.append(Self.element("[i][\(shard)]", #"{"leader_checkpoint":\#(shard),"follower_checkpoint":0}"#))
        }
        let (outcome, shards) = Self.decode(Self.line("[" + elements.joined(separator: ",") + "]"))
        #expect(outcome == .status)
        #expect(shards == (0..<2_000).map { [Int64($0), Int64($0), 0] })
    }

    /// The decoder keeps nothing of a line for the next: a verbose line decodes the same after
    /// any other. (A top-level array was once taken for a shards array, and spoilt the shard
    /// details of every later line.)
    @Test(
        arguments: [
            "[1,2,3]", #"[{"shard_id":"[i][0]"},"x"]"#, "[[1],[2]]", "{}", "",
            Self.line(#"[{"shard_id":"bad"}]"#), Self.line(#"[{"shard_id":"bad"}]"#, flat: true),
            Self.line(#"["x"]"#) + "]", #"{"ts":1,"index":"i","shard_replication_details":[{"#,
            #"{"ts":1,"index":"i","response":{"error":{"type":"x"},"shard_replication_details":[5]}}"#,
            String(repeating: "[", count: 70) + String(repeating: "]", count: 70),
        ])
    func nothingCarriesOverToTheNextLine(before: String) {
        let verbose = Self.line("[" + Self.element("[i][3]") + "]")
        var decoder = RecordDecoder()
        for text in [before, verbose] {
            _ = Array(text.utf8).withUnsafeBytes { decoder.decode(FramedLine(bytes: $0)) }
        }
        let lists = decoder.takeShardLists()
        #expect(lists.last?.map(\.shard) == [3], "after \(before)")
        #expect(Self.decode(verbose) == (.status, [[3, 9, 4]]))
    }

    @Test func samplesPointAtTheirOwnList() {
        var decoder = RecordDecoder()
        var ids: [Int32] = []
        for text in [
            Self.line("[" + Self.element("[i][0]") + "]"), Self.line("[]"),
            Self.line("[" + Self.element("[i][5]") + "]"),
        ] {
            if case .status(let sample) = Array(text.utf8).withUnsafeBytes({ decoder.decode(FramedLine(bytes: $0)) }) {
                ids.append(sample.shardDetails)
            }
        }
        #expect(ids == [0, StatusSample.none, 1])
        #expect(decoder.takeShardLists().map { $0.map(\.shard) } == [[0], [5]])
        #expect(decoder.takeShardLists().isEmpty)
    }
}
