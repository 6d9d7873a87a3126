import Testing

@testable import ReplStatCore

/// `IndexShards` against the plain model it replaced: every shard in one array sorted by shard
/// number, a new shard merged into place, every shard closed by a status sample that is no lag
/// sample. Same events in the same order, same rows, same stalls still open at the end.
@Suite struct IndexShardsTests {
    final class Collected: LiveEventSink {
        var events: [LiveEvent] = []
        func emit(_ event: LiveEvent) { events.append(event) }
    }

    /// The model: a sorted array, scanned whole.
    struct Reference {
        var derivations: [ShardDerivation] = []

        mutating func add(_ shards: [ShardCheckpoints], at time: Int64, limits: StallLimits, events: LiveEventSink) {
            for checkpoints in shards {
                let position =
                    derivations.firstIndex { $0.shard >= checkpoints.shard } ?? derivations.endIndex
                if position == derivations.endIndex || derivations[position].shard != checkpoints.shard {
                    derivations.insert(ShardDerivation(shard: checkpoints.shard), at: position)
                }
                derivations[position].add(checkpoints, at: time, index: 3, limits: limits, events: events)
            }
        }

        mutating func close(limits: StallLimits, events: LiveEventSink) {
            for position in derivations.indices {
                derivations[position].close(index: 3, limits: limits, events: events)
            }
        }

        mutating func finish(limits: StallLimits) -> [(shard: UInt32, start: Int64)] {
            derivations.indices.compactMap { position in
                derivations[position].finish(limits: limits).map { (derivations[position].shard, $0) }
            }
        }
    }

    @Test(arguments: 0..<30)
    func randomLinesGiveWhatTheSortedModelGives(seed: Int) {
        var random = SplitMix64(seed: UInt64(seed) + 7_000)
        let limits = StallLimits(maxGap: 50, stallAfter: 30)
        let (modelEvents, shardsEvents) = (Collected(), Collected())
        var model = Reference()
        var shards = IndexShards()
        // Followers stuck at a few values, so that runs, stalls and their ends all happen.
        var followers = [Int64](repeating: 0, count: 40)
        var time: Int64 = 0
        var previous: [ShardCheckpoints] = []
        for _ in 0..<400 {
            time += Int64(random.next() % 25)
            switch random.next() % 10 {
            case 0, 1:
                model.close(limits: limits, events: modelEvents)
                shards.close(index: 3, limits: limits, events: shardsEvents)
                continue
            case 2, 3, 4, 5:
                // The previous line's shards again: the common case.
                if !previous.isEmpty { break }
                fallthrough
            default:
                // Any subset of a pool that grows: new shards arrive now and then, out of order.
                let pool = UInt32(min(40, 4 + Int(time / 40)))
                previous = (0..<pool).filter { _ in random.next() % 3 == 0 }.map {
                    ShardCheckpoints(shard: $0, leader: 0, follower: 0)
                }
            }
            let line = previous.map { shard -> ShardCheckpoints in
                let slot = Int(shard.shard)
                if random.next() % 4 == 0 { followers[slot] += 1 }
                let leader = followers[slot] + Int64(random.next() % 3)
                return ShardCheckpoints(shard: shard.shard, leader: leader, follower: followers[slot])
            }
            model.add(line, at: time, limits: limits, events: modelEvents)
            shards.add(line, at: time, index: 3, limits: limits, events: shardsEvents, timelineCapacity: 0)
        }
        #expect(shardsEvents.events == modelEvents.events)
        #expect(shardsEvents.events.contains { if case .shardStallEnd = $0 { true } else { false } })
        #expect(shards.summaries(index: 3) == model.derivations.map { $0.summary(index: 3) })
        let (open, modelOpen) = (shards.finish(limits: limits), model.finish(limits: limits))
        #expect(open.map(\.shard) == modelOpen.map(\.shard) && open.map(\.start) == modelOpen.map(\.start))
    }
}
