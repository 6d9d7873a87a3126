/// Lag values for quantiles, in memory bounded by the spread of the values, not their number.
///
/// The first `exactCapacity` values are kept as they are, so small indices get exact
/// quantiles. Past that, values are counted in buckets: exact below 1024, then 512 buckets per
/// power of two, so a quantile (the middle of its bucket) is within 1/1024 (0.098%) of the true
/// value: inside the 0.1% that docs/format.md allows. Only the buckets in use are kept, in one sorted
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

    /// The values as they came, while there are at most `exactCapacity`; past that, the values
    /// not counted in buckets yet (at most `batchSize`).
    private var exact: [UInt64] = []
    /// The buckets in use, ascending, each as `bucket << 17 | count`. A bucket whose count
    /// fills its 17 bits goes on in a second entry right after the first.
    private var entries: [UInt32] = []
    private(set) var count: UInt64 = 0

    /// Values are counted in buckets a batch at a time: sorted, then merged into the buckets in
    /// one pass. Counting each on its own, a search among the buckets in use and an insertion,
    /// was most of the cost of a lag sample, as lags in milliseconds fall in new buckets.
    static let batchSize = 32

    var isExact: Bool { count <= UInt64(Self.exactCapacity) }

    mutating func record(_ value: UInt64) {
        count += 1
        exact.append(value)
        if isExact { return }
        if count == UInt64(Self.exactCapacity) + 1 {
            countBatch()
            // Release the room of the exact values: batches need far less.
            exact = []
        } else if exact.count == Self.batchSize {
            countBatch()
        }
    }

    /// Counts the values waiting in `exact` into the buckets.
    private mutating func countBatch() {
        guard !exact.isEmpty else { return }
        var buckets = exact.map { UInt32(Self.bucket(of: $0)) }
        buckets.sort()
        exact.removeAll(keepingCapacity: true)
        // A bucket's count can need one more entry per value at most.
        let capacity = entries.count + buckets.count
        entries = entries.withUnsafeBufferPointer { old in
            buckets.withUnsafeBufferPointer { new in
                [UInt32](unsafeUninitializedCapacity: capacity) { merged, written in
                    written = Self.merge(new, into: old, writingTo: merged.baseAddress!)
                }
            }
        }
    }

    /// Writes the entries `old` with the sorted `new` buckets counted in; returns how many.
    private static func merge(
        _ new: UnsafeBufferPointer<UInt32>, into old: UnsafeBufferPointer<UInt32>,
        writingTo merged: UnsafeMutablePointer<UInt32>
    ) -> Int {
        var written = 0
        var oldPosition = 0
        var newPosition = 0
        while newPosition < new.count {
            let bucket = new[newPosition]
            while oldPosition < old.count && old[oldPosition] >> countBits < bucket {
                merged[written] = old[oldPosition]
                written += 1
                oldPosition += 1
            }
            var added: UInt32 = 0
            while newPosition < new.count && new[newPosition] == bucket {
                added += 1
                newPosition += 1
            }
            while oldPosition < old.count && old[oldPosition] >> countBits == bucket {
                let taken = min(added, countMask - old[oldPosition] & countMask)
                merged[written] = old[oldPosition] + taken
                written += 1
                added -= taken
                oldPosition += 1
            }
            while added > 0 {
                let taken = min(added, countMask)
                merged[written] = bucket << countBits | taken
                written += 1
                added -= taken
            }
        }
        while oldPosition < old.count {
            merged[written] = old[oldPosition]
            written += 1
            oldPosition += 1
        }
        return written
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
        if isExact {
            let sorted = exact.sorted()
            return ranks.map { sorted[Int($0) - 1] }
        }
        var counted = self
        counted.countBatch()
        let entries = counted.entries
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
