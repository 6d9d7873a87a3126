/// Lag values for quantiles, in memory bounded by the spread of the values, not their number.
///
/// The first `exactCapacity` values are kept as they are, so small indices get exact
/// quantiles. Past that, values are counted in buckets: exact below 1024, then 512 buckets per
/// power of two, so a quantile (the middle of its bucket) is within 1/1024 (0.098%) of the true
/// value: inside the 0.1% that SPEC.md allows. Only the buckets in use are kept, in one sorted
/// array of 4 bytes a bucket, so memory follows the spread of the lag, not the number of
/// samples: a day of polls every 10 s typically touches a few hundred buckets. HdrHistogram
/// offers the same precision but allocates the whole trackable range up front (hundreds of
/// KiB at 64-bit range), and a hash map or blocks of counters cost 5 to 50 times more per
/// bucket in use, which thousands of indices multiply.
struct LagHistogram: Sendable {
    static let exactCapacity = 256
    private static let subBucketBits = 9
    private static let subBuckets = 1 << subBucketBits

    /// Bucket numbers are below 2^15, which leaves 17 bits of each entry for the count.
    private static let countBits: UInt32 = 17
    private static let countMask: UInt32 = (1 << countBits) - 1

    private var exact: [UInt64] = []
    /// The buckets in use, ascending, each as `bucket << 17 | count`. A bucket whose count
    /// fills its 17 bits goes on in a second entry right after the first.
    private var entries: [UInt32] = []
    private(set) var count: UInt64 = 0

    mutating func record(_ value: UInt64) {
        count += 1
        if count <= UInt64(Self.exactCapacity) {
            exact.append(value)
            return
        }
        if !exact.isEmpty {
            for kept in exact { countInBucket(kept) }
            exact = []
        }
        countInBucket(value)
    }

    private mutating func countInBucket(_ value: UInt64) {
        let bucket = UInt32(Self.bucket(of: value))
        let key = bucket << Self.countBits
        var low = 0
        var high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle] < key { low = middle + 1 } else { high = middle }
        }
        while low < entries.count && entries[low] >> Self.countBits == bucket {
            if entries[low] & Self.countMask < Self.countMask {
                entries[low] += 1
                return
            }
            low += 1
        }
        entries.insert(key | 1, at: low)
    }

    /// A bucket number that grows with the value: values below 512 are their own bucket; a
    /// value in [512 << (k - 1), 512 << k) falls in octave k, split into 512 equal buckets, and
    /// its bucket is k * 512 + its position in the octave.
    static func bucket(of value: UInt64) -> UInt64 {
        if value < UInt64(subBuckets) { return value }
        let highestBit = 63 - value.leadingZeroBitCount
        let shift = highestBit - subBucketBits
        let octave = UInt64(highestBit - subBucketBits + 1)
        return octave << UInt64(subBucketBits) | ((value >> UInt64(shift)) - UInt64(subBuckets))
    }

    /// The middle of a bucket: within 1/1024 of any value in it.
    static func representative(of bucket: UInt64) -> UInt64 {
        let octave = bucket >> UInt64(subBucketBits)
        if octave == 0 { return bucket }
        let shift = octave - 1
        let lower = (UInt64(subBuckets) + (bucket & UInt64(subBuckets - 1))) << shift
        return lower + (UInt64(1) << shift) / 2
    }

    /// Nearest-rank quantiles: for each fraction q (in percent), the value at rank
    /// ceil(q * n / 100) of the sorted values, clamped to the observed range.
    func quantiles(percent: [UInt64], minimum: UInt64, maximum: UInt64) -> [UInt64] {
        guard count > 0 else { return [] }
        let ranks = percent.map { max(1, (count * $0 + 99) / 100) }
        if count <= UInt64(Self.exactCapacity) {
            let sorted = exact.sorted()
            return ranks.map { sorted[Int($0) - 1] }
        }
        return ranks.map { rank in
            var seen: UInt64 = 0
            for entry in entries {
                seen += UInt64(entry & Self.countMask)
                if seen >= rank {
                    let bucket = UInt64(entry >> Self.countBits)
                    return min(max(Self.representative(of: bucket), minimum), maximum)
                }
            }
            return maximum
        }
    }
}
