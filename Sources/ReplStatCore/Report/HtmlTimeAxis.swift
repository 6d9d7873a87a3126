/// The time covered, left to right across the `width` units of an SVG drawing, the same for the
/// fleet timeline and every chart so that they line up. Positions are computed exactly in
/// tenths of a unit and written with one decimal: the same input, the same bytes.
struct HtmlTimeAxis {
    static let width = 1000
    let span: ClosedRange<Int64>

    /// The position of `time`, in tenths of a unit, within `0...width * 10`.
    func tenths(_ time: Int64) -> Int {
        let length = Int128(span.upperBound) - Int128(span.lowerBound)
        guard length > 0 else { return 0 }
        let offset = min(max(Int128(time) - Int128(span.lowerBound), 0), length)
        return Int(offset * Int128(Self.width * 10) / length)
    }

    /// Tenths of a unit as SVG writes them: `12.3`, `40`.
    static func number(_ tenths: Int) -> String {
        let sign = tenths < 0 ? "-" : ""
        let magnitude = tenths.magnitude
        return sign + String(magnitude / 10) + (magnitude % 10 == 0 ? "" : "." + String(magnitude % 10))
    }

    /// The times written under a drawing: start, quarters, end.
    var labels: [(tenths: Int, text: String)] {
        let length = Int128(span.upperBound) - Int128(span.lowerBound)
        return (0...4).map { quarter in
            let time = Int64(Int128(span.lowerBound) + length * Int128(quarter) / 4)
            return (tenths(time), Timestamp.format(time))
        }
    }

    /// An axis of times as an SVG, `height` units tall.
    func svg(className: String) -> String {
        var out = "<svg class=\"\(className)\" viewBox=\"0 0 \(Self.width) 16\" role=\"img\" aria-label=\"time axis\">"
        for (position, label) in labels.enumerated() {
            let anchor = position == 0 ? "start" : position == 4 ? "end" : "middle"
            // Hours and minutes: the date stands in the overview.
            let text = label.text.count >= 19 ? String(label.text.dropFirst(11).prefix(8)) : label.text
            out += "<text x=\"\(Self.number(label.tenths))\" y=\"12\" text-anchor=\"\(anchor)\">"
            out += HtmlText.escaped(text) + "<title>" + HtmlText.escaped(label.text) + "</title></text>"
        }
        return out + "</svg>\n"
    }
}

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
