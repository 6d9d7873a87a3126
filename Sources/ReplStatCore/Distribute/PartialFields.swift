/// The fields of one line of a partial document (docs/distributed.md, the partial format): a
/// tag, then fields separated by TAB, the line ended by LF. Numbers are decimal; text is
/// percent-encoded (`PartialFields.encode`), so that no field holds a TAB, an LF or a byte that
/// is not printable ASCII.
struct PartialLine {
    private(set) var bytes: [UInt8] = []

    init(_ tag: String) {
        bytes.append(contentsOf: tag.utf8)
    }

    mutating func add(_ number: some BinaryInteger) {
        bytes.append(0x09)
        bytes.append(contentsOf: String(number).utf8)
    }

    mutating func add(_ number: (some BinaryInteger)?) {
        bytes.append(0x09)
        if let number { bytes.append(contentsOf: String(number).utf8) }
    }

    mutating func add(word: String) {
        bytes.append(0x09)
        bytes.append(contentsOf: word.utf8)
    }

    mutating func add<Bytes: Sequence>(text: Bytes) where Bytes.Element == UInt8 {
        bytes.append(0x09)
        PartialFields.encode(text, into: &bytes)
    }

    mutating func add(_ status: ReplicationStatus?) {
        add(word: status?.columnName ?? "")
    }

    /// The line with its LF.
    var line: [UInt8] { bytes + [0x0A] }
}

/// Reads the fields of one line in order; each read throws `PartialFields.Problem` when the
/// field is missing or not of its kind, so that a damaged or made-up document is refused
/// with the field named, never trusted.
struct PartialFields {
    /// What is wrong with a field, said in words; the reader adds where.
    struct Problem: Error {
        var message: String
    }

    let tag: String
    private let fields: [ArraySlice<UInt8>]
    private var next = 0

    /// Splits `line` at TAB; the first field is the tag.
    init(_ line: ArraySlice<UInt8>) {
        let split = line.split(separator: 0x09, omittingEmptySubsequences: false)
        tag = String(decoding: split[0], as: UTF8.self)
        fields = Array(split.dropFirst())
    }

    /// Fields left to read.
    var remaining: Int { fields.count - next }

    private mutating func field(_ what: String) throws(Problem) -> ArraySlice<UInt8> {
        guard next < fields.count else {
            throw Problem(message: "'\(tag)' line ends before its field \(next + 1) (\(what))")
        }
        defer { next += 1 }
        return fields[next]
    }

    private func problem(_ what: String, _ field: ArraySlice<UInt8>) -> Problem {
        let shown = field.count > 40 ? Array(field.prefix(40)) + Array("...".utf8) : Array(field)
        return Problem(
            message:
                "field \(next) of the '\(tag)' line (\(what)) is '\(VisibleText.escaped(String(decoding: shown, as: UTF8.self)))'"
        )
    }

    /// A decimal integer of type `Number`: an optional `-`, then 1 to 40 digits, in range.
    mutating func number<Number: FixedWidthInteger>(_ what: String, as: Number.Type = Number.self) throws(Problem)
        -> Number
    {
        try number(what, in: Number.min...Number.max)
    }

    /// A number, or nil for an empty field.
    mutating func optional<Number: FixedWidthInteger>(_ what: String, as: Number.Type = Number.self) throws(Problem)
        -> Number?
    {
        try optional(what, in: Number.min...Number.max)
    }

    /// A number in `range`, or nil for an empty field.
    mutating func optional<Number: FixedWidthInteger>(_ what: String, in range: ClosedRange<Number>) throws(Problem)
        -> Number?
    {
        let field = try field(what)
        if field.isEmpty { return nil }
        return try value(of: field, what, in: range)
    }

    /// A number in `range`.
    mutating func number<Number: FixedWidthInteger>(_ what: String, in range: ClosedRange<Number>) throws(Problem)
        -> Number
    {
        // The field first: `value` names it by the position reading it moved past.
        let field = try field(what)
        return try value(of: field, what, in: range)
    }

    /// The number `field` holds, when it is one in `range`.
    private func value<Number: FixedWidthInteger>(
        of field: ArraySlice<UInt8>, _ what: String, in range: ClosedRange<Number>
    ) throws(Problem) -> Number {
        guard let value = Self.parse(field, as: Number.self), range.contains(value) else {
            throw problem(what, field)
        }
        return value
    }

    /// A status by its column name, or nil for an empty field.
    mutating func status(_ what: String) throws(Problem) -> ReplicationStatus? {
        let field = try field(what)
        if field.isEmpty { return nil }
        guard let status = ReplicationStatus.allCases.first(where: { field.elementsEqual($0.columnName.utf8) }) else {
            throw problem(what, field)
        }
        return status
    }

    /// A word as written (a tag, a setting's name).
    mutating func word(_ what: String) throws(Problem) -> String {
        String(decoding: try field(what), as: UTF8.self)
    }

    /// Percent-encoded bytes, decoded.
    mutating func text(_ what: String) throws(Problem) -> [UInt8] {
        let field = try field(what)
        guard let bytes = PartialFields.decode(field) else { throw problem(what, field) }
        return bytes
    }

    /// Checks that every field was read.
    func end() throws(Problem) {
        guard next == fields.count else {
            throw Problem(message: "'\(tag)' line has \(fields.count) fields, \(next) expected")
        }
    }

    static func parse<Number: FixedWidthInteger>(_ field: ArraySlice<UInt8>, as: Number.Type) -> Number? {
        var digits = field
        let negative = digits.first == UInt8(ascii: "-")
        if negative { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.count <= 40, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        guard !negative || Number.isSigned else { return nil }
        var value: Number = 0
        for digit in digits {
            let (times, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) =
                negative
                ? times.subtractingReportingOverflow(Number(digit - 0x30))
                : times.addingReportingOverflow(Number(digit - 0x30))
            guard !overflow && !overflow2 else { return nil }
            value = sum
        }
        return value
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    /// Printable ASCII but `%` as it is, every other byte as `%XX`.
    static func encode<Bytes: Sequence>(_ bytes: Bytes, into out: inout [UInt8]) where Bytes.Element == UInt8 {
        for byte in bytes {
            if byte > 0x20 && byte < 0x7F && byte != UInt8(ascii: "%") {
                out.append(byte)
            } else {
                out += [UInt8(ascii: "%"), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 15)]]
            }
        }
    }

    /// The bytes `encode` wrote, or nil when the field holds anything `encode` does not write.
    static func decode(_ field: ArraySlice<UInt8>) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(field.count)
        var position = field.startIndex
        while position < field.endIndex {
            let byte = field[position]
            if byte == UInt8(ascii: "%") {
                guard position + 2 < field.endIndex, let high = hexValue(field[position + 1]),
                    let low = hexValue(field[position + 2])
                else { return nil }
                bytes.append(high << 4 | low)
                position += 3
            } else {
                guard byte > 0x20 && byte < 0x7F else { return nil }
                bytes.append(byte)
                position += 1
            }
        }
        return bytes
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        default: nil
        }
    }
}
