/// Exact fixed-point text for the reports: three decimals, rounded half away from zero.
public enum Decimal3 {
    /// Milliseconds as seconds: `1500` is `1.500`.
    public static func seconds(_ millis: Int64) -> String {
        let sign = millis < 0 ? "-" : ""
        return sign + thousandths(UInt128(millis.magnitude))
    }

    /// A duration as users write it (docs/format.md): a non-negative decimal number of seconds,
    /// taken to the millisecond (`1.2345` is 1234 ms), up to `largestSecondsMillis`; nil for
    /// anything else.
    public static func millis(seconds text: String) -> Int64? {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count > 1 ? parts[1] : "0"
        let significant = whole.drop { $0 == "0" }
        guard !whole.isEmpty, significant.count <= 12, !fraction.isEmpty,
            whole.allSatisfy({ $0.isASCII && $0.isNumber }), fraction.allSatisfy({ $0.isASCII && $0.isNumber }),
            let seconds = Int64(significant.isEmpty ? "0" : significant)
        else { return nil }
        return seconds * 1000 + Int64((fraction + "000").prefix(3))!
    }

    /// The longest duration `millis(seconds:)` reads: twelve digits of whole seconds (31,688
    /// years), far from overflow when added to a timestamp.
    public static let largestSecondsMillis: Int64 = 999_999_999_999_999

    /// Milliseconds as a user types seconds: `300`, not `300.000`; `0.5`.
    public static func typedSeconds(_ millis: Int64) -> String {
        millis % 1000 == 0 ? String(millis / 1000) : String(Double(millis) / 1000)
    }

    /// `numerator / denominator` (denominator > 0) to three decimals.
    public static func ratio(_ numerator: UInt128, _ denominator: UInt128) -> String {
        // round(n * 1000 / d) = floor((2 * n * 1000 + d) / (2 * d)) for non-negative values.
        thousandths((numerator * 2000 + denominator) / (denominator * 2))
    }

    /// A count of thousandths as `integer.fff`.
    public static func thousandths(_ value: UInt128) -> String {
        let fraction = Int(value % 1000)
        let digits = String(fraction)
        return String(value / 1000) + "." + String(repeating: "0", count: 3 - digits.count) + digits
    }
}
