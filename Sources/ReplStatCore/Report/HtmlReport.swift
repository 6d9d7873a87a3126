/// The report of `replstat analyze --format html` (docs/format.md): one page that tells the
/// story over time, for an incident review or a disaster-recovery drill. It holds the Markdown
/// report's overview and tables, a fleet timeline (`HtmlTimeline`) and charts of lag over time
/// (`HtmlChart`), all drawn by replstat as inline SVG.
///
/// Self-contained: no script, and nothing loaded from anywhere (styles, fonts, images), so it
/// reads offline, in a mail attachment or printed. Bounded: the timeline has at most
/// `MarkdownReport.tableRowLimit` rows, and only the `chartLimit` indices that need a look first
/// get charts. The output depends only on the result, so the same input gives the same bytes.
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
        out += HtmlStyle.css + "</style>\n</head>\n<body>\n" + HtmlStyle.definitions
        out += HtmlMarkdown.html(String(markdown[..<split]))
        if let span = MarkdownReport.timeCovered(result) {
            let axis = HtmlTimeAxis(span: span)
            out += fleet(result, axis)
            out += charts(result, axis)
        }
        out += HtmlMarkdown.html(String(markdown[split...]))
        return out + "</body>\n</html>\n"
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

    private static func charts(_ result: AnalysisResult, _ axis: HtmlTimeAxis) -> String {
        let charted = MarkdownReport.ranked(
            result.indices.filter { !($0.timeline?.buckets.isEmpty ?? true) }, limit: chartLimit)
        var out = "<section class=\"charts\">\n<h2 id=\"lag-over-time\">Lag over time</h2>\n"
        guard !charted.isEmpty else { return out + "<p>No lag sample: nothing to chart.</p>\n</section>\n" }
        let all = result.indices.count { !($0.timeline?.buckets.isEmpty ?? true) }
        out += "<p>"
        out +=
            all > charted.count
            ? "The \(charted.count) of \(HumanFormat.grouped(all)) indices with lag samples that need a look first: "
            : "Every index with lag samples, in the order of need: "
        out += "not replicating now, then by highest lag p99. The shaded area spans the lowest to the highest lag "
        out += "within each stretch of time, the line follows the last; stalls are shaded yellow, capture gaps "
        out += "hatched, transitions dashed.</p>\n"
        let rows = HtmlIndexRows(result, of: charted)
        for index in charted {
            let name = HtmlText.escaped(result.indexName(index.index))
            out += "<figure data-index=\"\(name)\"><figcaption>\(name)</figcaption>\n"
            out += "<p class=\"what\">Status now " + (index.lastStatus?.apiName ?? "none")
            if let lag = index.lag {
                out += "; lag p99 \(HumanFormat.grouped(lag.p99)), max \(HumanFormat.grouped(lag.max))"
            }
            if let seconds = index.lagSeconds {
                out +=
                    "; lag in seconds p99 \(HumanFormat.duration(seconds.p99)), max \(HumanFormat.duration(seconds.max))"
            }
            out += "</p>\n"
            for measure in [HtmlChart.Measure.operations, .seconds] {
                out +=
                    HtmlChart.svg(
                        index, measure, axis: axis, result: result, stalls: rows.stalls[index.index] ?? [],
                        gaps: rows.gaps[index.index] ?? [], transitions: rows.transitions[index.index] ?? []) ?? ""
            }
            out += axis.svg(className: "axis") + "</figure>\n"
        }
        return out + "</section>\n"
    }
}
