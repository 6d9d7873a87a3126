import Foundation
import ReplStatTestSupport
import Testing

@testable import ReplStatCore

/// The HTML report over small captures: what it draws, what it escapes, what it never holds.
/// (`BrowserTests` renders the shipped samples' reports in Chromium.)
@Suite struct HtmlReportTests {
    /// 2026-11-28T00:00:00Z plus `seconds`.
    private static func at(_ seconds: Int) -> String {
        Timestamp.format(1_795_824_000_000 + Int64(seconds) * 1000)
    }

    private static func line(_ seconds: Int, _ index: String, _ body: String, millis: Int = 0) -> String {
        let time = Timestamp.format(1_795_824_000_000 + Int64(seconds) * 1000 + Int64(millis))
        return #"{"@timestamp":"\#(time)","index":\#(index),"response":\#(body)}"#
    }

    private static func syncing(_ leader: Int, _ follower: Int) -> String {
        #"{"status":"SYNCING","syncing_details":{"leader_checkpoint":\#(leader),"follower_checkpoint":\#(follower)}}"#
    }

    /// An index whose name, reason and error text are hostile, with a pause, a gap and errors.
    static let hostileName = #"<script>alert("x")</script>&'i"#
    static let hostileCapture =
        [
            line(0, #""<script>alert(\"x\")</script>&'i""#, syncing(10, 5)),
            line(60, #""<script>alert(\"x\")</script>&'i""#, syncing(20, 5)),
            line(
                120, #""<script>alert(\"x\")</script>&'i""#,
                #"{"status":"PAUSED","reason":"<img src=https://evil.example/x.png onerror=alert(1)> & \"q\""}"#),
            line(
                150, #""<script>alert(\"x\")</script>&'i""#,
                #"{"error":{"type":"<b>t</b>","reason":"see http://evil.example/\u001b[2J"},"status":403}"#),
            line(900, #""<script>alert(\"x\")</script>&'i""#, syncing(40, 40)),
            line(0, #""plain""#, syncing(1, 1)),
            line(900, #""plain""#, syncing(1, 1)),
        ].joined(separator: "\n") + "\n"

    @Test func captureTextIsEscapedAndNothingIsLoaded() throws {
        let html = try render(Self.hostileCapture)
        #expect(!html.contains("<script"))
        #expect(!html.contains("<img"))
        #expect(!html.contains("<b>"))
        #expect(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;i"))
        #expect(html.contains("&lt;img src=https[:]//evil.example/x.png onerror=alert(1)&gt; &amp; &quot;q&quot;"))
        #expect(html.contains(#"see http[:]//evil.example/\u{1B}[2J"#))
        // No address of any kind: the page loads nothing and links nowhere.
        #expect(!html.contains("http://") && !html.contains("https://"))
        #expect(!html.contains("src=\"") && !html.contains("href=\"http") && !html.contains("@import"))
        #expect(!html.contains("<script") && !html.contains("javascript:"))
        // Every element the data could have opened is one of ours: tags are balanced.
        for tag in ["svg", "table", "section", "figure", "title", "div"] {
            #expect(count("<\(tag)", in: html) == count("</\(tag)>", in: html), "\(tag)")
        }
    }

    @Test func theTimelineHasARowPerIndexWithBandsMarksAndTicks() throws {
        let html = try render(Self.hostileCapture)
        #expect(count("<div class=\"row\" data-index=", in: html) == 2)
        let escapedName = HtmlText.escaped(Self.hostileName)
        let row = try #require(
            section(of: html, from: "<div class=\"row\" data-index=\"\(escapedName)\"", to: "</div>"))
        // SYNCING 0-120 s, PAUSED 120-900 s, SYNCING at 900 s (a lone sample: no width, no band).
        #expect(row.contains(#"data-status="SYNCING" data-start="\#(Self.at(0))" data-end="\#(Self.at(120))""#))
        #expect(row.contains(#"data-status="PAUSED" data-start="\#(Self.at(120))" data-end="\#(Self.at(900))""#))
        #expect(row.contains("class=\"pattern paused\""))
        #expect(row.contains(">PAUSED</text>"))
        // The gap from 120 s to 900 s is hatched; the error episode at 150 s is a bar.
        #expect(row.contains(#"<rect class="gap" x="133.3" y="0" width="866.7""#))
        #expect(row.contains(#"<rect class="error" x="166.6""#))
        #expect(row.contains("HTTP 403, &lt;b&gt;t&lt;/b&gt;"))
        // Ticks at the transitions, with time, change and reason.
        #expect(
            row.contains(
                #"<g class="tick" data-time="\#(Self.at(120))" data-count="1"><title>\#(Self.at(120)) SYNCING → PAUSED: &lt;img"#
            ))
        #expect(row.contains(#"<g class="tick" data-time="\#(Self.at(900))""#))
    }

    @Test func chartsDrawLagInOperationsAndSeconds() throws {
        let html = try render(Self.hostileCapture)
        let escapedName = HtmlText.escaped(Self.hostileName)
        let figure = try #require(section(of: html, from: "<figure data-index=\"\(escapedName)\"", to: "</figure>"))
        #expect(figure.contains("<svg class=\"chart operations\""))
        // Lag 5 then 15 ops: the highest is 15.
        #expect(figure.contains(">max 15</text>"))
        #expect(figure.contains("<svg class=\"chart seconds\""))
        #expect(figure.contains("<g class=\"transition\" data-time=\"\(Self.at(120))\">"))
        #expect(figure.contains("<rect class=\"shade gap\""))
        // The index never behind has a chart of lag 0 in operations.
        #expect(html.contains("<figure data-index=\"plain\">"))
    }

    @Test func theSameInputGivesTheSameBytesWhateverTheThreads() throws {
        let path = try ScratchFile.write(Self.hostileCapture)
        defer { ScratchFile.remove(path) }
        #expect(render(file: path, jobs: 1) == render(file: path, jobs: 2))
    }

    /// 250 indices: the timeline shows the 200 of the Markdown index table, charts the 20 worst.
    @Test func manyIndicesGiveABoundedPage() throws {
        var lines: [String] = []
        for number in 0..<250 {
            let name = String(format: "\"idx-%03d\"", number)
            for poll in 0..<30 {
                lines.append(Self.line(poll * 10, name, Self.syncing(poll * 100 + number, poll * 100)))
            }
        }
        let html = try render(lines.joined(separator: "\n"))
        #expect(count("<div class=\"row\" data-index=", in: html) == 200)
        #expect(html.contains("Showing the 200 of 250 indices that need a look first"))
        #expect(count("<figure data-index=", in: html) == HtmlReport.chartLimit)
        // The worst first: idx-249 has the highest lag.
        #expect(html.contains("The 20 of 250 indices with lag samples that need a look first"))
        let firstChart = try #require(html.range(of: "<figure data-index=\""))
        #expect(html[firstChart.upperBound...].hasPrefix("idx-249\""))
    }

    @Test func aFloodOfTransitionsIsMergedToOneTickPerUnit() throws {
        // 3,000 transitions 10 ms apart, within the first 1,000th of a long capture of one index.
        var lines: [String] = []
        for sample in 0..<3001 {
            let status = sample % 2 == 0 ? #"{"status":"SYNCING"}"# : #"{"status":"PAUSED"}"#
            lines.append(Self.line(0, #""flappy""#, status, millis: sample * 10))
        }
        lines.append(Self.line(100_000, #""flappy""#, #"{"status":"SYNCING"}"#))
        let html = try render(lines.joined(separator: "\n"))
        let row = try #require(section(of: html, from: "<div class=\"row\" data-index=\"flappy\"", to: "</div>"))
        #expect(count("<g class=\"tick\"", in: row) <= 2)
        #expect(row.contains("… and 2,997 more"))
        #expect(html.utf8.count < 200_000)
    }

    @Test func markdownBecomesHtmlWithItsEscapesUndone() {
        let html = HtmlMarkdown.html(
            """
            ## Errors

            Text with **bold**, *emphasis* and `\\u{1B}`.

            - item \\<b\\> \\& https[:]//x

            | Name | Count |
            | :--- | ----: |
            | a \\| b | 1 |
            | `|`<br>c | 2 |
            """)
        #expect(html.contains("<h2 id=\"errors\">Errors</h2>"))
        #expect(html.contains("<p>Text with <strong>bold</strong>, <em>emphasis</em> and <code>\\u{1B}</code>.</p>"))
        #expect(html.contains("<li>item &lt;b&gt; &amp; https[:]//x</li>"))
        #expect(html.contains("<th>Name</th><th class=\"number\">Count</th>"))
        #expect(html.contains("<td>a | b</td><td class=\"number\">1</td>"))
        #expect(html.contains("<td><code>|</code><br>c</td>"))
    }

    // MARK: - Hot shards

    /// A hand-built result over 0 to 300 s: index `hostileName` whose shard 1 is hot (lag from 0
    /// up to 900, p99 900) among `shardCount` shards at lag 20 (p99 `20 + shard number` for the
    /// others past the third), and index `calm`, two shards at lag 20: no hot shard.
    static func hotShardResult(shardCount: Int = 3) -> AnalysisResult {
        var names = StringTable()
        let hot = names.intern(hostileName)
        let calm = names.intern("calm")
        var indices: [IndexSummary] = []
        var shards: [ShardSummary] = []
        for (index, count) in [(hot, shardCount), (calm, 2)] {
            var summary = IndexSummary(index: index)
            summary.samples = 31
            (summary.firstSeen, summary.lastSeen) = (time(0), time(300))
            (summary.firstStatus, summary.lastStatus) = (.syncing, .syncing)
            summary.timeline = LagTimeline(capacity: LagTimeline.chartCapacity)
            for second in stride(from: 0, through: 300, by: 10) {
                summary.timeline?.record(at: time(second), lag: UInt64(second * 3 + 20), millis: nil)
            }
            indices.append(summary)
            for shard in 0..<UInt32(count) {
                let isHot = index == hot && shard == 1
                var peaks = LagSparkline(at: time(0), lag: isHot ? 0 : 20)
                for second in stride(from: 10, through: 300, by: 10) {
                    peaks.record(at: time(second), lag: isHot ? UInt64(second * 3) : 20)
                }
                let p99: UInt64 = isHot ? 900 : shard < 3 ? 20 : 20 + UInt64(shard)
                shards.append(
                    ShardSummary(
                        index: index, shard: shard, lagSamples: 31, p50: 20, p99: p99, max: isHot ? 900 : 20,
                        last: isHot ? 900 : 20, stalls: 0, millisStalled: 0, peaks: peaks))
            }
        }
        return AnalysisResult(
            sources: [SourceReport(name: "hand")], indices: indices, shards: shards, indexNames: names,
            texts: StringTable())
    }

    private static func time(_ seconds: Int) -> Int64 { 1_795_824_000_000 + Int64(seconds) * 1000 }

    @Test func aHotShardIsNamedAndItsIndexHasALinePerShard() throws {
        let html = HtmlReport.render(Self.hotShardResult())
        let name = HtmlText.escaped(Self.hostileName)
        #expect(html.contains("<li>Hot shards: \(name) (shard 1)</li>"))
        let figure = try #require(
            section(of: html, from: "<figure data-index=\"\(name)\" data-hot-shard=\"1\">", to: "</figure>"))
        #expect(
            figure.contains(
                "Hot shard: 1, lag p99 900, more than twice the median p99 of the index's 3 shards (20)."))
        let chart = try #require(section(of: figure, from: "<svg class=\"chart shards\"", to: "</svg>"))
        #expect(chart.contains("aria-label=\"\(name): lag in operations per shard\""))
        #expect(count("<g class=\"shard ", in: chart) == 3)
        #expect(count("<polyline points=", in: chart) == 3)
        // The hot shard drawn last, on top, and named at its peak (the last bucket, 288 to 300 s).
        let order = ["0", "2", "1"].map { chart.range(of: "data-shard=\"\($0)\"")?.lowerBound }
        #expect(order.allSatisfy { $0 != nil } && order == order.sorted { $0! < $1! })
        #expect(chart.contains("<g class=\"shard hot\" data-shard=\"1\"><title>shard 1 (hot): lag p99 900, max 900"))
        #expect(chart.contains(#"<text class="shard-label" x="976" y="24" text-anchor="end">shard 1 (hot)</text>"#))
        // 300 s in 16 s buckets; lag 20 of at most 900: the first point at (26.6, 113.8).
        #expect(
            chart.contains(
                #"<g class="shard line-1" data-shard="0"><title>shard 0: lag p99 20, max 20</title><polyline points="26.6,113.8 "#
            ))
        let legend = try #require(section(of: figure, from: "<ul class=\"legend shards\">", to: "</ul>"))
        #expect(count("<li>", in: legend) == 2 && count("<li class=\"hot\">", in: legend) == 1)
        // The calm index has no hot shard: no chart of its shards.
        let calm = try #require(section(of: html, from: "<figure data-index=\"calm\">", to: "</figure>"))
        #expect(!calm.contains("chart shards") && !calm.contains("Hot shard"))
        // The hostile name stays text.
        #expect(!html.contains("<script") && !html.contains("http://") && !html.contains("https://"))
        for tag in ["svg", "figure", "g", "ul", "title"] {
            #expect(count("<\(tag)>", in: html) + count("<\(tag) ", in: html) == count("</\(tag)>", in: html), "\(tag)")
        }
    }

    @Test func theShardChartDrawsTheHotShardAndTheSevenOthersOfHighestLag() throws {
        let html = HtmlReport.render(Self.hotShardResult(shardCount: 12))
        let chart = try #require(section(of: html, from: "<svg class=\"chart shards\"", to: "</svg>"))
        // Shards 3 to 11 have p99 23 to 31: the seven highest are 5 to 11.
        let drawn = chart.components(separatedBy: "data-shard=\"").dropFirst().map { $0.prefix { $0 != "\"" } }
        #expect(drawn == ["5", "6", "7", "8", "9", "10", "11", "1"])
        #expect(html.contains("The hot shard and the 7 others of highest lag p99, of 12; shards.csv has them all."))
        // The median of 20, 20, 23 to 31 and 900 is the lower middle one, 26.
        #expect(html.contains("median p99 of the index's 12 shards (26)"))
    }

    /// 20 indices that need a look before the two of `hotShardResult` (no lag figures): the one
    /// with a hot shard still gets a figure, after them; the calm one does not.
    @Test func anIndexWithAHotShardPastTheChartLimitStillGetsItsFigure() throws {
        var result = Self.hotShardResult()
        for number in 0..<HtmlReport.chartLimit {
            var summary = IndexSummary(index: result.indexNames.intern("busy-\(number)"))
            summary.samples = 1
            (summary.firstSeen, summary.lastSeen) = (Self.time(0), Self.time(300))
            (summary.firstStatus, summary.lastStatus) = (.syncing, .syncing)
            summary.lag = LagSummary(count: 1, min: 5, max: 5, last: 5, sum: 5, p50: 5, p90: 5, p99: 5)
            summary.timeline = LagTimeline(capacity: LagTimeline.chartCapacity)
            summary.timeline?.record(at: Self.time(0), lag: 5, millis: nil)
            result.indices.append(summary)
        }
        let names = result.indexNames
        result.indices.sort { names.string($0.index) < names.string($1.index) }
        let html = HtmlReport.render(result)
        #expect(count("<figure data-index=", in: html) == HtmlReport.chartLimit + 1)
        #expect(html.contains("then 1 other index with a hot shard."))
        let last = try #require(html.range(of: "<figure data-index=", options: .backwards))
        #expect(html[last.upperBound...].hasPrefix("\"\(HtmlText.escaped(Self.hostileName))\" data-hot-shard=\"1\">"))
        #expect(!html.contains("<figure data-index=\"calm\""))
    }

    @Test func aCaptureWithShardsButNoHotOneSaysSo() {
        var result = Self.hotShardResult()
        result.shards.removeAll { $0.shard == 1 && $0.index == 0 }
        let html = HtmlReport.render(result)
        #expect(html.contains("<li>Hot shards: none</li>"))
        #expect(!html.contains("data-hot-shard") && !html.contains("chart shards"))
        // Without shard details, no word of shards.
        result.shards = []
        #expect(!HtmlReport.render(result).contains("Hot shards"))
    }

    /// 2 shards over 1,000 polls 10 s apart, shard 1 behind by its poll number.
    @Test(arguments: [0, LagSparkline.capacity, LagTimeline.chartCapacity])
    func shardPeaksAreKeptForTheHtmlReportOnlyInFewBuckets(indexCapacity: Int) throws {
        var lines: [String] = []
        for poll in 0..<1000 {
            let shards = (0..<2).map { shard in
                #"{"shard_id":"[s][\#(shard)]","syncing_task_details":{"leader_checkpoint":\#(poll * 2),"#
                    + #""follower_checkpoint":\#(poll * 2 - shard * poll)}}"#
            }
            lines.append(
                Self.line(
                    poll * 10, #""s""#,
                    #"{"status":"SYNCING","syncing_details":{"leader_checkpoint":\#(poll * 4),"follower_checkpoint":"#
                        + #"\#(poll * 3)},"shard_replication_details":[\#(shards.joined(separator: ","))]}"#))
        }
        let path = try ScratchFile.write(lines.joined(separator: "\n") + "\n")
        defer { ScratchFile.remove(path) }
        var options = AnalysisOptions()
        options.timelineCapacity = indexCapacity
        let run = Analysis(options: options)
        run.consume(InputSource(path))
        let result = run.finish()
        let shards = result.shards
        try #require(shards.count == 2)
        guard indexCapacity == LagTimeline.chartCapacity else {
            #expect(shards.allSatisfy { $0.peaks == nil })
            return
        }
        // 9,990 s from the first sample: 32 buckets of 512 s would end at 16,384 s, of 256 s at
        // 8,192 s. Bucket n of shard 1 peaks at its last poll: the one before (n + 1) * 512 s.
        let expected: [[UInt64?]] = [
            Array(repeating: 0, count: 20), (0..<20).map { UInt64(min(((Int($0) + 1) * 512 - 1) / 10, 999)) },
        ]
        for (shard, peaks) in zip(shards, expected) {
            let kept = try #require(shard.peaks)
            #expect(kept.width == 512_000 && kept.origin == Self.time(0))
            #expect(kept.peaks == peaks)
        }
        #expect(shards[1].max == 999 && shards[0].max == 0)
        // Shard 1 is hot (its p99 against a median of 0): its index's figure draws both shards.
        let html = HtmlReport.render(result)
        let chart = try #require(section(of: html, from: "<svg class=\"chart shards\"", to: "</svg>"))
        #expect(html.contains("<figure data-index=\"s\" data-hot-shard=\"1\">"))
        #expect(count("<polyline points=", in: chart) == 2 && chart.contains(">max 999</text>"))
    }

    // MARK: - Helpers

    private func render(_ capture: String) throws -> String {
        let path = try ScratchFile.write(capture)
        defer { ScratchFile.remove(path) }
        return render(file: path, jobs: 1)
    }

    private func render(file path: String, jobs: Int) -> String {
        var options = AnalysisOptions()
        options.jobs = jobs
        options.timelineCapacity = LagTimeline.chartCapacity
        let run = Analysis(options: options)
        run.consume(InputSource(path))
        return HtmlReport.render(run.finish())
    }

    private func count(_ needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    private func section(of text: String, from start: String, to end: String) -> String? {
        guard let open = text.range(of: start), let close = text[open.upperBound...].range(of: end) else { return nil }
        return String(text[open.lowerBound..<close.upperBound])
    }
}
