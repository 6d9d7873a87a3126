/// Lag values for quantiles, in memory bounded by the spread of the values, not their number.
///
/// The first `exactCapacity` values are kept as they are, so small indices get exact
/// quantiles. Past that, values are counted in buckets: exact below 1024, then 512 buckets per
/// power of two, so a quantile (the middle of its bucket) is within 1/1024 (0.098%) of the true
/// value: inside the 0.1% that docs/format.md allows. Only the buckets in use are kept, as a
/// stream of bytes (`BucketStream`) that takes one byte for most of them, so memory follows the
/// spread of the lag, not the number of samples: a day of polls every 10 s typically touches a
/// few hundred to a thousand buckets. HdrHistogram offers the same precision but allocates the
/// whole trackable range up front (hundreds of KiB at 64-bit range), and a hash map or blocks of
/// counters cost 5 to 50 times more per bucket in use, which thousands of indices multiply.
struct LagHistogram: Sendable {
    static let exactCapacity = 256
    private static let subBucketBits = 9
    private static let subBuckets = 1 << subBucketBits

    /// The values as they came, while there are at most `exactCapacity`; past that, the values
    /// not counted in buckets yet (at most `batchSize`).
    private var pending: [UInt64] = []
    /// The buckets in use, ascending, with their counts (`BucketStream`).
    private var buckets: [UInt8] = []
    /// The values that went into `pending`.
    private var added: UInt64 = 0
    /// The last few values below 2^32, kept inline until there are `staged.count`: with
    /// thousands of indices, `pending` is out of the cache at each sample of an index, and
    /// reaching it for every value was a tenth of the cost of a whole run (`--jobs 1`).
    private var staged = InlineArray<4, UInt32>(repeating: 0)
    private var stagedCount: UInt8 = 0

    /// How many values it has.
    var count: UInt64 { added + UInt64(stagedCount) }

    /// Values are counted in buckets a batch at a time: sorted, then merged into the buckets in
    /// one pass. Counting each on its own, a search among the buckets in use and an insertion,
    /// was most of the cost of a lag sample, as lags in milliseconds fall in new buckets.
    static let batchSize = 32

    var isExact: Bool { count <= UInt64(Self.exactCapacity) }

    /// Bytes of the buckets in use (for tests of the encoding's size).
    var bucketBytes: Int {
        var counted = self
        counted.unstage()
        counted.countBatch()
        return counted.buckets.count
    }

    mutating func record(_ value: UInt64) {
        if Int(stagedCount) < staged.count, value <= UInt64(UInt32.max) {
            staged[Int(stagedCount)] = UInt32(value)
            stagedCount += 1
            return
        }
        unstage()
        add(value)
    }

    /// Moves the staged values into `pending`.
    private mutating func unstage() {
        for position in 0..<Int(stagedCount) { add(UInt64(staged[position])) }
        stagedCount = 0
    }

    private mutating func add(_ value: UInt64) {
        added += 1
        pending.append(value)
        if added <= UInt64(Self.exactCapacity) { return }
        if added == UInt64(Self.exactCapacity) + 1 {
            countBatch()
            // Release the room of the exact values: batches need far less.
            pending = []
        } else if pending.count == Self.batchSize {
            countBatch()
        }
    }

    /// Counts the values waiting in `pending` into the buckets.
    private mutating func countBatch() {
        guard !pending.isEmpty else { return }
        var new = pending.map { UInt32(Self.bucket(of: $0)) }
        new.sort()
        pending.removeAll(keepingCapacity: true)
        let bound = buckets.count + new.count * BucketStream.maxEntryBytes
        buckets = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bound) { merged in
            let written = buckets.withUnsafeBufferPointer { old in
                new.withUnsafeBufferPointer { new in BucketStream.merge(new, into: old, writingTo: merged.baseAddress!)
                }
            }
            // Exactly the bytes in use: the room of a merge is many times what it needs.
            return Array(UnsafeBufferPointer(start: merged.baseAddress!, count: written))
        }
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
        var counted = self
        counted.unstage()
        if isExact {
            let sorted = counted.pending.sorted()
            return ranks.map { sorted[Int($0) - 1] }
        }
        counted.countBatch()
        return counted.buckets.withUnsafeBufferPointer { stream in
            ranks.map { rank in
                var reader = BucketStream.Reader(stream)
                var seen: UInt64 = 0
                while let (bucket, count) = reader.next() {
                    seen += count
                    if seen >= rank {
                        return min(max(Self.representative(of: UInt64(bucket)), minimum), maximum)
                    }
                }
                return maximum
            }
        }
    }
}

/// The buckets in use of a `LagHistogram`, ascending, each with its count, as bytes: a bucket
/// is written as its gap from the one before (the first from -1) and its count. Neighbouring
/// buckets with small counts, most of them (lags spread over a range, a few samples each), take
/// one byte, `gap << 6 | (count - 1)` for a gap up to 2 and a count up to 64; any other takes
/// the byte `escape`, then the gap and the count in LEB128. A quarter of the memory of four
/// bytes a bucket, for the same merge in one pass.
enum BucketStream {
    private static let escape: UInt8 = 0xC0
    private static let shortGaps: UInt32 = 3
    private static let shortCounts: UInt64 = 64
    /// The escape, a gap below 2^21 (buckets are below 2^15) and a count of 64 bits.
    static let maxEntryBytes = 1 + 3 + 10

    struct Reader {
        private let bytes: UnsafeBufferPointer<UInt8>
        private(set) var position = 0
        private var previous: Int64 = -1

        init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        /// The next bucket and its count; nil at the end.
        mutating func next() -> (bucket: UInt32, count: UInt64)? {
            guard position < bytes.count else { return nil }
            let first = bytes[position]
            position += 1
            let gap: UInt64
            let count: UInt64
            if first < BucketStream.escape {
                gap = UInt64(first >> 6)
                count = UInt64(first & 63) + 1
            } else {
                gap = readLEB128()
                count = readLEB128()
            }
            previous += Int64(gap) + 1
            return (UInt32(previous), count)
        }

        private mutating func readLEB128() -> UInt64 {
            LEB128.read(from: bytes.baseAddress!, at: &position)
        }
    }

    struct Writer {
        private let base: UnsafeMutablePointer<UInt8>
        private(set) var written = 0
        private var previous: Int64 = -1

        init(_ base: UnsafeMutablePointer<UInt8>) { self.base = base }

        mutating func write(_ bucket: UInt32, _ count: UInt64) {
            let gap = UInt32(Int64(bucket) - previous - 1)
            previous = Int64(bucket)
            if gap < BucketStream.shortGaps && count <= BucketStream.shortCounts {
                base[written] = UInt8(gap << 6) | UInt8(count - 1)
                written += 1
            } else {
                base[written] = BucketStream.escape
                written += 1
                writeLEB128(UInt64(gap))
                writeLEB128(count)
            }
        }

        /// Appends bytes as they are.
        mutating func copy(_ bytes: UnsafeBufferPointer<UInt8>) {
            guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
            (base + written).update(from: source, count: bytes.count)
            written += bytes.count
        }

        private mutating func writeLEB128(_ value: UInt64) {
            LEB128.write(value, to: base, at: &written)
        }
    }

    /// Writes the stream `old` with the sorted buckets `new` counted in (at most
    /// `old.count + new.count * maxEntryBytes` bytes); returns how many bytes.
    static func merge(
        _ new: UnsafeBufferPointer<UInt32>, into old: UnsafeBufferPointer<UInt8>,
        writingTo merged: UnsafeMutablePointer<UInt8>
    ) -> Int {
        var reader = Reader(old)
        var writer = Writer(merged)
        var current = reader.next()
        var newPosition = 0
        while newPosition < new.count {
            let bucket = new[newPosition]
            var added: UInt64 = 0
            while newPosition < new.count && new[newPosition] == bucket {
                added += 1
                newPosition += 1
            }
            while let entry = current, entry.bucket < bucket {
                writer.write(entry.bucket, entry.count)
                current = reader.next()
            }
            if let entry = current, entry.bucket == bucket {
                writer.write(bucket, entry.count + added)
                current = reader.next()
            } else {
                writer.write(bucket, added)
            }
        }
        // Past the last new bucket only the first old entry's gap changes: the rest is copied.
        if let entry = current {
            writer.write(entry.bucket, entry.count)
            writer.copy(UnsafeBufferPointer(rebasing: old[reader.position...]))
        }
        return writer.written
    }
}
