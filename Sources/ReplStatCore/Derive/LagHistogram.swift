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

    /// One allocation for everything: while there are at most `exactCapacity` values, the values
    /// as they came, 4 bytes each while they all fit (`wide` false), else 8; past that, the
    /// buckets in use, ascending, with their counts (`BucketStream`), followed by the bucket
    /// numbers of the values not counted in yet (`pendingCount`, 2 bytes each: buckets are
    /// below 2^15), all in the machine's byte order (they never leave memory). An array of values
    /// apart from the stream cost a few hundred bytes more a histogram, and 8-byte exact values
    /// twice the room of most lags.
    private var storage: [UInt8] = []
    /// The values that went into `storage`.
    private var added: UInt64 = 0
    /// The last few values below 2^32, kept inline until there are `staged.count`: with
    /// thousands of indices, `storage` is out of the cache at each sample of an index, and
    /// reaching it for every value was a tenth of the cost of a whole run (`--jobs 1`).
    private var staged = InlineArray<4, UInt32>(repeating: 0)
    private var stagedCount: UInt8 = 0
    /// The bucket numbers at the end of `storage`, past the exact values.
    private var pendingCount: UInt8 = 0
    /// Whether the exact values take 8 bytes each: one of them does not fit in 32 bits.
    private var wide = false

    /// How many values it has.
    var count: UInt64 { added + UInt64(stagedCount) }

    /// Values are counted in buckets a batch at a time: sorted, then merged into the buckets in
    /// one pass. Counting each on its own, a search among the buckets in use and an insertion,
    /// was most of the cost of a lag sample, as lags in milliseconds fall in new buckets.
    static let batchSize = 32
    private static let pendingBytes = 2

    var isExact: Bool { count <= UInt64(Self.exactCapacity) }

    /// Bytes of the buckets in use (for tests of the encoding's size).
    var bucketBytes: Int {
        var counted = self
        counted.unstage()
        counted.countBatch()
        return counted.isExact ? 0 : counted.storage.count
    }

    /// Bytes of the storage in use (for tests of its size).
    var storageBytes: Int { storage.count }

    mutating func record(_ value: UInt64) {
        if Int(stagedCount) < staged.count, value <= UInt64(UInt32.max) {
            staged[Int(stagedCount)] = UInt32(value)
            stagedCount += 1
            return
        }
        unstage()
        add(value)
    }

    /// Moves the staged values into `storage`, in one append when they all go the same way (an
    /// append a value cost more than the rest of keeping it).
    private mutating func unstage() {
        let staging = Int(stagedCount)
        guard staging > 0 else { return }
        stagedCount = 0
        if added + UInt64(staging) <= UInt64(Self.exactCapacity) {
            appendExact(staging)
        } else if added > UInt64(Self.exactCapacity) && Int(pendingCount) + staging <= Self.batchSize {
            appendPending(staging)
        } else {
            for position in 0..<staging { add(UInt64(staged[position])) }
        }
    }

    /// Appends the first `staging` staged values as exact values.
    private mutating func appendExact(_ staging: Int) {
        let width = wide ? 8 : 4
        reserveExact(storage.count + staging * width)
        if wide {
            var values = InlineArray<4, UInt64>(repeating: 0)
            for position in 0..<staging { values[position] = UInt64(staged[position]) }
            withUnsafeBytes(of: &values) { appendBytes($0, count: staging * 8) }
        } else {
            var values = staged
            withUnsafeBytes(of: &values) { appendBytes($0, count: staging * 4) }
        }
        added += UInt64(staging)
    }

    /// Appends the buckets of the first `staging` staged values as pending.
    private mutating func appendPending(_ staging: Int) {
        var buckets = InlineArray<4, UInt16>(repeating: 0)
        for position in 0..<staging { buckets[position] = UInt16(Self.bucket(of: UInt64(staged[position]))) }
        withUnsafeBytes(of: &buckets) { appendBytes($0, count: staging * Self.pendingBytes) }
        pendingCount += UInt8(staging)
        added += UInt64(staging)
        if Int(pendingCount) == Self.batchSize { countBatch() }
    }

    /// Appends the first `count` of `bytes` to `storage`: as a buffer of their own, which the array
    /// copies at once, where a slice of the buffer went through the generic path a byte at a time.
    @inline(__always)
    private mutating func appendBytes(_ bytes: UnsafeRawBufferPointer, count: Int) {
        storage.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[..<count]))
    }

    /// Room for `bytes` of exact values: doubling, but never past the room of `exactCapacity`
    /// values. An array's own growth went past it for most histograms, the largest part of peak
    /// memory on short captures.
    private mutating func reserveExact(_ bytes: Int) {
        guard bytes > storage.capacity else { return }
        let width = wide ? 8 : 4
        storage.reserveCapacity(min(max(2 * storage.capacity, 16 * width, bytes), Self.exactCapacity * width))
    }

    private mutating func add(_ value: UInt64) {
        if added < UInt64(Self.exactCapacity) {
            addExact(value)
        } else if added == UInt64(Self.exactCapacity) {
            countExactValues(and: value)
        } else {
            withUnsafeBytes(of: UInt16(Self.bucket(of: value))) { storage.append(contentsOf: $0) }
            pendingCount += 1
            if Int(pendingCount) == Self.batchSize { countBatch() }
        }
        added += 1
    }

    private mutating func addExact(_ value: UInt64) {
        if !wide && value > UInt64(UInt32.max) {
            let narrow = exactValues
            wide = true
            storage = []
            storage.reserveCapacity(Self.exactCapacity * 8)
            for old in narrow { withUnsafeBytes(of: old) { storage.append(contentsOf: $0) } }
        }
        reserveExact(storage.count + (wide ? 8 : 4))
        if wide {
            withUnsafeBytes(of: value) { storage.append(contentsOf: $0) }
        } else {
            withUnsafeBytes(of: UInt32(value)) { storage.append(contentsOf: $0) }
        }
    }

    /// The values while it is exact (not counting the staged ones).
    private var exactValues: [UInt64] {
        let width = wide ? 8 : 4
        return storage.withUnsafeBytes { bytes in
            (0..<bytes.count / width).map { exactValue($0, in: bytes) }
        }
    }

    /// The exact value at `position` of `bytes` (those of `storage`), 8 bytes wide or 4.
    @inline(__always)
    private func exactValue(_ position: Int, in bytes: UnsafeRawBufferPointer) -> UInt64 {
        wide
            ? bytes.loadUnaligned(fromByteOffset: position * 8, as: UInt64.self)
            : UInt64(bytes.loadUnaligned(fromByteOffset: position * 4, as: UInt32.self))
    }

    /// Writes every value, the staged ones last, to `destination` (room for `count`), while it is exact.
    private func copyExactValues(to destination: UnsafeMutableBufferPointer<UInt64>) {
        let stored = Int(added)
        storage.withUnsafeBytes { bytes in
            for position in 0..<stored { destination[position] = exactValue(position, in: bytes) }
        }
        for position in 0..<Int(stagedCount) { destination[stored + position] = UInt64(staged[position]) }
    }

    /// Past `exactCapacity`: counts the exact values and `value` into buckets.
    private mutating func countExactValues(and value: UInt64) {
        var new = exactValues.map { UInt32(Self.bucket(of: $0)) }
        new.append(UInt32(Self.bucket(of: value)))
        new.withUnsafeMutableBufferPointer { Self.sortBuckets($0) }
        storage = []
        wide = false
        rewrite(merging: new)
    }

    /// Sorts bucket numbers (below 2^16) in two counting passes, on their low byte then their high
    /// one, through a buffer of the same size: the standard library's sort, stable for any type,
    /// cost more than counting the values.
    static func sortBuckets(_ buckets: UnsafeMutableBufferPointer<UInt32>) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: buckets.count) { other in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: 256) { starts in
                // The first pass goes to `other`, the second back to `buckets`.
                countingPass(from: UnsafeBufferPointer(buckets), to: other, shift: 0, starts: starts)
                countingPass(from: UnsafeBufferPointer(other), to: buckets, shift: 8, starts: starts)
            }
        }
    }

    /// Writes `source` to `destination` ordered by the byte at `shift`, keeping the order of
    /// those with the same byte.
    private static func countingPass(
        from source: UnsafeBufferPointer<UInt32>, to destination: UnsafeMutableBufferPointer<UInt32>, shift: UInt32,
        starts: UnsafeMutableBufferPointer<Int>
    ) {
        starts.initialize(repeating: 0)
        for bucket in source { starts[Int(bucket >> shift & 255)] += 1 }
        var start = 0
        for digit in 0..<256 { (starts[digit], start) = (start, start + starts[digit]) }
        for bucket in source {
            let digit = Int(bucket >> shift & 255)
            destination[starts[digit]] = bucket
            starts[digit] += 1
        }
    }

    /// Counts the bucket numbers waiting at the end of `storage` into the buckets.
    private mutating func countBatch() {
        guard pendingCount > 0 else { return }
        let pending = Int(pendingCount)
        let streamBytes = storage.count - pending * Self.pendingBytes
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: pending) { new in
            storage.withUnsafeBytes { bytes in
                for position in 0..<pending {
                    let bucket = UInt32(
                        bytes.loadUnaligned(fromByteOffset: streamBytes + position * Self.pendingBytes, as: UInt16.self)
                    )
                    // Insertion sort: a batch is small, and sorting it so allocates nothing.
                    var slot = position
                    while slot > 0 && new[slot - 1] > bucket {
                        new[slot] = new[slot - 1]
                        slot -= 1
                    }
                    new[slot] = bucket
                }
            }
            storage.removeLast(pending * Self.pendingBytes)
            pendingCount = 0
            rewrite(merging: UnsafeBufferPointer(new))
        }
    }

    private mutating func rewrite(merging new: [UInt32]) {
        new.withUnsafeBufferPointer { rewrite(merging: $0) }
    }

    /// Merges the sorted bucket numbers `new` into the stream in `storage`, keeping room for a
    /// batch after it. The storage grows by an eighth at a time, not to the exact size at each
    /// batch: reallocating thousands of histograms every few values left the allocator's heap
    /// full of holes, which peak memory grew with on long captures.
    private mutating func rewrite(merging new: UnsafeBufferPointer<UInt32>) {
        let bound = storage.count + new.count * BucketStream.maxEntryBytes
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bound) { merged in
            let written = storage.withUnsafeBufferPointer { old in
                BucketStream.merge(new, into: old, writingTo: merged.baseAddress!)
            }
            let needed = written + Self.batchSize * Self.pendingBytes
            if storage.capacity < needed {
                storage = []
                storage.reserveCapacity(needed + written / 8)
            } else {
                storage.removeAll(keepingCapacity: true)
            }
            storage.append(contentsOf: UnsafeBufferPointer(start: merged.baseAddress!, count: written))
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
        if isExact {
            // Selected in place on the stack: a copy of the histogram to take in its staged values,
            // an array of the values and a sorted one were three allocations an index, and the
            // stable sort several times the cost of selecting a few ranks.
            return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: Int(count)) { values in
                copyExactValues(to: values)
                return RankSelection.values(at: ranks, of: values)
            }
        }
        var counted = self
        counted.unstage()
        counted.countBatch()
        return counted.storage.withUnsafeBufferPointer { stream in
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
/// is written as its gap from the one before (the first from -1) and its count. Most entries
/// (lags spread over a range, a few samples a bucket) take one byte, `gap << 5 | (count - 1)`
/// for a gap below 7 and a count up to 32; most others two, `shortForms + gap >> 1` then
/// `(gap & 1) << 7 | (count - 1)` for a gap below 62 and a count up to 128; any other takes the
/// byte `escape`, then the gap and the count in LEB128. On the benchmark's long capture that is
/// 1.2 bytes a bucket in use, where one-byte entries of a gap below 3 and a count up to 64 and
/// three-byte escapes for the rest took 1.6.
enum BucketStream {
    private static let shortForms: UInt8 = 7 << 5
    private static let escape: UInt8 = 0xFF
    private static let shortGaps: UInt32 = 7
    private static let shortCounts: UInt64 = 32
    private static let pairGaps: UInt32 = 62
    private static let pairCounts: UInt64 = 128
    /// The escape, a gap below 2^21 (buckets are below 2^15) and a count of 64 bits.
    static let maxEntryBytes = 1 + 3 + 10

    struct Reader {
        private let bytes: UnsafeBufferPointer<UInt8>
        private(set) var position = 0
        /// The bucket of the entry read last (-1 before the first).
        private(set) var previous: Int64 = -1

        init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        /// The next bucket and its count; nil at the end.
        mutating func next() -> (bucket: UInt32, count: UInt64)? {
            guard position < bytes.count else { return nil }
            let first = bytes[position]
            position += 1
            let gap: UInt64
            let count: UInt64
            if first < BucketStream.shortForms {
                gap = UInt64(first >> 5)
                count = UInt64(first & 31) + 1
            } else if first < BucketStream.escape {
                let second = bytes[position]
                position += 1
                gap = UInt64(first - BucketStream.shortForms) << 1 | UInt64(second >> 7)
                count = UInt64(second & 127) + 1
            } else {
                gap = readLEB128()
                count = readLEB128()
            }
            previous += Int64(gap) + 1
            return (UInt32(previous), count)
        }

        /// Moves past the entries of buckets below `bucket`, without decoding their counts.
        mutating func skip(below bucket: UInt32) {
            let limit = Int64(bucket)
            while position < bytes.count {
                let first = bytes[position]
                var next = position + 1
                let gap: Int64
                if first < BucketStream.shortForms {
                    gap = Int64(first >> 5)
                } else if first < BucketStream.escape {
                    gap = Int64(first - BucketStream.shortForms) << 1 | Int64(bytes[next] >> 7)
                    next += 1
                } else {
                    gap = Int64(LEB128.read(from: bytes.baseAddress!, at: &next))
                    while bytes[next] >= 0x80 { next += 1 }
                    next += 1
                }
                if previous + gap + 1 >= limit { return }
                previous += gap + 1
                position = next
            }
        }

        private mutating func readLEB128() -> UInt64 {
            LEB128.read(from: bytes.baseAddress!, at: &position)
        }
    }

    struct Writer {
        private let base: UnsafeMutablePointer<UInt8>
        private(set) var written = 0
        private(set) var previous: Int64 = -1

        init(_ base: UnsafeMutablePointer<UInt8>) { self.base = base }

        mutating func write(_ bucket: UInt32, _ count: UInt64) {
            let gap = UInt32(Int64(bucket) - previous - 1)
            previous = Int64(bucket)
            if gap < BucketStream.shortGaps && count <= BucketStream.shortCounts {
                base[written] = UInt8(gap << 5) | UInt8(count - 1)
                written += 1
            } else if gap < BucketStream.pairGaps && count <= BucketStream.pairCounts {
                base[written] = BucketStream.shortForms + UInt8(gap >> 1)
                base[written + 1] = UInt8((gap & 1) << 7) | UInt8(count - 1)
                written += 2
            } else {
                base[written] = BucketStream.escape
                written += 1
                writeLEB128(UInt64(gap))
                writeLEB128(count)
            }
        }

        /// Appends entries as they are, the last of them of bucket `last`.
        mutating func copy(_ bytes: UnsafeBufferPointer<UInt8>, last: Int64) {
            guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
            (base + written).update(from: source, count: bytes.count)
            written += bytes.count
            previous = last
        }

        private mutating func writeLEB128(_ value: UInt64) {
            LEB128.write(value, to: base, at: &written)
        }
    }

    /// Writes the stream `old` with the sorted buckets `new` counted in (at most
    /// `old.count + new.count * maxEntryBytes` bytes); returns how many bytes. Old entries are
    /// copied as bytes where their gap stays: only the first one after a new bucket is written
    /// again.
    static func merge(
        _ new: UnsafeBufferPointer<UInt32>, into old: UnsafeBufferPointer<UInt8>,
        writingTo merged: UnsafeMutablePointer<UInt8>
    ) -> Int {
        var reader = Reader(old)
        var writer = Writer(merged)
        var newPosition = 0
        while newPosition < new.count {
            let bucket = new[newPosition]
            var added: UInt64 = 0
            while newPosition < new.count && new[newPosition] == bucket {
                added += 1
                newPosition += 1
            }
            copyEntries(below: bucket, from: &reader, old, to: &writer)
            var peek = reader
            if let entry = peek.next(), entry.bucket == bucket {
                reader = peek
                writer.write(bucket, entry.count + added)
            } else {
                writer.write(bucket, added)
            }
        }
        copyEntries(below: UInt32.max, from: &reader, old, to: &writer)
        return writer.written
    }

    /// Moves the old entries below `bucket` from `reader` to `writer`: the first written again
    /// when the writer's last bucket is not the reader's (its gap changes), the rest as bytes.
    private static func copyEntries(
        below bucket: UInt32, from reader: inout Reader, _ old: UnsafeBufferPointer<UInt8>, to writer: inout Writer
    ) {
        if writer.previous != reader.previous {
            var peek = reader
            guard let entry = peek.next(), entry.bucket < bucket else { return }
            reader = peek
            writer.write(entry.bucket, entry.count)
        }
        let start = reader.position
        reader.skip(below: bucket)
        writer.copy(UnsafeBufferPointer(rebasing: old[start..<reader.position]), last: reader.previous)
    }
}
