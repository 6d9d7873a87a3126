/// The hot shard of an index (docs/format.md, hot shards): its worst shard by lag p99, when that
/// p99 is not zero and more than twice the median of its shards' p99. The median is the nearest
/// rank p50 of the shards' p99 values (the lower middle one for an even count), so an index of
/// two shards, one behind and one not, has a hot shard; an index of one shard never has.
public struct HotShard: Sendable, Equatable {
    public var index: Int32
    public var shard: UInt32
    /// The hot shard's lag p99, in operations.
    public var p99: UInt64
    /// The median of the index's shards' lag p99.
    public var medianP99: UInt64

    /// The hot shards of the indices of `shards`, rows sorted by (index, shard number) as
    /// `AnalysisResult.shards` is: at most one per index, in the rows' index order. Of shards
    /// tied for the worst p99, the lowest number.
    public static func find(in shards: [ShardSummary]) -> [HotShard] {
        var found: [HotShard] = []
        var start = shards.startIndex
        while start < shards.endIndex {
            let index = shards[start].index
            var end = start
            while end < shards.endIndex && shards[end].index == index { end += 1 }
            if let hot = hotShard(of: shards[start..<end]) { found.append(hot) }
            start = end
        }
        return found
    }

    /// The hot shards of `find(in:)`, worst first: by lag p99, ties in the rows' index order.
    public static func worstFirst(in shards: [ShardSummary]) -> [HotShard] {
        find(in: shards).enumerated().sorted {
            $0.element.p99 != $1.element.p99 ? $0.element.p99 > $1.element.p99 : $0.offset < $1.offset
        }.map(\.element)
    }

    /// The hot shard of one index, given its shards' rows.
    static func hotShard(of shards: ArraySlice<ShardSummary>) -> HotShard? {
        guard let worst = shards.max(by: { $0.p99 != $1.p99 ? $0.p99 < $1.p99 : $0.shard > $1.shard }) else {
            return nil
        }
        let sorted = shards.map(\.p99).sorted()
        let median = sorted[(sorted.count + 1) / 2 - 1]
        guard worst.p99 > 0, UInt128(worst.p99) > 2 * UInt128(median) else { return nil }
        return HotShard(index: worst.index, shard: worst.shard, p99: worst.p99, medianP99: median)
    }
}
