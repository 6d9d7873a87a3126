import Testing

@testable import ReplStatCore

/// The reports render a result built here by hand, without reading a capture: each figure in
/// them comes from a known field.
@Suite struct ReportFromResultTests {
    /// Two indices, one transition with a reason, one stall, one source that ended in damage.
    static let result: AnalysisResult = {
        var names = StringTable()
        let alpha = names.intern("alpha")
        let beta = names.intern("beta")
        var texts = StringTable()
        let reason = texts.intern("AutoPaused: =cmd")
        var counts = OutcomeCounts()
        counts.add(.status, 3)
        counts.add(.invalidJSON)
        var first = IndexSummary(index: alpha)
        first.samples = 2
        first.firstStatus = .syncing
        first.lastStatus = .paused
        first.transitions = 1
        var second = IndexSummary(index: beta)
        second.samples = 1
        second.firstStatus = .syncing
        second.lastStatus = .syncing
        let transition = TransitionRow(
            timestamp: 1_795_824_010_000, index: alpha, from: .syncing, to: .paused, reason: reason,
            millisInPrevious: 10_000, checkpoints: Checkpoints(leader: 120, follower: 100))
        let stall = StallRow(
            index: beta, start: 1_795_824_000_000, end: 1_795_824_090_500, followerCheckpoint: 7, maxLag: 42)
        return AnalysisResult(
            sources: [SourceReport(name: "day.jsonl", counts: counts)], indices: [first, second],
            transitions: [transition], stalls: [stall], indexNames: names, texts: texts)
    }()

    @Test func csvRowsComeFromTheFields() {
        #expect(
            CSVReport.transitions(Self.result).bytes
                == Array(
                    ("timestamp,index,from_status,to_status,reason,seconds_in_previous,leader_checkpoint,"
                        + "follower_checkpoint\n2026-11-28T00:00:10.000Z,alpha,SYNCING,PAUSED,AutoPaused: =cmd,"
                        + "10.000,120,100\n").utf8))
        #expect(
            String(decoding: CSVReport.stalls(Self.result).bytes, as: UTF8.self).hasSuffix(
                "beta,2026-11-28T00:00:00.000Z,2026-11-28T00:01:30.500Z,90.500,7,42\n"))
        #expect(
            String(decoding: CSVReport.quality(Self.result).bytes, as: UTF8.self).contains("day.jsonl,invalid_json,1\n")
        )
    }

    @Test func markdownOverviewCountsWhatTheResultHolds() {
        let report = MarkdownReport.render(Self.result)
        #expect(report.contains("- Indices: 2\n"))
        #expect(report.contains("- Not replicating now: alpha (PAUSED)\n"))
        #expect(report.contains("lines rejected: 1 (25.0%)"))
        #expect(report.contains("- Transitions: 1; stalls: 1 (1m 30s in all)\n"))
    }

    @Test func jsonHasTheRowsUnderTheCSVNames() {
        let json = String(decoding: JSONReport.render(Self.result), as: UTF8.self)
        #expect(
            json.contains(
                #"{"timestamp":"2026-11-28T00:00:10.000Z","index":"alpha","from_status":"SYNCING","to_status":"PAUSED","reason":"AutoPaused: =cmd""#
            ))
        #expect(json.contains(#""totals": {"lines":4,"#))
    }
}
