/// An index's lag over time as an SVG chart: the range of lag within each bucket of its
/// `LagTimeline` as a shaded area, the last value of each bucket as a line, stalls shaded,
/// capture gaps hatched, transitions as dashed lines whose tooltip tells them. One chart for
/// lag in operations, one for lag in seconds (when the index has values of it), and for an
/// index with a hot shard one of its shards' lag (`HtmlHotShard`).
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

    /// What a chart of an index shows behind its lag: its stalls and capture gaps shaded, its
    /// transitions dashed, over the time `axis`.
    struct Backdrop {
        var axis: HtmlTimeAxis
        var result: AnalysisResult
        var stalls: [StallRow]
        var gaps: [GapRow]
        var transitions: [TransitionRow]
    }

    /// The chart, or nil when the index has no value of `measure`.
    static func svg(_ index: IndexSummary, _ measure: Measure, over backdrop: Backdrop) -> String? {
        guard let timeline = index.timeline else { return nil }
        let values = timeline.buckets.map(measure.range)
        guard let highest = values.compactMap({ $0?.high }).max() else { return nil }
        var plot = ""
        for run in runs(values, origin: timeline.origin, width: timeline.width, on: backdrop.axis) {
            let upper = run.flatMap {
                [point($0.x0, y($0.value.high, highest)), point($0.x1, y($0.value.high, highest))]
            }
            let lower = run.reversed().flatMap {
                [point($0.x1, y($0.value.low, highest)), point($0.x0, y($0.value.low, highest))]
            }
            plot += "<polygon class=\"range\" points=\"" + (upper + lower).joined(separator: " ") + "\"/>"
            plot += line(
                run.compactMap { bucket in bucket.value.last.map { (bucket.middle, y($0, highest)) } }, styled: true)
        }
        let name = HtmlText.escaped(backdrop.result.indexName(index.index))
        return drawing(
            className: measure == .operations ? "operations" : "seconds", label: name + ": " + measure.title,
            title: measure.title, highest: measure.text(highest), plot: plot, backdrop)
    }

    /// The chart of an index's shards (`HtmlHotShard`): a line per shard drawn through the
    /// highest lag of each stretch of time (its `LagSparkline`), the hot one last (on top), thick
    /// and named at its peak; nil when no shard drawn has a lag sample.
    static func svg(_ shards: HtmlHotShard, over backdrop: Backdrop) -> String? {
        let hot = shards.hot.shard
        let drawn = shards.drawn.filter { $0.shard != hot } + shards.drawn.filter { $0.shard == hot }
        let highestPeaks = drawn.compactMap { $0.peaks?.peaks.compactMap { $0 }.max() }
        guard let highest = highestPeaks.max().map({ Int128($0) }) else { return nil }
        var plot = ""
        for shard in drawn {
            guard let peaks = shard.peaks else { continue }
            let values = peaks.peaks.map { $0.map { Int128($0) } }
            let runs = runs(values, origin: peaks.origin, width: peaks.width, on: backdrop.axis)
            plot += "<g class=\"shard \(shards.className(shard.shard))\" data-shard=\"\(shard.shard)\">"
            plot += "<title>" + shards.label(shard) + "</title>"
            for run in runs { plot += line(run.map { ($0.middle, y($0.value, highest)) }, styled: false) }
            plot += "</g>"
            // The first bucket where the hot shard is highest carries its name.
            if shard.shard == hot, let peak = runs.joined().max(by: { $0.value < $1.value }) {
                let start = peak.middle < HtmlTimeAxis.width * 5
                plot += "<text class=\"shard-label\" x=\"\(HtmlTimeAxis.number(peak.middle + (start ? 40 : -40)))\" "
                plot += "y=\"\(HtmlTimeAxis.number(max(y(peak.value, highest) + 40, (top + 10) * 10)))\" "
                plot += "text-anchor=\"\(start ? "start" : "end")\">shard \(hot) (hot)</text>"
            }
        }
        return drawing(
            className: "shards",
            label: HtmlText.escaped(backdrop.result.indexName(shards.hot.index)) + ": "
                + HtmlHotShard.title, title: HtmlHotShard.title, highest: HumanFormat.grouped(highest), plot: plot,
            backdrop)
    }

    /// A chart around `plot`: the backdrop's shades behind, its transitions over, the highest
    /// value and the title above.
    private static func drawing(
        className: String, label: String, title: String, highest: String, plot: String, _ backdrop: Backdrop
    ) -> String {
        let axis = backdrop.axis
        var out = "<svg class=\"chart \(className)\" viewBox=\"0 0 \(HtmlTimeAxis.width) \(height)\" role=\"img\" "
        out += "aria-label=\"\(label)\">"
        out += shades(
            backdrop.gaps.map { ($0.start, $0.end, "capture gap: " + HtmlTimeline.span($0.start, $0.end)) }, "gap", axis
        )
        out += shades(
            backdrop.stalls.map { ($0.start, $0.end, "stall: " + HtmlTimeline.span($0.start, $0.end)) }, "stall", axis)
        out += "<rect class=\"frame\" x=\"0\" y=\"\(top)\" width=\"\(HtmlTimeAxis.width)\" height=\"\(plotHeight)\"/>"
        out += plot
        for mark in HtmlMarkLane(backdrop.transitions, backdrop.result, on: axis).marks {
            let x = HtmlTimeAxis.number(mark.start)
            out += "<g class=\"transition\" data-time=\"\(Timestamp.format(mark.time))\"><title>"
            out += HtmlText.escaped(HtmlMarkLane.title(mark)) + "</title>"
            out += "<line x1=\"\(x)\" x2=\"\(x)\" y1=\"\(top)\" y2=\"\(top + plotHeight)\"/>"
            out +=
                "<rect x=\"\(HtmlTimeAxis.number(max(mark.start - 20, 0)))\" y=\"\(top)\" width=\"4\" height=\"\(plotHeight)\"/></g>"
        }
        out += "<text x=\"4\" y=\"11\">max \(highest)</text>"
        out += "<text x=\"\(HtmlTimeAxis.width - 4)\" y=\"11\" text-anchor=\"end\">\(title)</text>"
        return out + "</svg>\n"
    }

    /// The runs of buckets with a value, in tenths along `axis`: a bucket without one breaks a run.
    /// Bucket `n` starts at `origin + n * width` (`LagTimeline`, `LagSparkline`).
    private static func runs<Value>(_ values: [Value?], origin: Int64, width: Int64, on axis: HtmlTimeAxis)
        -> [[(x0: Int, x1: Int, middle: Int, value: Value)]]
    {
        var runs: [[(x0: Int, x1: Int, middle: Int, value: Value)]] = []
        var run: [(x0: Int, x1: Int, middle: Int, value: Value)] = []
        for (position, value) in values.enumerated() {
            guard let value else {
                if !run.isEmpty { runs.append(run) }
                run = []
                continue
            }
            let x0 = axis.tenths(origin + Int64(position) * width)
            let x1 = max(axis.tenths(origin + Int64(position + 1) * width), x0 + 1)
            run.append((x0, x1, (x0 + x1) / 2, value))
        }
        if !run.isEmpty { runs.append(run) }
        return runs
    }

    /// A line through `points` (tenths), or a dot for a lone one; `styled`, in the look of the
    /// last lag of an index, else in that of the group around it.
    private static func line(_ points: [(Int, Int)], styled: Bool) -> String {
        if points.count == 1 {
            let (x, y) = (HtmlTimeAxis.number(points[0].0), HtmlTimeAxis.number(points[0].1))
            return "<circle\(styled ? " class=\"dot\"" : "") r=\"2\" cx=\"\(x)\" cy=\"\(y)\"/>"
        }
        guard points.count > 1 else { return "" }
        return "<polyline\(styled ? " class=\"last\"" : "") points=\"" + points.map(point).joined(separator: " ")
            + "\"/>"
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
