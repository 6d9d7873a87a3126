/// Lag values for quantiles, in memory that stops growing with their number.
///
/// The first `exactCapacity` values are kept as they are, so that most indices get exact
/// quantiles. Past that, values fall into buckets: exact below 2048, then 1024 buckets per
/// power of two; a quantile reports the middle of its bucket, within 1/2048 (0.05%) of the
/// true value: inside the 0.1% that SPEC.md allows. HdrHistogram gives the same precision but
/// allocates its whole range up front (hundreds of KiB per index at 64-bit range), which
/// thousands of indices cannot afford; a sparse map of the buckets in use is a few KiB.
struct LagHistogram: Sendable {
    private static let exactLimit: UInt64 = 2048
    static let exactCapacity = 2048
    private var exact: [UInt64] = []
    private var buckets: [UInt64: UInt64] = [:]
    private(set) var count: UInt64 = 0

    mutating func record(_ value: UInt64) {
        count += 1
        if count <= Self.exactCapacity {
            exact.append(value)
            return
        }
        if !exact.isEmpty {
            for kept in exact { buckets[Self.bucket(of: kept), default: 0] += 1 }
            exact = []
        }
        buckets[Self.bucket(of: value), default: 0] += 1
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
        if count <= Self.exactCapacity {
            let sorted = exact.sorted()
            return percent.map { q in sorted[Int(max(1, (count * q + 99) / 100)) - 1] }
        }
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
