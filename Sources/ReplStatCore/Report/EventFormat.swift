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
    ]

    /// The event's name and fields, in order, with nil for a value that does not apply.
    /// `name` and `text` resolve index ids and text ids.
    public static func fields(
        _ event: LiveEvent, name: (Int32) -> String, text: (Int32) -> String?
    ) -> [(String, Value)] {
        let seconds = { (millis: Int64) in Value.number(Decimal3.seconds(millis)) }
        let time = { (instant: Int64) in Value.string(Timestamp.format(instant)) }
        switch event {
        case .transition(let row):
            return [
                ("event", .string("transition")), ("time", time(row.timestamp)), ("index", .string(name(row.index))),
                ("from_status", .string(row.from.apiName)), ("to_status", .string(row.to.apiName)),
                ("reason", text(row.reason).map(Value.string) ?? .null),
                ("seconds", seconds(row.millisInPrevious)),
                ("leader_checkpoint", row.checkpoints.map { .number(String($0.leader)) } ?? .null),
                ("follower_checkpoint", row.checkpoints.map { .number(String($0.follower)) } ?? .null),
            ]
        case .stallStart(let index, let at, let start, let checkpoint, let lag):
            return [
                ("event", .string("stall_start")), ("time", time(at)), ("index", .string(name(index))),
                ("seconds", seconds(at - start)), ("start", time(start)),
                ("follower_checkpoint", .number(String(checkpoint))), ("lag", .number(String(lag))),
            ]
        case .stallEnd(let stall):
            return [
                ("event", .string("stall_end")), ("time", time(stall.end)), ("index", .string(name(stall.index))),
                ("seconds", seconds(stall.millis)), ("start", time(stall.start)), ("end", time(stall.end)),
                ("follower_checkpoint", .number(String(stall.followerCheckpoint))),
                ("max_lag", .number(String(stall.maxLag))),
            ]
        case .gap(let index, let from, let to):
            return [
                ("event", .string("gap")), ("time", time(to)), ("index", .string(name(index))),
                ("seconds", seconds(to - from)), ("start", time(from)), ("end", time(to)),
            ]
        case .lagBreachStart(let index, let at, let start, let lag):
            return [
                ("event", .string("lag_breach_start")), ("time", time(at)), ("index", .string(name(index))),
                ("seconds", seconds(at - start)), ("start", time(start)), ("lag", .number(String(lag))),
            ]
        case .lagBreachEnd(let index, let at, let start, let end, let maxLag):
            return [
                ("event", .string("lag_breach_end")), ("time", time(at)), ("index", .string(name(index))),
                ("seconds", seconds(end - start)), ("start", time(start)), ("end", time(end)),
                ("max_lag", .number(String(maxLag))),
            ]
        case .error(let index, let at, let detail):
            return [
                ("event", .string("error")), ("time", time(at)), ("index", .string(name(index))),
                ("error_type", detail.type.map(Value.string) ?? .null),
                ("http_status", detail.httpStatus.map { .number(String($0)) } ?? .null),
            ]
        case .reject(let source, let line, let outcome):
            return [
                ("event", .string("reject")), ("source", .string(source)), ("line", .number(String(line))),
                ("reason", .string(outcome.name)),
            ]
        }
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
