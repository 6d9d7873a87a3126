/// The report of `replstat analyze --format json`: the seven CSV tables in one JSON document,
/// with the CSV column names as keys so that a user can switch formats without relearning them:
///
///     {"sources":[{"source":…,"lines":…,"outcomes":{"blank":…,…},"failure":null}, …],
///      "totals":{"lines":…,"outcomes":{…}},
///      "indices":[{<summary.csv columns>}, …],
///      "transitions":[{<transitions.csv columns>}, …],
///      "stalls":[{<stalls.csv columns>}, …],
///      "gaps":[{<gaps.csv columns>}, …],
///      "errors":[{<errors.csv columns>}, …],
///      "shards":[{<shards.csv columns>}, …]}
///
/// Keys come in a fixed order and each row sits on its own line, so the output is the same
/// bytes for the same input and diffs well. Counts, checkpoints and lags are JSON integers
/// written from their exact values (a lag can reach 2^64 - 1, beyond a double); seconds, means
/// and rates are JSON numbers with exactly the three decimals of the CSV. A value that does
/// not apply is `null`; `reason`, `leader_alias` and `leader_index` are `""` when the capture
/// said so and `null` when it did not say; an error episode's `http_status`, `error_type` and
/// `reason` are `null` where its first sample has none.
public enum JSONReport {
    /// The document as UTF-8, ending with a newline.
    public static func render(_ result: AnalysisResult) -> [UInt8] {
        var out = ReportText(sink: nil)
        render(result, to: &out)
        return out.bytes
    }

    /// Writes the document to `sink` a piece at a time (a million indices make hundreds of
    /// megabytes of it) and finishes it.
    public static func write(_ result: AnalysisResult, to sink: ByteSink) throws(OutputError) {
        var out = ReportText(sink: sink)
        render(result, to: &out)
        try out.flush()
        try sink.finish()
    }

    private static func render(_ result: AnalysisResult, to out: inout ReportText) {
        out.append(contentsOf: "{\n\"sources\": [".utf8)
        appendRows(result.sources, to: &out) { source, row in
            row.string("source", source.name)
            row.counts(source.counts)
            row.string("failure", source.failure?.description)
        }
        out.append(contentsOf: "],\n\"totals\": ".utf8)
        var totals = JSONObject()
        totals.counts(result.totals)
        out.append(contentsOf: totals.finish())
        out.append(contentsOf: ",\n\"indices\": [".utf8)
        appendRows(result.indices, to: &out) { index, row in summary(index, result, into: &row) }
        out.append(contentsOf: "],\n\"transitions\": [".utf8)
        appendRows(result.transitions, to: &out) { transition, row in
            row.string("timestamp", Timestamp.format(transition.timestamp))
            row.string("index", result.indexName(transition.index))
            row.string("from_status", transition.from.apiName)
            row.string("to_status", transition.to.apiName)
            row.string("reason", result.text(transition.reason))
            row.number("seconds_in_previous", Decimal3.seconds(transition.millisInPrevious))
            row.integer("leader_checkpoint", transition.checkpoints?.leader)
            row.integer("follower_checkpoint", transition.checkpoints?.follower)
        }
        out.append(contentsOf: "],\n\"stalls\": [".utf8)
        appendRows(result.stalls, to: &out) { stall, row in
            row.string("index", result.indexName(stall.index))
            row.string("start", Timestamp.format(stall.start))
            row.string("end", Timestamp.format(stall.end))
            row.number("seconds", Decimal3.seconds(stall.millis))
            row.integer("follower_checkpoint", stall.followerCheckpoint)
            row.integer("max_lag", stall.maxLag)
        }
        out.append(contentsOf: "],\n\"gaps\": [".utf8)
        appendRows(result.gaps, to: &out) { gap, row in
            row.string("index", result.indexName(gap.index))
            row.string("start", Timestamp.format(gap.start))
            row.string("end", Timestamp.format(gap.end))
            row.number("seconds", Decimal3.seconds(gap.millis))
        }
        out.append(contentsOf: "],\n\"errors\": [".utf8)
        appendRows(result.errorEpisodes, to: &out) { episode, row in
            row.string("index", result.indexName(episode.index))
            row.string("start", Timestamp.format(episode.start))
            row.string("end", Timestamp.format(episode.end))
            row.integer("samples", episode.samples)
            row.integer("http_status", episode.httpStatus)
            row.string("error_type", result.text(episode.type))
            row.string("reason", result.text(episode.reason))
        }
        out.append(contentsOf: "],\n\"shards\": [".utf8)
        appendRows(result.shards, to: &out) { shard, row in
            row.string("index", result.indexName(shard.index))
            row.integer("shard", shard.shard)
            row.integer("lag_samples", shard.lagSamples)
            row.integer("lag_p50", shard.p50)
            row.integer("lag_p99", shard.p99)
            row.integer("lag_max", shard.max)
            row.integer("lag_last", shard.last)
            row.integer("stalls", shard.stalls)
            row.number("stall_seconds", Decimal3.seconds(shard.millisStalled))
        }
        out.append(contentsOf: "]\n}\n".utf8)
    }

    /// One object per element, each on its own line.
    private static func appendRows<Element>(
        _ elements: some Sequence<Element>, to out: inout ReportText, _ fill: (Element, inout JSONObject) -> Void
    ) {
        var written = 0
        for element in elements {
            out.append(contentsOf: written == 0 ? "\n".utf8 : ",\n".utf8)
            var row = JSONObject()
            fill(element, &row)
            out.append(contentsOf: row.finish())
            out.flushWhenFull()
            written += 1
        }
        if written > 0 { out.append(0x0A) }
    }

    /// A row of summary.csv as an object, keys in the order of `CSVReport.summaryHeader`.
    private static func summary(_ index: IndexSummary, _ result: AnalysisResult, into row: inout JSONObject) {
        let hasStatus = index.samples > 0
        row.string("index", result.indexName(index.index))
        row.string("leader_alias", result.text(index.leaderAlias))
        row.string("leader_index", result.text(index.leaderIndex))
        row.integer("samples", index.samples)
        row.integer("error_samples", index.errorSamples)
        row.string("first_seen", index.firstSeen.map(Timestamp.format))
        row.string("last_seen", index.lastSeen.map(Timestamp.format))
        row.string("first_status", index.firstStatus?.apiName)
        row.string("last_status", index.lastStatus?.apiName)
        row.integer("transitions", index.transitions)
        // Without a status sample no time was observed: the seconds do not apply (as in the CSV).
        for status in ReplicationStatus.allCases {
            let millis = index.millisInStatus[Int(status.rawValue)]
            row.number("seconds_" + status.columnName, hasStatus ? Decimal3.seconds(millis) : nil)
        }
        row.number("seconds_unknown", hasStatus ? Decimal3.seconds(index.millisUnknown) : nil)
        row.integer("gaps", index.gaps)
        row.integer("lag_samples", index.lag?.count ?? 0)
        let lag = index.lag
        row.integer("lag_min", lag?.min)
        row.number("lag_mean", lag.map { Decimal3.ratio($0.sum, UInt128($0.count)) })
        row.integer("lag_p50", lag?.p50)
        row.integer("lag_p90", lag?.p90)
        row.integer("lag_p99", lag?.p99)
        row.integer("lag_max", lag?.max)
        row.integer("lag_last", lag?.last)
        row.integer("ahead_samples", index.aheadSamples)
        let rates = index.rates
        row.number("leader_rate", rates.map { Decimal3.ratio($0.leaderIncrease * 1000, UInt128($0.millis)) })
        row.number("follower_rate", rates.map { Decimal3.ratio($0.followerIncrease * 1000, UInt128($0.millis)) })
        row.integer("stalls", index.stalls)
        row.number("stall_seconds", hasStatus ? Decimal3.seconds(index.millisStalled) : nil)
        let lagSeconds = index.lagSeconds
        row.number("lag_seconds_p50", lagSeconds.map { Decimal3.seconds($0.p50) })
        row.number("lag_seconds_p99", lagSeconds.map { Decimal3.seconds($0.p99) })
        row.number("lag_seconds_max", lagSeconds.map { Decimal3.seconds($0.max) })
        row.number("lag_seconds_last", lagSeconds?.last.map(Decimal3.seconds))
    }
}

/// Builds one JSON object on a single line, keys in the order they are added.
struct JSONObject {
    private var bytes: [UInt8] = [UInt8(ascii: "{")]

    /// A string value, or `null`.
    mutating func string(_ key: String, _ value: String?) {
        guard let value else { return null(key) }
        self.key(key)
        JSONText.appendString(value.utf8, to: &bytes)
    }

    /// An integer written from its exact decimal digits, or `null`.
    mutating func integer<Value: BinaryInteger>(_ key: String, _ value: Value?) {
        guard let value else { return null(key) }
        self.key(key)
        bytes.append(contentsOf: String(value).utf8)
    }

    /// A number already in JSON number syntax (such as `Decimal3` text), or `null`.
    mutating func number(_ key: String, _ text: String?) {
        guard let text else { return null(key) }
        self.key(key)
        bytes.append(contentsOf: text.utf8)
    }

    mutating func null(_ key: String) {
        self.key(key)
        bytes.append(contentsOf: "null".utf8)
    }

    /// `"lines"` and an `"outcomes"` object with every outcome, zeros included, in quality.csv order.
    mutating func counts(_ counts: OutcomeCounts) {
        integer("lines", counts.lines)
        var outcomes = JSONObject()
        for outcome in Outcome.allCases { outcomes.integer(outcome.name, counts[outcome]) }
        key("outcomes")
        bytes.append(contentsOf: outcomes.finish())
    }

    /// The object's text, closed.
    func finish() -> [UInt8] { bytes + [UInt8(ascii: "}")] }

    private mutating func key(_ key: String) {
        if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
        JSONText.appendString(key.utf8, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }
}
