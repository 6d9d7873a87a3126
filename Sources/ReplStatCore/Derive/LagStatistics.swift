/// Count, extremes, last value and nearest-rank quantiles of a series of lags (in operations,
/// or in milliseconds for lag in seconds), in the bounded memory of a `LagHistogram`.
///
/// The first two values are the minimum and the maximum: the histogram takes them only when a
/// third value comes, so that a series of one or two values (every index of a short capture)
/// allocates nothing.
struct LagStatistics {
    private(set) var min = UInt64.max
    private(set) var max: UInt64 = 0
    private(set) var last: UInt64 = 0
    private var histogram = LagHistogram()
    /// The values while there are at most two; past that, the histogram counts them all.
    private var early: UInt8 = 0

    var count: Int { early <= 2 ? Int(early) : Int(histogram.count) }

    @inline(__always)
    mutating func record(_ value: UInt64) {
        if early == 2 {
            histogram.record(min)
            histogram.record(max)
            early = 3
        } else if early < 2 {
            early += 1
        }
        min = Swift.min(min, value)
        max = Swift.max(max, value)
        last = value
        if early > 2 { histogram.record(value) }
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
