// libFuzzer target: one line through the decode stage (JSONLineScanner, Timestamp, RecordDecoder).
//
// Built by scripts/fuzz together with the sources of ReplStatCore, as one module, so internal
// names are visible without @testable. The input is one line's bytes (CR and LF included, as
// the fuzzer makes them). Every outcome is checked against a small reference written here
// from docs/format.md, independently of the code under test:
//
// - the decoder never crashes, decoding the same line twice gives the same result, and a
//   verbose line after it decodes as it does alone (nothing carries over);
// - the scanner's verdict (invalid / not an object / object) is that of a plain recursive
//   RFC 8259 parser (UTF-8 checked by the standard library, depth limit 64);
// - the outcome, and for a sample every field (timestamp, index name, status, reason, alias,
//   leader index, checkpoints, shard checkpoints; for an error sample its http_status,
//   error_type and reason), is what the reference decoder derives from the parsed tree;
// - Timestamp.parseRFC3339 on the raw bytes and Timestamp.parseEpochNumber on a bare JSON
//   number agree with reference parsers (different algorithms, exact to the millisecond), and
//   every accepted instant is in range and survives Timestamp.format and back.

#if canImport(Glibc)
    import Glibc
#endif

// MARK: - Failure reporting

/// Prints the reason and the input, then aborts: libFuzzer saves the input as a crash file.
func check(_ condition: Bool, _ message: @autoclosure () -> String, _ input: UnsafeRawBufferPointer) {
    if condition { return }
    let escaped = input.map { byte -> String in
        switch byte {
        case 0x22: "\\\""
        case 0x5C: "\\\\"
        case 0x20...0x7E: String(UnicodeScalar(byte))
        default: "\\u{\(String(byte, radix: 16))}"
        }
    }.joined()
    let report = Array("INVARIANT FAILED: \(message())\ninput (\(input.count) bytes): \"\(escaped)\"\n".utf8)
    _ = report.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    abort()
}

// MARK: - Reference JSON parser

indirect enum RefValue {
    /// Keys and values in order; lookups take the last occurrence of a key.
    case object([(key: [UInt8], value: RefValue)])
    case array([RefValue])
    /// The decoded UTF-8 bytes of the string.
    case string([UInt8])
    /// The number's text as it appears in the line.
    case number([UInt8])
    case boolean
    case null

    /// The last value of a key, nil when absent or null (docs/format.md: null counts as absent).
    func member(_ name: String) -> RefValue? {
        guard case .object(let members) = self else { return nil }
        let key = Array(name.utf8)
        guard let found = members.last(where: { $0.key == key }) else { return nil }
        if case .null = found.value { return nil }
        return found.value
    }

    var isObject: Bool {
        if case .object = self { return true }
        return false
    }

    var stringBytes: [UInt8]? {
        if case .string(let bytes) = self { return bytes }
        return nil
    }
}

/// A recursive descent parser of one JSON text, RFC 8259, at most 64 levels of containers.
struct RefParser {
    let bytes: [UInt8]
    var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    static func parse(_ bytes: [UInt8]) -> RefValue? {
        var parser = RefParser(bytes)
        parser.skipSpace()
        guard let value = parser.value(depth: 1) else { return nil }
        parser.skipSpace()
        return parser.position == bytes.count ? value : nil
    }

    mutating func skipSpace() {
        while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
    }

    var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    mutating func literal(_ text: String, _ value: RefValue) -> RefValue? {
        let expected = Array(text.utf8)
        guard bytes.count - position >= expected.count,
            Array(bytes[position..<position + expected.count]) == expected
        else { return nil }
        position += expected.count
        return value
    }

    mutating func value(depth: Int) -> RefValue? {
        guard let c = current else { return nil }
        switch c {
        case UInt8(ascii: "{"):
            guard depth <= 64 else { return nil }
            position += 1
            var members: [(key: [UInt8], value: RefValue)] = []
            skipSpace()
            if current == UInt8(ascii: "}") {
                position += 1
                return .object(members)
            }
            while true {
                skipSpace()
                guard current == UInt8(ascii: "\""), let key = string() else { return nil }
                skipSpace()
                guard current == UInt8(ascii: ":") else { return nil }
                position += 1
                skipSpace()
                guard let member = value(depth: depth + 1) else { return nil }
                members.append((key, member))
                skipSpace()
                if current == UInt8(ascii: ",") {
                    position += 1
                    continue
                }
                guard current == UInt8(ascii: "}") else { return nil }
                position += 1
                return .object(members)
            }
        case UInt8(ascii: "["):
            guard depth <= 64 else { return nil }
            position += 1
            skipSpace()
            var elements: [RefValue] = []
            if current == UInt8(ascii: "]") {
                position += 1
                return .array(elements)
            }
            while true {
                skipSpace()
                guard let element = value(depth: depth + 1) else { return nil }
                elements.append(element)
                skipSpace()
                if current == UInt8(ascii: ",") {
                    position += 1
                    continue
                }
                guard current == UInt8(ascii: "]") else { return nil }
                position += 1
                return .array(elements)
            }
        case UInt8(ascii: "\""):
            return string().map { .string($0) }
        case UInt8(ascii: "t"): return literal("true", .boolean)
        case UInt8(ascii: "f"): return literal("false", .boolean)
        case UInt8(ascii: "n"): return literal("null", .null)
        default:
            return number()
        }
    }

    /// At the opening quote; returns the decoded bytes.
    mutating func string() -> [UInt8]? {
        position += 1
        let start = position
        var decoded: [UInt8] = []
        while true {
            guard let c = current else { return nil }
            if c == UInt8(ascii: "\"") { break }
            if c < 0x20 { return nil }
            if c != UInt8(ascii: "\\") {
                decoded.append(c)
                position += 1
                continue
            }
            position += 1
            guard let kind = current else { return nil }
            position += 1
            switch kind {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(kind)
            case UInt8(ascii: "b"): decoded.append(0x08)
            case UInt8(ascii: "f"): decoded.append(0x0C)
            case UInt8(ascii: "n"): decoded.append(0x0A)
            case UInt8(ascii: "r"): decoded.append(0x0D)
            case UInt8(ascii: "t"): decoded.append(0x09)
            case UInt8(ascii: "u"):
                guard let unit = hex4() else { return nil }
                var scalarValue = unit
                if (0xD800...0xDBFF).contains(unit) {
                    guard current == UInt8(ascii: "\\"), position + 1 < bytes.count,
                        bytes[position + 1] == UInt8(ascii: "u")
                    else { return nil }
                    position += 2
                    guard let low = hex4(), (0xDC00...0xDFFF).contains(low) else { return nil }
                    scalarValue = 0x10000 + (unit - 0xD800) * 0x400 + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(unit) {
                    return nil
                }
                guard let scalar = Unicode.Scalar(scalarValue) else { return nil }
                decoded.append(contentsOf: Array(String(Character(scalar)).utf8))
            default:
                return nil
            }
        }
        // Escapes are ASCII, so the raw contents are valid UTF-8 exactly when the string is.
        guard String(validating: bytes[start..<position], as: UTF8.self) != nil else { return nil }
        position += 1
        return decoded
    }

    mutating func hex4() -> UInt32? {
        guard bytes.count - position >= 4 else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let digit = UInt32(String(UnicodeScalar(bytes[position])), radix: 16) else { return nil }
            value = value * 16 + digit
            position += 1
        }
        return value
    }

    mutating func number() -> RefValue? {
        let start = position
        func digits() -> Int {
            var count = 0
            while let c = current, c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
                position += 1
                count += 1
            }
            return count
        }
        if current == UInt8(ascii: "-") { position += 1 }
        if current == UInt8(ascii: "0") {
            position += 1
        } else if digits() == 0 {
            return nil
        }
        if current == UInt8(ascii: ".") {
            position += 1
            guard digits() > 0 else { return nil }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            guard digits() > 0 else { return nil }
        }
        return .number(Array(bytes[start..<position]))
    }
}

// MARK: - Reference timestamps

enum RefTime {
    static let earliest: Int64 = -62_167_219_200_000
    static let latest: Int64 = 253_402_300_799_999

    static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    /// Days from 0000-01-01 to the first day of `year` (year 0 is a leap year).
    static func daysBeforeYear(_ year: Int) -> Int {
        guard year > 0 else { return 0 }
        let previous = year - 1
        return 365 * year + previous / 4 - previous / 100 + previous / 400 + 1
    }

    static let monthLengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

    /// An RFC 3339 timestamp as docs/format.md allows it, to the millisecond.
    static func rfc3339(_ s: [UInt8]) -> Int64? {
        func isDigit(_ at: Int) -> Bool { at < s.count && s[at] >= 0x30 && s[at] <= 0x39 }
        func number(_ at: Int, _ count: Int) -> Int? {
            guard (at..<at + count).allSatisfy(isDigit) else { return nil }
            return s[at..<at + count].reduce(0) { $0 * 10 + Int($1 - 0x30) }
        }
        func byte(_ at: Int) -> UInt8? { at < s.count ? s[at] : nil }
        guard let year = number(0, 4), byte(4) == 0x2D, let month = number(5, 2), byte(7) == 0x2D,
            let day = number(8, 2), [0x54, 0x74, 0x20].contains(byte(10) ?? 0),
            let hour = number(11, 2), byte(13) == 0x3A, let minute = number(14, 2), byte(16) == 0x3A,
            let second = number(17, 2)
        else { return nil }
        var at = 19
        var millis = 0
        if byte(at) == UInt8(ascii: ".") {
            at += 1
            var fraction: [Int] = []
            while isDigit(at) {
                fraction.append(Int(s[at] - 0x30))
                at += 1
            }
            guard !fraction.isEmpty else { return nil }
            fraction += [0, 0, 0]
            millis = fraction[0] * 100 + fraction[1] * 10 + fraction[2]
        }
        var offset = 0
        switch byte(at) {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            at += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard let offsetHour = number(at + 1, 2), byte(at + 3) == 0x3A, let offsetMinute = number(at + 4, 2),
                offsetHour <= 23, offsetMinute <= 59
            else { return nil }
            offset = (offsetHour * 60 + offsetMinute) * (s[at] == UInt8(ascii: "-") ? -1 : 1)
            at += 6
        default:
            return nil
        }
        guard at == s.count else { return nil }
        guard (1...12).contains(month), hour <= 23, minute <= 59, second <= 59 else { return nil }
        let length = month == 2 && isLeap(year) ? 29 : monthLengths[month - 1]
        guard (1...length).contains(day) else { return nil }
        let dayNumber =
            daysBeforeYear(year) + monthLengths[0..<month - 1].reduce(0, +) + (month > 2 && isLeap(year) ? 1 : 0)
            + day - 1 - daysBeforeYear(1970)
        let seconds = dayNumber * 86_400 + hour * 3600 + minute * 60 + second - offset * 60
        let instant = Int64(seconds) * 1000 + Int64(millis)
        return (earliest...latest).contains(instant) ? instant : nil
    }

    /// A JSON number of epoch seconds (absolute value below 1e11) or milliseconds, truncated
    /// toward negative infinity to the millisecond. Works on the decimal digits with trailing
    /// zeros folded into the exponent.
    static func epoch(_ text: [UInt8]) -> Int64? {
        var at = 0
        let negative = text.first == UInt8(ascii: "-")
        if negative { at += 1 }
        var digits: [UInt8] = []
        var power = 0
        var inFraction = false
        while at < text.count, text[at] != UInt8(ascii: "e"), text[at] != UInt8(ascii: "E") {
            if text[at] == UInt8(ascii: ".") {
                inFraction = true
            } else {
                digits.append(text[at] - 0x30)
                if inFraction { power -= 1 }
            }
            at += 1
        }
        if at < text.count {
            at += 1
            var exponentNegative = false
            if text[at] == UInt8(ascii: "+") || text[at] == UInt8(ascii: "-") {
                exponentNegative = text[at] == UInt8(ascii: "-")
                at += 1
            }
            var exponentDigits = Array(text[at...].drop(while: { $0 == UInt8(ascii: "0") }))
            // Beyond 10^12 the value is far out of range, or rounds to 0 or -1 ms: clamp.
            if exponentDigits.count > 12 { exponentDigits = Array("1000000000000".utf8) }
            let exponent = exponentDigits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
            power += exponentNegative ? -exponent : exponent
        }
        while digits.first == 0 { digits.removeFirst() }
        while digits.last == 0 {
            digits.removeLast()
            power += 1
        }
        if digits.isEmpty { return 0 }
        // value = digits * 10^power; it has (digits.count + power) digits before the point.
        let isSeconds = digits.count + power <= 11
        let integerDigits = digits.count + power + (isSeconds ? 3 : 0)
        if integerDigits > 17 { return nil }
        var whole: Int64 = 0
        var hasFraction = false
        if integerDigits >= digits.count {
            for digit in digits { whole = whole * 10 + Int64(digit) }
            for _ in 0..<(integerDigits - digits.count) { whole *= 10 }
        } else {
            for digit in digits.prefix(max(integerDigits, 0)) { whole = whole * 10 + Int64(digit) }
            hasFraction = true  // the last digit is not 0
        }
        let instant = negative ? -whole - (hasFraction ? 1 : 0) : whole
        return (earliest...latest).contains(instant) ? instant : nil
    }
}

// MARK: - Reference decoder

enum RefDecoded: Equatable, CustomStringConvertible {
    case rejected(Outcome)
    case error(index: [UInt8], timestamp: Int64, httpStatus: Int64?, type: [UInt8]?, reason: [UInt8]?)
    /// `shards`: (shard, leader, follower) of each shard with checkpoints, by shard number.
    case status(
        timestamp: Int64, index: [UInt8], status: ReplicationStatus, reason: [UInt8]?, alias: [UInt8]?,
        leaderIndex: [UInt8]?, checkpoints: [Int64]?, shards: [[Int64]])

    var description: String {
        switch self {
        case .rejected(let outcome): "rejected(\(outcome.name))"
        case .error(let index, let timestamp, let httpStatus, let type, let reason):
            "error(index: \(index), timestamp: \(timestamp), \(String(describing: httpStatus)), "
                + "\(String(describing: type)), \(String(describing: reason)))"
        case .status(
            let timestamp, let index, let status, let reason, let alias, let leaderIndex, let checkpoints, let shards):
            "status(\(timestamp), \(index), \(status), \(String(describing: reason)), \(String(describing: alias)), "
                + "\(String(describing: leaderIndex)), \(String(describing: checkpoints)), \(shards))"
        }
    }
}

/// A JSON integer without fraction or exponent that fits in Int64.
func refInteger(_ value: RefValue?) -> Int64?? {
    guard let value else { return .some(nil) }  // absent: allowed where optional
    guard case .number(let text) = value,
        !text.contains(UInt8(ascii: ".")), !text.contains(UInt8(ascii: "e")), !text.contains(UInt8(ascii: "E")),
        let integer = Int64(String(decoding: text, as: UTF8.self))
    else { return nil }  // present but not an integer
    return .some(integer)
}

/// N of a shard_id that ends in `[N]`, N being 1 to 9 ASCII digits.
func refShardNumber(_ id: [UInt8]) -> Int64? {
    guard id.last == UInt8(ascii: "]"), let open = id.lastIndex(of: UInt8(ascii: "[")) else { return nil }
    let digits = id[(open + 1)..<(id.count - 1)]
    guard (1...9).contains(digits.count), digits.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
    return Int64(String(decoding: digits, as: UTF8.self))
}

/// The shards of `shard_replication_details` with checkpoints, by number (the last element of a
/// shard counts); nil when the details are bad.
func refShards(_ details: RefValue) -> [[Int64]]? {
    guard case .array(let elements) = details else { return nil }
    var byShard: [Int64: [Int64]?] = [:]
    for element in elements {
        guard element.isObject, let shard = element.member("shard_id")?.stringBytes.flatMap(refShardNumber)
        else { return nil }
        guard let task = element.member("syncing_task_details") else {
            byShard[shard] = .some(nil)
            continue
        }
        guard task.isObject, let leader = refInteger(task.member("leader_checkpoint")) ?? nil,
            let follower = refInteger(task.member("follower_checkpoint")) ?? nil,
            refInteger(task.member("seq_no")) != nil
        else { return nil }
        byShard[shard] = [shard, leader, follower]
    }
    return byShard.keys.sorted().compactMap { byShard[$0]! }
}

/// The checks of docs/format.md, in their order, on a parsed line.
func referenceDecode(_ line: [UInt8]) -> RefDecoded {
    var line = line
    if line.last == UInt8(ascii: "\r") { line.removeLast() }
    if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return .rejected(.blank) }
    guard let envelope = RefParser.parse(line) else { return .rejected(.invalidJSON) }
    guard envelope.isObject else { return .rejected(.notObject) }
    guard let stamp = ["@timestamp", "timestamp", "ts", "time"].lazy.compactMap({ envelope.member($0) }).first
    else { return .rejected(.missingTimestamp) }
    let timestamp: Int64?
    switch stamp {
    case .string(let text): timestamp = RefTime.rfc3339(text)
    case .number(let text): timestamp = RefTime.epoch(text)
    default: timestamp = nil
    }
    guard let timestamp else { return .rejected(.invalidTimestamp) }
    let response = envelope.member("response")
    if let response, !response.isObject { return .rejected(.invalidField) }
    let envelopeIndex = envelope.member("index")
    if let envelopeIndex, (envelopeIndex.stringBytes ?? []).isEmpty { return .rejected(.invalidField) }
    let body = response ?? envelope
    guard let index = envelopeIndex?.stringBytes ?? body.member("follower_index")?.stringBytes, !index.isEmpty
    else { return .rejected(.missingIndex) }
    if index.count > 255 { return .rejected(.invalidField) }
    if let error = body.member("error") {
        var type = error.member("type")?.stringBytes
        if type?.isEmpty == true { type = nil }
        return .error(
            index: index, timestamp: timestamp, httpStatus: refInteger(body.member("status")) ?? nil, type: type,
            reason: error.stringBytes ?? error.member("reason")?.stringBytes)
    }
    guard let status = body.member("status") else { return .rejected(.missingStatus) }
    guard let statusText = status.stringBytes else { return .rejected(.invalidField) }
    for key in ["reason", "leader_alias", "leader_index", "follower_index"] {
        if let value = body.member(key), value.stringBytes == nil { return .rejected(.invalidField) }
    }
    var checkpoints: [Int64]?
    if let details = body.member("syncing_details") {
        guard details.isObject,
            let leader = refInteger(details.member("leader_checkpoint")) ?? nil,
            let follower = refInteger(details.member("follower_checkpoint")) ?? nil,
            refInteger(details.member("seq_no")) != nil
        else { return .rejected(.invalidField) }
        checkpoints = [leader, follower]
    }
    var shards: [[Int64]] = []
    if let details = body.member("shard_replication_details") {
        guard let found = refShards(details) else { return .rejected(.invalidField) }
        shards = found
    }
    guard let known = ReplicationStatus.allCases.first(where: { Array($0.apiName.utf8) == statusText })
    else { return .rejected(.unknownStatus) }
    return .status(
        timestamp: timestamp, index: index, status: known, reason: body.member("reason")?.stringBytes,
        alias: body.member("leader_alias")?.stringBytes, leaderIndex: body.member("leader_index")?.stringBytes,
        checkpoints: checkpoints, shards: shards)
}

/// The decoder's result in the reference's terms (ids resolved through its string tables).
func resolved(_ decoded: DecodedLine, _ decoder: inout RecordDecoder) -> RefDecoded {
    func text(_ id: Int32) -> [UInt8]? { id == StatusSample.none ? nil : Array(decoder.texts.bytes(id)) }
    let shardLists = decoder.takeShardLists()
    switch decoded {
    case .rejected(let outcome):
        return .rejected(outcome)
    case .error(let sample):
        return .error(
            index: Array(decoder.indexNames.bytes(sample.index)), timestamp: sample.timestamp,
            httpStatus: sample.hasHTTPStatus ? sample.httpStatus : nil, type: text(sample.type),
            reason: text(sample.reason))
    case .status(let sample):
        let shards =
            sample.shardDetails == StatusSample.none
            ? [] : shardLists[Int(sample.shardDetails)].map { [Int64($0.shard), $0.leader, $0.follower] }
        return .status(
            timestamp: sample.timestamp, index: Array(decoder.indexNames.bytes(sample.index)), status: sample.status,
            reason: text(sample.reason), alias: text(sample.leaderAlias), leaderIndex: text(sample.leaderIndex),
            checkpoints: sample.hasCheckpoints ? [sample.leaderCheckpoint, sample.followerCheckpoint] : nil,
            shards: shards)
    }
}

// MARK: - Entry point

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: size > 0 ? data : nil, count: size)
    let bytes = Array(input)

    // The decoder, twice on the same line: the second time the strings are already interned.
    var decoder = RecordDecoder()
    let first = resolved(decoder.decode(FramedLine(bytes: input)), &decoder)
    let again = resolved(decoder.decode(FramedLine(bytes: input)), &decoder)
    check(first == again, "decoding twice differs: \(first) then \(again)", input)
    check(decoder.indexNames.count <= 1, "more than one index name interned", input)

    let expected = referenceDecode(bytes)
    check(first == expected, "decoder says \(first), reference says \(expected)", input)
    if case .status(let timestamp, _, _, _, _, _, _, _) = first {
        check((Timestamp.earliest...Timestamp.latest).contains(timestamp), "timestamp out of range", input)
    }

    // Nothing of this line carries over to the next: a verbose line decodes as it does alone.
    let next = Array(
        (#"{"ts":1,"index":"n","response":{"status":"SYNCING","syncing_details":{"leader_checkpoint":2,"#
            + #""follower_checkpoint":1},"shard_replication_details":[{"shard_id":"[n][4]","#
            + #""syncing_task_details":{"leader_checkpoint":2,"follower_checkpoint":1}}]}}"#).utf8)
    var fresh = RecordDecoder()
    let alone = next.withUnsafeBytes { resolved(fresh.decode(FramedLine(bytes: $0)), &fresh) }
    let after = next.withUnsafeBytes { resolved(decoder.decode(FramedLine(bytes: $0)), &decoder) }
    check(after == alone, "the next line decodes as \(after), alone as \(alone)", input)

    // A line over the limit is line_too_long, or blank when the framer says so, whatever its bytes.
    check(
        decoder.decode(FramedLine(bytes: input, isTooLong: true, isBlank: false)) == .rejected(.lineTooLong),
        "too long line not line_too_long", input)
    check(
        decoder.decode(FramedLine(bytes: input, isTooLong: true, isBlank: true)) == .rejected(.blank),
        "too long blank line not blank", input)

    // The scanner alone, on the line as it is (no CR removed): its verdict is the reference's.
    let scanner = JSONLineScanner()
    let verdict = scanner.scan(input)
    let parsed = RefParser.parse(bytes)
    let expectedVerdict: JSONLineScanner.Result = parsed.map { $0.isObject ? .object : .notObject } ?? .invalid
    check(verdict == expectedVerdict, "scanner says \(verdict), reference parser says \(expectedVerdict)", input)
    if verdict == .object {
        // Every recorded slot lies inside the line.
        for field in Field.allCases where !scanner[field].isMissing {
            let slot = scanner[field]
            check(
                0 <= slot.start && slot.start <= slot.end && Int(slot.end) <= size, "slot \(field) out of line", input)
        }
    }

    // Timestamps straight from the raw bytes: any bytes at all for RFC 3339.
    let rfc = bytes.withUnsafeBufferPointer { Timestamp.parseRFC3339($0) }
    let rfcExpected = RefTime.rfc3339(bytes)
    check(
        rfc == rfcExpected,
        "parseRFC3339 gives \(String(describing: rfc)), reference \(String(describing: rfcExpected))", input)
    // A valid JSON number only, as parseEpochNumber requires.
    if case .number(let text) = parsed {
        let epoch = text.withUnsafeBufferPointer { Timestamp.parseEpochNumber($0) }
        let epochExpected = RefTime.epoch(text)
        check(
            epoch == epochExpected,
            "parseEpochNumber gives \(String(describing: epoch)), reference \(String(describing: epochExpected))", input
        )
    }
    for instant in [rfc, first.timestamp].compactMap({ $0 }) {
        let text = Array(Timestamp.format(instant).utf8)
        let back = text.withUnsafeBufferPointer { Timestamp.parseRFC3339($0) }
        check(
            back == instant,
            "format(\(instant)) = \(String(decoding: text, as: UTF8.self)) parses back as \(String(describing: back))",
            input)
    }
    return 0
}

extension RefDecoded {
    var timestamp: Int64? {
        switch self {
        case .rejected: nil
        case .error(_, let timestamp, _, _, _): timestamp
        case .status(let timestamp, _, _, _, _, _, _, _): timestamp
        }
    }
}
