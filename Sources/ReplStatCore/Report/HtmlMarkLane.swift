/// Marks along a row or a chart, at most one per unit of the axis: marks that fall within the
/// unit of the one before are merged into it, their count and the span grown, so that a flood
/// of them cannot grow the page past `HtmlTimeAxis.width` marks per row.
struct HtmlMarkLane {
    struct Mark {
        var start: Int
        var end: Int
        var count: Int
        /// The descriptions of the first few marks merged here.
        var details: [String]
        /// The time of the first of them, for the tests and the curious (`data-time`).
        var time: Int64
    }

    static let detailsShown = 3
    private(set) var marks: [Mark] = []

    /// The marks of `items` (times in milliseconds, in order of start) along `axis`.
    init(_ items: [(start: Int64, end: Int64, detail: String)], on axis: HtmlTimeAxis) {
        for item in items {
            add(start: axis.tenths(item.start), end: axis.tenths(item.end), time: item.start, detail: item.detail)
        }
    }

    /// The ticks of `transitions` along `axis`, each telling its time, change and reason.
    init(_ transitions: [TransitionRow], _ result: AnalysisResult, on axis: HtmlTimeAxis) {
        self.init(
            transitions.map { ($0.timestamp, $0.timestamp, HtmlTimeline.transitionDetail($0, result)) }, on: axis)
    }

    /// Takes in a mark from `start` to `end` (tenths), in order of start.
    mutating func add(start: Int, end: Int, time: Int64, detail: String) {
        if var last = marks.last, start / 10 <= last.end / 10 {
            last.end = max(last.end, end)
            last.count += 1
            if last.details.count < Self.detailsShown { last.details.append(detail) }
            marks[marks.count - 1] = last
        } else {
            marks.append(Mark(start: start, end: end, count: 1, details: [detail], time: time))
        }
    }

    /// The tooltip of a mark: its descriptions, and how many more it stands for.
    static func title(_ mark: Mark) -> String {
        let more = mark.count - mark.details.count
        return mark.details.joined(separator: "\n") + (more > 0 ? "\n… and \(HumanFormat.grouped(more)) more" : "")
    }
}
