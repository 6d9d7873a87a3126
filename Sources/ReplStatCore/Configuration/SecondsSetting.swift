/// How every front end words a duration setting that is not one: seconds as a decimal, taken
/// to the millisecond, within what `Decimal3.millis(seconds:)` reads. The command line says
/// `--max-gap must be ...`, a pipeline file `FILE:LINE:COLUMN: 'max-gap' must be ...`.
public enum SecondsSetting {
    /// `must be seconds between 0 and 999999999999.999 (a decimal such as 300 or 0.5, taken to
    /// the millisecond), not '1e3'`; for a setting that must be above 0, `above 0 and at most`.
    public static func problem(_ given: String, positive: Bool = false) -> String {
        let largest = Decimal3.seconds(Decimal3.largestSecondsMillis)
        let bounds = positive ? "above 0 and at most \(largest)" : "between 0 and \(largest)"
        return "must be seconds \(bounds) (a decimal such as 300 or 0.5, taken to the millisecond), not '\(given)'"
    }
}
