/// An index's lag over time in a bounded number of buckets, for the charts of the HTML report
/// (and the Markdown sparkline when both reports are asked for): memory stays the same whatever
/// the length of the capture.
///
/// Bucket `n` covers `[origin + n * width, origin + (n + 1) * width)`, the origin being the
/// index's first lag sample. The width starts at a second and doubles, merging each pair of
/// buckets, whenever a sample falls past the last of `capacity` buckets. Samples come in
/// timestamp order (`IndexDerivation`), so the buckets depend only on the index's samples: the
/// same input gives the same buckets, whatever the threads. And since a width only ever doubles
/// from the same origin, a timeline of a smaller capacity is exactly this one coarsened
/// (`coarsened(to:)`): the Markdown sparkline, whose `LagSparkline` keeps the same buckets
/// without their other figures, is the same whether or not an HTML report was asked for too.
public struct LagTimeline: Sendable, Equatable {
    /// Lag figures of the lag samples that fell in one stretch of time.
    public struct Bucket: Sendable, Equatable {
        /// Lag in operations; `minimum > maximum` in a bucket without lag sample.
        public var minimum: UInt64 = .max
        public var maximum: UInt64 = 0
        public var last: UInt64 = 0
        /// Lag in seconds, in milliseconds; -1 where no lag sample had a value.
        public var minimumMillis: Int64 = .max
        public var maximumMillis: Int64 = -1
        public var lastMillis: Int64 = -1

        public var isEmpty: Bool { minimum > maximum }
        public var hasMillis: Bool { maximumMillis >= 0 }

        mutating func record(_ lag: UInt64, millis: Int64?) {
            minimum = Swift.min(minimum, lag)
            maximum = Swift.max(maximum, lag)
            last = lag
            if let millis {
                minimumMillis = Swift.min(minimumMillis, millis)
                maximumMillis = Swift.max(maximumMillis, millis)
                lastMillis = millis
            } else {
                // The last value is that of the last sample: none, when it had none.
                lastMillis = -1
            }
        }

        /// This bucket followed by `later`, as one.
        func merged(with later: Bucket) -> Bucket {
            guard !later.isEmpty else { return self }
            guard !isEmpty else { return later }
            var both = later
            both.minimum = Swift.min(minimum, later.minimum)
            both.maximum = Swift.max(maximum, later.maximum)
            both.minimumMillis = Swift.min(minimumMillis, later.minimumMillis)
            both.maximumMillis = Swift.max(maximumMillis, later.maximumMillis)
            return both
        }
    }

    /// The width of a bucket before any doubling.
    public static let initialWidth: Int64 = 1000
    /// Buckets the HTML report's charts need.
    public static let chartCapacity = 128
    /// Buckets per shard, for the HTML report's chart of an index's shards (hot shards): every
    /// shard of every index keeps their peaks (`LagSparkline`, 8 bytes a bucket with a sample;
    /// the chart draws no more), so fewer than an index's chart: at most about 350 bytes a shard
    /// (docs/format.md, HTML report).
    public static let shardChartCapacity = LagSparkline.capacity

    /// The buckets a shard keeps, given its index's: only when the index keeps the HTML charts'
    /// (`ReportOutputs.timelineCapacity`), so that the other reports pay nothing per shard.
    static func shardCapacity(forIndexCapacity indexCapacity: Int) -> Int {
        indexCapacity >= chartCapacity ? shardChartCapacity : 0
    }

    /// The figures, behind one reference (copied on write): an index without a timeline pays
    /// only for a nil pointer in its summary. Sendable as a value is: a shared storage is only
    /// read, and a write goes to a copy of its own (`record`, `coarsened`).
    private final class Storage: @unchecked Sendable {
        // Each lag sample writes here: unchecked, the accesses cost no runtime exclusivity check
        // (README, Performance); only the one owner of a unique storage writes it. Most samples
        // fall in the last bucket, kept here as `current` with its start and end, so that they
        // touch this object alone: no division, no second cache line far away in `buckets`.
        @exclusivity(unchecked) var lastStart: Int64 = .max
        @exclusivity(unchecked) var lastEnd: Int64 = .min
        /// The last bucket, whose place in `buckets` is only written back by `flush()`.
        @exclusivity(unchecked) var current = Bucket()
        @exclusivity(unchecked) var origin: Int64 = 0
        @exclusivity(unchecked) var width: Int64 = LagTimeline.initialWidth
        let capacity: Int
        @exclusivity(unchecked) var buckets: [Bucket] = []

        init(capacity: Int) { self.capacity = capacity }

        func copy() -> Storage {
            let copy = Storage(capacity: capacity)
            (copy.origin, copy.width, copy.buckets, copy.current) = (origin, width, buckets, current)
            (copy.lastStart, copy.lastEnd) = (lastStart, lastEnd)
            copy.flush()
            return copy
        }

        /// Writes the last bucket back in its place.
        func flush() {
            if !buckets.isEmpty { buckets[buckets.count - 1] = current }
        }

        /// Merges each pair of buckets into one twice as wide.
        func halve() {
            flush()
            let count = (buckets.count + 1) / 2
            for position in 0..<count {
                let first = buckets[2 * position]
                buckets[position] =
                    2 * position + 1 < buckets.count ? first.merged(with: buckets[2 * position + 1]) : first
            }
            buckets.removeLast(buckets.count - count)
            width *= 2
            current = buckets.last ?? Bucket()
            (lastStart, lastEnd) = (.max, .min)
        }
    }

    private var storage: Storage

    public var origin: Int64 { storage.origin }
    public var width: Int64 { storage.width }
    public var capacity: Int { storage.capacity }
    /// From the origin on, up to the bucket of the last sample.
    public var buckets: [Bucket] {
        var buckets = storage.buckets
        if !buckets.isEmpty { buckets[buckets.count - 1] = storage.current }
        return buckets
    }

    public init(capacity: Int) {
        precondition(capacity >= 2, "a timeline needs at least two buckets")
        storage = Storage(capacity: capacity)
    }

    public static func == (left: LagTimeline, right: LagTimeline) -> Bool {
        (left.origin, left.width, left.capacity) == (right.origin, right.width, right.capacity)
            && left.buckets == right.buckets
    }

    /// Takes in a lag sample; `time` never goes back (equal times are fine).
    mutating func record(at time: Int64, lag: UInt64, millis: Int64?) {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        let storage = storage
        if time >= storage.lastStart && time < storage.lastEnd {
            storage.current.record(lag, millis: millis)
            return
        }
        storage.flush()
        // No room reserved: an index of a few samples keeps a few buckets, not `capacity`.
        if storage.buckets.isEmpty { storage.origin = time }
        // Far in the future the width stops doubling before it overflows: the last bucket takes it all.
        var position = (time - origin) / width
        while position >= capacity && width <= Int64.max / 4 {
            storage.halve()
            position = (time - origin) / width
        }
        position = min(position, Int64(capacity - 1))
        while storage.buckets.count <= position { storage.buckets.append(Bucket()) }
        storage.buckets[Int(position)].record(lag, millis: millis)
        // Samples never go back: the bucket written is the last one.
        storage.current = storage.buckets[storage.buckets.count - 1]
        // The last of `capacity` buckets takes what comes after it only once the width can double no more.
        let open = position < capacity - 1
        (storage.lastStart, storage.lastEnd) =
            open ? (start(of: Int(position)), start(of: Int(position) + 1)) : (.max, .min)
    }

    /// The same timeline in at most `capacity` buckets, widths doubled as recording would have.
    public func coarsened(to capacity: Int) -> LagTimeline {
        var copy = self
        copy.storage = storage.copy()
        while copy.buckets.count > capacity && copy.width <= Int64.max / 4 { copy.storage.halve() }
        return copy
    }

    /// The start of bucket `position`.
    public func start(of position: Int) -> Int64 { origin + Int64(position) * width }
}

extension LagTimeline {
    /// The buckets over `count` equal columns of `span` (the last one takes the end), each the
    /// merge of the buckets whose time overlaps the column; nil for a column without lag sample.
    /// Every index drawn over the same span lines up, whatever its own buckets' widths.
    public func columns(over span: ClosedRange<Int64>, count: Int) -> [Bucket?] {
        var columns = [Bucket?](repeating: nil, count: count)
        for (position, bucket) in buckets.enumerated() where !bucket.isEmpty {
            Self.forEachColumn(of: span, count: count, overlapping: start(of: position), width: width) { column in
                columns[column] = columns[column].map { $0.merged(with: bucket) } ?? bucket
            }
        }
        return columns
    }

    /// Calls `body` with each of `count` equal columns of `span` (the last one takes the end)
    /// that the bucket of `width` from `start` overlaps, in order: the column arithmetic of
    /// every drawing of lag over time (`LagSparkline` too).
    static func forEachColumn(
        of span: ClosedRange<Int64>, count: Int, overlapping start: Int64, width: Int64, _ body: (Int) -> Void
    ) {
        let from = Int128(span.lowerBound)
        let length = Int128(span.upperBound) - from + 1
        let start = Int128(start)
        let end = start + Int128(width)
        // From a column at or before the bucket's start, while the columns start before its end.
        let first = (start - from) * Int128(count) / length - 1
        var column = Int(min(Int128(count - 1), max(0, first)))
        while column < count {
            let columnStart = from + length * Int128(column) / Int128(count)
            let columnEnd = from + length * Int128(column + 1) / Int128(count)
            if columnStart >= end { break }
            if columnEnd > start { body(column) }
            column += 1
        }
    }
}

extension LagTimeline {
    /// A timeline as it was written down (`PartialRows`, the partial documents of a distributed
    /// analysis): its buckets from the origin on, the last one that of its last sample.
    init(capacity: Int, origin: Int64, width: Int64, buckets: [Bucket]) {
        self.init(capacity: capacity)
        storage.origin = origin
        storage.width = width
        storage.buckets = buckets
        storage.current = buckets.last ?? Bucket()
    }
}
