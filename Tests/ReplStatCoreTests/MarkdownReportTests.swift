import Foundation
import ReplStatTestSupport
import Testing

@testable import ReplStatCore

/// The Markdown report over small captures whose figures were worked out by hand.
struct MarkdownReportTests {
    /// 2026-11-28T00:00:00Z plus `seconds`.
    private static func at(_ seconds: Int) -> String {
        Timestamp.format(1_795_824_000_000 + Int64(seconds) * 1000)
    }

    private static func line(
        _ seconds: Int, _ index: String, _ status: String, reason: String? = nil,
        checkpoints: (leader: Int64, follower: Int64)? = nil
    ) -> String {
        var body = #"{"status":"\#(status)","leader_alias":"site-1","leader_index":"leader-\#(index)""#
        if let reason { body += #","reason":"\#(reason)""# }
        if let checkpoints {
            body += #","syncing_details":{"leader_checkpoint":\#(checkpoints.leader),"#
            body += #""follower_checkpoint":\#(checkpoints.follower)}"#
        }
        return #"{"@timestamp":"\#(at(seconds))","index":"\#(index)","response":\#(body)}}"#
    }

    /// idx-a: bootstraps for 60 s, syncs 240 s (lags 0, 50, 150, 250; follower stuck at 150 from
    /// 120 s to 240 s: a 2-minute stall), pauses at 300 s, a 700 s capture gap, pauses 60 s more,
    /// syncs again at 1060 s (lag 0, no reason). Observed 1060 s: bootstrapping 5.7 %, syncing
    /// 22.6 %, paused 5.7 %, unknown 66.0 %.
    /// idx-f: bootstraps 10 s, then FAILED with an empty reason.
    /// idx-err: two error samples only. Plus one blank and one invalid line: 14 lines, 1 rejected.
    static let basicCapture =
        [
            line(0, "idx-a", "BOOTSTRAPPING", reason: "User initiated"),
            line(0, "idx-f", "BOOTSTRAPPING", reason: "User initiated"),
            line(10, "idx-f", "FAILED", reason: ""),
            #"{"@timestamp":"\#(at(20))","index":"idx-err","response":{"error":{"type":"x"},"status":500}}"#,
            line(60, "idx-a", "SYNCING", reason: "User initiated", checkpoints: (100, 100)),
            line(120, "idx-a", "SYNCING", reason: "User initiated", checkpoints: (200, 150)),
            "",
            line(180, "idx-a", "SYNCING", reason: "User initiated", checkpoints: (300, 150)),
            line(240, "idx-a", "SYNCING", reason: "User initiated", checkpoints: (400, 150)),
            line(300, "idx-a", "PAUSED", reason: #"AutoPaused: shard | failed\nsecond line"#),
            "not json",
            #"{"@timestamp":"\#(at(400))","index":"idx-err","response":{"error":{"type":"x"},"status":403}}"#,
            line(1000, "idx-a", "PAUSED", reason: "User initiated"),
            line(1060, "idx-a", "SYNCING", checkpoints: (500, 500)),
        ].joined(separator: "\n") + "\n"

    // MARK: - Whole report

    @Test func overviewSumsUpTheCapture() throws {
        let report = try render(Self.basicCapture)
        #expect(report.hasPrefix("# Replication report\n"))
        #expect(
            report.contains(
                "- Time covered: 2026-11-28T00:00:00.000Z to 2026-11-28T00:17:40.000Z (17m 40s)\n"))
        #expect(report.contains("- Indices: 3 (1 with error samples only)\n"))
        #expect(report.contains("- Status now: 1 SYNCING, 1 FAILED, 1 without a status sample\n"))
        #expect(report.contains("- Not replicating now: idx-err (no status sample), idx-f (FAILED)\n"))
        #expect(report.contains("- Lines read: 14; samples accepted: 10 status, 2 error; lines rejected: 1 (7.1%)\n"))
        #expect(report.contains("- Transitions: 4; stalls: 1 (2m 00s in all)\n"))
        #expect(!report.contains("WARNING"))
        #expect(report.hasSuffix("\n"))
    }

    @Test func indexTableShowsSharesLagAndStalls() throws {
        let report = try render(Self.basicCapture)
        // Only the states with time get a column; FAILED is only a last status.
        #expect(
            tableHeader(report, "## Indices") == [
                "Index", "Leader", "Status now", "Samples", "Errors", "Transitions", "bootstrapping %", "syncing %",
                "paused %", "unknown %", "Lag p50", "Lag p99", "Lag max", "Lag s p99", "Lag s max", "Lag over time",
                "Stalls", "Stalled",
            ])
        // At 240 s the follower (150) lacks operation 151, which the leader wrote between 60 s
        // (at 100) and 120 s (at 200): at 90.6 s, so 149.4 s ago. The sparkline's 24 characters
        // are 44.2 s each: bootstrapping, lag 0, 50 (ceil(50 * 7 / 250) = 2: ▃), 150 (5: ▆) with
        // the 32 s buckets around 180 s reaching into the next character, 250, then no lag
        // sample while paused and in the gap, and lag 0 at the end.
        #expect(
            row(report, "## Indices", "idx-a") == [
                "idx-a", "site-1:leader-idx-a", "SYNCING", "8", "0", "3", "5.7", "22.6", "5.7", "66.0", "50", "250",
                "250", "2m 29s", "2m 29s", "·▁▃▆██·················▁", "1", "2m 00s",
            ])
        #expect(
            row(report, "## Indices", "idx-f") == [
                "idx-f", "site-1:leader-idx-f", "FAILED", "2", "0", "1", "100.0", "0.0", "0.0", "0.0", "—", "—", "—",
                "—", "—", "—", "0", "—",
            ])
        // An index with only error samples still has its row, with its error count.
        #expect(
            row(report, "## Indices", "idx-err") == [
                "idx-err", "—", "no status sample", "0", "2", "0", "—", "—", "—", "—", "—", "—", "—", "—", "—", "—",
                "0", "—",
            ])
    }

    @Test func gapsAndErrorEpisodesAreListed() throws {
        let report = try render(Self.basicCapture)
        #expect(report.contains("- Capture gaps: 1 (11m 40s in all); error episodes: 2 (2 samples)\n"))
        #expect(report.contains("- Worst lag in seconds: 2m 29s (idx-a)\n"))
        #expect(
            tableRows(report, "## Capture gaps") == [
                ["idx-a", "2026-11-28T00:05:00.000Z", "2026-11-28T00:16:40.000Z", "11m 40s"]
            ])
        // A different HTTP status opens a new episode; neither sample has a reason.
        #expect(
            tableRows(report, "## Errors") == [
                ["idx-err", "2026-11-28T00:00:20.000Z", "2026-11-28T00:00:20.000Z", "1", "500", "x", ""],
                ["idx-err", "2026-11-28T00:06:40.000Z", "2026-11-28T00:06:40.000Z", "1", "403", "x", ""],
            ])
        let sections = report.split(separator: "\n").filter { $0.hasPrefix("## ") }
        #expect(
            sections == [
                "## Overview", "## Indices", "## Transitions", "## Stalls", "## Capture gaps", "## Errors",
                "## Worst lag", "## Data quality",
            ])
    }

    @Test func errorTablesKeepTheEpisodesWithTheMostSamples() throws {
        // 201 episodes of one index: alternating HTTP statuses, one sample each, except the
        // third, of three samples; the cut leaves out the latest of the single ones.
        var lines: [String] = []
        var seconds = 0
        for episode in 0..<201 {
            for _ in 0..<(episode == 2 ? 3 : 1) {
                let status = episode % 2 == 0 ? 500 : 403
                lines.append(
                    #"{"@timestamp":"\#(Self.at(seconds))","index":"e","response":{"error":{"type":"t","reason":"<b>&"},"status":\#(status)}}"#
                )
                seconds += 1
            }
        }
        let report = try render(lines.joined(separator: "\n"))
        #expect(
            report.contains(
                "Showing the 200 of 201 episodes with the most samples, in time order; 1 more is in errors.csv "
                    + "(`--format csv`).\n"))
        let rows = tableRows(report, "## Errors")
        #expect(rows.count == 200)
        #expect(rows[2][3] == "3")
        #expect(rows.last?[1] == Self.at(201))
        #expect(rows.map { $0[1] } == rows.map { $0[1] }.sorted())
        // The reason is text from the capture: escaped.
        #expect(rows[0][6] == #"\<b\>\&"#)
    }

    @Test func shardsHaveASectionOnlyWhenTheCaptureHasThem() throws {
        #expect(!(try render(Self.basicCapture)).contains("## Shards"))
        var names = StringTable()
        let index = names.intern("idx-a")
        var summary = IndexSummary(index: index)
        summary.samples = 3
        let shards = [
            ShardSummary(
                index: index, shard: 0, lagSamples: 3, p50: 2, p99: 9, max: 9, last: 1, stalls: 0, millisStalled: 0),
            ShardSummary(
                index: index, shard: 1, lagSamples: 3, p50: 1200, p99: 4000, max: 4000, last: 0, stalls: 1,
                millisStalled: 90_000),
        ]
        let result = AnalysisResult(
            sources: [SourceReport(name: "x")], indices: [summary], shards: shards, indexNames: names,
            texts: StringTable())
        let report = MarkdownReport.render(result)
        #expect(report.contains("\n## Worst lag\n") && report.contains("\n## Shards\n"))
        #expect(report.range(of: "## Shards")!.lowerBound < report.range(of: "## Data quality")!.lowerBound)
        #expect(
            tableRows(report, "## Shards") == [
                ["idx-a", "0", "3", "2", "9", "9", "1", "0", "—"],
                ["idx-a", "1", "3", "1,200", "4,000", "4,000", "0", "1", "1m 30s"],
            ])
    }

    @Test func noTimelineWithoutAReportThatDrawsIt() throws {
        let path = try ScratchFile.write(Self.basicCapture)
        defer { ScratchFile.remove(path) }
        let run = Analysis(options: AnalysisOptions())
        run.consume(InputSource(path))
        let result = run.finish()
        #expect(result.indices.allSatisfy { $0.timeline == nil })
        #expect(row(MarkdownReport.render(result), "## Indices", "idx-a")?[15] == "—")
    }

    @Test func transitionsComeInTimeOrderWithTimeInPreviousState() throws {
        let report = try render(Self.basicCapture)
        let rows = tableRows(report, "## Transitions")
        #expect(
            rows == [
                ["2026-11-28T00:00:10.000Z", "idx-f", "BOOTSTRAPPING → FAILED", "", "10s"],
                ["2026-11-28T00:01:00.000Z", "idx-a", "BOOTSTRAPPING → SYNCING", "User initiated", "1m 00s"],
                // The pipe is escaped and the line break kept visible, so the row stays one row.
                [
                    "2026-11-28T00:05:00.000Z", "idx-a", "SYNCING → PAUSED",
                    #"AutoPaused: shard \| failed<br>second line"#,
                    "4m 00s",
                ],
                ["2026-11-28T00:17:40.000Z", "idx-a", "PAUSED → SYNCING", "", "12m 40s"],
            ])
    }

    @Test func stallsLagLeadersAndQuality() throws {
        let report = try render(Self.basicCapture)
        #expect(
            tableRows(report, "## Stalls") == [
                ["idx-a", "2026-11-28T00:02:00.000Z", "2026-11-28T00:04:00.000Z", "2m 00s", "150", "250"]
            ])
        // Lags 0, 50, 150, 250, 0: mean 90; rates over the three 60 s pairs: 300 / 180 s and 50 / 180 s.
        #expect(
            tableRows(report, "## Worst lag") == [
                [
                    "idx-a", "SYNCING", "0", "90.0", "50", "250", "250", "0s", "2m 29s", "2m 29s", "1.667", "0.278",
                    "2m 00s",
                ]
            ])
        let source = try #require(tableRows(report, "## Data quality").first)
        #expect(
            tableHeader(report, "## Data quality") == [
                "Source", "Lines", "blank", "status", "error", "invalid_json", "Rejected", "Read",
            ])
        #expect(Array(source.dropFirst()) == ["14", "1", "10", "2", "1", "1 (7.1%)", "complete"])
        #expect(
            tableRows(report, "## Data quality").last == [
                "**all sources**", "14", "1", "10", "2", "1", "1 (7.1%)", "complete",
            ])
    }

    @Test func lagLeadersAreOrderedByMaxThenP99() throws {
        // Checkpoints move every sample, so nothing stalls; each index gets the lags listed.
        func samples(_ index: String, _ lags: [Int64]) -> [String] {
            lags.enumerated().map { position, lag in
                let follower = Int64(position) * 1000
                return Self.line(position * 10, index, "SYNCING", checkpoints: (follower + lag, follower))
            }
        }
        let capture =
            samples("0-smaller", [50, 50])
            // 101 lags: the 100th smallest (the p99) is 10, the largest 100.
            + samples("a-low-p99", Array(repeating: 10, count: 100) + [100])
            + samples("b-high-p99", [100, 100])
            + samples("c-never-behind", [0, 0])
        let report = try render(capture.joined(separator: "\n"))
        let leaders = tableRows(report, "## Worst lag")
        #expect(leaders.map { $0[0] } == ["b-high-p99", "a-low-p99", "0-smaller"])
        // Mean 1100 / 101; over 1000 s the follower gained 100,000 and the leader 90 more. Behind
        // by 10, the follower lacks what the leader wrote in the last 10 / 1000 of a 10 s poll
        // (90 ms); behind by 100 at the end, 1,091 operations written in 10 s ago: 9.1 s ... of
        // which it lacks the last 99 + 1: 10 s - (100,001 - 99,010) * 10 s / 1,090 = 908 ms.
        #expect(
            leaders[1] == [
                "a-low-p99", "SYNCING", "100", "10.9", "10", "10", "100", "908ms", "90ms", "908ms", "100.090",
                "100.000", "—",
            ])
    }

    @Test func sameInputGivesSameBytes() throws {
        // One file read twice: the source's name is part of the report.
        let path = try ScratchFile.write(Self.basicCapture)
        defer { ScratchFile.remove(path) }
        let reports = (0..<2).map { _ in
            let run = Analysis(options: AnalysisOptions())
            run.consume(InputSource(path))
            return MarkdownReport.render(run.finish())
        }
        #expect(reports[0] == reports[1])
    }

    @Test func longTablesAreCappedWithACount() throws {
        // 202 samples alternating SYNCING and PAUSED: 201 transitions.
        var lines = (0..<202).map { Self.line($0 * 10, "flap", $0 % 2 == 0 ? "SYNCING" : "PAUSED") }
        // 201 stalls of 60 s (the first one 90 s), each at its own follower checkpoint, behind by 10.
        var seconds = 0
        for stall in 0..<201 {
            for _ in 0..<(stall == 0 ? 4 : 3) {
                lines.append(Self.line(seconds, "stuck", "SYNCING", checkpoints: (Int64(stall) + 10, Int64(stall))))
                seconds += 30
            }
        }
        let report = try render(lines.joined(separator: "\n"))
        #expect(
            report.contains(
                "Showing the latest 200 of 201 transitions; 1 more is in transitions.csv (`--format csv`).\n"))
        let transitions = tableRows(report, "## Transitions")
        #expect(transitions.count == 200)
        // The first transition (at 10 s) is the one left out.
        #expect(transitions.first?.first == "2026-11-28T00:00:20.000Z")
        #expect(
            report.contains(
                "Showing the 200 longest of 201 stalls, in time order; 1 more is in stalls.csv (`--format csv`).\n"))
        let stalls = tableRows(report, "## Stalls")
        #expect(stalls.count == 200)
        #expect(stalls.first == ["stuck", "2026-11-28T00:00:00.000Z", "2026-11-28T00:01:30.000Z", "1m 30s", "0", "10"])
        // Among the equally long ones the latest is left out, and the rest stay in time order.
        #expect(stalls.last?[4] == "199")
        #expect(stalls.map { $0[1] } == stalls.map { $0[1] }.sorted())
    }

    /// 250 indices: 203 syncing with lag p99 0 to 202 (`lag-000` ... `lag-202`), then, in name
    /// order after them, 47 that are not replicating now: 20 paused, 20 failed, 7 with error
    /// samples only. The table shows the 47, then the 153 syncing ones with the highest p99.
    @Test func theIndexTableShowsTheIndicesThatNeedALookFirst() throws {
        var lines: [String] = []
        for lag in 0..<203 {
            lines.append(Self.line(0, String(format: "lag-%03d", lag), "SYNCING", checkpoints: (Int64(lag), 0)))
        }
        for number in 0..<20 {
            lines.append(Self.line(0, "paused-\(number)", "PAUSED"))
            lines.append(Self.line(0, "zfailed-\(number)", "FAILED"))
        }
        for number in 0..<7 {
            lines.append(#"{"@timestamp":"\#(Self.at(0))","index":"zz-error-\#(number)","error":{"type":"x"}}"#)
        }
        let report = try render(lines.joined(separator: "\n"))
        #expect(
            report.contains(
                "Showing the 200 of 250 indices that need a look first: those not replicating now, then by highest "
                    + "lag p99, worst first; 50 more are in summary.csv (`--format csv`).\n"))
        let names = tableRows(report, "## Indices").map { $0[0] }
        #expect(names.count == 200)
        // Not replicating now, in name order among themselves (none has a lag)...
        #expect(Set(names.prefix(47)) == Set(lines.suffix(47).compactMap { Self.indexName(of: $0) }))
        #expect(Array(names.prefix(47)) == names.prefix(47).sorted())
        // ...then the highest p99 first: lag-202 down to lag-050.
        #expect(Array(names.dropFirst(47)) == (50...202).reversed().map { String(format: "lag-%03d", $0) })
        // Under the limit, every index in name order.
        let small = try render(lines.prefix(200).joined(separator: "\n"))
        #expect(!small.contains("need a look first"))
        #expect(tableRows(small, "## Indices").map { $0[0] } == (0..<200).map { String(format: "lag-%03d", $0) })
    }

    private static func indexName(of line: String) -> String? {
        guard let start = line.range(of: #""index":""#) else { return nil }
        return String(line[start.upperBound...].prefix { $0 != "\"" })
    }

    @Test func damagedSourceGetsAWarning() throws {
        let path = try ScratchFile.write(Self.basicCapture)
        defer { ScratchFile.remove(path) }
        let missing = path + ".missing"
        let run = Analysis(options: AnalysisOptions())
        run.consume(InputSource(path))
        run.consume(InputSource(missing))
        let report = MarkdownReport.render(run.finish())
        #expect(report.contains("> **WARNING: 1 source was damaged or unreadable."))
        #expect(report.contains("> - \(missing): cannot open: No such file or directory\n"))
        #expect(report.contains("- Sources: 2 (\(path), \(missing))\n"))
        let quality = tableRows(report, "## Data quality")
        #expect(quality.count == 3)
        #expect(quality[1] == [missing, "0", "0", "0", "0", "0", "0 (0.0%)", "**unreadable**"])
        #expect(quality[2].last == "1 damaged or unreadable")
    }

    @Test func emptyInputStillGivesEverySection() throws {
        let report = try render("")
        for heading in ["## Overview", "## Indices", "## Transitions", "## Stalls", "## Worst lag", "## Data quality"] {
            #expect(report.contains("\n" + heading + "\n"))
        }
        #expect(report.contains("- Time covered: none (no status sample was accepted)\n"))
        #expect(report.contains("- Indices: 0\n"))
    }

    // MARK: - Pieces

    @Test func cellsEscapeMarkdownAndLineBreaks() {
        #expect(MarkdownText.cell("a|b") == #"a\|b"#)
        #expect(MarkdownText.cell("one\r\ntwo\nthree\rfour") == "one<br>two<br>three<br>four")
        #expect(MarkdownText.cell("*x* `y` <z> ~w~ \\") == #"\*x\* \`y\` \<z\> \~w\~ \\"#)
        #expect(MarkdownText.cell("follower_index-01 [0]") == #"follower_index-01 \[0\]"#)
    }

    /// Text that would be a live image and link, emphasis, an entity, math or a new block shows
    /// as it is (checked by rendering with cmark-gfm in `HostileTextTests`).
    @Test(
        arguments: [
            (
                "![x](http://attacker.example/p.png) [Click](https://x)",
                #"\!\[x\]\(http[:]//attacker.example/p.png\) \[Click\]\(https[:]//x\)"#
            ),
            ("see www.evil.example, WWW.E.example, awww.x", "see www[.]evil.example, WWW[.]E.example, awww.x"),
            ("ftp://h <https://h> mail@h.example", #"ftp[:]//h \<https[:]//h\> mail@h.example"#),
            ("_a_ b_c __d__ e_", #"\_a\_ b_c \_\_d\_\_ e\_"#),
            ("&amp; &#x202E; $x$ {y}", #"\&amp; \&#x202E; \$x\$ \{y\}"#),
            ("# h", ##"\# h"##), ("- x", #"\- x"#), ("+ x", #"\+ x"#), ("> q", #"\> q"#),
            ("1. x", #"1\. x"#), ("123456789. x", #"123456789\. x"#), ("12) x", #"12\) x"#),
            ("2026.jsonl", "2026.jsonl"), ("a-b+c#d", "a-b+c#d"),
        ])
    func cellsNeverBecomeMarkup(_ text: String, _ escaped: String) {
        #expect(MarkdownText.cell(text) == escaped)
    }

    /// Controls show as code spans of `\u{..}`, which no text of the data can produce (its
    /// backticks and backslashes are escaped); a run of them is one span.
    @Test(
        arguments: [
            ("a\u{1B}[2J\u{1B}]0;t\u{07}b", #"a`\u{1B}`\[2J`\u{1B}`\]0;t`\u{7}`b"#),
            ("\u{1B}\u{1B}x", #"`\u{1B}\u{1B}`x"#),
            ("tab\there", #"tab`\u{9}`here"#),
            ("c1 \u{9B}31m \u{85}", #"c1 `\u{9B}`31m `\u{85}`"#),
            (
                "evil\u{202E}txt.exe \u{2066}x\u{2069} \u{200F}",
                #"evil`\u{202E}`txt.exe `\u{2066}`x`\u{2069}` `\u{200F}`"#
            ),
            ("line\u{2028}sep\u{2029}", #"line`\u{2028}`sep`\u{2029}`"#),
            (#"not \u{1B} but text"#, #"not \\u\{1B\} but text"#),
            ("zero\u{200B}width café 日本", "zero\u{200B}width café 日本"),
        ])
    func controlsShowAsTheirCode(_ text: String, _ escaped: String) {
        #expect(MarkdownText.cell(text) == escaped)
    }

    @Test func longReasonsAreCutWithAnEllipsis() {
        let reason = String(repeating: "é", count: 200)
        let cut = MarkdownText.truncated(reason, to: 160)
        #expect(cut.count == 160)
        #expect(cut.hasSuffix("é…"))
        #expect(MarkdownText.truncated("short", to: 160) == "short")
    }

    @Test func durationsReadLikeAPersonWouldSayThem() {
        #expect(HumanFormat.duration(0) == "0s")
        #expect(HumanFormat.duration(850) == "850ms")
        #expect(HumanFormat.duration(20_000) == "20s")
        #expect(HumanFormat.duration(20_573) == "20.5s")
        #expect(HumanFormat.duration(880_000) == "14m 40s")
        #expect(HumanFormat.duration(3_720_000) == "1h 02m")
        #expect(HumanFormat.duration(273_600_000) == "3d 04h")
    }

    @Test func numbersAreGroupedAndRoundedExactly() {
        #expect(HumanFormat.grouped(0) == "0")
        #expect(HumanFormat.grouped(1_234_567) == "1,234,567")
        #expect(HumanFormat.grouped(UInt64.max) == "18,446,744,073,709,551,615")
        #expect(HumanFormat.grouped(Int64.min) == "-9,223,372,036,854,775,808")
        #expect(HumanFormat.groupedDecimal("7831.388") == "7,831.388")
        #expect(HumanFormat.groupedDecimal("0.041") == "0.041")
        #expect(HumanFormat.tenths(1, 20) == "0.1")  // 0.05 rounds away from zero
        #expect(HumanFormat.tenths(UInt128(UInt64.max) * 3, 3) == "18,446,744,073,709,551,615.0")
        #expect(HumanFormat.percent(1, of: 3) == "33.3")
        #expect(HumanFormat.percent(2, of: 3) == "66.7")
        #expect(HumanFormat.percent(1, of: 10_000) == "<0.1")
        #expect(HumanFormat.percent(9_999, of: 10_000) == ">99.9")
        #expect(HumanFormat.percent(0, of: 0) == "0.0")
    }

    // MARK: - Helpers

    private func render(_ capture: String) throws -> String {
        let path = try ScratchFile.write(capture)
        defer { ScratchFile.remove(path) }
        var options = AnalysisOptions()
        options.timelineCapacity = LagSparkline.capacity
        let run = Analysis(options: options)
        run.consume(InputSource(path))
        return MarkdownReport.render(run.finish())
    }

    /// The cells of the table under `heading` (header and alignment rows left out).
    private func tableRows(_ report: String, _ heading: String) -> [[String]] {
        Array(table(report, heading).dropFirst(2))
    }

    private func tableHeader(_ report: String, _ heading: String) -> [String]? {
        table(report, heading).first
    }

    private func row(_ report: String, _ heading: String, _ firstCell: String) -> [String]? {
        tableRows(report, heading).first { $0.first == firstCell }
    }

    private func table(_ report: String, _ heading: String) -> [[String]] {
        guard let start = report.range(of: "\n" + heading + "\n") else { return [] }
        let section = report[start.upperBound...].split(separator: "\n## ", maxSplits: 1).first ?? ""
        return section.split(separator: "\n").filter { $0.hasPrefix("| ") }.map { line in
            // Cells never contain " | ": an escaped pipe is written `\|`.
            line.dropFirst(2).dropLast(2).components(separatedBy: " | ").map {
                $0.trimmingCharacters(in: .whitespaces)
            }
        }
    }
}
