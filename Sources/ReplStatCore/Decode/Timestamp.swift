/// Instants as milliseconds since 1970-01-01T00:00:00Z, parsed and printed exactly.
public enum Timestamp {
    /// 0000-01-01T00:00:00.000Z
    public static let earliest: Int64 = -62_167_219_200_000
    /// 9999-12-31T23:59:59.999Z
    public static let latest: Int64 = 253_402_300_799_999

    /// The date of the last RFC 3339 timestamp parsed with it, by its 10 bytes, and its day:
    /// consecutive lines mostly share their date, and comparing 10 bytes costs less than
    /// checking and converting them again (the result depends on those bytes only).
    public struct RecentDate: Sendable {
        fileprivate var head: UInt64 = 0
        fileprivate var tail: UInt16 = 0
        fileprivate var days = 0
        /// Only a valid date is remembered.
        fileprivate var isSet = false

        public init() {}
    }

    /// Parses an RFC 3339 timestamp as docs/format.md allows it: `YYYY-MM-DD`, then `T`, `t` or a
    /// space, `HH:MM:SS`, an optional fraction of any length (truncated to the millisecond),
    /// and `Z`, `z` or `+HH:MM`/`-HH:MM`. Nothing else may follow.
    public static func parseRFC3339(_ text: UnsafeBufferPointer<UInt8>) -> Int64? {
        var recentDate = RecentDate()
        return parseRFC3339(text, recentDate: &recentDate)
    }

    /// `parseRFC3339(_:)`, skipping the date's checks when it is `recentDate`'s; remembers the date.
    public static func parseRFC3339(_ text: UnsafeBufferPointer<UInt8>, recentDate: inout RecentDate) -> Int64? {
        guard text.count >= 20, let p = text.baseAddress else { return nil }
        let n = text.count
        @inline(__always) func digits(_ at: Int, _ count: Int) -> Int? {
            guard at + count <= n else { return nil }
            var value = 0
            for i in at..<at + count {
                let d = p[i] &- UInt8(ascii: "0")
                guard d < 10 else { return nil }
                value = value * 10 + Int(d)
            }
            return value
        }
        let head = UnsafeRawPointer(p).loadUnaligned(as: UInt64.self)
        let tail = UnsafeRawPointer(p).loadUnaligned(fromByteOffset: 8, as: UInt16.self)
        let days: Int
        if recentDate.isSet && recentDate.head == head && recentDate.tail == tail {
            days = recentDate.days
        } else {
            guard let year = digits(0, 4), p[4] == UInt8(ascii: "-"),
                let month = digits(5, 2), p[7] == UInt8(ascii: "-"),
                let day = digits(8, 2),
                month >= 1 && month <= 12, day >= 1 && day <= daysInMonth(year, month)
            else { return nil }
            days = daysFromCivil(year: year, month: month, day: day)
            recentDate = RecentDate()
            (recentDate.head, recentDate.tail, recentDate.days, recentDate.isSet) = (head, tail, days, true)
        }
        guard p[10] == UInt8(ascii: "T") || p[10] == UInt8(ascii: "t") || p[10] == UInt8(ascii: " "),
            let hour = digits(11, 2), p[13] == UInt8(ascii: ":"),
            let minute = digits(14, 2), p[16] == UInt8(ascii: ":"),
            let second = digits(17, 2),
            hour <= 23, minute <= 59, second <= 59
        else { return nil }
        var i = 19
        var millis = 0
        if n == 24 && p[19] == UInt8(ascii: ".") && (p[23] == UInt8(ascii: "Z") || p[23] == UInt8(ascii: "z")),
            let fraction = digits(20, 3)
        {
            // The common form, `.sssZ`: the fraction the general steps below would find, without
            // their loop; the zone is checked as any other.
            millis = fraction
            i = 23
        } else if p[i] == UInt8(ascii: ".") {
            i += 1
            let fractionStart = i
            while i < n && p[i] &- UInt8(ascii: "0") < 10 {
                if i - fractionStart < 3 { millis = millis * 10 + Int(p[i] - UInt8(ascii: "0")) }
                i += 1
            }
            let fractionDigits = i - fractionStart
            guard fractionDigits > 0 else { return nil }
            if fractionDigits < 3 {
                for _ in fractionDigits..<3 { millis *= 10 }
            }
        }
        guard i < n else { return nil }
        var offsetMinutes = 0
        switch p[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            i += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard let offsetHour = digits(i + 1, 2), i + 3 < n, p[i + 3] == UInt8(ascii: ":"),
                let offsetMinute = digits(i + 4, 2), offsetHour <= 23, offsetMinute <= 59
            else { return nil }
            offsetMinutes = offsetHour * 60 + offsetMinute
            if p[i] == UInt8(ascii: "-") { offsetMinutes = -offsetMinutes }
            i += 6
        default:
            return nil
        }
        guard i == n else { return nil }
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetMinutes * 60)
        let instant = seconds * 1000 + Int64(millis)
        guard instant >= earliest && instant <= latest else { return nil }
        return instant
    }

    /// Parses a JSON number of Unix epoch seconds (absolute value below 1e11) or milliseconds,
    /// from its decimal digits exactly, truncating toward negative infinity to the millisecond.
    /// `text` must be a valid JSON number.
    public static func parseEpochNumber(_ text: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard let p = text.baseAddress, text.count > 0 else { return nil }
        let n = text.count
        var i = 0
        let negative = p[0] == UInt8(ascii: "-")
        if negative { i += 1 }
        // The significant digits, without leading zeros, and the power of ten of the last one.
        var significand: [UInt8] = []
        significand.reserveCapacity(24)
        var fractionDigits = 0
        var inFraction = false
        while i < n {
            let c = p[i]
            if c == UInt8(ascii: ".") {
                inFraction = true
            } else if c &- UInt8(ascii: "0") < 10 {
                if inFraction { fractionDigits += 1 }
                if !(significand.isEmpty && c == UInt8(ascii: "0")) { significand.append(c - UInt8(ascii: "0")) }
            } else {
                break
            }
            i += 1
        }
        var exponent = 0
        if i < n {
            // `e` or `E`, an optional sign, digits. Saturate beyond any line's count of digits, so
            // that `exponent - fractionDigits` below stays exact: 1e6 would not be (a line of a MiB
            // can hold more fraction digits than that).
            i += 1
            var exponentNegative = false
            if p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") {
                exponentNegative = p[i] == UInt8(ascii: "-")
                i += 1
            }
            while i < n {
                exponent = min(exponent * 10 + Int(p[i] - UInt8(ascii: "0")), 1 << 48)
                i += 1
            }
            if exponentNegative { exponent = -exponent }
        }
        if significand.isEmpty { return 0 }
        // value = significand * 10^power; its most significant digit has weight 10^(magnitude-1).
        let power = exponent - fractionDigits
        let magnitude = significand.count + power
        let isSeconds = magnitude <= 11
        let shift = power + (isSeconds ? 3 : 0)
        // Milliseconds below 1e16 cover the whole allowed range (about 2.5e14).
        guard significand.count + shift <= 16 else { return nil }
        let integerDigits = significand.count + shift
        var whole: Int64 = 0
        var remainderIsZero = true
        for (position, digit) in significand.enumerated() {
            if position < integerDigits {
                whole = whole * 10 + Int64(digit)
            } else if digit != 0 {
                remainderIsZero = false
            }
        }
        if integerDigits > significand.count {
            for _ in significand.count..<integerDigits { whole *= 10 }
        }
        var instant = negative ? -whole : whole
        if negative && !remainderIsZero { instant -= 1 }
        guard instant >= earliest && instant <= latest else { return nil }
        return instant
    }

    /// `YYYY-MM-DDTHH:MM:SS.sssZ` in UTC.
    public static func format(_ instant: Int64) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(24)
        append(instant, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `YYYY-MM-DDTHH:MM:SS.sssZ` to a byte buffer.
    public static func append(_ instant: Int64, to out: inout [UInt8]) {
        let (seconds, millis) = floorDivide(instant, 1000)
        let (days, secondOfDay) = floorDivide(seconds, 86_400)
        let (year, month, day) = civilFromDays(Int(days))
        func put(_ value: Int, _ width: Int) {
            var digits = [UInt8](repeating: UInt8(ascii: "0"), count: width)
            var rest = value
            for index in stride(from: width - 1, through: 0, by: -1) {
                digits[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
            out.append(contentsOf: digits)
        }
        put(year, 4)
        out.append(UInt8(ascii: "-"))
        put(month, 2)
        out.append(UInt8(ascii: "-"))
        put(day, 2)
        out.append(UInt8(ascii: "T"))
        put(Int(secondOfDay / 3600), 2)
        out.append(UInt8(ascii: ":"))
        put(Int(secondOfDay / 60 % 60), 2)
        out.append(UInt8(ascii: ":"))
        put(Int(secondOfDay % 60), 2)
        out.append(UInt8(ascii: "."))
        put(Int(millis), 3)
        out.append(UInt8(ascii: "Z"))
    }

    static func floorDivide(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        var quotient = value / divisor
        var remainder = value % divisor
        if remainder < 0 {
            quotient -= 1
            remainder += divisor
        }
        return (quotient, remainder)
    }

    static func isLeap(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    static func daysInMonth(_ year: Int, _ month: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The (year, month, day) of a day counted from 1970-01-01 (day 0), in the proleptic Gregorian calendar.
    public static func civilFromDays(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }
}
