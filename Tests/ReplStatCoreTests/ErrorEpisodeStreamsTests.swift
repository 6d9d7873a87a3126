import Testing

@testable import ReplStatCore

/// The error episodes of many indices kept compactly (`ErrorEpisodeStreams`) and read by a merge,
/// against a plain array of every episode sorted by (start, index name, ordinal).
@Suite struct ErrorEpisodeStreamsTests {
    /// The logs of `indices` indices (ids 0 up) and every episode in them: ordinals are input
    /// positions, growing across all indices; starts mostly grow but can go back, and now and then
    /// a later sample joins an index's last episode.
    private static func logs(_ random: inout SplitMix64, indices: Int, episodes: Int) -> (
        [ErrorEpisodeLog], [ErrorEpisode]
    ) {
        var logs = [ErrorEpisodeLog](repeating: ErrorEpisodeLog(), count: indices)
        var starts = [Int64](repeating: 1_700_000_000_000, count: indices)
        for ordinal in Int64(0)..<Int64(episodes) {
            let index = Int(random.next() % UInt64(indices))
            if random.next() % 5 == 0, var last = logs[index].last {
                last.samples += 1
                last.end += 10_000
                logs[index].replaceLast(with: last)
                continue
            }
            // A few starts repeat (ties broken by index name, then ordinal), some go back.
            starts[index] += Int64(random.next() % 4) * 10_000 - 5_000
            logs[index].append(
                ErrorEpisode(
                    index: Int32(index), start: starts[index], end: starts[index] + 30_000, samples: 1,
                    httpStatus: random.next() % 3 == 0 ? nil : 503, type: Int32(random.next() % 3),
                    reason: Int32(random.next() % 5), ordinal: ordinal))
        }
        return (logs, logs.flatMap(\.episodes))
    }

    /// Index names ranked in an order other than their ids'.
    private static func rank(indices: Int) -> [Int32] {
        (0..<Int32(indices)).map { ($0 * 7 + 3) % Int32(indices) }
    }

    private static func sortedAsRows(_ episodes: [ErrorEpisode], rank: [Int32]) -> [ErrorEpisode] {
        episodes.sorted {
            if $0.start != $1.start { return $0.start < $1.start }
            if $0.index != $1.index { return rank[Int($0.index)] < rank[Int($1.index)] }
            return $0.ordinal < $1.ordinal
        }
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func mergeGivesTheRowsInTheirSortedOrder(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let indices = 50
        let (logs, all) = Self.logs(&random, indices: indices, episodes: 3_000)
        let rank = Self.rank(indices: indices)
        // Two partitions' streams, joined as the assembly joins them.
        var first = ErrorEpisodeStreams()
        var second = ErrorEpisodeStreams()
        for (position, log) in logs.enumerated() {
            if position % 2 == 0 { first.append(log) } else { second.append(log) }
        }
        var joined = ErrorEpisodeStreams()
        joined.append(taking: &first)
        joined.append(taking: &second)
        #expect(first.count == 0 && second.count == 0)
        joined.orderParts { rank[Int($0)] < rank[Int($1)] }
        let merged = ErrorEpisodes(joined)
        #expect(merged.count == all.count)
        #expect(Array(merged) == Self.sortedAsRows(all, rank: rank))
        // A second reading gives the same rows.
        #expect(Array(merged) == Self.sortedAsRows(all, rank: rank))
    }

    /// An index's episodes out of start order are put in order in its part.
    @Test func anIndexsEpisodesOutOfOrderAreSorted() {
        var log = ErrorEpisodeLog()
        let starts: [Int64] = [50, 10, 10, 70, 5]
        for (ordinal, start) in starts.enumerated() {
            log.append(
                ErrorEpisode(
                    index: 0, start: start, end: start + 1, samples: 1, httpStatus: nil, type: 0, reason: 0,
                    ordinal: Int64(10 - ordinal)))
        }
        var streams = ErrorEpisodeStreams()
        streams.append(log)
        #expect(
            Array(ErrorEpisodes(streams)).map { [$0.start, $0.ordinal] } == [
                [5, 6], [10, 8], [10, 9], [50, 10], [70, 7],
            ])
    }

    @Test func noEpisodes() {
        var streams = ErrorEpisodeStreams()
        streams.append(ErrorEpisodeLog())
        #expect(streams.count == 0 && ErrorEpisodes(streams).isEmpty && Array(ErrorEpisodes(streams)).isEmpty)
    }

    /// Rows appended one by one, as a partial result is read, stay in the order given.
    @Test func rowsAppendInOrder() {
        var episodes: ErrorEpisodes = []
        let rows = (0..<5).map {
            ErrorEpisode(
                index: Int32($0), start: Int64(5 - $0), end: 9, samples: 1, httpStatus: 500, type: 1, reason: 2,
                ordinal: Int64($0))
        }
        for row in rows { episodes.append(row) }
        #expect(episodes.count == 5 && Array(episodes) == rows)
    }
}
