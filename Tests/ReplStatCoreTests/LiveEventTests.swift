import Foundation
import Testing

@testable import ReplStatCore

/// The live events of error episodes, lag in seconds and shard stalls, checked against the rows
/// the same derivation keeps for the reports.
@Suite struct LiveEventTests {
    final class Collected: LiveEventSink {
        var events: [LiveEvent] = []
        func emit(_ event: LiveEvent) { events.append(event) }
    }

    private func lagSample(_ timestamp: Int64, _ leader: Int64, _ follower: Int64) -> StatusSample {
        StatusSample(
            timestamp: timestamp, index: 3, status: .syncing, reason: -1, leaderAlias: -1, leaderIndex: -1,
            checkpoints: (leader: leader, follower: follower))
    }

    private func paused(_ timestamp: Int64) -> StatusSample {
        StatusSample(
            timestamp: timestamp, index: 3, status: .paused, reason: -1, leaderAlias: -1, leaderIndex: -1,
            checkpoints: nil)
    }

    private func error(_ timestamp: Int64, _ status: Int64, _ type: Int32) -> ErrorSample {
        ErrorSample(timestamp: timestamp, index: 3, httpStatus: status, type: type, reason: 7)
    }

    /// A sink that counts the states it is given, following them or not.
    final class StateCounter: LiveEventSink {
        let followsStates: Bool
        var states = 0
        init(followsStates: Bool) { self.followsStates = followsStates }
        func emit(_ event: LiveEvent) {}
        func stateChanged(_ state: FollowerState) { states += 1 }
    }

    /// A state is built and given after each sample only to a sink that follows states (the
    /// metrics file): `watch` without one built one per sample for nothing.
    @Test(arguments: [false, true]) func statesGoOnlyToASinkThatFollowsThem(_ follows: Bool) {
        let sink = StateCounter(followsStates: follows)
        var derivation = IndexDerivation(index: 3, maxGap: 10_000, stallAfter: 60_000, events: sink, keepsRows: false)
        derivation.add(lagSample(0, 5, 3))
        derivation.add(error(1_000, 500, 1), ordinal: 1)
        derivation.add(lagSample(2_000, 6, 6))
        derivation.finish()
        #expect(sink.states == (follows ? 3 : 0))
    }

    @Test func errorEpisodesStartAndEndAsTheirRows() {
        let events = Collected()
        var derivation = IndexDerivation(index: 3, maxGap: 10_000, stallAfter: 60_000, events: events, keepsRows: true)
        derivation.add(error(0, 500, 1), ordinal: 0)
        derivation.add(error(5_000, 500, 1), ordinal: 1)
        derivation.add(lagSample(12_000, 5, 5))  // 7 s after the last error: it may still go on
        derivation.add(error(14_000, 500, 1), ordinal: 3)
        derivation.add(lagSample(30_000, 5, 5))  // 16 s after it: over
        derivation.add(error(31_000, 403, 1), ordinal: 5)
        derivation.add(error(32_000, 500, 1), ordinal: 6)  // another status: the 403 episode is over
        derivation.finish()
        let rows = derivation.errorEpisodes
        #expect(rows.map(\.samples) == [3, 1, 1])
        #expect(rows.map(\.start) == [0, 31_000, 32_000] && rows[0].end == 14_000)
        let errorEvents = events.events.filter {
            switch $0 {
            case .errorStart, .errorEnd: true
            default: false
            }
        }
        var opening = rows
        for position in opening.indices {
            opening[position].end = opening[position].start
            opening[position].samples = 1
        }
        #expect(
            errorEvents == [
                .errorStart(opening[0]), .errorEnd(rows[0]), .errorStart(opening[1]), .errorEnd(rows[1]),
                .errorStart(opening[2]),
            ])
        #expect(derivation.stillOpen == [OpenAtEnd(kind: .errorEpisode, index: 3, start: 32_000)])
    }

    /// Lag in seconds by hand (docs/format.md): at 10 s the follower lacks operation 11, which the
    /// leader wrote between 0 s (checkpoint 10) and 10 s (20), at 1 s: 9 s behind; at 20 s, 19 s
    /// behind; at 30 s it lacks 31, written at 21 s: 9 s; at 40 s it has everything.
    @Test func lagSecondsInLagEventsAndTheSecondsAlert() {
        let events = Collected()
        var derivation = IndexDerivation(
            index: 3, maxGap: 100_000, stallAfter: 10_000, events: events,
            lagAlert: LagAlert(thresholdMillis: 5_000, millis: 5_000))
        for sample in [
            lagSample(0, 10, 10), lagSample(10_000, 20, 10), lagSample(20_000, 30, 10), lagSample(30_000, 40, 30),
            lagSample(40_000, 40, 40),
        ] {
            derivation.add(sample)
        }
        derivation.finish()
        #expect(
            events.events == [
                .stallStart(index: 3, time: 20_000, start: 10_000, followerCheckpoint: 10, lag: 20, lagMillis: 19_000),
                .lagBreachStart(.seconds, index: 3, time: 20_000, start: 10_000, lag: 20, lagMillis: 19_000),
                .stallEnd(
                    StallRow(index: 3, start: 10_000, end: 20_000, followerCheckpoint: 10, maxLag: 20),
                    lagMillis: 19_000),
                .lagBreachEnd(
                    .seconds,
                    LagBreach(index: 3, start: 10_000, end: 30_000, time: 40_000, maxLag: 20, maxLagMillis: 19_000)),
            ])
        #expect(derivation.summary.lagSeconds?.max == 19_000)
        #expect(derivation.stillOpen.isEmpty)
    }

    @Test func anUnknownLagInSecondsIsNotAbove() {
        let events = Collected()
        var derivation = IndexDerivation(
            index: 3, maxGap: 100_000, stallAfter: 60_000, events: events,
            lagAlert: LagAlert(thresholdMillis: 0, millis: 0))
        // Behind from the first sample: nothing tells when the leader wrote what the follower lacks.
        for sample in [lagSample(0, 10, 5), lagSample(10_000, 20, 5)] { derivation.add(sample) }
        derivation.finish()
        #expect(events.events.isEmpty && derivation.summary.lagSeconds == nil)
    }

    @Test func shardStallsStartAndEndWithTheirShard() {
        let events = Collected()
        var derivation = IndexDerivation(index: 3, maxGap: 100_000, stallAfter: 60_000, events: events)
        func verbose(_ timestamp: Int64, _ shards: [(UInt32, Int64, Int64)]) {
            derivation.add(
                lagSample(timestamp, 100, 100),
                shards: shards.map { ShardCheckpoints(shard: $0.0, leader: $0.1, follower: $0.2) })
        }
        verbose(0, [(0, 10, 4), (1, 5, 5)])
        verbose(30_000, [(0, 12, 4), (1, 6, 5)])
        verbose(60_000, [(0, 13, 4)])  // shard 0 stuck at 4 for 60 s: a stall
        derivation.add(paused(70_000))  // ends both runs at once; shard 1's was too short
        verbose(80_000, [(1, 9, 5)])
        verbose(140_000, [(1, 9, 5)])  // shard 1 stuck for 60 s, still at the end
        derivation.finish()
        let shardEvents = events.events.filter {
            switch $0 {
            case .shardStallStart, .shardStallEnd: true
            default: false
            }
        }
        #expect(
            shardEvents == [
                .shardStallStart(index: 3, shard: 0, time: 60_000, start: 0, followerCheckpoint: 4, lag: 9),
                .shardStallEnd(
                    ShardStall(index: 3, shard: 0, start: 0, end: 60_000, followerCheckpoint: 4, maxLag: 9)),
                .shardStallStart(index: 3, shard: 1, time: 140_000, start: 80_000, followerCheckpoint: 5, lag: 4),
            ])
        #expect(derivation.stillOpen == [OpenAtEnd(kind: .shardStall, index: 3, start: 80_000, shard: 1)])
        #expect(derivation.shards.map(\.stalls) == [1, 1])
        #expect(derivation.shards.map(\.millisStalled) == [60_000, 60_000])
    }
}

/// The hot-shard rule of docs/format.md.
@Suite struct HotShardTests {
    private func shards(_ index: Int32, _ p99s: [UInt64]) -> [ShardSummary] {
        p99s.enumerated().map {
            ShardSummary(
                index: index, shard: UInt32($0.offset), lagSamples: 1, p50: 0, p99: $0.element, max: $0.element,
                last: 0, stalls: 0, millisStalled: 0)
        }
    }

    @Test(
        arguments: [
            ([0, 0, 0, 0, 10], HotShard(index: 1, shard: 4, p99: 10, medianP99: 0)),
            ([5, 5, 11, 5], HotShard(index: 1, shard: 2, p99: 11, medianP99: 5)),
            ([0, 3], HotShard(index: 1, shard: 1, p99: 3, medianP99: 0)),  // the lower middle of two
            ([9, 1, 9, 1, 1], HotShard(index: 1, shard: 0, p99: 9, medianP99: 1)),  // tie: the lowest number
        ] as [([UInt64], HotShard)])
    func aShardFarBehindItsOthersIsHot(_ p99s: [UInt64], _ hot: HotShard) {
        #expect(HotShard.find(in: shards(1, p99s)) == [hot])
    }

    @Test(arguments: [[5, 5, 10], [7], [0, 0, 0], [4, 8], [UInt64.max, UInt64.max / 2 + 1, 1]] as [[UInt64]])
    func noShardMoreThanTwiceTheMedianIsHot(_ p99s: [UInt64]) {
        #expect(HotShard.find(in: shards(1, p99s)).isEmpty)
    }

    @Test func oneHotShardPerIndexInRowOrder() {
        let rows = shards(4, [1, 1, 30]) + shards(5, [2, 2, 2]) + shards(6, [8, 0])
        #expect(
            HotShard.find(in: rows) == [
                HotShard(index: 4, shard: 2, p99: 30, medianP99: 1), HotShard(index: 6, shard: 0, p99: 8, medianP99: 0),
            ])
    }
}

/// The Markdown report's "Hot shards" section.
@Suite struct MarkdownHotShardsTests {
    private func result(_ p99sByIndex: [(String, [UInt64])]) -> AnalysisResult {
        var names = StringTable()
        var rows: [ShardSummary] = []
        for (name, p99s) in p99sByIndex {
            let index = names.intern(name)
            for (shard, p99) in p99s.enumerated() {
                rows.append(
                    ShardSummary(
                        index: index, shard: UInt32(shard), lagSamples: 1, p50: 0, p99: p99, max: p99, last: 0,
                        stalls: 0, millisStalled: 0))
            }
        }
        return AnalysisResult(sources: [], shards: rows, indexNames: names, texts: StringTable())
    }

    private func section(_ report: String) -> String? {
        guard let start = report.range(of: "\n## Hot shards\n") else { return nil }
        let rest = report[start.upperBound...]
        return String(rest[..<(rest.range(of: "\n## ")?.lowerBound ?? rest.endIndex)])
    }

    @Test func worstFirstWithTheMedianOfTheirShards() throws {
        let report = MarkdownReport.render(
            result([("calm", [3, 3, 4]), ("hot-a", [100, 100, 2_500, 90]), ("hot-b", [0, 0, 0, 12_000])]))
        let text = try #require(section(report))
        let rows = text.split(separator: "\n").filter { $0.hasPrefix("| hot") }.map { row in
            row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        #expect(rows == [["hot-b", "3", "12,000", "0"], ["hot-a", "2", "2,500", "100"]])
        #expect(!text.contains("calm"))
    }

    @Test func saysSoWhenNoShardIsHotAndIsAbsentWithoutShards() {
        #expect(section(MarkdownReport.render(result([("calm", [3, 3, 4])])))?.contains("No hot shard") == true)
        #expect(section(MarkdownReport.render(result([]))) == nil)
    }
}
