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
