/// One line of a source on its way from `replstat split` to the partial analysis of its
/// partition (docs/distributed.md, records):
///
///     <partition> TAB <source ordinal> TAB <line number> TAB <the line's bytes> LF
///
/// in decimal, the line's bytes exactly as read (after a byte-order mark, before the removal of
/// a trailing CR), which hold no LF. Split ends its output with one `S` record, `S TAB` and the
/// source's document (`SourceDocument`).
public struct SplitRecord: Equatable {
    public var partition: Int
    public var ordinal: Int
    public var lineNumber: Int
    /// The line's bytes, without LF.
    public var bytes: ArraySlice<UInt8>

    public init(partition: Int, ordinal: Int, lineNumber: Int, bytes: ArraySlice<UInt8>) {
        self.partition = partition
        self.ordinal = ordinal
        self.lineNumber = lineNumber
        self.bytes = bytes
    }

    /// What starts the source record.
    public static let sourceTag: [UInt8] = [UInt8(ascii: "S"), 0x09]
    /// The bytes before a line's own, at most: three numbers of up to 20 digits and their TABs.
    static let headerLimit = 64
    /// Each number of a record has at most this many digits: no sum of them overflows.
    static let digitLimit = 18

    /// Appends a record of `line` to `out`.
    static func append(
        partition: Int, ordinal: Int, lineNumber: Int, line: UnsafeRawBufferPointer, to out: inout [UInt8]
    ) {
        appendDecimal(partition, to: &out)
        out.append(0x09)
        appendDecimal(ordinal, to: &out)
        out.append(0x09)
        appendDecimal(lineNumber, to: &out)
        out.append(0x09)
        out.append(contentsOf: line)
        out.append(0x0A)
    }

    private static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        out.append(contentsOf: String(value).utf8)
    }

    /// What is wrong with a line that should be a record.
    public struct Problem: Error, Equatable {
        public var message: String
    }

    /// Reads a record line (without its LF).
    public static func parse(_ line: ArraySlice<UInt8>) throws(Problem) -> SplitRecord {
        var position = line.startIndex
        func number(_ what: String) throws(Problem) -> Int {
            let end = line[position...].firstIndex(of: 0x09) ?? line.endIndex
            let digits = line[position..<end]
            guard digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                throw Problem(message: "its \(what) is not a decimal number")
            }
            guard !digits.isEmpty, end < line.endIndex else {
                throw Problem(message: "it ends before its \(what) and a TAB")
            }
            guard digits.count <= digitLimit else {
                throw Problem(
                    message: "its \(what) is out of range (0 to \(String(repeating: "9", count: digitLimit)))")
            }
            position = end + 1
            return digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        }
        let partition = try number("partition")
        let ordinal = try number("source ordinal")
        let lineNumber = try number("line number")
        guard lineNumber >= 1 else { throw Problem(message: "its line number is 0 (lines are numbered from 1)") }
        return SplitRecord(partition: partition, ordinal: ordinal, lineNumber: lineNumber, bytes: line[position...])
    }
}
