import Foundation
import ReplStatTestSupport
import Testing

@testable import ReplStatCore

/// The JSON report: a document Foundation can read, with the CSV's names and exact numbers.
struct JSONReportTests {
    /// idx-a: BOOTSTRAPPING at 0 s, SYNCING at 60, 120, 180 s with lags 0, 50, 150 (follower stuck
    /// at 150 from 120 s: a 60 s stall), then FAILED at 200 s with an empty reason.
    /// idx-err: one error sample. A last line cut short: 7 lines, 5 status, 1 error, 1 rejected.
    static let basicCapture = """
        {"@timestamp":"2026-11-28T00:00:00Z","index":"idx-a","response":{"status":"BOOTSTRAPPING","leader_alias":"",\
        "leader_index":"leader-a"}}
        {"@timestamp":"2026-11-28T00:01:00Z","index":"idx-a","response":{"status":"SYNCING","reason":"User \\"go\\"",\
        "syncing_details":{"leader_checkpoint":100,"follower_checkpoint":100}}}
        {"@timestamp":"2026-11-28T00:01:30Z","index":"idx-err","response":{"error":{"type":"x"},"status":500}}
        {"@timestamp":"2026-11-28T00:02:00Z","index":"idx-a","response":{"status":"SYNCING",\
        "syncing_details":{"leader_checkpoint":200,"follower_checkpoint":150}}}
        {"@timestamp":"2026-11-28T00:03:00Z","index":"idx-a","response":{"status":"SYNCING",\
        "syncing_details":{"leader_checkpoint":300,"follower_checkpoint":150}}}
        {"@timestamp":"2026-11-28T00:03:20Z","index":"idx-a","response":{"status":"FAILED","reason":""}}
        [1,2
        """

    @Test func documentHasTheEightTablesInOrder() throws {
        let (text, document) = try render(Self.basicCapture)
        #expect(text.hasSuffix("}\n"))
        let keys = ["sources", "totals", "indices", "transitions", "stalls", "gaps", "errors", "shards"]
        let order = keys.map { text.range(of: "\"\($0)\": ")!.lowerBound }
        #expect(order == order.sorted())
        #expect(Set(document.keys) == Set(keys))
    }

    @Test func sourcesAndTotalsCountEveryOutcome() throws {
        let (_, document) = try render(Self.basicCapture)
        let sources = try #require(document["sources"] as? [[String: Any]])
        #expect(sources.count == 1)
        let source = sources[0]
        #expect((source["source"] as? String)?.hasSuffix(".jsonl") == true)
        #expect(source["lines"] as? Int == 7)
        #expect(source["failure"] is NSNull)
        let outcomes = try #require(source["outcomes"] as? [String: Int])
        #expect(Set(outcomes.keys) == Set(Outcome.allCases.map(\.name)))
        #expect(outcomes["status"] == 5 && outcomes["error"] == 1 && outcomes["invalid_json"] == 1)
        #expect(outcomes.values.reduce(0, +) == 7)
        let totals = try #require(document["totals"] as? [String: Any])
        #expect(totals["lines"] as? Int == 7)
        #expect((totals["outcomes"] as? [String: Int]) == outcomes)
    }

    @Test func indicesUseTheSummaryColumnsInOrder() throws {
        let (text, document) = try render(Self.basicCapture)
        let indices = try #require(document["indices"] as? [[String: Any]])
        #expect(indices.map { $0["index"] as? String } == ["idx-a", "idx-err"])
        for index in indices { #expect(Set(index.keys) == Set(CSVReport.summaryHeader)) }
        // Keys in the CSV's column order on each row's line.
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix(#"{"index":"idx-a""#) })
        let positions = CSVReport.summaryHeader.map { line.range(of: "\"\($0)\":")!.lowerBound }
        #expect(positions == positions.sorted())

        let a = indices[0]
        #expect(a["leader_alias"] as? String == "")  // said, and empty
        #expect(a["leader_index"] as? String == "leader-a")
        #expect(a["samples"] as? Int == 5 && a["error_samples"] as? Int == 0 && a["transitions"] as? Int == 2)
        #expect(a["first_seen"] as? String == "2026-11-28T00:00:00.000Z")
        #expect(a["last_seen"] as? String == "2026-11-28T00:03:20.000Z")
        #expect(a["first_status"] as? String == "BOOTSTRAPPING" && a["last_status"] as? String == "FAILED")
        #expect(a["lag_samples"] as? Int == 3 && a["lag_max"] as? Int == 150 && a["lag_last"] as? Int == 150)
        #expect(a["stalls"] as? Int == 1 && a["gaps"] as? Int == 0)
        // Seconds, means and rates: the CSV's three decimals, as JSON numbers.
        // Bootstrapping 60 s, syncing 140 s; lags 0, 50, 150 (mean 66.667); over two 60 s pairs the
        // leader gained 200 (1.667/s) and the follower 50 (0.417/s).
        // Lag in seconds: at 60 s the follower has all (0); the leader wrote 200 at 120 s, after 100
        // at 60 s, so operation 151 at 60 + 51 * 60 / 100 = 90.6 s: 29.4 s old at 120 s, 89.4 s at 180 s.
        for expected in [
            #""seconds_bootstrapping":60.000"#, #""seconds_syncing":140.000"#, #""seconds_failed":0.000"#,
            #""lag_mean":66.667"#, #""leader_rate":1.667"#, #""follower_rate":0.417"#, #""stall_seconds":60.000"#,
            #""lag_seconds_p50":29.400,"lag_seconds_p99":89.400,"lag_seconds_max":89.400,"lag_seconds_last":89.400}"#,
        ] {
            #expect(line.contains(expected), "\(expected)")
        }

        // Only error samples: counts are numbers, everything else is null.
        let err = indices[1]
        #expect(err["samples"] as? Int == 0 && err["error_samples"] as? Int == 1)
        for column in [
            "leader_alias", "first_seen", "last_status", "seconds_syncing", "lag_min", "leader_rate", "lag_seconds_p50",
            "lag_seconds_last",
        ] {
            #expect(err[column] is NSNull, "\(column)")
        }
    }

    @Test func transitionsAndStallsUseTheirCSVColumns() throws {
        let (_, document) = try render(Self.basicCapture)
        let transitions = try #require(document["transitions"] as? [[String: Any]])
        #expect(transitions.count == 2)
        for row in transitions { #expect(Set(row.keys) == Set(CSVReport.transitionsHeader)) }
        #expect(transitions[0]["timestamp"] as? String == "2026-11-28T00:01:00.000Z")
        #expect(transitions[0]["reason"] as? String == #"User "go""#)
        #expect(transitions[0]["seconds_in_previous"] as? Double == 60)
        #expect(transitions[0]["leader_checkpoint"] as? Int == 100)
        // An empty reason stays empty; no syncing_details gives null checkpoints.
        #expect(transitions[1]["to_status"] as? String == "FAILED")
        #expect(transitions[1]["reason"] as? String == "")
        #expect(transitions[1]["seconds_in_previous"] as? Double == 140)
        #expect(transitions[1]["follower_checkpoint"] is NSNull)

        let stalls = try #require(document["stalls"] as? [[String: Any]])
        #expect(stalls.count == 1)
        #expect(Set(stalls[0].keys) == Set(CSVReport.stallsHeader))
        #expect(stalls[0]["start"] as? String == "2026-11-28T00:02:00.000Z")
        #expect(stalls[0]["end"] as? String == "2026-11-28T00:03:00.000Z")
        #expect(stalls[0]["follower_checkpoint"] as? Int == 150 && stalls[0]["max_lag"] as? Int == 150)
    }

    /// Index v: shards 0 and 1 at 0 s (lags 6 and 4), shard 1 alone after a 600 s gap (lag 0);
    /// then two error samples that say different things of themselves: two episodes.
    @Test func gapsErrorsAndShardsUseTheirCSVColumns() throws {
        let capture = """
            {"@timestamp":"2026-11-28T00:00:00Z","index":"v","response":{"status":"SYNCING","syncing_details":\
            {"leader_checkpoint":30,"follower_checkpoint":20},"shard_replication_details":[{"shard_id":"[v][0]",\
            "syncing_task_details":{"leader_checkpoint":10,"follower_checkpoint":4}},{"shard_id":"[v][1]",\
            "syncing_task_details":{"leader_checkpoint":20,"follower_checkpoint":16}}]}}
            {"@timestamp":"2026-11-28T00:10:00Z","index":"v","response":{"status":"SYNCING","syncing_details":\
            {"leader_checkpoint":30,"follower_checkpoint":30},"shard_replication_details":[{"shard_id":"[v][1]",\
            "syncing_task_details":{"leader_checkpoint":20,"follower_checkpoint":20}}]}}
            {"@timestamp":"2026-11-28T00:10:05Z","index":"v","response":{"error":{"type":"security_exception",\
            "reason":"no"},"status":403}}
            {"@timestamp":"2026-11-28T00:10:06Z","index":"v","response":{"error":"plain"}}

            """
        let (text, document) = try render(capture)
        let lines = text.split(separator: "\n").map { $0.hasSuffix(",") ? $0.dropLast() : $0 }
        #expect(
            lines.contains(
                #"{"index":"v","start":"2026-11-28T00:00:00.000Z","end":"2026-11-28T00:10:00.000Z","seconds":600.000}"#)
        )
        let errors = try #require(document["errors"] as? [[String: Any]])
        for row in errors { #expect(Set(row.keys) == Set(CSVReport.errorsHeader)) }
        #expect(
            lines.contains(
                #"{"index":"v","start":"2026-11-28T00:10:05.000Z","end":"2026-11-28T00:10:05.000Z","samples":1,"#
                    + #""http_status":403,"error_type":"security_exception","reason":"no"}"#))
        #expect(
            lines.contains(
                #"{"index":"v","start":"2026-11-28T00:10:06.000Z","end":"2026-11-28T00:10:06.000Z","samples":1,"#
                    + #""http_status":null,"error_type":null,"reason":"plain"}"#))
        let shards = try #require(document["shards"] as? [[String: Any]])
        for row in shards { #expect(Set(row.keys) == Set(CSVReport.shardsHeader)) }
        #expect(
            lines.contains(
                #"{"index":"v","shard":0,"lag_samples":1,"lag_p50":6,"lag_p99":6,"lag_max":6,"lag_last":6,"#
                    + #""stalls":0,"stall_seconds":0.000}"#))
        // Shard 1: lags 4 then 0; p50 is the first of the two sorted lags, p99 the second.
        #expect(
            lines.contains(
                #"{"index":"v","shard":1,"lag_samples":2,"lag_p50":0,"lag_p99":4,"lag_max":4,"lag_last":0,"#
                    + #""stalls":0,"stall_seconds":0.000}"#))
    }

    @Test func extremeCheckpointsAndLagsComeThroughExactly() throws {
        // Leader at 2^63 - 1, follower at -2^63: a lag of 2^64 - 1, held for 60 s (a stall).
        let capture = """
            {"@timestamp":"2026-11-28T00:00:00Z","index":"huge","response":{"status":"BOOTSTRAPPING"}}
            {"@timestamp":"2026-11-28T00:00:10Z","index":"huge","response":{"status":"SYNCING","syncing_details":\
            {"leader_checkpoint":9223372036854775807,"follower_checkpoint":-9223372036854775808}}}
            {"@timestamp":"2026-11-28T00:01:10Z","index":"huge","response":{"status":"SYNCING","syncing_details":\
            {"leader_checkpoint":9223372036854775807,"follower_checkpoint":-9223372036854775808}}}

            """
        let (text, document) = try render(capture)
        let lines = text.split(separator: "\n")
        let summary = try #require(lines.first { $0.hasPrefix(#"{"index":"huge""#) })
        for expected in [
            #""lag_max":18446744073709551615,"#, #""lag_min":18446744073709551615,"#,
            #""lag_last":18446744073709551615,"#, #""lag_mean":18446744073709551615.000,"#,
            #""leader_rate":0.000,"#, #""follower_rate":0.000,"#,
        ] {
            #expect(summary.contains(expected), "\(expected)")
        }
        let transition = try #require(lines.first { $0.hasPrefix(#"{"timestamp":"#) })
        #expect(
            transition.hasSuffix(
                #""leader_checkpoint":9223372036854775807,"follower_checkpoint":-9223372036854775808}"#))
        let stall = try #require(lines.first { $0.hasPrefix(#"{"index":"huge","start":"#) })
        #expect(stall.hasSuffix(#""follower_checkpoint":-9223372036854775808,"max_lag":18446744073709551615}"#))
        #expect((document["stalls"] as? [Any])?.count == 1)
    }

    @Test func damagedSourceHasItsFailureMessage() throws {
        let path = try ScratchFile.write(Self.basicCapture)
        defer { ScratchFile.remove(path) }
        let run = Analysis(options: AnalysisOptions())
        run.consume(InputSource(path + ".missing"))
        let text = String(decoding: JSONReport.render(run.finish()), as: UTF8.self)
        let document = try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let source = try #require((document["sources"] as? [[String: Any]])?.first)
        #expect(source["failure"] as? String == "\(path).missing: cannot open: No such file or directory")
        #expect(source["lines"] as? Int == 0)
        #expect((document["indices"] as? [Any])?.isEmpty == true)
        #expect(
            text.contains(
                "\"indices\": [],\n\"transitions\": [],\n\"stalls\": [],\n\"gaps\": [],\n\"errors\": [],\n\"shards\": []\n}\n"
            ))
    }

    @Test func sameInputGivesSameBytes() throws {
        // One file read twice: the source's name is part of the report.
        let path = try ScratchFile.write(Self.basicCapture)
        defer { ScratchFile.remove(path) }
        let reports = (0..<2).map { _ in
            let run = Analysis(options: AnalysisOptions())
            run.consume(InputSource(path))
            return JSONReport.render(run.finish())
        }
        #expect(reports[0] == reports[1])
    }

    // MARK: - Helpers

    private func render(_ capture: String) throws -> (text: String, document: [String: Any]) {
        let path = try ScratchFile.write(capture)
        defer { ScratchFile.remove(path) }
        let run = Analysis(options: AnalysisOptions())
        run.consume(InputSource(path))
        let bytes = JSONReport.render(run.finish())
        let document = try #require(JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        return (String(decoding: bytes, as: UTF8.self), document)
    }
}
