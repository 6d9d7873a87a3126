/// Builds RFC 4180 CSV text: LF line ends, fields with `,` `"` CR or LF quoted, `"` doubled.
///
/// Columns that hold text taken from a capture are defused (docs/format.md): a value that a
/// spreadsheet would read as a formula (it starts with `=`, `+`, `-`, `@`, TAB or CR) gets a `'`
/// in front, so that opening a report never runs what a capture's author wrote. A column is
/// defused by its name: a new table gets it by naming its columns as the others do.
public struct CSVTable {
    /// The columns whose values are text taken from a capture (index names, the leader's alias
    /// and index, reasons, error types); a source's name comes from the command line, and `-`
    /// (standard input) must stay `-`.
    public static let capturedTextColumns: Set<String> = [
        "index", "leader_alias", "leader_index", "reason", "error_type",
    ]

    /// The text so far; with a sink, what has not gone to it yet.
    public var bytes: [UInt8] { text.bytes }
    /// With a sink, the text goes there a piece at a time, so that a table of a million rows is
    /// never whole in memory.
    private var text: ReportText
    /// For each column position, whether its values are defused.
    private let defused: [Bool]

    /// A table with `header` as its first row.
    /// - Parameters:
    ///   - capturedText: the names of the columns whose values are defused.
    ///   - sink: where the text goes as it is made (see `flush()`); without, it stays in `bytes`.
    public init(
        header: [String], capturedText: Set<String> = CSVTable.capturedTextColumns, flushingTo sink: ByteSink? = nil
    ) {
        self.init(columns: header, capturedText: capturedText, flushingTo: sink)
        appendRow(header, defusing: false)
    }

    /// A table of rows under the columns `columns`, without a header row (for rows written one
    /// at a time under a header written before).
    public init(
        columns: [String], capturedText: Set<String> = CSVTable.capturedTextColumns, flushingTo sink: ByteSink? = nil
    ) {
        defused = columns.map(capturedText.contains)
        text = ReportText(sink: sink)
    }

    /// Writes what the sink has not had yet; throws the first failure to write there.
    public mutating func flush() throws(OutputError) {
        try text.flush()
    }

    /// Appends a row; a value of a defused column that starts like a formula gets a `'` in front.
    public mutating func append(_ fields: [String]) {
        appendRow(fields, defusing: true)
    }

    /// Whether a spreadsheet could take `field` for a formula (OWASP's list of leading characters).
    static func startsLikeAFormula(_ field: String) -> Bool {
        guard let first = field.utf8.first else { return false }
        return first == UInt8(ascii: "=") || first == UInt8(ascii: "+") || first == UInt8(ascii: "-")
            || first == UInt8(ascii: "@") || first == 0x09 || first == 0x0D
    }

    private mutating func appendRow(_ fields: [String], defusing: Bool) {
        for (position, field) in fields.enumerated() {
            if position > 0 { text.append(UInt8(ascii: ",")) }
            let utf8 = field.utf8
            let needsQuotes = utf8.contains {
                $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0D || $0 == 0x0A
            }
            if needsQuotes { text.append(UInt8(ascii: "\"")) }
            if defusing && position < defused.count && defused[position] && Self.startsLikeAFormula(field) {
                text.append(UInt8(ascii: "'"))
            }
            if needsQuotes {
                for byte in utf8 {
                    if byte == UInt8(ascii: "\"") { text.append(byte) }
                    text.append(byte)
                }
                text.append(UInt8(ascii: "\""))
            } else {
                text.append(contentsOf: utf8)
            }
        }
        text.append(0x0A)
        text.flushWhenFull()
    }
}
