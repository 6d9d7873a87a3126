import Testing

@testable import ReplStatCore

private func scan(_ bytes: [UInt8]) -> (JSONLineScanner.Result, JSONLineScanner) {
    let scanner = JSONLineScanner()
    let result = bytes.withUnsafeBytes { scanner.scan($0) }
    return (result, scanner)
}

private func scan(_ text: String) -> JSONLineScanner.Result {
    scan(Array(text.utf8)).0
}

/// The decoded text of a string slot, or the raw text of any other slot.
private func value(_ field: Field, in text: String) -> String? {
    let bytes = Array(text.utf8)
    let (result, scanner) = scan(bytes)
    guard result == .object else { return nil }
    let slot = scanner[field]
    guard !slot.isMissing else { return nil }
    let raw = bytes[Int(slot.start)..<Int(slot.end)]
    guard slot.hasEscapes else { return String(decoding: raw, as: UTF8.self) }
    return raw.withUnsafeBufferPointer { String(decoding: JSONString.decode($0), as: UTF8.self) }
}

private func nested(depth: Int, open: String = "[", close: String = "]") -> String {
    String(repeating: open, count: depth) + String(repeating: close, count: depth)
}

@Suite struct JSONLineScannerTests {
    /// Values in an object, so that a valid one is `.object`.
    static let validValues: [String] = [
        "true", "false", "null", "0", "-0", "1", "-1", "10", "123456789012345678901234567890",
        "0.5", "-0.5", "1.0", "1e5", "1E5", "1e+5", "1e-5", "1.5e-10", "0e0", "-0.0e-0",
        #""""#, #""abc""#, #""\"\\\/\b\f\n\r\t""#, #""\u0041\u00e9\u20AC""#, #""\ud83d\ude00""#,
        #""\uD83D\uDE00""#, "\"\u{7F}\"", "\"é€😀\"", "[]", "{}", "[1,2,3]", #"{"a":{"b":[{}]}}"#,
        " 1 ", "\t[ 1 , 2 ]\t", #"{ "a" : 1 }"#, "\r1\r",
    ]

    static let invalidValues: [String] = [
        "", "tru", "True", "nul", "NULL", "falsey", "NaN", "Infinity", "-Infinity", "undefined",
        "01", "-01", "00", "1.", ".5", "-", "+1", "1e", "1e+", "1E-", "1.e5", "0x10", "1_000", "--1",
        #"""#, #""abc"#, #"'a'"#, #""\a""#, #""\x41""#, #""\u12""#, #""\u12G4""#, #""\U0041""#,
        #""\ud800""#, #""\udc00""#, #""\ud800\u0041""#, #""\ud800x""#, #""\udc00\ud800""#, #""\ud800\ud800""#,
        "\"a\u{01}b\"", "\"a\tb\"", "\"\u{1F}\"", "[1,]", "[,1]", "[1 2]", #"{"a":1,}"#, "[", "]", "{",
        "}", "/* c */ 1", "1 // c", "1 2", "[1]]", "{\"a\"}", "{\"a\":}", "{a:1}", "{1:1}", #"{"a" 1}"#,
        #"{"a":1 "b":2}"#, "[1,,2]",
    ]

    @Test(arguments: validValues)
    func validValue(value: String) {
        #expect(scan(#"{"v":"# + value + "}") == .object)
    }

    @Test(arguments: invalidValues)
    func invalidValue(value: String) {
        #expect(scan(#"{"v":"# + value + "}") == .invalid)
        #expect(scan(value) == .invalid)
    }

    @Test(arguments: ["1", "-0", "\"text\"", "true", "null", "[]", "[{}]", " [1] "])
    func validButNotObject(text: String) {
        #expect(scan(text) == .notObject)
    }

    @Test func topLevelMustBeOneValue() {
        #expect(scan("{}") == .object)
        #expect(scan("  {}  ") == .object)
        #expect(scan("{}{}") == .invalid)
        #expect(scan("{} x") == .invalid)
        #expect(scan("") == .invalid)
        #expect(scan("   ") == .invalid)
    }

    /// Invalid UTF-8 inside a string (RFC 3629: no overlongs, no surrogates, nothing past U+10FFFF).
    @Test(
        arguments: [
            [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xE0, 0x9F, 0xBF], [0xED, 0xA0, 0x80],
            [0xED, 0xBF, 0xBF], [0xF0, 0x80, 0x80, 0x80], [0xF0, 0x8F, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80],
            [0xF5, 0x80, 0x80, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xFF], [0xFE], [0x80], [0xBF],
            [0xC3], [0xE2, 0x82], [0xF0, 0x9F, 0x98], [0xC3, 0x41], [0xE2, 0x41, 0xAC], [0xE2, 0x82, 0x41],
            [0xF0, 0x9F, 0x41, 0x80],
        ] as [[UInt8]])
    func invalidUTF8(sequence: [UInt8]) {
        let line = Array(#"{"v":""#.utf8) + sequence + Array(#""}"#.utf8)
        #expect(scan(line).0 == .invalid)
        // Truncated right at the end of the line as well.
        #expect(scan(Array(#"{"v":""#.utf8) + sequence).0 == .invalid)
        // Invalid in a key too.
        #expect(scan(Array(#"{""#.utf8) + sequence + Array(#"":1}"#.utf8)).0 == .invalid)
    }

    @Test(
        arguments: [
            [0xC2, 0x80], [0xDF, 0xBF], [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xEE, 0x80, 0x80],
            [0xEF, 0xBF, 0xBF], [0xF0, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF], [0xF3, 0xBF, 0xBF, 0xBF],
        ] as [[UInt8]])
    func validUTF8(sequence: [UInt8]) {
        #expect(scan(Array(#"{"v":""#.utf8) + sequence + Array(#""}"#.utf8)).0 == .object)
    }

    @Test func invalidUTF8OutsideStringsIsInvalid() {
        #expect(scan([0xEF, 0xBB, 0xBF] + Array("{}".utf8)).0 == .invalid)
        #expect(scan(Array("{}".utf8) + [0xC3, 0xA9]).0 == .invalid)
    }

    @Test func nestingDepth() {
        #expect(scan(nested(depth: 64)) == .notObject)
        #expect(scan(nested(depth: 65)) == .invalid)
        #expect(scan("{\"a\":" + nested(depth: 63) + "}") == .object)
        #expect(scan("{\"a\":" + nested(depth: 64) + "}") == .invalid)
        let objects64 = String(repeating: "{\"a\":", count: 63) + "{}" + String(repeating: "}", count: 63)
        #expect(scan(objects64) == .object)
        let objects65 = String(repeating: "{\"a\":", count: 64) + "{}" + String(repeating: "}", count: 64)
        #expect(scan(objects65) == .invalid)
        // Depth is the number of open containers, not their total: siblings do not add up.
        let wide = "{" + (0..<100).map { "\"k\($0)\":" + nested(depth: 63) }.joined(separator: ",") + "}"
        #expect(scan(wide) == .object)
    }

    @Test func deepNestingDoesNotCrash() {
        #expect(scan(nested(depth: 100_000)) == .invalid)
        #expect(scan(String(repeating: "[", count: 100_000)) == .invalid)
        #expect(scan(String(repeating: "{\"a\":", count: 100_000)) == .invalid)
    }

    @Test func scannerIsReusableAfterAnInvalidLine() {
        let scanner = JSONLineScanner()
        let bad = Array(#"{"@timestamp":"x","index":"a","response":{"status":"#.utf8)
        #expect(bad.withUnsafeBytes { scanner.scan($0) } == .invalid)
        let good = Array(#"{"ts":1}"#.utf8)
        #expect(good.withUnsafeBytes { scanner.scan($0) } == .object)
        #expect(scanner[.atTimestamp].isMissing)
        #expect(scanner[.index].isMissing)
        #expect(scanner[.status].isMissing)
        #expect(scanner[.ts].kind == .number)
    }

    @Test func envelopeFields() {
        let line = #"{"@timestamp":"t1","timestamp":2,"ts":null,"time":true,"index":"i","other":{"index":"x"}}"#
        #expect(value(.atTimestamp, in: line) == "t1")
        #expect(value(.timestamp, in: line) == "2")
        #expect(value(.ts, in: line) == nil)
        #expect(value(.time, in: line) == "true")
        #expect(value(.index, in: line) == "i")
        let (_, scanner) = scan(Array(line.utf8))
        #expect(scanner[.ts].kind == .null)
        #expect(scanner[.timestamp].kind == .number && scanner[.timestamp].isInteger)
        #expect(scanner[.time].kind == .boolean)
    }

    @Test func numberSlotsKnowIntegers() {
        let (_, scanner) = scan(Array(#"{"a":1,"ts":-0,"time":1.0,"timestamp":1e2,"@timestamp":-12}"#.utf8))
        #expect(scanner[.ts].isInteger)
        #expect(!scanner[.time].isInteger)
        #expect(!scanner[.timestamp].isInteger)
        #expect(scanner[.atTimestamp].isInteger)
    }

    /// Integers of many digits are scanned inline up to their end; a fraction or an exponent
    /// after them makes them no integer.
    @Test(arguments: [
        ("123456789", true), ("1234567890123456789", true), ("98765432.5", false), ("98765432e2", false),
        ("98765432E2", false), ("12345678901234567.0", false), ("7", true), ("70", true), ("-70", true),
        ("0", true), ("70.1e1", false),
    ])
    func longNumbersKnowIntegers(number: String, isInteger: Bool) {
        let line = #"{"ts":"# + number + #","index":"i"}"#
        let (result, scanner) = scan(Array(line.utf8))
        #expect(result == .object)
        #expect(scanner[.ts].kind == .number && scanner[.ts].isInteger == isInteger)
        #expect(value(.ts, in: line) == number)
        #expect(value(.index, in: line) == "i")
    }

    @Test func lastDuplicateKeyWins() {
        #expect(value(.index, in: #"{"index":"a","index":"b"}"#) == "b")
        #expect(value(.index, in: #"{"index":"a","index":null}"#) == nil)
        #expect(value(.status, in: #"{"response":{"status":"A","status":"B"}}"#) == "B")
        #expect(value(.flatStatus, in: #"{"status":"A","x":1,"status":"B"}"#) == "B")
    }

    @Test func repeatedResponseForgetsTheEarlierOne() {
        let line =
            #"{"response":{"status":"A","reason":"r","syncing_details":{"leader_checkpoint":5}},"#
            + #""response":{"leader_alias":"x"}}"#
        #expect(value(.status, in: line) == nil)
        #expect(value(.reason, in: line) == nil)
        #expect(value(.leaderCheckpoint, in: line) == nil)
        #expect(value(.leaderAlias, in: line) == "x")
        let (_, scanner) = scan(Array(line.utf8))
        #expect(scanner[.response].kind == .object)
    }

    @Test func repeatedSyncingDetailsForgetsTheEarlierOne() {
        let line =
            #"{"response":{"syncing_details":{"leader_checkpoint":5,"seq_no":3},"#
            + #""syncing_details":{"follower_checkpoint":7}}}"#
        #expect(value(.leaderCheckpoint, in: line) == nil)
        #expect(value(.seqNo, in: line) == nil)
        #expect(value(.followerCheckpoint, in: line) == "7")
        let flat = #"{"syncing_details":{"leader_checkpoint":5},"syncing_details":{"seq_no":1}}"#
        #expect(value(.flatLeaderCheckpoint, in: flat) == nil)
        #expect(value(.flatSeqNo, in: flat) == "1")
    }

    @Test func flatAndNestedBodiesAreKeptApart() {
        let line =
            #"{"status":"FLAT","syncing_details":{"leader_checkpoint":1},"#
            + #""response":{"status":"NESTED","syncing_details":{"leader_checkpoint":2}}}"#
        #expect(value(.flatStatus, in: line) == "FLAT")
        #expect(value(.status, in: line) == "NESTED")
        #expect(value(.flatLeaderCheckpoint, in: line) == "1")
        #expect(value(.leaderCheckpoint, in: line) == "2")
    }

    @Test func keysOnlyMatchAtTheirLevel() {
        // A "status" inside another object, or a "leader_checkpoint" outside syncing_details, is not a field.
        let line =
            #"{"response":{"bootstrap_details":{"status":"X","leader_checkpoint":1}},"#
            + #""leader_checkpoint":2,"error":{"status":400}}"#
        #expect(value(.status, in: line) == nil)
        #expect(value(.leaderCheckpoint, in: line) == nil)
        #expect(value(.flatLeaderCheckpoint, in: line) == nil)
        #expect(value(.flatError, in: line) == #"{"status":400}"#)
        #expect(value(.flatStatus, in: line) == nil)
        // Nor are keys of objects inside arrays.
        let inArray = #"{"x":[{"status":"A","index":"i"}],"y":[[{"@timestamp":"t"}]]}"#
        #expect(value(.flatStatus, in: inArray) == nil)
        #expect(value(.index, in: inArray) == nil)
        #expect(value(.atTimestamp, in: inArray) == nil)
    }

    @Test func objectsInsideAnArrayValuedFieldAreNotTheField() {
        // `response` and `syncing_details` given as arrays: their elements are not the body.
        let line = #"{"response":[{"status":"A","syncing_details":{"leader_checkpoint":1}}]}"#
        let (_, scanner) = scan(Array(line.utf8))
        #expect(scanner[.response].kind == .array)
        #expect(scanner[.status].isMissing)
        #expect(scanner[.leaderCheckpoint].isMissing)
        let flat = #"{"syncing_details":[{"leader_checkpoint":1},{"seq_no":2}]}"#
        let (_, flatScanner) = scan(Array(flat.utf8))
        #expect(flatScanner[.flatSyncing].kind == .array)
        #expect(flatScanner[.flatLeaderCheckpoint].isMissing)
        #expect(flatScanner[.flatSeqNo].isMissing)
    }

    @Test func keysWithEscapesMatch() {
        #expect(value(.status, in: #"{"response":{"st\u0061tus":"SYNCING"}}"#) == "SYNCING")
        #expect(value(.atTimestamp, in: #"{"\u0040timestamp":"t"}"#) == "t")
        #expect(value(.index, in: #"{"ind\u0065x":"i"}"#) == "i")
        #expect(
            value(.leaderCheckpoint, in: #"{"response":{"syncing\u005fdetails":{"leader\u005Fcheckpoint":3}}}"#)
                == "3")
        // An escape that decodes to something else does not match.
        #expect(value(.index, in: #"{"inde\u0058":"i"}"#) == nil)
        #expect(value(.index, in: #"{"index\u0000":"i"}"#) == nil)
    }

    @Test func stringValuesWithEscapesDecode() {
        #expect(value(.index, in: #"{"index":"a\"b\\c\/d\te\u00e9\ud83d\ude00"}"#) == "a\"b\\c/d\te\u{e9}\u{1F600}")
        let (_, scanner) = scan(Array(#"{"index":"plain","ts":"a\nb"}"#.utf8))
        #expect(!scanner[.index].hasEscapes)
        #expect(scanner[.ts].hasEscapes)
    }

    @Test func containerSlotsSpanTheirText() {
        let line = #"{"response": {"status":"S", "x":[1,{"y":2}]} ,"index":"i"}"#
        #expect(value(.response, in: line) == #"{"status":"S", "x":[1,{"y":2}]}"#)
        #expect(value(.error, in: #"{"response":{"error":[1,2]}}"#) == "[1,2]")
        #expect(value(.error, in: #"{"response":{"error":{}}}"#) == "{}")
    }

    @Test func nullValuesCountAsMissing() {
        let line = #"{"@timestamp":null,"index":null,"response":{"status":null,"syncing_details":null}}"#
        let (result, scanner) = scan(Array(line.utf8))
        #expect(result == .object)
        for field in [Field.atTimestamp, .index, .status, .syncing] {
            #expect(scanner[field].kind == .null)
            #expect(scanner[field].isMissing)
        }
        #expect(scanner[.timestamp].kind == .absent)
        #expect(scanner[.timestamp].isMissing)
    }
}

/// A plain recursive-descent validator of RFC 8259, written from the grammar: the reference for
/// the property test. UTF-8 validity comes from the standard library.
private struct ReferenceJSON {
    let bytes: [UInt8]
    var position = 0

    static func verdict(_ bytes: [UInt8]) -> JSONLineScanner.Result {
        guard String(validating: bytes, as: UTF8.self) != nil else { return .invalid }
        var parser = ReferenceJSON(bytes: bytes)
        parser.skipSpace()
        let isObject = parser.peek == UInt8(ascii: "{")
        guard parser.value(depth: 1) else { return .invalid }
        parser.skipSpace()
        guard parser.position == bytes.count else { return .invalid }
        return isObject ? .object : .notObject
    }

    var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

    mutating func skipSpace() {
        while let byte = peek, [0x20, 0x09, 0x0A, 0x0D].contains(byte) { position += 1 }
    }

    mutating func eat(_ byte: UInt8) -> Bool {
        guard peek == byte else { return false }
        position += 1
        return true
    }

    mutating func value(depth: Int) -> Bool {
        switch peek {
        case UInt8(ascii: "{"):
            guard depth <= 64 else { return false }
            position += 1
            skipSpace()
            if eat(UInt8(ascii: "}")) { return true }
            repeat {
                skipSpace()
                guard string() else { return false }
                skipSpace()
                guard eat(UInt8(ascii: ":")) else { return false }
                skipSpace()
                guard value(depth: depth + 1) else { return false }
                skipSpace()
            } while eat(UInt8(ascii: ","))
            return eat(UInt8(ascii: "}"))
        case UInt8(ascii: "["):
            guard depth <= 64 else { return false }
            position += 1
            skipSpace()
            if eat(UInt8(ascii: "]")) { return true }
            repeat {
                skipSpace()
                guard value(depth: depth + 1) else { return false }
                skipSpace()
            } while eat(UInt8(ascii: ","))
            return eat(UInt8(ascii: "]"))
        case UInt8(ascii: "\""):
            return string()
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        default: return number()
        }
    }

    mutating func literal(_ text: String) -> Bool {
        for byte in text.utf8 { guard eat(byte) else { return false } }
        return true
    }

    mutating func digits() -> Int {
        var count = 0
        while let byte = peek, byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
            position += 1
            count += 1
        }
        return count
    }

    mutating func number() -> Bool {
        _ = eat(UInt8(ascii: "-"))
        if eat(UInt8(ascii: "0")) {
            // No further integer digits after a leading zero: the caller sees them as garbage.
        } else if digits() == 0 {
            return false
        }
        if eat(UInt8(ascii: ".")) { guard digits() > 0 else { return false } }
        if eat(UInt8(ascii: "e")) || eat(UInt8(ascii: "E")) {
            if !eat(UInt8(ascii: "+")) { _ = eat(UInt8(ascii: "-")) }
            guard digits() > 0 else { return false }
        }
        return true
    }

    mutating func hex4() -> UInt32? {
        guard position + 4 <= bytes.count else { return nil }
        guard let value = UInt32(String(decoding: bytes[position..<position + 4], as: UTF8.self), radix: 16),
            bytes[position..<position + 4].allSatisfy({ $0 != UInt8(ascii: "+") && $0 != UInt8(ascii: "-") })
        else { return nil }
        position += 4
        return value
    }

    mutating func string() -> Bool {
        guard eat(UInt8(ascii: "\"")) else { return false }
        while let byte = peek {
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                return true
            case UInt8(ascii: "\\"):
                guard let escape = peek else { return false }
                position += 1
                switch escape {
                case UInt8(ascii: "u"):
                    guard let unit = hex4() else { return false }
                    if (0xDC00...0xDFFF).contains(unit) { return false }
                    if (0xD800...0xDBFF).contains(unit) {
                        guard eat(UInt8(ascii: "\\")), eat(UInt8(ascii: "u")), let low = hex4(),
                            (0xDC00...0xDFFF).contains(low)
                        else { return false }
                    }
                default:
                    guard Array(#""\/bfnrt"#.utf8).contains(escape) else { return false }
                }
            default:
                guard byte >= 0x20 else { return false }
            }
        }
        return false
    }
}

@Suite struct JSONLineScannerPropertyTests {
    /// Random JSON, then random damage; the scanner must agree with the reference on every line.
    @Test(arguments: 0..<20)
    func agreesWithReference(seed: Int) {
        var random = SplitMix64(seed: UInt64(seed) + 31)
        let noise: [UInt8] =
            Array(#"{}[]:,"\ -+.eE0123456789tfnulx/"#.utf8) + [0x00, 0x1F, 0x7F, 0x80, 0xC3, 0xED, 0xF4]
        var disagreements = 0
        for _ in 0..<300 {
            var bytes = Array(randomJSON(depth: 0, random: &random).utf8)
            for _ in 0..<Int.random(in: 0...2, using: &random) where !bytes.isEmpty {
                let at = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: bytes.remove(at: at)
                case 1: bytes.insert(noise.randomElement(using: &random)!, at: at)
                default: bytes[at] = noise.randomElement(using: &random)!
                }
            }
            let expected = ReferenceJSON.verdict(bytes)
            let got = scan(bytes).0
            if got != expected {
                disagreements += 1
                Issue.record("\(String(decoding: bytes, as: UTF8.self).debugDescription): \(got) vs \(expected)")
            }
            if disagreements > 5 { return }
        }
    }

    /// The scanner clears its slots with memset: an absent slot must be all zero bytes.
    @Test func anAbsentSlotIsAllZeroBytes() {
        var slot = FieldSlot(kind: .string, hasEscapes: true, isInteger: true, start: 7, end: 9)
        _ = withUnsafeMutableBytes(of: &slot) { $0.initializeMemory(as: UInt8.self, repeating: 0) }
        #expect(slot == FieldSlot() && slot.kind == .absent)
    }

    /// Every byte value at every place of the 8-byte words a string is skipped by, then a second
    /// one after it: the scanner stops at the first byte that needs a look, whatever follows.
    @Test(arguments: 0..<17)
    func everyByteAtEveryPlaceOfAString(place: Int) {
        let quoteLike: [UInt8] = [0x00, 0x1F, 0x22, 0x5C, 0x80, 0xC3, 0xFF]
        for byte in UInt8.min...UInt8.max {
            for second in [UInt8(ascii: "a")] + quoteLike {
                var content = [UInt8](repeating: UInt8(ascii: "a"), count: 24)
                content[place] = byte
                content[place + 1] = second
                let bytes = Array(#"{"k":""#.utf8) + content + Array(#""}"#.utf8)
                let expected = ReferenceJSON.verdict(bytes)
                #expect(scan(bytes).0 == expected, "byte \(byte) then \(second) at \(place)")
            }
        }
    }

    /// Every byte that can end or break a run of digits, at every place of the 8-byte words a
    /// number's digits are skipped by, in integers, fractions and exponents; then the value of
    /// each integer against Swift's own parser, around 8, 16, 18 and 19 digits.
    @Test(arguments: [1, 7, 8, 9, 15, 16, 17, 18, 19, 20, 25])
    func everyByteAtEveryPlaceOfANumber(digits: Int) {
        let enders: [UInt8] = Array(#"0123456789./:-+eE,}"a "#.utf8) + [0x00, 0x1F, 0x2F, 0x3A, 0x80, 0xFF]
        let body = (0..<digits).map { UInt8(ascii: "1") + UInt8($0 % 9) }
        for prefix in ["", "-", "0.", "1e"] {
            for place in 0..<digits {
                for byte in enders {
                    var number = body
                    number[place] = byte
                    let bytes = Array(#"{"k":"#.utf8) + Array(prefix.utf8) + number + Array("}".utf8)
                    #expect(scan(bytes).0 == ReferenceJSON.verdict(bytes), "\(prefix) \(place) \(byte)")
                }
            }
        }
        var random = SplitMix64(seed: UInt64(digits))
        let extremes = ["9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809"]
        var texts = extremes + ["999999999999999999", "-999999999999999999", "100000000000000000", "12345678"]
        for _ in 0..<200 {
            let count = Int.random(in: 1...digits, using: &random)
            let digitText = String((0..<count).map { _ in Character(String(Int.random(in: 0...9, using: &random))) })
            let trimmed = String(digitText.drop { $0 == "0" })
            texts.append((Bool.random(using: &random) ? "-" : "") + (trimmed.isEmpty ? "0" : trimmed))
        }
        for text in texts {
            let bytes = Array(#"{"k":"#.utf8) + Array(text.utf8) + Array("}".utf8)
            let slot = FieldSlot(kind: .number, isInteger: true, start: 5, end: Int32(5 + text.utf8.count))
            #expect(scan(bytes).0 == .object, "\(text)")
            let (value, fits) = bytes.withUnsafeBufferPointer {
                (JSONInteger.int64(slot, in: $0.baseAddress!), JSONInteger.isInt64(slot, in: $0.baseAddress!))
            }
            #expect(value == Int64(text), "\(text)")
            #expect(fits == (Int64(text) != nil), "\(text)")
        }
    }

    /// The scanner guesses each key of an object from the lines before (the key that followed
    /// the same key there): one scanner reused over lines whose keys repeat, change order, come
    /// near a known key, take escapes, spaces or no colon, or are cut short finds on every line
    /// what a new scanner finds.
    @Test(arguments: 0..<12)
    func reusedScannerAgreesWithANewOne(seed: Int) {
        var random = SplitMix64(seed: UInt64(seed) + 977)
        let reused = JSONLineScanner()
        var disagreements = 0
        for _ in 0..<400 {
            let bytes = Array(guessingLine(random: &random).utf8)
            let fresh = JSONLineScanner()
            let (expected, got) = bytes.withUnsafeBytes { (fresh.scan($0), reused.scan($0)) }
            let sameSlots = Field.allCases.allSatisfy { fresh[$0] == reused[$0] }
            let sameShards = [true, false].allSatisfy {
                fresh.shardDetails.checkpoints(flat: $0) == reused.shardDetails.checkpoints(flat: $0)
            }
            if got != expected || !sameSlots || !sameShards {
                disagreements += 1
                Issue.record("\(String(decoding: bytes, as: UTF8.self).debugDescription): \(got) vs \(expected)")
            }
            if disagreements > 5 { return }
        }
    }

    /// A capture line, mostly as the ones before it, and often changed.
    private func guessingLine(random: inout SplitMix64) -> String {
        let syncing = #""syncing_details":{"leader_checkpoint":12,"follower_checkpoint":10,"seq_no":10}"#
        let task = #""syncing_task_details":{"leader_checkpoint":5,"follower_checkpoint":4,"seq_no":4}"#
        let shards =
            #""shard_replication_details":[{"shard_id":"[i][0]","#
            + task + #"},{"shard_id":"[i][1]"}]"#
        let body = [
            #""status":"SYNCING""#, #""reason":"User initiated""#, #""leader_alias":"a""#, #""leader_index":"l""#,
            #""follower_index":"i""#, syncing, shards, #""error":{"type":"t","reason":"r"}"#,
        ]
        var members = [#""@timestamp":"2026-01-01T00:00:00Z""#, #""ts":1"#, #""index":"i""#]
        members +=
            Int.random(in: 0..<4, using: &random) == 0 ? body : [#""response":{"# + body.joined(separator: ",") + "}"]
        // Keys as a guess would not take them: near misses, escapes, spaces, no colon.
        let changes: [(String, String)] = [
            (#""index":"#, #""indexx":"#), (#""index":"#, #""inde":"#), (#""index":"#, #""ind\u0065x":"#),
            (#""status":"#, #""status" :"#), (#""status":"#, #""status""#), (#""seq_no":"#, #""seq_nO":"#),
            (#""leader_alias":"#, #""leader_alias\u0000":"#), (#""ts":"#, #""t":"#), (#""response":"#, #""Response":"#),
            (#""follower_checkpoint":"#, #""follower_checkpoint" : "#), (#""shard_id":"#, #""shard_iD":"#),
        ]
        if Int.random(in: 0..<3, using: &random) == 0 { members.shuffle(using: &random) }
        var line = "{" + members.joined(separator: ",") + "}"
        for _ in 0..<Int.random(in: 0...2, using: &random) {
            let (from, to) = changes.randomElement(using: &random)!
            if let range = line.firstRange(of: from) { line.replaceSubrange(range, with: to) }
        }
        if Int.random(in: 0..<4, using: &random) == 0 {
            // Cut anywhere, often inside a key that would be guessed.
            line = String(line.utf8.prefix(Int.random(in: 0..<line.utf8.count, using: &random)))!
        }
        return line
    }

    private func randomJSON(depth: Int, random: inout SplitMix64) -> String {
        let space = ["", "", " ", "\t", "\r"].randomElement(using: &random)!
        let choice = Int.random(in: 0..<(depth > 66 ? 6 : 9), using: &random)
        switch choice {
        case 0: return ["true", "false", "null"].randomElement(using: &random)!
        case 1: return ["0", "-0", "12", "-3.25", "1e9", "6.02E+23", "1E-2", "0.0"].randomElement(using: &random)!
        case 2, 3:
            let pieces = [#"a"#, #"\""#, #"\\"#, #"\/"#, #"\n"#, #"\u00e9"#, #"\ud83d\ude00"#, "é", "😀", " "]
            return "\""
                + (0..<Int.random(in: 0...3, using: &random)).map { _ in
                    pieces.randomElement(using: &random)!
                }.joined() + "\""
        case 4, 5:
            let keys = ["@timestamp", "index", "response", "status", "syncing_details", "leader_checkpoint", "k"]
            return "{" + space
                + (0..<Int.random(in: 0...3, using: &random)).map { _ in
                    let key = "\"" + keys.randomElement(using: &random)! + "\""
                    return key + space + ":" + randomJSON(depth: depth + 1, random: &random)
                }.joined(separator: "," + space) + "}"
        default:
            // Mostly single-element arrays: deeper nesting at little length.
            let count = Int.random(in: 0...10, using: &random) < 8 ? 1 : Int.random(in: 0...3, using: &random)
            return "["
                + (0..<count).map { _ in randomJSON(depth: depth + 1, random: &random) }
                .joined(separator: ",") + space + "]"
        }
    }
}
