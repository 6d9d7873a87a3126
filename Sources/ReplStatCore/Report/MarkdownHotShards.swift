extension MarkdownReport {
    /// "Hot shards", for captures with shard details only: the indices whose worst shard lags
    /// far behind their others (`HotShard`, docs/format.md), worst first.
    static func hotShards(_ result: AnalysisResult, _ width: Int?, into out: inout String) {
        guard !result.shards.isEmpty else { return }
        out += "\n## Hot shards\n\n"
        let all = HotShard.worstFirst(in: result.shards)
        guard !all.isEmpty else {
            out += "No hot shard: in every index, the worst shard's lag p99 is at most twice the median "
            out += "of its shards' p99.\n"
            return
        }
        out += "Indices whose worst shard's lag p99 is more than twice the median of their shards' p99.\n\n"
        let shown = all.prefix(tableRowLimit)
        if all.count > shown.count {
            out += "Showing the \(HumanFormat.grouped(shown.count)) worst of \(HumanFormat.grouped(all.count)); "
            out += moreInCSV(all.count - shown.count, "shards.csv")
        }
        var table = MarkdownTable([
            .name("Index"), .number("Shard"), .number("Lag p99"), .number("Median p99 of its shards"),
        ])
        for hot in shown {
            let figures = [String(hot.shard), HumanFormat.grouped(hot.p99), HumanFormat.grouped(hot.medianP99)]
            table.append([.text(result.indexName(hot.index))] + figures.map { .markdown($0) })
        }
        out += table.render(fittingIn: width)
    }
}
