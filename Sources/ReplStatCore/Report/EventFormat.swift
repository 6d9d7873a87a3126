/// Live events as text: one JSON object per line, or one CSV row per line under a fixed
/// header. Field names and number formats are those of the CSV reports.
public enum EventFormat {
    /// How events are written: `jsonl`, one JSON object per line; `csv`, rows under one header.
    public enum Style: String, CaseIterable, Sendable {
        case jsonl, csv
    }

    public static let csvHeader = [
        "event", "time", "index", "from_status", "to_status", "reason", "seconds", "start", "end",
        "leader_checkpoint", "follower_checkpoint", "lag", "max_lag", "source", "line", "error_type", "http_status",
        "lag_seconds", "max_lag_seconds", "samples", "shard",
    ]

    /// The event's name and fields, in order, with nil for a value that does not apply.
    /// `name` and `text` resolve index ids and text ids.
    public static func fields(
        _ event: LiveEvent, name: (Int32) -> String, text: (Int32) -> String?
    ) -> [(String, Value)] {
        let seconds = { (millis: Int64) in Value.number(Decimal3.seconds(millis)) }
        let lagSeconds = { (millis: Int64?) in millis.map(seconds) ?? .null }
        let time = { (instant: Int64) in Value.string(Timestamp.format(instant)) }
        let number = { (value: any BinaryInteger) in Value.number(String(value)) }
        switch event {
        case .transition(let row):
            return [
                ("event", .string("transition")), ("time", time(row.timestamp)), ("index", .string(name(row.index))),
                ("from_status", .string(row.from.apiName)), ("to_status", .string(row.to.apiName)),
                ("reason", text(row.reason).map(Value.string) ?? .null),
                ("seconds", seconds(row.millisInPrevious)),
                ("leader_checkpoint", row.checkpoints.map { number($0.leader) } ?? .null),
                ("follower_checkpoint", row.checkpoints.map { number($0.follower) } ?? .null),
            ]
        case .stallStart(let index, let at, let start, let checkpoint, let lag, let lagMillis):
            return [
                ("event", .string("stall_start")), ("time", time(at)), ("index", .string(name(index))),
                ("seconds", seconds(at - start)), ("start", time(start)),
                ("follower_checkpoint", number(checkpoint)), ("lag", number(lag)),
                ("lag_seconds", lagSeconds(lagMillis)),
            ]
        case .stallEnd(let stall, let lagMillis):
            return [
                ("event", .string("stall_end")), ("time", time(stall.end)), ("index", .string(name(stall.index))),
                ("seconds", seconds(stall.millis)), ("start", time(stall.start)), ("end", time(stall.end)),
                ("follower_checkpoint", number(stall.followerCheckpoint)), ("max_lag", number(stall.maxLag)),
                ("max_lag_seconds", lagSeconds(lagMillis)),
            ]
        case .shardStallStart(let index, let shard, let at, let start, let checkpoint, let lag):
            return [
                ("event", .string("shard_stall_start")), ("time", time(at)), ("index", .string(name(index))),
                ("shard", number(shard)), ("seconds", seconds(at - start)), ("start", time(start)),
                ("follower_checkpoint", number(checkpoint)), ("lag", number(lag)),
            ]
        case .shardStallEnd(let stall):
            return [
                ("event", .string("shard_stall_end")), ("time", time(stall.end)), ("index", .string(name(stall.index))),
                ("shard", number(stall.shard)), ("seconds", seconds(stall.millis)), ("start", time(stall.start)),
                ("end", time(stall.end)), ("follower_checkpoint", number(stall.followerCheckpoint)),
                ("max_lag", number(stall.maxLag)),
            ]
        case .gap(let index, let from, let to):
            return [
                ("event", .string("gap")), ("time", time(to)), ("index", .string(name(index))),
                ("seconds", seconds(to - from)), ("start", time(from)), ("end", time(to)),
            ]
        case .lagBreachStart(let measure, let index, let at, let start, let lag, let lagMillis):
            return [
                ("event", .string(breachName(measure) + "_start")), ("time", time(at)), ("index", .string(name(index))),
                ("seconds", seconds(at - start)), ("start", time(start)), ("lag", number(lag)),
                ("lag_seconds", lagSeconds(lagMillis)),
            ]
        case .lagBreachEnd(let measure, let breach):
            return [
                ("event", .string(breachName(measure) + "_end")), ("time", time(breach.time)),
                ("index", .string(name(breach.index))), ("seconds", seconds(breach.end - breach.start)),
                ("start", time(breach.start)), ("end", time(breach.end)), ("max_lag", number(breach.maxLag)),
                ("max_lag_seconds", lagSeconds(breach.maxLagMillis)),
            ]
        case .errorStart(let episode):
            return [
                ("event", .string("error_start")), ("time", time(episode.start)),
                ("index", .string(name(episode.index))),
            ] + errorFields(episode, text: text)
        case .errorEnd(let episode):
            return [
                ("event", .string("error_end")), ("time", time(episode.end)), ("index", .string(name(episode.index))),
                ("seconds", seconds(episode.end - episode.start)), ("start", time(episode.start)),
                ("end", time(episode.end)), ("samples", number(episode.samples)),
            ] + errorFields(episode, text: text)
        case .reject(let source, let line, let outcome):
            return [
                ("event", .string("reject")), ("source", .string(source)), ("line", number(line)),
                ("reason", .string(outcome.name)),
            ]
        }
    }

    private static func breachName(_ measure: LagAlert.Measure) -> String {
        switch measure {
        case .operations: "lag_breach"
        case .seconds: "lag_seconds_breach"
        }
    }

    /// What an episode's error samples say of themselves, as errors.csv writes it.
    private static func errorFields(_ episode: ErrorEpisode, text: (Int32) -> String?) -> [(String, Value)] {
        [
            ("http_status", episode.httpStatus.map { .number(String($0)) } ?? .null),
            ("error_type", text(episode.type).map(Value.string) ?? .null),
            ("reason", text(episode.reason).map(Value.string) ?? .null),
        ]
    }

    public enum Value: Equatable, Sendable {
        case string(String)
        case number(String)
        case null
    }

    /// One JSON object, ending with a newline.
    public static func jsonLine(_ fields: [(String, Value)]) -> [UInt8] {
        var object = JSONObject()
        for (key, value) in fields {
            switch value {
            case .string(let text): object.string(key, text)
            case .number(let text): object.number(key, text)
            case .null: object.null(key)
            }
        }
        return object.finish() + [0x0A]
    }

    /// One CSV row under `csvHeader`, ending with a newline. These rows go to a terminal as often
    /// as to a file: text shows hidden characters as `\u{1B}` (`VisibleText`), and text taken
    /// from a capture is defused for spreadsheets as in the CSV reports.
    public static func csvLine(_ fields: [(String, Value)]) -> [UInt8] {
        var row = [String](repeating: "", count: csvHeader.count)
        for (key, value) in fields {
            guard let column = csvHeader.firstIndex(of: key) else { continue }
            switch value {
            case .string(let text): row[column] = VisibleText.escaped(text)
            case .number(let text): row[column] = text
            case .null: row[column] = ""
            }
        }
        var table = CSVTable(columns: csvHeader)
        table.append(row)
        return table.bytes
    }
}
