/// Exact fixed-point text for the reports: three decimals, rounded half away from zero.
public enum Decimal3 {
    /// Milliseconds as seconds: `1500` is `1.500`.
    public static func seconds(_ millis: Int64) -> String {
        let sign = millis < 0 ? "-" : ""
        return sign + thousandths(UInt128(millis.magnitude))
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
