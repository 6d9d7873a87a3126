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
