/// The values at given ranks of a few hundred values at most, the exact values of a
/// `LagHistogram`: each found by selection (Hoare's partition around the median of three),
/// within the part of the values that the ranks found before leave to it, rather than by sorting
/// them all. The value at a rank is the same however it is found. Selection that does not narrow
/// fast enough (values arranged against the median of three) sorts what is left instead, so
/// that no arrangement costs more than a few passes and a sort.
enum RankSelection {
    /// The partitions a selection makes before it sorts what is left.
    private static let mostPartitions = 16

    /// The values at `ranks` (1-based, each at most the number of values) of `values`, which it reorders.
    static func values(at ranks: [UInt64], of values: UnsafeMutableBufferPointer<UInt64>) -> [UInt64] {
        // The places found so far: every value before one is at most it, every value after at least.
        var found: [Int] = []
        found.reserveCapacity(ranks.count)
        return ranks.map { rank in
            let place = Int(rank) - 1
            let low = (found.last { $0 < place } ?? -1) + 1
            let high = found.first { $0 >= place } ?? values.count
            if high == place { return values[place] }
            select(place, in: values, from: low, to: high)
            found.insert(place, at: found.firstIndex { $0 > place } ?? found.count)
            return values[place]
        }
    }

    /// Puts at `place` the value a sort of `values[low..<high]` would, the smaller ones before it
    /// and the larger after.
    private static func select(_ place: Int, in values: UnsafeMutableBufferPointer<UInt64>, from low: Int, to high: Int)
    {
        var (low, last) = (low, high - 1)
        var partitions = 0
        while low < last {
            partitions += 1
            if partitions > mostPartitions {
                var rest = UnsafeMutableBufferPointer(rebasing: values[low...last])
                rest.sort()
                return
            }
            let split = partition(values, low, last)
            if place <= split { last = split } else { low = split + 1 }
        }
    }

    /// Hoare's partition of `values[low...last]` (at least two values) around the median of its
    /// first, middle and last: returns `split`, low <= split < last, with every value up to
    /// `split` at most every value after it.
    private static func partition(_ values: UnsafeMutableBufferPointer<UInt64>, _ low: Int, _ last: Int) -> Int {
        let (first, middle, end) = (values[low], values[low + (last - low) / 2], values[last])
        let pivot = max(min(first, middle), min(max(first, middle), end))
        var (left, right) = (low - 1, last + 1)
        while true {
            repeat { left += 1 } while values[left] < pivot
            repeat { right -= 1 } while values[right] > pivot
            if left >= right { return right }
            values.swapAt(left, right)
        }
    }
}
