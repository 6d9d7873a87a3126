/// Count, extremes, last value and nearest-rank quantiles of a series of lags (in operations,
/// or in milliseconds for lag in seconds), in the bounded memory of a `LagHistogram`.
///
/// The first two values are the minimum and the maximum: the histogram takes them only when a
/// third value comes, so that a series of one or two values (every index of a short capture)
/// allocates nothing.
struct LagStatistics {
    private(set) var count = 0
    private(set) var min = UInt64.max
    private(set) var max: UInt64 = 0
    private(set) var last: UInt64 = 0
    private var histogram = LagHistogram()

    mutating func record(_ value: UInt64) {
        if count == 2 {
            histogram.record(min)
            histogram.record(max)
        }
        count += 1
        min = Swift.min(min, value)
        max = Swift.max(max, value)
        last = value
        if count > 2 { histogram.record(value) }
    }

    /// The values at ranks ceil(q * n / 100) for each q in `percent`; empty when there is none.
    func quantiles(percent: [UInt64]) -> [UInt64] {
        guard count > 2 else {
            guard count > 0 else { return [] }
            // Rank 1 of one or two values is the minimum, rank 2 the maximum.
            return percent.map { (UInt64(count) * $0 + 99) / 100 <= 1 ? min : max }
        }
        return histogram.quantiles(percent: percent, minimum: min, maximum: max)
    }
}
