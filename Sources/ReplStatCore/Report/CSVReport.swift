/// The seven CSV files (docs/format.md).
public enum CSVReport {
    public static let summaryHeader =
        [
            "index", "leader_alias", "leader_index", "samples", "error_samples", "first_seen", "last_seen",
            "first_status", "last_status", "transitions",
        ] + ReplicationStatus.allCases.map { "seconds_" + $0.columnName } + [
            "seconds_unknown", "gaps", "lag_samples", "lag_min", "lag_mean", "lag_p50", "lag_p90", "lag_p99",
            "lag_max", "lag_last", "ahead_samples", "leader_rate", "follower_rate", "stalls", "stall_seconds",
            "lag_seconds_p50", "lag_seconds_p99", "lag_seconds_max", "lag_seconds_last",
        ]
    public static let transitionsHeader = [
        "timestamp", "index", "from_status", "to_status", "reason", "seconds_in_previous",
        "leader_checkpoint", "follower_checkpoint",
    ]
    public static let stallsHeader = ["index", "start", "end", "seconds", "follower_checkpoint", "max_lag"]
    public static let gapsHeader = ["index", "start", "end", "seconds"]
    public static let errorsHeader = ["index", "start", "end", "samples", "http_status", "error_type", "reason"]
    public static let shardsHeader = [
        "index", "shard", "lag_samples", "lag_p50", "lag_p99", "lag_max", "lag_last", "stalls", "stall_seconds",
    ]
    public static let qualityHeader = ["source", "outcome", "count"]

    /// The seven tables, in their fixed order.
    public enum Table: String, CaseIterable, Sendable {
        case summary, transitions, stalls, gaps, errors, shards, quality

        public var fileName: String { rawValue + ".csv" }

        /// The table; with a sink, its text goes there as it is made, and the table keeps what
        /// remains for `flush()`.
        public func render(_ result: AnalysisResult, flushingTo sink: ByteSink? = nil) -> CSVTable {
            switch self {
            case .summary: CSVReport.summary(result, flushingTo: sink)
            case .transitions: CSVReport.transitions(result, flushingTo: sink)
            case .stalls: CSVReport.stalls(result, flushingTo: sink)
            case .gaps: CSVReport.gaps(result, flushingTo: sink)
            case .errors: CSVReport.errors(result, flushingTo: sink)
            case .shards: CSVReport.shards(result, flushingTo: sink)
            case .quality: CSVReport.quality(result, flushingTo: sink)
            }
        }

        /// Writes the table to `sink` a piece at a time and finishes it.
        public func write(_ result: AnalysisResult, to sink: ByteSink) throws(OutputError) {
            var table = render(result, flushingTo: sink)
            try table.flush()
            try sink.finish()
        }
    }

    /// File name and contents of each report, in a fixed order.
    public static func files(_ result: AnalysisResult) -> [(name: String, bytes: [UInt8])] {
        Table.allCases.map { ($0.fileName, $0.render(result).bytes) }
    }

    public static func summary(_ result: AnalysisResult, flushingTo sink: ByteSink? = nil) -> CSVTable {
        var table = CSVTable(header: summaryHeader, flushingTo: sink)
        for index in result.indices {
            table.append(summaryRow(index, result))
        }
        return table
    }

    static func summaryRow(_ index: IndexSummary, _ result: AnalysisResult) -> [String] {
        let name = result.indexName(index.index)
        guard index.samples > 0 else {
            // Only error samples: counts are numbers, everything else is empty.
            var row = [String](repeating: "", count: summaryHeader.count)
            row[0] = name
            for (column, value) in [
                ("samples", 0), ("error_samples", index.errorSamples), ("transitions", 0), ("gaps", 0),
                ("lag_samples", 0), ("ahead_samples", 0), ("stalls", 0),
            ] {
                row[summaryHeader.firstIndex(of: column)!] = String(value)
            }
            return row
        }
        var row = [
            name, result.text(index.leaderAlias) ?? "", result.text(index.leaderIndex) ?? "",
            String(index.samples), String(index.errorSamples),
            index.firstSeen.map(Timestamp.format) ?? "", index.lastSeen.map(Timestamp.format) ?? "",
            index.firstStatus?.apiName ?? "", index.lastStatus?.apiName ?? "", String(index.transitions),
        ]
        row += index.millisInStatus.map(Decimal3.seconds)
        row += [Decimal3.seconds(index.millisUnknown), String(index.gaps), String(index.lag?.count ?? 0)]
        if let lag = index.lag {
            row += [
                String(lag.min), Decimal3.ratio(lag.sum, UInt128(lag.count)), String(lag.p50), String(lag.p90),
                String(lag.p99), String(lag.max), String(lag.last),
            ]
        } else {
            row += Array(repeating: "", count: 7)
        }
        row.append(String(index.aheadSamples))
        if let rates = index.rates {
            let millis = UInt128(rates.millis)
            row += [
                Decimal3.ratio(rates.leaderIncrease * 1000, millis),
                Decimal3.ratio(rates.followerIncrease * 1000, millis),
            ]
        } else {
            row += ["", ""]
        }
        row += [String(index.stalls), Decimal3.seconds(index.millisStalled)]
        if let lagSeconds = index.lagSeconds {
            row += [
                Decimal3.seconds(lagSeconds.p50), Decimal3.seconds(lagSeconds.p99), Decimal3.seconds(lagSeconds.max),
                lagSeconds.last.map(Decimal3.seconds) ?? "",
            ]
        } else {
            row += ["", "", "", ""]
        }
        return row
    }

    public static func transitions(_ result: AnalysisResult, flushingTo sink: ByteSink? = nil) -> CSVTable {
        var table = CSVTable(header: transitionsHeader, flushingTo: sink)
        for row in result.transitions {
            table.append([
                Timestamp.format(row.timestamp), result.indexName(row.index), row.from.apiName, row.to.apiName,
                result.text(row.reason) ?? "", Decimal3.seconds(row.millisInPrevious),
                row.checkpoints.map { String($0.leader) } ?? "", row.checkpoints.map { String($0.follower) } ?? "",
            ])
        }
        return table
    }

    public static func stalls(_ result: AnalysisResult, flushingTo sink: ByteSink? = nil) -> CSVTable {
        var table = CSVTable(header: stallsHeader, flushingTo: sink)
        for stall in result.stalls {
            table.append([
                result.indexName(stall.index), Timestamp.format(stall.start), Timestamp.format(stall.end),
                Decimal3.seconds(stall.millis), String(stall.followerCheckpoint), String(stall.maxLag),
            ])
        }
        return table
    }

    public static func gaps(_ result: AnalysisResult, flushingTo sink: ByteSink? = nil) -> CSVTable {
        var table = CSVTable(header: gapsHeader, flushingTo: sink)
        for gap in result.gaps {
            table.append([
                result.indexName(gap.index), Timestamp.format(gap.start), Timestamp.format(gap.end),
                Decimal3.seconds(gap.millis),
            ])
        }
        return table
    }

    public static func errors(_ result: AnalysisResult, flushingTo sink: ByteSink? = nil) -> CSVTable {
        var table = CSVTable(header: errorsHeader, flushingTo: sink)
        for episode in result.errorEpisodes {
            table.append([
                result.indexName(episode.index), Timestamp.format(episode.start), Timestamp.format(episode.end),
                String(episode.samples), episode.httpStatus.map { String($0) } ?? "", result.text(episode.type) ?? "",
                result.text(episode.reason) ?? "",
            ])
        }
        return table
    }

    public static func shards(_ result: AnalysisResult, flushingTo sink: ByteSink? = nil) -> CSVTable {
        var table = CSVTable(header: shardsHeader, flushingTo: sink)
        for shard in result.shards {
            table.append([
                result.indexName(shard.index), String(shard.shard), String(shard.lagSamples), String(shard.p50),
                String(shard.p99), String(shard.max), String(shard.last), String(shard.stalls),
                Decimal3.seconds(shard.millisStalled),
            ])
        }
        return table
    }

    public static func quality(_ result: AnalysisResult, flushingTo sink: ByteSink? = nil) -> CSVTable {
        var table = CSVTable(header: qualityHeader, flushingTo: sink)
        func rows(_ source: String, _ counts: OutcomeCounts) {
            table.append([source, "lines", String(counts.lines)])
            for outcome in Outcome.allCases {
                table.append([source, outcome.name, String(counts[outcome])])
            }
        }
        for source in result.sources { rows(source.name, source.counts) }
        rows("*", result.totals)
        return table
    }
}
