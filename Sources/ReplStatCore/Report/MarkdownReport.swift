/// The human report of `replstat analyze --format markdown` (docs/format.md): overview,
/// per-index table, transitions, stalls, lag leaders and data quality, for someone who wants
/// to know in a minute what replication did overnight. The CSV and JSON reports carry every
/// row and every figure; this one caps long tables and rounds for reading.
///
/// The output depends only on the result (no clock, no locale), so the same input always
/// gives the same bytes.
public enum MarkdownReport {
    /// At most this many rows in each table that grows with the capture (indices, transitions,
    /// stalls), so that the report of a fleet stays readable; the CSV and JSON reports have them all.
    public static let tableRowLimit = 200
    /// Indices listed under "Worst lag".
    public static let lagLeaderCount = 10
    /// Index and source names listed inline in the overview before "and N more".
    public static let inlineNameLimit = 10
    /// Reasons longer than this many characters are cut, with an ellipsis.
    public static let reasonLimit = 160

    /// The whole report, ending with a newline. Given a `width` (a terminal's), it is made to
    /// fit: tables narrowed or split (`MarkdownTable`), other lines wrapped between words
    /// (`MarkdownProse`); without, as it is, for a file or a pipe.
    public static func render(_ result: AnalysisResult, width: Int? = nil) -> String {
        var out = "# Replication report\n"
        overview(result, width, into: &out)
        indexTable(result, width, into: &out)
        transitions(result, width, into: &out)
        stalls(result, width, into: &out)
        gaps(result, width, into: &out)
        errors(result, width, into: &out)
        lagLeaders(result, width, into: &out)
        shards(result, width, into: &out)
        hotShards(result, width, into: &out)
        quality(result, width, into: &out)
        return width.map { MarkdownProse.wrapped(out, width: $0) } ?? out
    }

    // MARK: - Sections

    private static func overview(_ result: AnalysisResult, _ width: Int?, into out: inout String) {
        let name = { (text: String) in MarkdownText.inlineName(text, fitting: width) }
        out += "\n## Overview\n\n"
        let failures = result.failures
        if !failures.isEmpty {
            let sources = HumanFormat.count(failures.count, "source was", "sources were")
            out += "> **WARNING: \(sources) damaged or unreadable. The figures below cover only the lines read "
            out += "before the damage; a line cut short by it is rejected like any other.**\n"
            for failure in failures {
                // The source's name as the other names; the rest of the sentence wraps.
                out += "> - " + name(failure.source) + ": " + MarkdownText.inline(failure.problem) + "\n"
            }
            out += "\n"
        }

        if let span = timeCovered(result) {
            out += "- Time covered: \(Timestamp.format(span.lowerBound)) to \(Timestamp.format(span.upperBound))"
            out += " (\(HumanFormat.duration(span.upperBound - span.lowerBound)))\n"
        } else {
            out += "- Time covered: none (no status sample was accepted)\n"
        }

        // Lazy, as everywhere here: a copy of every index's figures would double the memory they take.
        let errorOnly = result.indices.count { $0.samples == 0 }
        out += "- Indices: \(HumanFormat.grouped(result.indices.count))"
        out += errorOnly > 0 ? " (\(HumanFormat.grouped(errorOnly)) with error samples only)\n" : "\n"
        if !result.indices.isEmpty {
            out += "- Status now: " + statusCounts(result.indices) + "\n"
            let idle = result.indices.lazy.filter { !isReplicating($0) }
            let names = idle.map { index in
                name(result.indexName(index.index)) + " (" + statusNow(index) + ")"
            }
            out += "- Not replicating now: "
            out += idle.isEmpty ? "none\n" : HumanFormat.list(names, count: idle.count, limit: inlineNameLimit) + "\n"
        }

        let names = result.sources.map { name($0.name) }
        out += "- Sources: \(result.sources.count) (" + HumanFormat.list(names, limit: inlineNameLimit) + ")\n"
        let totals = result.totals
        out += "- Lines read: \(HumanFormat.grouped(totals.lines)); samples accepted: "
        out += "\(HumanFormat.grouped(totals[.status])) status, \(HumanFormat.grouped(totals[.error])) error; "
        out += "lines rejected: \(HumanFormat.grouped(totals.rejected)) "
        out += "(\(HumanFormat.percent(totals.rejected, of: totals.lines))%)\n"
        let stalledMillis = result.stalls.reduce(Int128(0)) { $0 + Int128($1.millis) }
        out += "- Transitions: \(HumanFormat.grouped(result.transitions.count)); "
        out += "stalls: \(HumanFormat.grouped(result.stalls.count))"
        out += result.stalls.isEmpty ? "\n" : " (\(HumanFormat.duration(total: stalledMillis)) in all)\n"
        let gapMillis = result.gaps.reduce(Int128(0)) { $0 + Int128($1.millis) }
        out += "- Capture gaps: \(HumanFormat.grouped(result.gaps.count))"
        out += result.gaps.isEmpty ? "; " : " (\(HumanFormat.duration(total: gapMillis)) in all); "
        let errorSamples = result.errorEpisodes.reduce(0) { $0 + $1.samples }
        out += "error episodes: \(HumanFormat.grouped(result.errorEpisodes.count))"
        out += result.errorEpisodes.isEmpty ? "\n" : " (\(HumanFormat.count(errorSamples, "sample", "samples")))\n"
        if let worst = worstLagSeconds(result.indices), let seconds = worst.lagSeconds {
            out += "- Worst lag in seconds: \(HumanFormat.duration(seconds.max)) ("
            out += name(result.indexName(worst.index)) + ")\n"
        }
    }

    /// The index that fell furthest behind in time (the first by name among equals).
    static func worstLagSeconds(_ indices: [IndexSummary]) -> IndexSummary? {
        indices.reduce(nil) { worst, index in
            guard let seconds = index.lagSeconds else { return worst }
            return seconds.max > (worst?.lagSeconds?.max ?? -1) ? index : worst
        }
    }

    private static func indexTable(_ result: AnalysisResult, _ width: Int?, into out: inout String) {
        out += "\n## Indices\n\n"
        guard !result.indices.isEmpty else {
            out += "No index had a status or error sample.\n"
            return
        }
        // Only the states someone spent time in get a column, so a calm fleet gives a narrow table.
        let states = ReplicationStatus.allCases.filter { status in
            result.indices.contains { $0.millisInStatus[Int(status.rawValue)] > 0 }
        }
        let hasUnknown = result.indices.contains { $0.millisUnknown > 0 }
        out += "Time in each state as a share (%) of the time observed, from the index's first to its last sample"
        out += hasUnknown ? "; *unknown* is time in capture gaps. " : ". "
        out += "Lag counts operations; Lag s is lag in time, the age of the oldest operation the follower lacks. "
        out += "Lag over time spans the time covered, each line scaled to its own maximum (▁ no lag, "
        out += "█ the maximum, · no lag sample).\n\n"
        let span = timeCovered(result)

        var columns: [MarkdownTable.Column] = [
            .name("Index"), .name("Leader", narrowest: 12), .text("Status now"), .number("Samples"),
            .number("Errors"), .number("Transitions"),
        ]
        columns += states.map { .number(HumanFormat.stateName($0) + " %") }
        if hasUnknown { columns.append(.number("unknown %")) }
        columns += [
            .number("Lag p50"), .number("Lag p99"), .number("Lag max"), .number("Lag s p99"), .number("Lag s max"),
            .text("Lag over time"), .number("Stalls"), .number("Stalled"),
        ]
        var table = MarkdownTable(columns)

        let shown = indicesNeedingALook(result.indices)
        if shown.count < result.indices.count {
            out += "Showing the \(HumanFormat.grouped(shown.count)) of \(HumanFormat.grouped(result.indices.count)) "
            out += "indices that need a look first: those not replicating now, then by highest lag p99, "
            out += "worst first; " + moreInCSV(result.indices.count - shown.count, "summary.csv")
        }
        for index in shown {
            let observed = index.millisInStatus.reduce(index.millisUnknown, +)
            func share(_ millis: Int64) -> String {
                observed > 0 ? HumanFormat.percent(millis, of: observed) : HumanFormat.none
            }
            var figures = [
                statusNow(index), HumanFormat.grouped(index.samples), HumanFormat.grouped(index.errorSamples),
                HumanFormat.grouped(index.transitions),
            ]
            figures += states.map { share(index.millisInStatus[Int($0.rawValue)]) }
            if hasUnknown { figures.append(share(index.millisUnknown)) }
            if let lag = index.lag {
                figures += [HumanFormat.grouped(lag.p50), HumanFormat.grouped(lag.p99), HumanFormat.grouped(lag.max)]
            } else {
                figures += Array(repeating: HumanFormat.none, count: 3)
            }
            figures += lagSecondsFigures(index.lagSeconds, \.p99, \.max)
            figures.append(sparkline(index, over: span))
            figures.append(HumanFormat.grouped(index.stalls))
            figures.append(index.stalls > 0 ? HumanFormat.duration(index.millisStalled) : HumanFormat.none)
            table.append(
                [.text(result.indexName(index.index)), .text(leader(index, result))] + figures.map { .markdown($0) })
        }
        out += table.render(fittingIn: width)
    }

    private static func transitions(_ result: AnalysisResult, _ width: Int?, into out: inout String) {
        out += "\n## Transitions\n\n"
        let all = result.transitions
        guard !all.isEmpty else {
            out += "No index changed status.\n"
            return
        }
        // The latest ones: what the fleet is doing now matters more than how it started.
        let shown = all.suffix(tableRowLimit)
        if shown.count < all.count {
            out += "Showing the latest \(HumanFormat.grouped(shown.count)) of \(HumanFormat.grouped(all.count)) "
            out += "transitions; " + moreInCSV(all.count - shown.count, "transitions.csv")
        }
        var table = MarkdownTable([
            .text("Time"), .name("Index"), .text("Change"), .sentence("Reason"), .number("Time in previous"),
        ])
        for row in shown {
            table.append([
                .markdown(Timestamp.format(row.timestamp)), .text(result.indexName(row.index)),
                .markdown(row.from.apiName + " → " + row.to.apiName),
                .text(MarkdownText.truncated(result.text(row.reason) ?? "", to: reasonLimit)),
                .markdown(HumanFormat.duration(row.millisInPrevious)),
            ])
        }
        out += table.render(fittingIn: width)
    }

    private static func stalls(_ result: AnalysisResult, _ width: Int?, into out: inout String) {
        let section = CutSection(
            title: "Stalls", none: "No stall: the follower never stood still while behind.",
            intro: "Stretches where the follower was behind its leader and its checkpoint did not move.",
            which: "longest of", rows: "stalls", file: "stalls.csv",
            columns: [
                .name("Index"), .text("Start"), .text("End"), .number("Duration"), .number("Follower checkpoint"),
                .number("Max lag"),
            ])
        section.render(result.stalls, largestBy: \.millis, width, into: &out) { stall in
            let figures = [
                Timestamp.format(stall.start), Timestamp.format(stall.end), HumanFormat.duration(stall.millis),
                HumanFormat.grouped(stall.followerCheckpoint), HumanFormat.grouped(stall.maxLag),
            ]
            return [.text(result.indexName(stall.index))] + figures.map { .markdown($0) }
        }
    }

    private static func gaps(_ result: AnalysisResult, _ width: Int?, into out: inout String) {
        let section = CutSection(
            title: "Capture gaps",
            none: "No capture gap: no index went longer than the gap limit (`--max-gap`) without a sample.",
            intro: "Stretches longer than the gap limit without a sample of the index: what it did then is unknown.",
            which: "longest of", rows: "gaps", file: "gaps.csv",
            columns: [.name("Index"), .text("Start"), .text("End"), .number("Duration")])
        section.render(result.gaps, largestBy: \.millis, width, into: &out) { gap in
            let figures = [Timestamp.format(gap.start), Timestamp.format(gap.end), HumanFormat.duration(gap.millis)]
            return [.text(result.indexName(gap.index))] + figures.map { .markdown($0) }
        }
    }

    private static func errors(_ result: AnalysisResult, _ width: Int?, into out: inout String) {
        let section = CutSection(
            title: "Errors", none: "No error sample: every poll had an answer with a status.",
            intro: "Episodes of alike error samples of an index: the same HTTP status and error type, "
                + "each within the gap limit of the one before.",
            which: "of", rows: "episodes with the most samples", file: "errors.csv",
            columns: [
                .name("Index"), .text("Start"), .text("End"), .number("Samples"), .number("HTTP status"),
                .name("Type"), .sentence("First reason"),
            ])
        section.render(Array(result.errorEpisodes), largestBy: \.samples, width, into: &out) { episode in
            [
                .text(result.indexName(episode.index)), .markdown(Timestamp.format(episode.start)),
                .markdown(Timestamp.format(episode.end)), .markdown(HumanFormat.grouped(episode.samples)),
                .markdown(episode.httpStatus.map { String($0) } ?? HumanFormat.none),
                result.text(episode.type).map { .text($0) } ?? .markdown(HumanFormat.none),
                .text(MarkdownText.truncated(result.text(episode.reason) ?? "", to: reasonLimit)),
            ]
        }
    }

    /// A section of rows in time order (stalls, gaps, error episodes): a sentence when there is
    /// none; else what they are, and a table of them all or, past `tableRowLimit`, of the largest
    /// (`largest`), said so above it (`cutInTimeOrder`).
    private struct CutSection {
        var title: String
        /// The sentence in place of an empty table.
        var none: String
        /// The sentence above the table.
        var intro: String
        /// How a cut names what it shows (`longest of`), the rows (`stalls`) and their CSV file.
        var which: String
        var rows: String
        var file: String
        var columns: [MarkdownTable.Column]

        func render<Row, Size: Comparable>(
            _ all: [Row], largestBy size: KeyPath<Row, Size>, _ width: Int?, into out: inout String,
            cells: (Row) -> [MarkdownTable.Cell]
        ) {
            out += "\n## \(title)\n\n"
            guard !all.isEmpty else {
                out += none + "\n"
                return
            }
            out += intro + "\n\n"
            let shown = largest(all, by: size)
            out += cutInTimeOrder(shown.count, of: all.count, which, rows, file)
            var table = MarkdownTable(columns)
            for row in shown { table.append(cells(row)) }
            out += table.render(fittingIn: width)
        }
    }

    private static func lagLeaders(_ result: AnalysisResult, _ width: Int?, into out: inout String) {
        out += "\n## Worst lag\n\n"
        let all = result.indices
        let behind = all.indices.lazy.filter { (all[$0].lag?.max ?? 0) > 0 }
        guard !behind.isEmpty else {
            let anyLag = all.contains { $0.lag != nil }
            out += anyLag ? "No follower was ever behind its leader.\n" : "No sample carried checkpoints.\n"
            return
        }
        // Indices are in name order, so ties stay in name order.
        let leaders = firstPositions(of: behind, limit: lagLeaderCount) { left, right in
            let a = all[left].lag!, b = all[right].lag!
            if a.max != b.max { return a.max > b.max }
            if a.p99 != b.p99 { return a.p99 > b.p99 }
            return left < right
        }.map { all[$0] }
        let behindCount = behind.count
        let cut =
            behindCount > leaders.count ? ". The \(leaders.count) worst of \(HumanFormat.grouped(behindCount))" : ""
        out += "Followers that fell behind their leader, worst first (highest maximum lag, then p99); lag counts "
        out += "operations, and the columns marked s lag in time\(cut).\n\n"
        var table = MarkdownTable([
            .name("Index"), .text("Status now"), .number("Last lag"), .number("Mean"), .number("p50"),
            .number("p99"), .number("Max"), .number("Last s"), .number("p99 s"), .number("Max s"),
            .number("Leader ops/s"), .number("Follower ops/s"), .number("Stalled"),
        ])
        for index in leaders {
            let lag = index.lag!
            var figures = [
                statusNow(index), HumanFormat.grouped(lag.last),
                HumanFormat.tenths(lag.sum, UInt128(lag.count)), HumanFormat.grouped(lag.p50),
                HumanFormat.grouped(lag.p99), HumanFormat.grouped(lag.max),
                index.lagSeconds?.last.map(HumanFormat.duration) ?? HumanFormat.none,
            ]
            figures += lagSecondsFigures(index.lagSeconds, \.p99, \.max)
            if let rates = index.rates {
                let millis = UInt128(rates.millis)
                // Three decimals, as in the CSV: slow indices move a fraction of an operation per second.
                figures.append(HumanFormat.groupedDecimal(Decimal3.ratio(rates.leaderIncrease * 1000, millis)))
                figures.append(HumanFormat.groupedDecimal(Decimal3.ratio(rates.followerIncrease * 1000, millis)))
            } else {
                figures += [HumanFormat.none, HumanFormat.none]
            }
            figures.append(index.stalls > 0 ? HumanFormat.duration(index.millisStalled) : HumanFormat.none)
            table.append([.text(result.indexName(index.index))] + figures.map { .markdown($0) })
        }
        out += table.render(fittingIn: width)
    }

    /// Only for captures with shard details (`?verbose=true`): a section of nothing would only
    /// tell that the capture was not verbose.
    private static func shards(_ result: AnalysisResult, _ width: Int?, into out: inout String) {
        let all = result.shards
        guard !all.isEmpty else { return }
        out += "\n## Shards\n\n"
        out += "Lag of each shard of an index, in operations, from the shard details of verbose captures.\n\n"
        let shown = largest(all, by: \.p99)
        if shown.count < all.count {
            out += "Showing the \(HumanFormat.grouped(shown.count)) of \(HumanFormat.grouped(all.count)) shards with "
            out += "the highest lag p99, by index and shard; " + moreInCSV(all.count - shown.count, "shards.csv")
        }
        var table = MarkdownTable([
            .name("Index"), .number("Shard"), .number("Lag samples"), .number("p50"), .number("p99"), .number("Max"),
            .number("Last"), .number("Stalls"), .number("Stalled"),
        ])
        for shard in shown {
            let figures = [
                String(shard.shard), HumanFormat.grouped(shard.lagSamples), HumanFormat.grouped(shard.p50),
                HumanFormat.grouped(shard.p99), HumanFormat.grouped(shard.max), HumanFormat.grouped(shard.last),
                HumanFormat.grouped(shard.stalls),
                shard.stalls > 0 ? HumanFormat.duration(shard.millisStalled) : HumanFormat.none,
            ]
            table.append([.text(result.indexName(shard.index))] + figures.map { .markdown($0) })
        }
        out += table.render(fittingIn: width)
    }

    private static func quality(_ result: AnalysisResult, _ width: Int?, into out: inout String) {
        out += "\n## Data quality\n\n"
        let totals = result.totals
        // Outcomes that never happened would only add columns of zeros.
        let outcomes = Outcome.allCases.filter { totals[$0] > 0 }
        var columns: [MarkdownTable.Column] = [.name("Source"), .number("Lines")]
        columns += outcomes.map { .number($0.name) }
        columns += [.number("Rejected"), .text("Read")]
        var table = MarkdownTable(columns)
        func row(_ name: MarkdownTable.Cell, _ counts: OutcomeCounts, _ read: String) {
            var figures = [HumanFormat.grouped(counts.lines)]
            figures += outcomes.map { HumanFormat.grouped(counts[$0]) }
            let share = HumanFormat.percent(counts.rejected, of: counts.lines)
            figures.append(HumanFormat.grouped(counts.rejected) + " (\(share)%)")
            figures.append(read)
            table.append([name] + figures.map { .markdown($0) })
        }
        for source in result.sources {
            row(.text(source.name), source.counts, source.failure.map(readProblem) ?? "complete")
        }
        let failed = result.failures.count
        row(.markdown("**all sources**"), totals, failed == 0 ? "complete" : "\(failed) damaged or unreadable")
        out += table.render(fittingIn: width)
        if totals.rejected > 0 {
            out += "\nEvery rejected line, with its source, line number and reason: `--rejects FILE`.\n"
        }
    }

    // MARK: - Cut tables

    /// `Showing the 200 longest of 201 stalls, in time order; 1 more is in stalls.csv (…)`, when
    /// `largest` left rows out.
    private static func cutInTimeOrder(_ shown: Int, of all: Int, _ which: String, _ rows: String, _ file: String)
        -> String
    {
        guard shown < all else { return "" }
        return "Showing the \(HumanFormat.grouped(shown)) \(which) \(HumanFormat.grouped(all)) \(rows), in time order; "
            + moreInCSV(all - shown, file)
    }

    /// At most `tableRowLimit` of `rows`, the largest by `size`, still in their order; ties go
    /// to the earlier row.
    static func largest<Row, Size: Comparable>(_ rows: [Row], by size: KeyPath<Row, Size>) -> [Row] {
        guard rows.count > tableRowLimit else { return rows }
        let positions = firstPositions(of: rows.indices, limit: tableRowLimit) {
            rows[$0][keyPath: size] != rows[$1][keyPath: size]
                ? rows[$0][keyPath: size] > rows[$1][keyPath: size] : $0 < $1
        }
        return positions.sorted().map { rows[$0] }
    }

    /// The first `limit` of `positions` in the order `precedes` (a strict total order), first
    /// first, as sorting them all would give, in memory for `limit` of them: positions, not
    /// copies of the rows, and not all of them, so that a fleet of a million indices costs the
    /// report no more than a few.
    static func firstPositions(
        of positions: some Sequence<Int>, limit: Int, by precedes: (Int, Int) -> Bool
    ) -> [Int] {
        var kept: [Int] = []
        kept.reserveCapacity(limit + 1)
        for position in positions {
            if kept.count == limit, let last = kept.last, !precedes(position, last) { continue }
            var (low, high) = (0, kept.count)
            while low < high {
                let middle = (low + high) / 2
                if precedes(kept[middle], position) { low = middle + 1 } else { high = middle }
            }
            kept.insert(position, at: low)
            if kept.count > limit { kept.removeLast() }
        }
        return kept
    }

    /// The end of the sentence above a cut table: how many rows are left out, and where they are.
    static func moreInCSV(_ count: Int, _ file: String) -> String {
        HumanFormat.count(count, "more is", "more are") + " in \(file) (`--format csv`).\n\n"
    }

    /// The indices of the table, in name order; past `tableRowLimit`, the ones a reader should
    /// see first, worst first: those not replicating now (paused, failed, stopped, not in
    /// progress, or with error samples only), then by highest lag p99 (no lag sample: lowest),
    /// then by name.
    static func indicesNeedingALook(_ indices: [IndexSummary]) -> [IndexSummary] {
        guard indices.count > tableRowLimit else { return indices }
        return ranked(indices, limit: tableRowLimit)
    }

    /// The first `limit` indices that need a look: those not replicating now, then by highest
    /// lag p99; ties in name order.
    static func ranked(_ indices: [IndexSummary], limit: Int) -> [IndexSummary] {
        ranked(indices, among: indices.indices, limit: limit)
    }

    /// `ranked(_:limit:)` of the indices at `positions` (ascending) alone, without a copy of them.
    static func ranked(_ indices: [IndexSummary], among positions: some Sequence<Int>, limit: Int) -> [IndexSummary] {
        firstPositions(of: positions, limit: limit) { left, right in
            let (a, b) = (indices[left], indices[right])
            if isReplicating(a) != isReplicating(b) { return !isReplicating(a) }
            let (aLag, bLag) = (a.lag.map { Int128($0.p99) } ?? -1, b.lag.map { Int128($0.p99) } ?? -1)
            if aLag != bLag { return aLag > bLag }
            return left < right
        }.map { indices[$0] }
    }

    // MARK: - Cells

    /// Lag in seconds as durations, or dashes without.
    private static func lagSecondsFigures(
        _ lagSeconds: LagSecondsSummary?, _ figures: KeyPath<LagSecondsSummary, Int64>...
    ) -> [String] {
        figures.map { figure in lagSeconds.map { HumanFormat.duration($0[keyPath: figure]) } ?? HumanFormat.none }
    }

    /// From the first to the last status sample of all indices, if any.
    static func timeCovered(_ result: AnalysisResult) -> ClosedRange<Int64>? {
        let withStatus = result.indices.lazy.filter { $0.samples > 0 }
        guard let first = withStatus.compactMap(\.firstSeen).min(), let last = withStatus.compactMap(\.lastSeen).max()
        else { return nil }
        return first...last
    }

    /// Characters of a sparkline.
    static let sparklineWidth = 24
    private static let levels = Array("▁▂▃▄▅▆▇█")

    /// The index's lag in operations over `span` as `sparklineWidth` block characters, scaled to
    /// its own maximum: `▁` no lag, `█` the maximum, `·` no lag sample there.
    static func sparkline(_ index: IndexSummary, over span: ClosedRange<Int64>?) -> String {
        // With the HTML report, its timeline holds the same buckets (`LagSparkline`).
        guard let span, let peaks = index.sparkline ?? index.timeline.flatMap(LagSparkline.init) else {
            return HumanFormat.none
        }
        let columns = peaks.columns(over: span, count: sparklineWidth)
        let top = columns.compactMap { $0 }.max() ?? 0
        return String(
            columns.map { column -> Character in
                guard let value = column else { return "·" }
                guard value > 0 else { return levels[0] }
                // Positive values never show as no lag: ceil(value * 7 / top), at least 1.
                let level = (UInt128(value) * 7 + UInt128(top) - 1) / UInt128(top)
                return levels[Int(max(1, level))]
            })
    }

    /// The leader as `alias:index`, the form OpenSearch uses for remote indices, with as much
    /// of it as the samples gave (an empty alias says nothing to a reader).
    private static func leader(_ index: IndexSummary, _ result: AnalysisResult) -> String {
        let alias = result.text(index.leaderAlias) ?? ""
        let name = result.text(index.leaderIndex) ?? ""
        switch (alias.isEmpty, name.isEmpty) {
        case (false, false): return alias + ":" + name
        case (false, true): return alias + ":?"
        case (true, false): return name
        case (true, true): return HumanFormat.none
        }
    }

    private static func statusNow(_ index: IndexSummary) -> String {
        index.lastStatus?.apiName ?? "no status sample"
    }

    /// Bootstrapping, syncing and running followers are replicating; anything else needs a look.
    private static func isReplicating(_ index: IndexSummary) -> Bool {
        switch index.lastStatus {
        case .bootstrapping?, .syncing?, .running?: true
        default: false
        }
    }

    /// `3 SYNCING, 1 PAUSED, 2 without a status sample`, in the order of the status table.
    private static func statusCounts(_ indices: [IndexSummary]) -> String {
        var parts: [String] = []
        for status in ReplicationStatus.allCases {
            let count = indices.count { $0.lastStatus == status }
            if count > 0 { parts.append("\(HumanFormat.grouped(count)) \(status.apiName)") }
        }
        let none = indices.count { $0.lastStatus == nil }
        if none > 0 { parts.append("\(HumanFormat.grouped(none)) without a status sample") }
        return parts.joined(separator: ", ")
    }

    private static func readProblem(_ failure: SourceFailure) -> String {
        // Offsets stay ungrouped, as in the error message, ready for `dd` or `tail -c`.
        let at = failure.byteOffset.map { " at byte \($0)" } ?? ""
        switch failure.kind {
        case .unreadable: return "**unreadable**"
        case .readError: return "**read failed\(at)**"
        case .truncatedGzip: return "**gzip truncated\(at)**"
        case .corruptGzip: return "**corrupt gzip\(at)**"
        case .trailingGarbage: return "**not gzip\(at)**"
        }
    }
}

/// Text from a capture, or a name from the command line, made safe to put in Markdown: it shows
/// as it is, in the raw text (the report goes to a terminal by default) and rendered alike, and
/// never becomes markup, HTML, a link or an image, nor a command to a terminal.
///
/// - Every ASCII character with a meaning inside a line is escaped with a backslash:
///   `\` `` ` `` `*` `[` `]` `(` `)` `!` `<` `>` `&` (entities) `|` (table cells) `~`
///   (strikethrough) `$` (math) `{` `}`, and `_` unless it stands between two letters or digits
///   (where CommonMark never reads it as emphasis, and where index names have it).
/// - The characters that only mean something at the start of a block (`#` `+` `-`, and the `.`
///   of `1. `) are escaped there: the text of a list item starts one.
/// - Line breaks become `<br>`, one per break (CR LF counts once).
/// - Characters that `VisibleText` hides show as its notation inside a code span,
///   `` `\u{1B}` ``: no text of the data can produce a code span, since its backticks are escaped.
/// - Web addresses that GitHub would link by themselves are defanged: `https://x` shows as
///   `https[:]//x`, `www.x` as `www[.]x` (the brackets are not escaped, so the raw text tells
///   them from brackets of the data). Email addresses are left as they are: a `mailto:` link
///   fetches nothing and shows where it goes.
enum MarkdownText {
    /// A table cell, an item of an inline list, or a line of a quote.
    static func cell(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var out = ""
        out.unicodeScalars.reserveCapacity(scalars.count)
        var hiddenRun = ""
        var position = 0
        while position < scalars.count {
            let scalar = scalars[position]
            if VisibleText.isHidden(scalar) && scalar != "\r" && scalar != "\n" {
                hiddenRun += VisibleText.notation(scalar)
                position += 1
                continue
            }
            if !hiddenRun.isEmpty {
                out += "`" + hiddenRun + "`"
                hiddenRun = ""
            }
            if scalar == "\r" || scalar == "\n" {
                out += "<br>"
                if scalar == "\r" && position + 1 < scalars.count && scalars[position + 1] == "\n" { position += 1 }
            } else if scalar == ":" && matches(scalars, at: position + 1, "//") {
                out += "[:]"
            } else if !isAlphanumeric(scalars, at: position - 1) && matches(scalars, at: position, "www.") {
                out.unicodeScalars.append(contentsOf: scalars[position..<position + 3])
                out += "[.]"
                position += 3
            } else if needsEscape(scalar, at: position, in: scalars) {
                out.unicodeScalars.append("\\")
                out.unicodeScalars.append(scalar)
            } else {
                out.unicodeScalars.append(scalar)
            }
            position += 1
        }
        if !hiddenRun.isEmpty { out += "`" + hiddenRun + "`" }
        return out
    }

    /// Text inside a list item or a quote: the same escaping as a cell.
    static func inline(_ text: String) -> String { cell(text) }

    /// A name from the data (an index, a source) inside a list item or a quote. Given a terminal's
    /// width, each of its words too wide for a line of its own (`width` less an indent and the
    /// punctuation around a name) is cut in the middle with `…`, as in a table's name column:
    /// wrapping breaks only between words, and a name as wide as the terminal would overflow.
    static func inlineName(_ text: String, fitting width: Int?) -> String {
        guard let width else { return inline(text) }
        let room = max(width - 5, 8)
        let words = text.split(separator: " ", omittingEmptySubsequences: false).map { word in
            let word = String(word)
            return TerminalWidth.columns(of: cell(word)) > room
                ? MarkdownTable.unescapedCut(word, to: room, .middle) : word
        }
        return inline(words.joined(separator: " "))
    }

    /// `text` cut to `limit` characters, the last of them an ellipsis, when it is longer.
    static func truncated(_ text: String, to limit: Int) -> String {
        guard text.count > limit else { return text }
        return String(text.prefix(limit - 1)) + "…"
    }

    /// Whether `scalars` holds `word` (ASCII, any case) from `position` on.
    private static func matches(_ scalars: [Unicode.Scalar], at position: Int, _ word: String) -> Bool {
        let word = Array(word.unicodeScalars)
        guard position >= 0, position + word.count <= scalars.count else { return false }
        return zip(scalars[position...], word).allSatisfy { lowercased($0) == $1 }
    }

    private static func lowercased(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        ("A"..."Z").contains(scalar) ? Unicode.Scalar(scalar.value + 32)! : scalar
    }

    /// Whether the ASCII punctuation at `position` needs a backslash to show as itself.
    private static func needsEscape(_ scalar: Unicode.Scalar, at position: Int, in scalars: [Unicode.Scalar]) -> Bool {
        switch scalar {
        case "\\", "`", "*", "[", "]", "(", ")", "!", "<", ">", "&", "|", "~", "$", "{", "}":
            return true
        case "_":
            return !(isAlphanumeric(scalars, at: position - 1) && isAlphanumeric(scalars, at: position + 1))
        case "#", "+", "-":
            return position == 0
        case ".":
            // `1. ` at the start would begin an ordered list (`1)` is escaped for its parenthesis).
            let next = position + 1 < scalars.count ? scalars[position + 1] : " "
            return (1...9).contains(position) && scalars[..<position].allSatisfy(isDigit)
                && (next == " " || next == "\t")
        default:
            return false
        }
    }

    private static func isAlphanumeric(_ scalars: [Unicode.Scalar], at position: Int) -> Bool {
        guard scalars.indices.contains(position) else { return false }
        let scalar = scalars[position]
        return isDigit(scalar) || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }

    private static func isDigit(_ scalar: Unicode.Scalar) -> Bool { ("0"..."9").contains(scalar) }
}

/// Numbers and durations as a person reads them.
enum HumanFormat {
    /// A value that does not apply.
    static let none = "—"

    /// `1234567` as `1,234,567`.
    static func grouped<Value: BinaryInteger>(_ value: Value) -> String {
        (value < 0 ? "-" : "") + groupDigits(String(value.magnitude))
    }

    /// Decimal text such as `7831.388` with its integer part grouped: `7,831.388`.
    static func groupedDecimal(_ text: String) -> String {
        guard let point = text.firstIndex(of: ".") else { return groupDigits(text) }
        return groupDigits(text[..<point]) + text[point...]
    }

    /// Commas between groups of three digits, counted from the right.
    private static func groupDigits<Digits: StringProtocol>(_ digits: Digits) -> String {
        var out = ""
        for (position, digit) in digits.enumerated() {
            if position > 0 && (digits.count - position) % 3 == 0 { out += "," }
            out.append(digit)
        }
        return out
    }

    /// `numerator / denominator` (denominator > 0) with one decimal, rounded half away from zero,
    /// the integer part grouped: exact, whatever the size of the numbers.
    static func tenths(_ numerator: UInt128, _ denominator: UInt128) -> String {
        // round(n * 10 / d) = floor((2 * n * 10 + d) / (2 * d)) for non-negative values.
        let value = (numerator * 20 + denominator) / (denominator * 2)
        return grouped(value / 10) + "." + String(value % 10)
    }

    /// `part` as a share of `whole` in percent with one decimal. A share that is not zero never
    /// shows as `0.0`, nor one that is not whole as `100.0`: a trace of a state must stay visible.
    static func percent<Value: BinaryInteger>(_ part: Value, of whole: Value) -> String {
        guard whole > 0 else { return "0.0" }
        let text = tenths(UInt128(part) * 100, UInt128(whole))
        if part > 0 && text == "0.0" { return "<0.1" }
        if part < whole && text == "100.0" { return ">99.9" }
        return text
    }

    /// A duration for reading, truncated to its two largest units: `850ms`, `20s`, `20.6s`,
    /// `14m 40s`, `1h 02m`, `3d 04h`.
    static func duration(_ millis: Int64) -> String { duration(total: Int128(millis)) }

    /// The same for a sum of durations, which can pass 64 bits (30,000 gaps of 9,000 years).
    static func duration(total millis: Int128) -> String {
        if millis < 0 { return "-" + duration(total: millis == .min ? .max : -millis) }
        if millis == 0 { return "0s" }
        if millis < 1000 { return "\(millis)ms" }
        let seconds = millis / 1000
        func twoDigits(_ value: Int128) -> String { value < 10 ? "0\(value)" : "\(value)" }
        switch seconds {
        case ..<60:
            let tenth = millis % 1000 / 100
            return tenth == 0 ? "\(seconds)s" : "\(seconds).\(tenth)s"
        case ..<3600:
            return "\(seconds / 60)m \(twoDigits(seconds % 60))s"
        case ..<86_400:
            return "\(seconds / 3600)h \(twoDigits(seconds / 60 % 60))m"
        default:
            return "\(grouped(seconds / 86_400))d \(twoDigits(seconds / 3600 % 24))h"
        }
    }

    /// `SYNCING` as `syncing`, `REPLICATION NOT IN PROGRESS` as `not in progress`.
    static func stateName(_ status: ReplicationStatus) -> String {
        status == .notInProgress ? "not in progress" : status.apiName.lowercased()
    }

    /// `1 thing` or `2 things`, the number grouped.
    static func count(_ value: Int, _ singular: String, _ plural: String) -> String {
        grouped(value) + " " + (value == 1 ? singular : plural)
    }

    /// `a, b, c` or, past `limit` items, `a, b, … and 12 more`.
    static func list(_ items: [String], limit: Int) -> String {
        list(items, count: items.count, limit: limit)
    }

    /// The same for the `count` items of `items`, of which only the first `limit` are read.
    static func list(_ items: some Sequence<String>, count: Int, limit: Int) -> String {
        let shown = items.prefix(limit).joined(separator: ", ")
        return count > limit ? shown + " and \(grouped(count - limit)) more" : shown
    }
}
