/// What the HTML report shows of an index with a hot shard (`HotShard`, docs/format.md): the
/// shard named, and a chart of its shards' lag over time (`HtmlChart`), a line per shard, told
/// apart by colour (Okabe-Ito), dashes and a legend, the hot one thick, vermillion and named.
///
/// Bounded: at most `lineLimit` lines (the hot shard and the others of highest lag p99), each of
/// at most `LagTimeline.shardChartCapacity` points.
struct HtmlHotShard {
    /// The hot shard and seven others: as many lines as the palette has colours.
    static let lineLimit = 8
    static let title = "lag in operations per shard"

    let hot: HotShard
    /// The shards drawn, by shard number.
    let drawn: [ShardSummary]
    /// How many shards of the index have shard samples.
    let count: Int

    /// The hot shards of `result`, worst first (`HotShard.worstFirst`).
    static func all(in result: AnalysisResult) -> [HtmlHotShard] {
        let hot = HotShard.worstFirst(in: result.shards)
        let indices = Set(hot.map(\.index))
        var shards: [Int32: [ShardSummary]] = [:]
        for row in result.shards where indices.contains(row.index) { shards[row.index, default: []].append(row) }
        return hot.map { HtmlHotShard($0, shards: shards[$0.index] ?? []) }
    }

    /// `shards`: the rows of the hot shard's index, by shard number.
    init(_ hot: HotShard, shards: [ShardSummary]) {
        self.hot = hot
        count = shards.count
        let others = shards.filter { $0.shard != hot.shard }.sorted {
            $0.p99 != $1.p99 ? $0.p99 > $1.p99 : $0.shard < $1.shard
        }
        drawn = (others.prefix(Self.lineLimit - 1) + shards.filter { $0.shard == hot.shard }).sorted {
            $0.shard < $1.shard
        }
    }

    /// `hot`, or `line-N` for the Nth other shard drawn: the look of a shard's line (`HtmlStyle`).
    func className(_ shard: UInt32) -> String {
        if shard == hot.shard { return "hot" }
        let others = drawn.lazy.filter { $0.shard != hot.shard }.map(\.shard)
        return "line-\((others.firstIndex(of: shard) ?? 0) + 1)"
    }

    /// `shard 3 (hot): lag p99 1,200, max 1,500`.
    func label(_ shard: ShardSummary) -> String {
        "shard \(shard.shard)" + (shard.shard == hot.shard ? " (hot)" : "")
            + ": lag p99 \(HumanFormat.grouped(shard.p99)), max \(HumanFormat.grouped(shard.max))"
    }

    /// The sentence that names the hot shard in its index's figure.
    var sentence: String {
        "Hot shard: \(hot.shard), lag p99 \(HumanFormat.grouped(hot.p99)), more than twice the median p99 of the "
            + "index's \(HumanFormat.count(count, "shard", "shards")) (\(HumanFormat.grouped(hot.medianP99)))."
    }

    /// The chart, its legend, and what was left out.
    func html(over backdrop: HtmlChart.Backdrop) -> String {
        guard let chart = HtmlChart.svg(self, over: backdrop) else { return "" }
        var out = chart + "<ul class=\"legend shards\">"
        for shard in drawn {
            out +=
                "<li\(shard.shard == hot.shard ? " class=\"hot\"" : "")><svg viewBox=\"0 0 28 14\" aria-hidden=\"true\">"
            out += "<g class=\"shard \(className(shard.shard))\"><line x1=\"0\" y1=\"7\" x2=\"28\" y2=\"7\"/></g></svg>"
            out += label(shard) + "</li>"
        }
        out += "</ul>\n"
        if count > drawn.count {
            out += "<p class=\"note\">The hot shard and the \(drawn.count - 1) others of highest lag p99, of "
            out += "\(HumanFormat.grouped(count)); shards.csv has them all.</p>\n"
        }
        return out
    }
}
