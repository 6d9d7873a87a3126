/// Counts of lag values for quantiles, in memory that grows with the spread of the values,
/// not with their number.
///
/// Values below 2048 are kept exactly; larger ones fall into buckets of 1024 per power of
/// two, and a quantile reports the middle of its bucket, within 1/2048 (0.05%) of the true
/// value: inside the 0.1% that SPEC.md allows. HdrHistogram gives the same precision but
/// allocates its whole range up front (hundreds of KiB per index at 64-bit range), which
/// thousands of indices cannot afford; a sparse map of the buckets in use is a few KiB.
struct LagHistogram: Sendable {
    private static let exactLimit: UInt64 = 2048
    private var buckets: [UInt64: UInt64] = [:]
    private(set) var count: UInt64 = 0

    mutating func record(_ value: UInt64) {
        buckets[Self.bucket(of: value), default: 0] += 1
        count += 1
    }

    static func bucket(of value: UInt64) -> UInt64 {
        if value < exactLimit { return value }
        let shift = UInt64(63 - value.leadingZeroBitCount - 10)
        return shift * 1024 + (value >> shift) + 1024
    }

    static func representative(of bucket: UInt64) -> UInt64 {
        if bucket < exactLimit { return bucket }
        let shift = (bucket - 1024) / 1024 - 1
        let mantissa = bucket - 1024 - shift * 1024
        let lower = mantissa << shift
        return lower + (UInt64(1) << shift) / 2
    }

    /// Nearest-rank quantiles: for each fraction q (in percent), the value at rank
    /// ceil(q * n / 100) of the sorted values, clamped to the observed range.
    func quantiles(percent: [UInt64], minimum: UInt64, maximum: UInt64) -> [UInt64] {
        guard count > 0 else { return [] }
        let sorted = buckets.sorted { $0.key < $1.key }
        return percent.map { q in
            let rank = max(1, (count * q + 99) / 100)
            var seen: UInt64 = 0
            for (bucket, bucketCount) in sorted {
                seen += bucketCount
                if seen >= rank {
                    return min(max(Self.representative(of: bucket), minimum), maximum)
                }
            }
            return maximum
        }
    }
}
