/// Count, extremes, last value and nearest-rank quantiles of a series of lags (in operations,
/// or in milliseconds for lag in seconds), in the bounded memory of a `LagHistogram`.
struct LagStatistics {
    private(set) var count = 0
    private(set) var min = UInt64.max
    private(set) var max: UInt64 = 0
    private(set) var last: UInt64 = 0
    private var histogram = LagHistogram()

    mutating func record(_ value: UInt64) {
        count += 1
        min = Swift.min(min, value)
        max = Swift.max(max, value)
        last = value
        histogram.record(value)
    }

    /// The values at ranks ceil(q * n / 100) for each q in `percent`; empty when there is none.
    func quantiles(percent: [UInt64]) -> [UInt64] {
        histogram.quantiles(percent: percent, minimum: min, maximum: max)
    }
}
