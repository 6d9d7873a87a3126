/// The report of `replstat analyze --format html` (docs/format.md): one page that tells the
/// story over time, for an incident review or a disaster-recovery drill. It holds the Markdown
/// report's overview and tables, a fleet timeline (`HtmlTimeline`) and charts of lag over time
/// (`HtmlChart`), an index with a hot shard its shards' lag too (`HtmlHotShard`), all drawn by
/// replstat as inline SVG.
///
/// Self-contained: no script, and nothing loaded from anywhere (styles, fonts, images), so it
/// reads offline, in a mail attachment or printed. Bounded: the timeline has at most
/// `MarkdownReport.tableRowLimit` rows, and only the `chartLimit` indices that need a look first
/// get charts, and at most `chartLimit` more with a hot shard. The output depends only on the
/// result, so the same input gives the same bytes.
public enum HtmlReport {
    /// Indices with charts of their own: those not replicating now, then by highest lag p99.
    public static let chartLimit = 20

    public static func render(_ result: AnalysisResult) -> String {
        let markdown = MarkdownReport.render(result)
        // The overview first, then the drawings, then the tables.
        let split = sectionStart("Indices", in: markdown)
        var out = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="generator" content="replstat">
            <link rel="icon" href="data:,">
            <title>Replication report</title>
            <style>

            """
        let hotShards = HtmlHotShard.all(in: result)
        out += HtmlStyle.css + "</style>\n</head>\n<body>\n" + HtmlStyle.definitions
        out += HtmlMarkdown.html(overview(String(markdown[..<split]), result, hotShards))
        if let span = MarkdownReport.timeCovered(result) {
            let axis = HtmlTimeAxis(span: span)
            out += fleet(result, axis)
            out += charts(result, hotShards, axis)
        }
        out += HtmlMarkdown.html(String(markdown[split...]))
        return out + "</body>\n</html>\n"
    }

    /// The Markdown overview, with the hot shards named last in its list (worst first) when the
    /// capture has shard details.
    private static func overview(_ markdown: String, _ result: AnalysisResult, _ hotShards: [HtmlHotShard])
        -> String
    {
        guard !result.shards.isEmpty else { return markdown }
        let names = hotShards.map {
            MarkdownText.inline(result.indexName($0.hot.index)) + " (shard \($0.hot.shard))"
        }
        var item = "- Hot shards: "
        item += names.isEmpty ? "none" : HumanFormat.list(names, limit: MarkdownReport.inlineNameLimit)
        var list = markdown
        while list.hasSuffix("\n") { list.removeLast() }
        return list + "\n" + item + "\n\n"
    }

    /// Where the section of `title` starts (its heading), or the end.
    private static func sectionStart(_ title: String, in markdown: String) -> String.Index {
        var position = markdown.startIndex
        while let newline = markdown[position...].firstIndex(of: "\n") {
            position = markdown.index(after: newline)
            if markdown[position...].hasPrefix("## " + title + "\n") { return position }
        }
        return markdown.endIndex
    }

    private static func fleet(_ result: AnalysisResult, _ axis: HtmlTimeAxis) -> String {
        let shown = MarkdownReport.indicesNeedingALook(result.indices).filter { $0.samples > 0 }
        let withStatus = result.indices.count { $0.samples > 0 }
        var out = "<section class=\"fleet\">\n<h2 id=\"fleet-timeline\">Fleet timeline</h2>\n<p>"
        out += "Each index's status over the time covered, from its first to its last sample. Hover a tick for "
        out += "the time, change and reason of a transition, a bar for an error episode or a stall."
        if shown.count < withStatus {
            out += " Showing the \(HumanFormat.grouped(shown.count)) of \(HumanFormat.grouped(withStatus)) indices "
            out += "that need a look first, as in the Indices table; the CSV tables have them all."
        }
        out += "</p>\n" + HtmlStyle.legend + HtmlTimeline.html(result, shown: shown, axis: axis)
        return out + "</section>\n"
    }

    private static func charts(_ result: AnalysisResult, _ hotShards: [HtmlHotShard], _ axis: HtmlTimeAxis)
        -> String
    {
        // Positions, not a copy of the summaries: a fleet can have a million indices with lag.
        let indices = result.indices
        let withLag = indices.indices.lazy.filter { !(indices[$0].timeline?.buckets.isEmpty ?? true) }
        let withLagCount = withLag.count
        let ranked = MarkdownReport.ranked(indices, among: withLag, limit: chartLimit)
        // Past the first `chartLimit`, indices with a hot shard get a figure too: at most `chartLimit` more, worst first.
        let rankedIds = Set(ranked.map(\.index))
        let extraIds = Array(hotShards.lazy.map(\.hot.index).filter { !rankedIds.contains($0) }.prefix(chartLimit))
        let wanted = Set(extraIds)
        let extra = Dictionary(
            uniqueKeysWithValues: withLag.filter { wanted.contains(indices[$0].index) }.map { (indices[$0].index, $0) })
        let charted = ranked + extraIds.compactMap { extra[$0].map { indices[$0] } }
        var out = "<section class=\"charts\">\n<h2 id=\"lag-over-time\">Lag over time</h2>\n"
        guard !charted.isEmpty else { return out + "<p>No lag sample: nothing to chart.</p>\n</section>\n" }
        out += "<p>"
        out +=
            withLagCount > ranked.count
            ? "The \(ranked.count) of \(HumanFormat.grouped(withLagCount)) indices with lag samples that need a look first: "
            : "Every index with lag samples, in the order of need: "
        out += "not replicating now, then by highest lag p99"
        out +=
            charted.count > ranked.count
            ? "; then " + HumanFormat.count(charted.count - ranked.count, "other index", "other indices")
                + " with a hot shard. " : ". "
        out += "The shaded area spans the lowest to the highest lag "
        out += "within each stretch of time, the line follows the last; stalls are shaded yellow, capture gaps "
        out += "hatched, transitions dashed."
        if !hotShards.isEmpty {
            out += " An index with a hot shard has a chart of its shards too: a line per shard through the highest "
            out += "lag of each stretch, the hot shard thick and named."
        }
        out += "</p>\n"
        let rows = HtmlIndexRows(result, of: charted)
        let hotShardOf = Dictionary(uniqueKeysWithValues: hotShards.map { ($0.hot.index, $0) })
        for index in charted {
            let name = HtmlText.escaped(result.indexName(index.index))
            let hot = hotShardOf[index.index]
            out += "<figure data-index=\"\(name)\"" + (hot.map { " data-hot-shard=\"\($0.hot.shard)\"" } ?? "")
            out += "><figcaption>\(name)</figcaption>\n"
            out += "<p class=\"what\">Status now " + (index.lastStatus?.apiName ?? "none")
            if let lag = index.lag {
                out += "; lag p99 \(HumanFormat.grouped(lag.p99)), max \(HumanFormat.grouped(lag.max))"
            }
            if let seconds = index.lagSeconds {
                out +=
                    "; lag in seconds p99 \(HumanFormat.duration(seconds.p99)), max \(HumanFormat.duration(seconds.max))"
            }
            out += "</p>\n"
            if let hot { out += "<p class=\"what hot-shard\">" + hot.sentence + "</p>\n" }
            let backdrop = HtmlChart.Backdrop(
                axis: axis, result: result, stalls: rows.stalls[index.index] ?? [], gaps: rows.gaps[index.index] ?? [],
                transitions: rows.transitions[index.index] ?? [])
            for measure in [HtmlChart.Measure.operations, .seconds] {
                out += HtmlChart.svg(index, measure, over: backdrop) ?? ""
            }
            if let hot { out += hot.html(over: backdrop) }
            out += axis.svg(className: "axis") + "</figure>\n"
        }
        return out + "</section>\n"
    }
}
