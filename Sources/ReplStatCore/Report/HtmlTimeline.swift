/// The fleet timeline of the HTML report: a row per index, its status over time as coloured
/// bands (patterned and labelled where replication is not going on, so that colour is never the
/// only clue), capture gaps hatched, error episodes and stalls marked as bars, and transitions as
/// ticks whose tooltip gives time, change and reason.
///
/// Bounded: at most `MarkdownReport.tableRowLimit` rows, the indices of the report's index table;
/// bands narrower than a unit of the axis (a thousandth of the time covered) are not drawn (their
/// transitions' ticks are); ticks, gaps, error episodes and stalls are merged to at most one mark
/// per unit (`HtmlMarkLane`).
enum HtmlTimeline {
    static let rowHeight = 18

    /// The index rows, over `axis`, with the rows in `shown`'s order.
    static func html(_ result: AnalysisResult, shown: [IndexSummary], axis: HtmlTimeAxis) -> String {
        let rows = HtmlIndexRows(result, of: shown)
        let (transitions, gaps, stalls, errors) = (rows.transitions, rows.gaps, rows.stalls, rows.errors)

        var out = "<div class=\"timeline\">\n"
        out += "<div class=\"row axis\"><span class=\"label\"></span>" + axis.svg(className: "axis") + "</div>\n"
        for index in shown {
            let name = HtmlText.escaped(result.indexName(index.index))
            out += "<div class=\"row\" data-index=\"\(name)\"><span class=\"label\" title=\"\(name)\">\(name)</span>"
            out += "<svg viewBox=\"0 0 \(HtmlTimeAxis.width) \(rowHeight)\" role=\"img\" aria-label=\"\(name)\">"
            out += bands(index, transitions[index.index] ?? [], axis)
            out += marks(
                (gaps[index.index] ?? []).map { ($0.start, $0.end, "capture gap: " + span($0.start, $0.end)) },
                axis, kind: "gap", y: 0, height: rowHeight)
            out += marks(
                (stalls[index.index] ?? []).map {
                    ($0.start, $0.end, "stall: " + span($0.start, $0.end) + ", lag \(HumanFormat.grouped($0.maxLag))")
                }, axis, kind: "stall", y: rowHeight - 5, height: 5)
            out += marks(
                (errors[index.index] ?? []).map { ($0.start, $0.end, errorDetail($0, result)) }, axis, kind: "error",
                y: 0, height: 5)
            out += ticks(transitions[index.index] ?? [], result, axis)
            out += "</svg></div>\n"
        }
        return out + "</div>\n"
    }

    /// The states as bands, from each transition to the next; the text of a band wide enough
    /// names its state.
    private static func bands(_ index: IndexSummary, _ transitions: [TransitionRow], _ axis: HtmlTimeAxis) -> String {
        guard let first = index.firstSeen, let last = index.lastSeen, var status = index.firstStatus else { return "" }
        var runs: [(start: Int64, end: Int64, status: ReplicationStatus)] = []
        var start = first
        for transition in transitions {
            runs.append((start, transition.timestamp, status))
            (start, status) = (transition.timestamp, transition.to)
        }
        runs.append((start, last, status))
        var out = ""
        for run in runs {
            let (x0, x1) = (axis.tenths(run.start), axis.tenths(run.end))
            // A lone sample still shows as a sliver; a short run inside a busy row does not.
            guard x1 - x0 >= 10 || runs.count == 1 else { continue }
            let width = max(x1 - x0, 10)
            let name = HtmlStyle.className(run.status)
            out += "<rect class=\"band \(name)\" x=\"\(HtmlTimeAxis.number(x0))\" y=\"0\" "
            out += "width=\"\(HtmlTimeAxis.number(width))\" height=\"\(rowHeight)\" "
            out += "data-status=\"\(run.status.apiName)\" data-start=\"\(Timestamp.format(run.start))\" "
            out += "data-end=\"\(Timestamp.format(run.end))\"><title>\(run.status.apiName): "
            out += span(run.start, run.end) + "</title></rect>"
            if !HtmlStyle.isReplicating(run.status) {
                out += "<rect class=\"pattern \(name)\" x=\"\(HtmlTimeAxis.number(x0))\" y=\"0\" "
                out += "width=\"\(HtmlTimeAxis.number(width))\" height=\"\(rowHeight)\"/>"
            }
            let label = HtmlStyle.label(run.status)
            if width >= 10 * (label.count * 7 + 8) {
                out += "<text class=\"band-label\" x=\"\(HtmlTimeAxis.number(x0 + 40))\" y=\"13\">\(label)</text>"
            }
        }
        return out
    }

    private static func marks(
        _ items: [(start: Int64, end: Int64, detail: String)], _ axis: HtmlTimeAxis, kind: String, y: Int, height: Int
    ) -> String {
        var out = ""
        for mark in HtmlMarkLane(items, on: axis).marks {
            out += "<rect class=\"\(kind)\" x=\"\(HtmlTimeAxis.number(mark.start))\" y=\"\(y)\" "
            out += "width=\"\(HtmlTimeAxis.number(max(mark.end - mark.start, 10)))\" height=\"\(height)\" "
            out += "data-time=\"\(Timestamp.format(mark.time))\"><title>"
            out += HtmlText.escaped(HtmlMarkLane.title(mark)) + "</title></rect>"
        }
        return out
    }

    private static func ticks(_ transitions: [TransitionRow], _ result: AnalysisResult, _ axis: HtmlTimeAxis) -> String
    {
        var out = ""
        for mark in HtmlMarkLane(transitions, result, on: axis).marks {
            out += "<g class=\"tick\" data-time=\"\(Timestamp.format(mark.time))\" data-count=\"\(mark.count)\">"
            out += "<title>" + HtmlText.escaped(HtmlMarkLane.title(mark)) + "</title>"
            out += "<rect x=\"\(HtmlTimeAxis.number(max(mark.start - 10, 0)))\" y=\"0\" width=\"2\" "
            out += "height=\"\(rowHeight)\"/></g>"
        }
        return out
    }

    /// `2026-11-28T00:34:51.044Z SYNCING → PAUSED: AutoPaused…`, for a tooltip.
    static func transitionDetail(_ transition: TransitionRow, _ result: AnalysisResult) -> String {
        let reason = result.text(transition.reason).map {
            ": " + MarkdownText.truncated($0, to: MarkdownReport.reasonLimit)
        }
        return Timestamp.format(transition.timestamp) + " " + transition.from.apiName + " → " + transition.to.apiName
            + (reason ?? "")
    }

    private static func errorDetail(_ episode: ErrorEpisode, _ result: AnalysisResult) -> String {
        var text = "errors: " + span(episode.start, episode.end) + ", "
        text += HumanFormat.count(episode.samples, "sample", "samples")
        if let status = episode.httpStatus { text += ", HTTP \(status)" }
        if let type = result.text(episode.type) { text += ", " + type }
        if let reason = result.text(episode.reason) {
            text += ": " + MarkdownText.truncated(reason, to: MarkdownReport.reasonLimit)
        }
        return text
    }

    /// `2026-11-28T00:34:51.044Z to 2026-11-28T00:48:01.431Z (13m 10s)`.
    static func span(_ start: Int64, _ end: Int64) -> String {
        Timestamp.format(start) + " to " + Timestamp.format(end) + " (" + HumanFormat.duration(end - start) + ")"
    }
}

/// The rows of the result that belong to some indices, by index, each list in the result's order.
struct HtmlIndexRows {
    var transitions: [Int32: [TransitionRow]] = [:]
    var gaps: [Int32: [GapRow]] = [:]
    var stalls: [Int32: [StallRow]] = [:]
    var errors: [Int32: [ErrorEpisode]] = [:]

    init(_ result: AnalysisResult, of indices: [IndexSummary]) {
        let ids = Set(indices.map(\.index))
        for row in result.transitions where ids.contains(row.index) { transitions[row.index, default: []].append(row) }
        for row in result.gaps where ids.contains(row.index) { gaps[row.index, default: []].append(row) }
        for row in result.stalls where ids.contains(row.index) { stalls[row.index, default: []].append(row) }
        for row in result.errorEpisodes where ids.contains(row.index) { errors[row.index, default: []].append(row) }
    }
}
