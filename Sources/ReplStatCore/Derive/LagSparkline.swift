/// An index's lag in operations over time as the Markdown report's sparkline needs it: the
/// highest lag of each of at most `capacity` buckets, and nothing else, so that a fleet of a
/// million indices keeps it in well under a kilobyte each (docs/robustness.md, "Memory and time
/// bounds").
///
/// The buckets are those of a `LagTimeline` of `capacity` buckets (origin at the index's first
/// lag sample, a width starting at `LagTimeline.initialWidth` and doubling whenever a sample falls
/// past the last bucket), so the sparkline drawn from it is the one drawn from the HTML report's
/// timeline coarsened to `capacity` buckets (`init?(_:)`): the same whether or not an HTML report
/// was asked for too. Made at an index's first lag sample: an index without one keeps none.
public struct LagSparkline: Sendable, Equatable {
    /// Buckets kept: the sparkline is `MarkdownReport.sparklineWidth` (24) characters wide.
    public static let capacity = 32

    /// The figures, behind one reference (copied on write), so that an index without lag
    /// samples pays a nil pointer. Sendable as a value is: a shared storage is only read, and a
    /// write goes to a copy of its own.
    private final class Storage: @unchecked Sendable {
        let origin: Int64
        var width = LagTimeline.initialWidth
        /// Bit `n` is set when bucket `n` has a lag sample.
        var occupied: UInt32 = 0
        /// The highest lag of each bucket with a lag sample, in bucket order.
        var peaks: [UInt64] = []

        init(origin: Int64) { self.origin = origin }

        func copy() -> Storage {
            let copy = Storage(origin: origin)
            (copy.width, copy.occupied, copy.peaks) = (width, occupied, peaks)
            return copy
        }

        /// Merges each pair of buckets into one twice as wide, as `LagTimeline` does.
        func halve() {
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
        storage.width = coarse.width
        for (position, bucket) in coarse.buckets.enumerated() where !bucket.isEmpty {
            storage.occupied |= 1 << position
            storage.peaks.append(bucket.maximum)
        }
    }

    public var origin: Int64 { storage.origin }
    public var width: Int64 { storage.width }
    /// The highest lag of each bucket, from the origin up to the bucket of the last sample; nil
    /// for a bucket without lag sample.
    public var peaks: [UInt64?] {
        let positions = storage.positions
        var peaks = [UInt64?](repeating: nil, count: (positions.last ?? -1) + 1)
        for (position, peak) in zip(positions, storage.peaks) { peaks[position] = peak }
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
        var position = (time - storage.origin) / storage.width
        // The arithmetic of `LagTimeline.record`, width capped alike far in the future.
        while position >= Self.capacity && storage.width <= Int64.max / 4 {
            storage.halve()
            position = (time - storage.origin) / storage.width
        }
        let bit = UInt32(1) << min(position, Int64(Self.capacity - 1))
        if storage.occupied & bit != 0 {
            storage.peaks[storage.peaks.count - 1] = max(storage.peaks[storage.peaks.count - 1], lag)
        } else {
            storage.occupied |= bit
            storage.peaks.append(lag)
        }
    }

    /// The highest lag in each of `count` equal columns of `span` (the last one takes the end),
    /// over the buckets whose time overlaps the column; nil for a column without lag sample.
    /// Every index drawn over the same span lines up, whatever its own buckets' widths.
    public func columns(over span: ClosedRange<Int64>, count: Int) -> [UInt64?] {
        var columns = [UInt64?](repeating: nil, count: count)
        for (position, peak) in zip(storage.positions, storage.peaks) {
            let start = origin + Int64(position) * width
            LagTimeline.forEachColumn(of: span, count: count, overlapping: start, width: width) { column in
                columns[column] = max(columns[column] ?? 0, peak)
            }
        }
        return columns
    }
}
