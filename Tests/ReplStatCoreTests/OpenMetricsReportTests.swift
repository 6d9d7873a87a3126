import Foundation
import ReplStatTestSupport
import Testing

@testable import ReplStatCore

/// The metrics of docs/metrics.md, in both dialects, from a capture whose figures are worked out
/// by hand.
@Suite struct OpenMetricsReportTests {
    /// idx-a: BOOTSTRAPPING at 0 s, then SYNCING at 60, 120, 180 s with checkpoints 100/100,
    /// 200/150, 300/150: lag 150 at the end, stuck at 150 since 120 s (a 60 s stall, still going
    /// on), lag in seconds 180 - (60 + 51 * 60 / 100) = 89.4. idx-b: two error samples, at 30 s
    /// and 150 s. An index named with a quote, a backslash, a line feed and a control character:
    /// PAUSED at 90 s. One blank line and one that is no JSON.
    static let capture = """
        {"@timestamp":"2026-11-28T00:00:00Z","index":"idx-a","response":{"status":"BOOTSTRAPPING"}}
        {"@timestamp":"2026-11-28T00:00:30Z","index":"idx-b","response":{"error":{"type":"x"},"status":500}}
        {"@timestamp":"2026-11-28T00:01:00Z","index":"idx-a","response":{"status":"SYNCING",\
        "syncing_details":{"leader_checkpoint":100,"follower_checkpoint":100}}}

        {"@timestamp":"2026-11-28T00:01:30Z","index":"we\\"ird\\\\na\\nme\\u0001","response":{"status":"PAUSED"}}
        {"@timestamp":"2026-11-28T00:02:00Z","index":"idx-a","response":{"status":"SYNCING",\
        "syncing_details":{"leader_checkpoint":200,"follower_checkpoint":150}}}
        {"@timestamp":"2026-11-28T00:02:30Z","index":"idx-b","response":{"error":{"type":"x"},"status":500}}
        {"@timestamp":"2026-11-28T00:03:00Z","index":"idx-a","response":{"status":"SYNCING",\
        "syncing_details":{"leader_checkpoint":300,"follower_checkpoint":150}}}
        {not json
        """

    /// The samples of `capture`, in the report's order: families in their fixed order, indices
    /// by name, statuses in the API's order; absent where a value does not apply.
    static let samples = """
        replstat_follower_status{index="idx-a",status="BOOTSTRAPPING"} 0
        replstat_follower_status{index="idx-a",status="SYNCING"} 1
        replstat_follower_status{index="idx-a",status="RUNNING"} 0
        replstat_follower_status{index="idx-a",status="PAUSED"} 0
        replstat_follower_status{index="idx-a",status="FAILED"} 0
        replstat_follower_status{index="idx-a",status="STOPPED"} 0
        replstat_follower_status{index="idx-a",status="REPLICATION NOT IN PROGRESS"} 0
        replstat_follower_status{index="idx-b",status="BOOTSTRAPPING"} 0
        replstat_follower_status{index="idx-b",status="SYNCING"} 0
        replstat_follower_status{index="idx-b",status="RUNNING"} 0
        replstat_follower_status{index="idx-b",status="PAUSED"} 0
        replstat_follower_status{index="idx-b",status="FAILED"} 0
        replstat_follower_status{index="idx-b",status="STOPPED"} 0
        replstat_follower_status{index="idx-b",status="REPLICATION NOT IN PROGRESS"} 0
        replstat_follower_status{index="we\\"ird\\\\na\\nme\u{1}",status="BOOTSTRAPPING"} 0
        replstat_follower_status{index="we\\"ird\\\\na\\nme\u{1}",status="SYNCING"} 0
        replstat_follower_status{index="we\\"ird\\\\na\\nme\u{1}",status="RUNNING"} 0
        replstat_follower_status{index="we\\"ird\\\\na\\nme\u{1}",status="PAUSED"} 1
        replstat_follower_status{index="we\\"ird\\\\na\\nme\u{1}",status="FAILED"} 0
        replstat_follower_status{index="we\\"ird\\\\na\\nme\u{1}",status="STOPPED"} 0
        replstat_follower_status{index="we\\"ird\\\\na\\nme\u{1}",status="REPLICATION NOT IN PROGRESS"} 0
        replstat_follower_lag_operations{index="idx-a"} 150
        replstat_follower_lag_seconds{index="idx-a"} 89.400
        replstat_follower_stalled{index="idx-a"} 1
        replstat_follower_stalled{index="we\\"ird\\\\na\\nme\u{1}"} 0
        replstat_follower_stalled_since_timestamp_seconds{index="idx-a"} 1795824120.000
        replstat_follower_last_sample_timestamp_seconds{index="idx-a"} 1795824180.000
        replstat_follower_last_sample_timestamp_seconds{index="we\\"ird\\\\na\\nme\u{1}"} 1795824090.000
        replstat_follower_last_error_sample_timestamp_seconds{index="idx-b"} 1795824150.000
        replstat_follower_samples_total{index="idx-a"} 4
        replstat_follower_samples_total{index="idx-b"} 0
        replstat_follower_samples_total{index="we\\"ird\\\\na\\nme\u{1}"} 1
        replstat_follower_error_samples_total{index="idx-a"} 0
        replstat_follower_error_samples_total{index="idx-b"} 2
        replstat_follower_error_samples_total{index="we\\"ird\\\\na\\nme\u{1}"} 0
        replstat_follower_transitions_total{index="idx-a"} 1
        replstat_follower_transitions_total{index="idx-b"} 0
        replstat_follower_transitions_total{index="we\\"ird\\\\na\\nme\u{1}"} 0
        replstat_follower_stalls_total{index="idx-a"} 1
        replstat_follower_stalls_total{index="idx-b"} 0
        replstat_follower_stalls_total{index="we\\"ird\\\\na\\nme\u{1}"} 0
        replstat_capture_lines_total{outcome="blank"} 1
        replstat_capture_lines_total{outcome="status"} 5
        replstat_capture_lines_total{outcome="error"} 2
        replstat_capture_lines_total{outcome="line_too_long"} 0
        replstat_capture_lines_total{outcome="invalid_json"} 1
        replstat_capture_lines_total{outcome="not_object"} 0
        replstat_capture_lines_total{outcome="missing_timestamp"} 0
        replstat_capture_lines_total{outcome="invalid_timestamp"} 0
        replstat_capture_lines_total{outcome="invalid_field"} 0
        replstat_capture_lines_total{outcome="missing_index"} 0
        replstat_capture_lines_total{outcome="missing_status"} 0
        replstat_capture_lines_total{outcome="unknown_status"} 0
        replstat_capture_lines_total{outcome="late"} 0
        replstat_capture_lines_total{outcome="duplicate"} 0

        """

    static let counters = [
        "replstat_follower_samples", "replstat_follower_error_samples", "replstat_follower_transitions",
        "replstat_follower_stalls", "replstat_capture_lines",
    ]
    static let timestamps = [
        "replstat_follower_stalled_since_timestamp_seconds", "replstat_follower_last_sample_timestamp_seconds",
        "replstat_follower_last_error_sample_timestamp_seconds",
    ]

    @Test func samplesOfTheStateAtTheEnd() throws {
        let text = try Self.openMetrics(Self.capture)
        #expect(Self.sampleLines(text) == Self.samples)
    }

    @Test func openMetricsHeadersUnitsAndEnd() throws {
        let text = try Self.openMetrics(Self.capture)
        #expect(text.hasSuffix("replstat_capture_lines_total{outcome=\"duplicate\"} 0\n# EOF\n"))
        #expect(text.components(separatedBy: "# EOF").count == 2)
        for counter in Self.counters {
            #expect(text.contains("# HELP \(counter) "))
            #expect(text.contains("# TYPE \(counter) counter\n"))
            #expect(!text.contains("# TYPE \(counter)_total"))
        }
        for name in Self.timestamps + ["replstat_follower_lag_seconds"] {
            #expect(text.contains("# TYPE \(name) gauge\n# UNIT \(name) seconds\n"))
        }
        // Every family has its HELP and TYPE lines, and a unit only where its name ends in it.
        let headers = text.split(separator: "\n").filter { $0.hasPrefix("# ") && $0 != "# EOF" }
        let families = Set(headers.map { $0.split(separator: " ")[2] })
        #expect(families.count == 12)
        for family in families {
            #expect(headers.contains { $0.hasPrefix("# HELP \(family) ") })
            #expect(headers.contains { $0.hasPrefix("# TYPE \(family) ") })
            if headers.contains(where: { $0.hasPrefix("# UNIT \(family) ") }) { #expect(family.hasSuffix("_seconds")) }
        }
    }

    @Test func prometheusTextNamesCountersByTheirSamples() throws {
        let path = try ScratchFile.write(Self.capture)
        defer { ScratchFile.remove(path) }
        let run = Analysis(options: AnalysisOptions())
        run.consume(InputSource(path))
        let result = run.finish()
        let bytes = OpenMetricsReport.render(
            followers: FollowerState.atEnd(of: result), outcomes: result.totals, names: result,
            dialect: .prometheusText)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(Self.sampleLines(text) == Self.samples)
        #expect(!text.contains("# EOF") && !text.contains("# UNIT"))
        for counter in Self.counters {
            #expect(text.contains("# HELP \(counter)_total "))
            #expect(text.contains("# TYPE \(counter)_total counter\n"))
        }
    }

    @Test func sameCaptureSameBytes() throws {
        #expect(try Self.openMetrics(Self.capture) == Self.openMetrics(Self.capture))
    }

    @Test func anEmptyCaptureHasTheFamiliesAndZeroCounts() throws {
        let text = try Self.openMetrics("")
        #expect(
            Self.sampleLines(text)
                == Outcome.allCases.map { "replstat_capture_lines_total{outcome=\"\($0.name)\"} 0\n" }.joined())
        #expect(text.hasSuffix("# EOF\n"))
    }

    @Test(arguments: [
        ("plain-index_01", "plain-index_01"),
        ("a\"b", "a\\\"b"),
        ("a\\b", "a\\\\b"),
        ("a\\nb", "a\\\\nb"),
        ("a\nb", "a\\nb"),
        ("\r\t\u{0}\u{7F}é", "\r\t\u{0}\u{7F}é"),
        ("\\\"\n", "\\\\\\\"\\n"),
    ])
    func labelValuesEscapeBackslashQuoteAndLineFeed(value: String, escaped: String) {
        #expect(OpenMetricsReport.labelValue(value) == escaped)
    }

    // MARK: - Helpers

    static func openMetrics(_ capture: String) throws -> String {
        let path = try ScratchFile.write(capture)
        defer { ScratchFile.remove(path) }
        let run = Analysis(options: AnalysisOptions())
        run.consume(InputSource(path))
        return String(decoding: OpenMetricsReport.render(run.finish()), as: UTF8.self)
    }

    /// The lines that are not comments, each with its line feed.
    static func sampleLines(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            .filter { !$0.hasPrefix("#") }.map { $0 + "\n" }.joined()
    }
}
