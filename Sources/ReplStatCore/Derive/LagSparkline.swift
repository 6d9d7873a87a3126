/// Lag in operations over time as a line through the highest lag of each stretch of time needs
/// it: the highest lag of each of at most `capacity` buckets, and nothing else. An index keeps
/// one for the Markdown report's sparkline, a shard one for the HTML report's chart of its index's
/// shards (`ShardSummary.peaks`), so that a fleet of a million indices, or of tens of thousands of
/// shards, keeps it in well under a kilobyte each (docs/robustness.md, "Memory and time bounds").
///
/// The buckets are those of a `LagTimeline` of `capacity` buckets (origin at the first lag
/// sample, a width starting at `LagTimeline.initialWidth` and doubling whenever a sample falls
/// past the last bucket), so the sparkline drawn from it is the one drawn from the HTML report's
/// timeline coarsened to `capacity` buckets (`init?(_:)`): the same whether or not an HTML report
/// was asked for too. Made at the first lag sample: an index or shard without one keeps none.
public struct LagSparkline: Sendable, Equatable {
    /// Buckets kept: the sparkline is `MarkdownReport.sparklineWidth` (24) characters wide, and
    /// a shard's line in the HTML report needs no more (`LagTimeline.shardChartCapacity`).
    public static let capacity = 32

    /// The figures, behind one reference (copied on write), so that an index without lag
    /// samples pays a nil pointer. Sendable as a value is: a shared storage is only read, and a
    /// write goes to a copy of its own.
    private final class Storage: @unchecked Sendable {
        // Each lag sample writes here: unchecked, the accesses cost no runtime exclusivity check,
        // as `LagTimeline`'s; only the one owner of a unique storage writes it. Most samples fall
        // in the last bucket, whose peak is kept here as `last` with the bucket's end, so that
        // they touch this object alone, not the array of peaks: a shard takes a sample per line.
        let origin: Int64
        @exclusivity(unchecked) var width = LagTimeline.initialWidth
        /// Bit `n` is set when bucket `n` has a lag sample.
        @exclusivity(unchecked) var occupied: UInt32 = 0
        /// The highest lag of each bucket with a lag sample, in bucket order; the last one's is
        /// `last`, written back by `settle()`.
        @exclusivity(unchecked) var peaks: [UInt64] = []
        @exclusivity(unchecked) var last: UInt64 = 0
        /// The end of the last bucket with a sample while a later sample before it needs no more
        /// than `last` (not the last of `capacity` buckets once its width can double no more).
        @exclusivity(unchecked) var lastEnd: Int64 = .min

        init(origin: Int64) { self.origin = origin }

        func copy() -> Storage {
            let copy = Storage(origin: origin)
            (copy.width, copy.occupied, copy.peaks) = (width, occupied, settled)
            (copy.last, copy.lastEnd) = (last, lastEnd)
            return copy
        }

        /// The peaks, the last one's written back.
        var settled: [UInt64] {
            var peaks = peaks
            if !peaks.isEmpty { peaks[peaks.count - 1] = last }
            return peaks
        }

        /// Writes the last bucket's peak back in its place.
        func settle() {
            if !peaks.isEmpty { peaks[peaks.count - 1] = last }
        }

        /// Merges each pair of buckets into one twice as wide, as `LagTimeline` does.
        func halve() {
            settle()
            var merged: UInt32 = 0
            var halved: [UInt64] = []
            // Positions come in order: the pair of a bucket's peak is the last one kept.
            for (position, peak) in zip(positions, peaks) {
                let bit = UInt32(1) << (position / 2)
                if merged & bit != 0 {
                    halved[halved.count - 1] = max(halved[halved.count - 1], peak)
                } else {
                    merged |= bit
                    halved.append(peak)
                }
            }
            (occupied, peaks, width) = (merged, halved, width * 2)
            (last, lastEnd) = (peaks.last ?? 0, .min)
        }

        /// After the peaks were filled in alone.
        func settled(width: Int64) {
            self.width = width
            (last, lastEnd) = (peaks.last ?? 0, .min)
        }

        /// The buckets with a lag sample, in order.
        var positions: [Int] {
            (0..<LagSparkline.capacity).filter { occupied & (1 << $0) != 0 }
        }
    }

    private var storage: Storage

    /// Starts with the index's first lag sample.
    init(at time: Int64, lag: UInt64) {
        storage = Storage(origin: time)
        record(at: time, lag: lag)
    }

    /// The timeline's buckets coarsened to `capacity`; nil when it has no lag sample.
    public init?(_ timeline: LagTimeline) {
        let coarse = timeline.coarsened(to: Self.capacity)
        guard coarse.buckets.contains(where: { !$0.isEmpty }) else { return nil }
        storage = Storage(origin: coarse.origin)
        for (position, bucket) in coarse.buckets.enumerated() where !bucket.isEmpty {
            storage.occupied |= 1 << position
            storage.peaks.append(bucket.maximum)
        }
        storage.settled(width: coarse.width)
    }

    /// Peaks as they were written down (`PartialRows`, the partial documents of a distributed
    /// analysis): `peaks` from the origin up to the bucket of the last sample, which has one.
    init(origin: Int64, width: Int64, peaks: [UInt64?]) {
        precondition((1...Self.capacity).contains(peaks.count) && peaks.last! != nil, "peaks up to the last sample's")
        storage = Storage(origin: origin)
        for (position, peak) in peaks.enumerated() {
            guard let peak else { continue }
            storage.occupied |= 1 << position
            storage.peaks.append(peak)
        }
        storage.settled(width: width)
    }

    public var origin: Int64 { storage.origin }
    /// The end of the bucket of the last sample, while a later sample before it falls in the
    /// same bucket whatever comes before it; `Int64.min` otherwise.
    var lastBucketEnd: Int64 { storage.lastEnd }
    public var width: Int64 { storage.width }
    /// The highest lag of each bucket, from the origin up to the bucket of the last sample; nil
    /// for a bucket without lag sample.
    public var peaks: [UInt64?] {
        let positions = storage.positions
        var peaks = [UInt64?](repeating: nil, count: (positions.last ?? -1) + 1)
        for (position, peak) in zip(positions, storage.settled) { peaks[position] = peak }
        return peaks
    }

    public static func == (left: LagSparkline, right: LagSparkline) -> Bool {
        (left.origin, left.width) == (right.origin, right.width) && left.peaks == right.peaks
    }

    /// Takes in a lag sample; `time` never goes back (equal times are fine), so the bucket it
    /// falls in is the last one with a sample or a later one.
    mutating func record(at time: Int64, lag: UInt64) {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        let storage = storage
        if time < storage.lastEnd {
            storage.last = max(storage.last, lag)
            return
        }
        storage.settle()
        var position = (time - storage.origin) / storage.width
        // The arithmetic of `LagTimeline.record`, width capped alike far in the future.
        while position >= Self.capacity && storage.width <= Int64.max / 4 {
            storage.halve()
            position = (time - storage.origin) / storage.width
        }
        let bit = UInt32(1) << min(position, Int64(Self.capacity - 1))
        if storage.occupied & bit != 0 {
            storage.last = max(storage.last, lag)
        } else {
            storage.occupied |= bit
            storage.peaks.append(lag)
            storage.last = lag
        }
        // Past the last bucket, the next sample doubles the width, unless it can double no more.
        let (span, late) = (position + 1).multipliedReportingOverflow(by: storage.width)
        let (end, past) = storage.origin.addingReportingOverflow(span)
        storage.lastEnd = position < Int64(Self.capacity) && !late && !past ? end : .min
    }

    /// The highest lag in each of `count` equal columns of `span` (the last one takes the end),
    /// over the buckets whose time overlaps the column; nil for a column without lag sample.
    /// Every index drawn over the same span lines up, whatever its own buckets' widths.
    public func columns(over span: ClosedRange<Int64>, count: Int) -> [UInt64?] {
        var columns = [UInt64?](repeating: nil, count: count)
        for (position, peak) in zip(storage.positions, storage.settled) {
            let start = origin + Int64(position) * width
            LagTimeline.forEachColumn(of: span, count: count, overlapping: start, width: width) { column in
                columns[column] = max(columns[column] ?? 0, peak)
            }
        }
        return columns
    }
}
