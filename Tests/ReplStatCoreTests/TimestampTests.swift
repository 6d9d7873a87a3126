import Testing

@testable import ReplStatCore

private func rfc3339(_ text: String) -> Int64? {
    Array(text.utf8).withUnsafeBufferPointer { Timestamp.parseRFC3339($0) }
}

private func epoch(_ text: String) -> Int64? {
    Array(text.utf8).withUnsafeBufferPointer { Timestamp.parseEpochNumber($0) }
}

/// Milliseconds since the epoch by plain counting, independent of the code under test:
/// whole years, then whole months, then the rest.
private func reference(
    _ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0, _ second: Int = 0,
    millis: Int = 0, offsetMinutes: Int = 0
) -> Int64 {
    func leap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }
    func monthDays(_ y: Int, _ m: Int) -> Int {
        [31, leap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
    }
    var days = 0
    if year >= 1970 {
        for y in 1970..<year { days += leap(y) ? 366 : 365 }
    } else {
        for y in year..<1970 { days -= leap(y) ? 366 : 365 }
    }
    for m in 1..<month { days += monthDays(year, m) }
    days += day - 1
    let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second - offsetMinutes * 60)
    return seconds * 1000 + Int64(millis)
}

/// Timestamps that are not RFC 3339 as docs/format.md allows it, or out of range.
private let invalidTimestamps = [
    // Forms RFC 3339 or docs/format.md do not allow.
    "2026-11-28T10:00:00", "2026-11-28T10:00:00.Z", "2026-11-28T10:00:00.000", "2026-11-28X10:00:00Z",
    "2026-11-28_10:00:00Z", "2026-11-28  10:00:00Z", "2026-11-28T10:00Z", "2026-11-28T10:00:00+0000",
    "2026-11-28T10:00:00+00", "2026-11-28T10:00:00+00:0", "2026-11-28T10:00:00 Z", "2026-11-28T10:00:00Z ",
    " 2026-11-28T10:00:00Z", "2026-11-28T10:00:00ZZ", "2026-11-28T10:00:00+00:00Z", "2026-11-28T10:00:00UTC",
    "26-11-28T10:00:00Z", "2026-1-28T10:00:00Z", "2026-11-8T10:00:00Z", "2026/11/28T10:00:00Z",
    "+2026-11-28T10:00:00Z", "2026-11-28T1:00:00Z", "2026-11-28T10:0:00Z", "2026-11-28T10:00:0Z",
    "2026-11-28T10:00:00,5Z", "2026-11-28T10:00:00.5.5Z", "2026-11-28T10:00:00.-5Z", "",
    // 24 bytes like the common `.sssZ` form, but not it.
    "2026-11-28T10:00:00.12aZ", "2026-11-28T10:00:00.1234", "2026-11-28T10:00:00.123+", "2026-11-28T10:00:00.123 ",
    "2026-11-28T10:00:00,123Z", "2026-11-28T10:00:00.1:3Z", "2026-11-28T10:00:00.123Y",
    "2026-11-28", "1700000000", "2026-1１-28T10:00:00Z", "２026-11-28T10:00:00Z",
    // Offsets out of range.
    "2026-11-28T10:00:00+24:00", "2026-11-28T10:00:00-24:00", "2026-11-28T10:00:00+00:60",
    "2026-11-28T10:00:00+99:99", "2026-11-28T10:00:00+ab:cd",
    // Fields out of range.
    "2026-11-28T24:00:00Z", "2026-11-28T10:60:00Z", "2026-11-28T10:00:60Z", "2016-12-31T23:59:60Z",
    "2026-00-10T10:00:00Z", "2026-13-10T10:00:00Z", "2026-11-00T10:00:00Z", "2026-11-31T10:00:00Z",
    "2026-01-32T10:00:00Z", "2026-04-31T00:00:00Z", "2026-02-29T00:00:00Z", "1900-02-29T00:00:00Z",
    "2100-02-29T00:00:00Z", "2024-02-30T00:00:00Z",
    // Instants just outside 0000-01-01T00:00:00.000Z ... 9999-12-31T23:59:59.999Z.
    "0000-01-01T00:00:00+00:01", "0000-01-01T00:59:59.999+01:00", "9999-12-31T23:59:59.999-00:01",
    "9999-12-31T23:00:00-01:00",
]

@Suite struct TimestampTests {
    @Test func referenceAgreesWithKnownInstants() {
        #expect(reference(1970, 1, 1) == 0)
        #expect(reference(2023, 11, 14, 22, 13, 20) == 1_700_000_000_000)
        #expect(reference(0, 1, 1) == Timestamp.earliest)
        #expect(reference(9999, 12, 31, 23, 59, 59, millis: 999) == Timestamp.latest)
    }

    @Test(
        arguments: [
            ("2026-11-28T10:00:00.000Z", reference(2026, 11, 28, 10)),
            ("2026-11-28t10:00:00.000z", reference(2026, 11, 28, 10)),
            ("2026-11-28T10:00:00.123Z", reference(2026, 11, 28, 10, millis: 123)),
            ("2026-11-28 10:00:00.987z", reference(2026, 11, 28, 10, millis: 987)),
            ("2026-11-28T10:00:00.12Z", reference(2026, 11, 28, 10, millis: 120)),
            ("2026-11-28T10:00:00.1234Z", reference(2026, 11, 28, 10, millis: 123)),
            ("2026-11-28 10:00:00Z", reference(2026, 11, 28, 10)),
            ("2026-11-28T10:00:00+00:00", reference(2026, 11, 28, 10)),
            ("2026-11-28T10:00:00-00:00", reference(2026, 11, 28, 10)),
            ("2026-11-28T10:00:00+05:30", reference(2026, 11, 28, 10, offsetMinutes: 330)),
            ("2026-11-28T10:00:00-08:00", reference(2026, 11, 28, 10, offsetMinutes: -480)),
            ("2026-11-28T01:00:00+23:59", reference(2026, 11, 28, 1, offsetMinutes: 23 * 60 + 59)),
            ("2026-11-28T23:59:59-23:59", reference(2026, 11, 28, 23, 59, 59, offsetMinutes: -(23 * 60 + 59))),
            ("1970-01-01T00:00:00Z", 0),
            ("1969-12-31T23:59:59.999Z", -1),
            ("2024-02-29T12:00:00Z", reference(2024, 2, 29, 12)),
            ("2000-02-29T00:00:00Z", reference(2000, 2, 29)),
            ("2400-02-29T00:00:00Z", reference(2400, 2, 29)),
            ("0000-02-29T00:00:00Z", reference(0, 2, 29)),
            ("2026-12-31T23:59:59Z", reference(2026, 12, 31, 23, 59, 59)),
            ("2026-04-30T00:00:00Z", reference(2026, 4, 30)),
            ("0000-01-01T00:00:00Z", Timestamp.earliest),
            ("0000-01-01T00:00:00.000Z", Timestamp.earliest),
            ("0000-01-01T00:00:00-00:01", Timestamp.earliest + 60_000),
            ("9999-12-31T23:59:59.999Z", Timestamp.latest),
            ("9999-12-31T23:59:59.999999999Z", Timestamp.latest),
            ("9999-12-31T23:59:59.999+00:01", Timestamp.latest - 60_000),
            ("1000-06-15T08:09:10.5Z", reference(1000, 6, 15, 8, 9, 10, millis: 500)),
        ] as [(String, Int64)])
    func validRFC3339(text: String, expected: Int64) {
        #expect(rfc3339(text) == expected)
    }

    /// Fractions of any length, truncated to the millisecond (toward negative infinity, also
    /// before 1970 and with offsets).
    @Test(
        arguments: [
            ("", nil), (".0", 0), (".1", 100), (".12", 120), (".123", 123), (".1239", 123), (".9999", 999),
            (".999999999999", 999), (".000999", 0), (".0019", 1), (".123456789012", 123),
        ] as [(String, Int?)])
    func fractions(fraction: String, millis: Int?) {
        let base = reference(2026, 3, 1, 4, 5, 6)
        #expect(rfc3339("2026-03-01T04:05:06\(fraction)Z") == base + Int64(millis ?? 0))
        #expect(rfc3339("1960-03-01T04:05:06\(fraction)Z") == reference(1960, 3, 1, 4, 5, 6) + Int64(millis ?? 0))
        #expect(rfc3339("2026-03-01T04:05:06\(fraction)-01:30") == base + 90 * 60_000 + Int64(millis ?? 0))
    }

    /// Every byte value at every place of `HH:MM:SS`, which is checked 8 bytes at once: valid
    /// exactly when the places of digits hold digits, the colons colons, and the fields are in range.
    @Test(arguments: 0..<8)
    func everyByteAtEveryPlaceOfTheTime(place: Int) {
        for time in ["23:59:59", "00:00:00", "19:09:09"] {
            for byte in UInt8.min...UInt8.max {
                var clock = Array(time.utf8)
                clock[place] = byte
                let text = Array("2026-11-28T".utf8) + clock + Array(".5Z".utf8)
                let isDigit = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
                var valid = place == 2 || place == 5 ? byte == UInt8(ascii: ":") : isDigit
                if valid {
                    let field = { (at: Int) in Int(clock[at] - 48) * 10 + Int(clock[at + 1] - 48) }
                    valid = field(0) <= 23 && field(3) <= 59 && field(6) <= 59
                }
                let parsed = text.withUnsafeBufferPointer { Timestamp.parseRFC3339($0) }
                #expect((parsed != nil) == valid, "\(String(decoding: text, as: UTF8.self).debugDescription)")
                if valid, let parsed {
                    let field = { (at: Int) in Int(clock[at] - 48) * 10 + Int(clock[at + 1] - 48) }
                    #expect(parsed == reference(2026, 11, 28, field(0), field(3), field(6), millis: 500))
                }
            }
        }
    }

    @Test(arguments: invalidTimestamps)
    func invalidRFC3339(text: String) {
        #expect(rfc3339(text) == nil)
    }

    @Test(
        arguments: [
            // Seconds below 1e11 in absolute value.
            ("0", 0), ("-0", 0), ("0.0", 0), ("-0.0", 0), ("0e5", 0),
            ("1700000000", 1_700_000_000_000), ("1700000000.123", 1_700_000_000_123),
            ("1700000000.1239", 1_700_000_000_123), ("1700000000.12", 1_700_000_000_120),
            ("1700000000.000999999", 1_700_000_000_000), ("1.7e9", 1_700_000_000_000), ("1.7E+9", 1_700_000_000_000),
            ("17e8", 1_700_000_000_000), ("0.0017e12", 1_700_000_000_000),
            ("1700000000123e-3", 1_700_000_000_123),
            ("1", 1000), ("0.001", 1), ("0.0009", 0), ("1e-3", 1), ("1e-4", 0), ("1e-1000000", 0),
            ("99999999999", 99_999_999_999_000), ("99999999999.999", 99_999_999_999_999),
            ("9.99999999999e10", 99_999_999_999_900),
            // Negative values floor to the millisecond.
            ("-1", -1000), ("-0.0005", -1), ("-0.001", -1), ("-0.0011", -2), ("-1.5", -1500),
            ("-1e-1000000", -1), ("-1700000000.1231", -1_700_000_000_124), ("-62167219200", Timestamp.earliest),
            // Milliseconds from 1e11 on.
            ("100000000000", 100_000_000_000), ("1e11", 100_000_000_000), ("1E11", 100_000_000_000),
            ("100000000000.9", 100_000_000_000), ("-100000000000", -100_000_000_000),
            ("-100000000000.1", -100_000_000_001), ("1700000000123", 1_700_000_000_123),
            ("1700000000123.999", 1_700_000_000_123), ("1.700000000123e12", 1_700_000_000_123),
            ("1.7000000001235e12", 1_700_000_000_123),
            ("253402300799999", Timestamp.latest), ("-62167219200000", Timestamp.earliest),
            ("-62167219200000.0", Timestamp.earliest), ("253402300799999.999", Timestamp.latest),
            ("2.53402300799999e14", Timestamp.latest),
        ] as [(String, Int64)])
    func validEpochNumber(text: String, expected: Int64) {
        #expect(epoch(text) == expected)
    }

    @Test(arguments: [
        "253402300800000", "-62167219200001", "-62167219200.001", "-62167219200000.5", "1e15", "1e16", "1e17", "1e20",
        "1e1000000", "1e999999999999999999999", "123456789012345678901234567890", "-1e300",
    ])
    func epochNumberOutOfRange(text: String) {
        #expect(epoch(text) == nil)
    }

    @Test func exponentBalancesVeryLongDigitStrings() {
        // A line under the default 1 MiB limit can hold a million digits: the exponent must not
        // be cut short of them. 10^-1000011 * 10^1000020 s is 10^9 s.
        let zeros = String(repeating: "0", count: 1_000_010)
        #expect(epoch("0." + zeros + "1e1000020") == 1_000_000_000_000)
        #expect(epoch("1" + zeros + "e-1000001") == 1_000_000_000_000)
        #expect(epoch("-1" + zeros + "e-1000001") == -1_000_000_000_000)
        #expect(epoch("1" + zeros + "e-9999999") == 0)
        #expect(epoch("-1" + zeros + "e-9999999") == -1)
        #expect(epoch("0." + zeros + "1e9999999") == nil)
    }

    @Test func epochSecondsAndMillisecondsMeetAt1e11() {
        // Just below 1e11 is seconds (year 5138); 1e11 itself is milliseconds (1973).
        #expect(epoch("99999999999.999") == 99_999_999_999_999)
        #expect(epoch("100000000000") == 100_000_000_000)
        #expect(epoch("-100000000000") == -100_000_000_000)
        // As seconds, the negative side of the boundary lies before year 0.
        #expect(epoch("-99999999999.999") == nil)
    }

    @Test(arguments: [
        Timestamp.earliest, Timestamp.earliest + 1, -86_400_001, -1_001, -1, 0, 1, 999, 1_000,
        951_782_400_000, 1_700_000_000_123, 4_107_542_399_999, Timestamp.latest - 1, Timestamp.latest,
    ])
    func formatRoundTrips(instant: Int64) {
        let text = Timestamp.format(instant)
        #expect(text.utf8.count == 24)
        #expect(rfc3339(text) == instant)
    }

    @Test func formatPrintsUTCWithMilliseconds() {
        #expect(Timestamp.format(0) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp.format(-1) == "1969-12-31T23:59:59.999Z")
        #expect(Timestamp.format(1_700_000_000_123) == "2023-11-14T22:13:20.123Z")
        #expect(Timestamp.format(Timestamp.earliest) == "0000-01-01T00:00:00.000Z")
        #expect(Timestamp.format(Timestamp.latest) == "9999-12-31T23:59:59.999Z")
        #expect(Timestamp.format(reference(2024, 2, 29, 1, 2, 3, millis: 4)) == "2024-02-29T01:02:03.004Z")
    }

    /// A date remembered from the line before gives what parsing it afresh gives: across date
    /// changes, leap days, an invalid date or time after a valid one with the same first bytes.
    @Test func aRememberedDateChangesNoResult() {
        // Runs of one date with good and bad times, then dates that differ in their last bytes.
        let texts =
            ["2024-02-28T23:59:59.999Z", "2024-02-29T00:00:00.000Z", "2024-02-29T24:00:00Z", "2024-02-29T10:00:00Z"]
            + ["2024-02-30T10:00:00Z", "2024-02-29T10:00:00Z", "2023-02-29T10:00:00Z", "2023-02-28x10:00:00Z"]
            + ["2026-11-28T10:00:00Z", "2026-11-29T10:00:00Z", "2026-11-2aT10:00:00Z", "2026-11-28T10:00:60Z"]
            + invalidTimestamps + ["2026-11-28T10:00:00Z", "2000-02-29T00:00:00Z", "9999-12-31T23:59:59.999Z"]
        var random = SplitMix64(seed: 13)
        var recentDate = Timestamp.RecentDate()
        for text in texts + (0..<2_000).map({ _ in texts.randomElement(using: &random)! }) {
            let remembered = Array(text.utf8).withUnsafeBufferPointer {
                Timestamp.parseRFC3339($0, recentDate: &recentDate)
            }
            #expect(remembered == rfc3339(text), "\(text)")
        }
        #expect(rfc3339("2024-02-30T10:00:00Z") == nil && rfc3339("2024-02-29T10:00:00Z") != nil)
    }

    @Test func everyDayRoundTrips() {
        // Each day from year 0 to 9999, stepping 97 days to keep it quick but hit every month.
        var instant = Timestamp.earliest
        var checked = 0
        while instant <= Timestamp.latest {
            #expect(rfc3339(Timestamp.format(instant)) == instant)
            instant += 97 * 86_400_000 + 3_723_004
            checked += 1
        }
        #expect(checked > 30_000)
    }
}
