/// An index's lag over time as an SVG chart: the range of lag within each bucket of its
/// `LagTimeline` as a shaded area, the last value of each bucket as a line, stalls shaded,
/// capture gaps hatched, transitions as dashed lines whose tooltip tells them. One chart for
/// lag in operations, one for lag in seconds (when the index has values of it).
enum HtmlChart {
    static let height = 120
    /// Room above and below the plot, in units.
    static let top = 14
    static let bottom = 4

    enum Measure {
        case operations, seconds

        var title: String { self == .operations ? "lag in operations" : "lag in seconds" }

        func range(_ bucket: LagTimeline.Bucket) -> (low: Int128, high: Int128, last: Int128?)? {
            switch self {
            case .operations:
                return bucket.isEmpty ? nil : (Int128(bucket.minimum), Int128(bucket.maximum), Int128(bucket.last))
            case .seconds:
                guard bucket.hasMillis else { return nil }
                return (
                    Int128(bucket.minimumMillis), Int128(bucket.maximumMillis),
                    bucket.lastMillis >= 0 ? Int128(bucket.lastMillis) : nil
                )
            }
        }

        func text(_ value: Int128) -> String {
            self == .operations ? HumanFormat.grouped(value) : HumanFormat.duration(Int64(value))
        }
    }

    /// The chart, or nil when the index has no value of `measure`.
    static func svg(
        _ index: IndexSummary, _ measure: Measure, axis: HtmlTimeAxis, result: AnalysisResult,
        stalls: [StallRow], gaps: [GapRow], transitions: [TransitionRow]
    ) -> String? {
        guard let timeline = index.timeline else { return nil }
        let values = timeline.buckets.map(measure.range)
        guard let highest = values.compactMap({ $0?.high }).max() else { return nil }
        let name = HtmlText.escaped(result.indexName(index.index))
        var out = "<svg class=\"chart \(measure == .operations ? "operations" : "seconds")\" "
        out += "viewBox=\"0 0 \(HtmlTimeAxis.width) \(height)\" role=\"img\" aria-label=\"\(name): \(measure.title)\">"
        out += shades(
            gaps.map { ($0.start, $0.end, "capture gap: " + HtmlTimeline.span($0.start, $0.end)) }, "gap", axis)
        out += shades(stalls.map { ($0.start, $0.end, "stall: " + HtmlTimeline.span($0.start, $0.end)) }, "stall", axis)
        out += "<rect class=\"frame\" x=\"0\" y=\"\(top)\" width=\"\(HtmlTimeAxis.width)\" height=\"\(plotHeight)\"/>"

        // Runs of buckets with a value, each an area and a line; a bucket without breaks both.
        var run: [(x0: Int, x1: Int, low: Int, high: Int, last: Int?)] = []
        func flush() {
            guard !run.isEmpty else { return }
            let upper = run.flatMap { [point($0.x0, $0.high), point($0.x1, $0.high)] }
            let lower = run.reversed().flatMap { [point($0.x1, $0.low), point($0.x0, $0.low)] }
            out += "<polygon class=\"range\" points=\"" + (upper + lower).joined(separator: " ") + "\"/>"
            let line = run.compactMap { bucket in bucket.last.map { ((bucket.x0 + bucket.x1) / 2, $0) } }
            if line.count == 1 {
                let (x, y) = (HtmlTimeAxis.number(line[0].0), HtmlTimeAxis.number(line[0].1))
                out += "<circle class=\"dot\" r=\"2\" cx=\"\(x)\" cy=\"\(y)\"/>"
            } else if line.count > 1 {
                out += "<polyline class=\"last\" points=\"" + line.map(point).joined(separator: " ") + "\"/>"
            }
            run = []
        }
        for (position, value) in values.enumerated() {
            guard let value else {
                flush()
                continue
            }
            let x0 = axis.tenths(timeline.start(of: position))
            let x1 = axis.tenths(timeline.start(of: position + 1))
            run.append(
                (x0, max(x1, x0 + 1), y(value.low, highest), y(value.high, highest), value.last.map { y($0, highest) }))
        }
        flush()

        for mark in HtmlMarkLane(transitions, result, on: axis).marks {
            let x = HtmlTimeAxis.number(mark.start)
            out += "<g class=\"transition\" data-time=\"\(Timestamp.format(mark.time))\"><title>"
            out += HtmlText.escaped(HtmlMarkLane.title(mark)) + "</title>"
            out += "<line x1=\"\(x)\" x2=\"\(x)\" y1=\"\(top)\" y2=\"\(top + plotHeight)\"/>"
            out +=
                "<rect x=\"\(HtmlTimeAxis.number(max(mark.start - 20, 0)))\" y=\"\(top)\" width=\"4\" height=\"\(plotHeight)\"/></g>"
        }
        out += "<text x=\"4\" y=\"11\">max \(measure.text(highest))</text>"
        out += "<text x=\"\(HtmlTimeAxis.width - 4)\" y=\"11\" text-anchor=\"end\">\(measure.title)</text>"
        return out + "</svg>\n"
    }

    /// Stretches shaded over the whole height, merged to at most one per unit (`HtmlMarkLane`).
    private static func shades(
        _ items: [(start: Int64, end: Int64, detail: String)], _ kind: String, _ axis: HtmlTimeAxis
    )
        -> String
    {
        HtmlMarkLane(items, on: axis).marks.map { mark in
            "<rect class=\"shade \(kind)\" x=\"\(HtmlTimeAxis.number(mark.start))\" y=\"0\" height=\"\(height)\" "
                + "width=\"\(HtmlTimeAxis.number(max(mark.end - mark.start, 10)))\"><title>"
                + HtmlText.escaped(HtmlMarkLane.title(mark)) + "</title></rect>"
        }.joined()
    }

    private static var plotHeight: Int { height - top - bottom }

    /// The height of `value` in tenths of a unit, 0 at the bottom of the plot, `top` at its top.
    private static func y(_ value: Int128, _ highest: Int128) -> Int {
        let scaled = highest > 0 ? value * Int128(plotHeight * 10) / highest : 0
        return (top + plotHeight) * 10 - Int(scaled)
    }

    private static func point(_ x: Int, _ y: Int) -> String {
        HtmlTimeAxis.number(x) + "," + HtmlTimeAxis.number(y)
    }
}
