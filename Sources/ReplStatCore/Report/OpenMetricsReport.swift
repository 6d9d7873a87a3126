/// The metrics of docs/metrics.md: where each follower index stands, and how the capture's
/// lines came out, as Prometheus scrapes them.
///
/// Two dialects of one text: OpenMetrics 1.0 (`analyze --format openmetrics`: `# UNIT` lines,
/// counters typed under their name without `_total`, `# EOF` at the end), and the Prometheus
/// text format 0.0.4 that node_exporter's textfile collector reads (`watch --metrics-file`:
/// counters typed under their `_total` name, neither `# UNIT` nor `# EOF`). The samples are the
/// same bytes in both.
///
/// Label values are only index names, statuses and outcomes: one series per index and not per
/// sample, reason or time. Families come in a fixed order, indices by name (byte order), so the
/// same state gives the same bytes.
public enum OpenMetricsReport {
    public enum Dialect: Sendable {
        case openMetrics
        case prometheusText
    }

    /// The state at the end of a finished analysis, as OpenMetrics.
    public static func render(_ result: AnalysisResult) -> [UInt8] {
        render(
            followers: FollowerState.atEnd(of: result), outcomes: result.totals, names: result, dialect: .openMetrics)
    }

    /// The metrics of `followers` (in any order) and the lines' outcomes so far.
    public static func render(
        followers: [FollowerState], outcomes: OutcomeCounts, names: NameResolver, dialect: Dialect
    ) -> [UInt8] {
        let named = followers.map { (name: names.indexName($0.index), state: $0) }
            .sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
            .map { (name: labelValue($0.name), state: $0.state) }
        var text = MetricsText(dialect: dialect)

        text.family(
            "replstat_follower_status", .gauge,
            "1 for the status of the index's last status sample, 0 for the other statuses (all 0 while it has only error samples)."
        )
        for follower in named {
            for status in ReplicationStatus.allCases {
                text.sample(
                    "index=\"\(follower.name)\",status=\"\(status.apiName)\"",
                    follower.state.status == status ? "1" : "0")
            }
        }
        text.family(
            "replstat_follower_lag_operations", .gauge,
            "Operations the follower lacks (leader checkpoint minus follower checkpoint, 0 when it is ahead) at the index's last lag sample."
        )
        text.samples(named) { $0.lag.map { String($0) } }
        text.family(
            "replstat_follower_lag_seconds", .gauge,
            "Age of the oldest operation the follower lacks at the index's last lag sample, estimated from the leader's checkpoint history.",
            unit: "seconds")
        text.samples(named) { $0.lagMillis.map(Decimal3.seconds) }
        text.family(
            "replstat_follower_stalled", .gauge,
            "1 while the follower is behind and its checkpoint has not moved for the stall limit, else 0.")
        text.samples(named) { $0.status == nil ? nil : ($0.stalledSince == nil ? "0" : "1") }
        text.family(
            "replstat_follower_stalled_since_timestamp_seconds", .gauge,
            "When the stall going on began (Unix time).", unit: "seconds")
        text.samples(named) { $0.stalledSince.map(Decimal3.seconds) }
        text.family(
            "replstat_follower_last_sample_timestamp_seconds", .gauge,
            "Time of the index's newest status sample (Unix time).", unit: "seconds")
        text.samples(named) { $0.lastSample.map(Decimal3.seconds) }
        text.family(
            "replstat_follower_last_error_sample_timestamp_seconds", .gauge,
            "Time of the index's newest error sample, a poll answered with an error (Unix time).", unit: "seconds")
        text.samples(named) { $0.lastErrorSample.map(Decimal3.seconds) }
        text.family("replstat_follower_samples", .counter, "Status samples of the index.")
        text.samples(named) { String($0.samples) }
        text.family(
            "replstat_follower_error_samples", .counter, "Error samples of the index: polls answered with an error.")
        text.samples(named) { String($0.errorSamples) }
        text.family("replstat_follower_transitions", .counter, "Changes of status of the index.")
        text.samples(named) { String($0.transitions) }
        text.family(
            "replstat_follower_stalls", .counter,
            "Stalls of the index that reached the stall limit, the one going on included.")
        text.samples(named) { String($0.stalls) }
        text.family(
            "replstat_capture_lines", .counter, "Lines read, by outcome (blank, status, error, or why rejected).")
        for outcome in Outcome.allCases {
            text.sample("outcome=\"\(outcome.name)\"", String(outcomes[outcome]))
        }
        return text.finish()
    }

    /// A label value as both dialects write it between quotes: backslash, double quote and line
    /// feed escaped; every other character, control characters included, as it is.
    public static func labelValue(_ value: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(value.utf8.count)
        for character in value.unicodeScalars {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }
}

/// The text being written: family headers in the dialect's form, then their samples.
private struct MetricsText {
    enum Kind: String {
        case gauge, counter
    }

    let dialect: OpenMetricsReport.Dialect
    private var out: [UInt8] = []
    /// The name samples of the current family are written under.
    private var sampleName = ""

    init(dialect: OpenMetricsReport.Dialect) {
        self.dialect = dialect
    }

    mutating func family(_ name: String, _ kind: Kind, _ help: String, unit: String? = nil) {
        sampleName = kind == .counter ? name + "_total" : name
        // The Prometheus text format names a counter's family as its samples; OpenMetrics without `_total`.
        let familyName = dialect == .openMetrics ? name : sampleName
        append("# HELP \(familyName) \(help)\n# TYPE \(familyName) \(kind.rawValue)\n")
        if let unit, dialect == .openMetrics { append("# UNIT \(familyName) \(unit)\n") }
    }

    mutating func sample(_ labels: String, _ value: String) {
        append("\(sampleName){\(labels)} \(value)\n")
    }

    /// One sample per index that has a value.
    mutating func samples(
        _ followers: [(name: String, state: FollowerState)], _ value: (FollowerState) -> String?
    ) {
        for follower in followers {
            if let text = value(follower.state) { sample("index=\"\(follower.name)\"", text) }
        }
    }

    mutating func finish() -> [UInt8] {
        if dialect == .openMetrics { append("# EOF\n") }
        return out
    }

    private mutating func append(_ text: String) {
        out.append(contentsOf: text.utf8)
    }
}
