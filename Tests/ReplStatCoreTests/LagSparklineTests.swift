import Foundation
import ReplStatTestSupport
import Testing

@testable import ReplStatCore

/// The peaks the Markdown report's sparkline is drawn from (`LagSparkline`): the buckets of the
/// HTML report's timeline, in a fraction of its memory.
@Suite struct LagSparklineTests {
    /// Random lag samples from 2026-11-28T00:00:00Z, 0 to 20 s apart; some without lag in seconds.
    private static func samples(_ count: Int, seed: UInt64) -> [(time: Int64, lag: UInt64, millis: Int64?)] {
        var random = SplitMix64(seed: seed)
        var time: Int64 = 1_795_824_000_000
        return (0..<count).map { _ in
            time += Int64(random.next() % 20_000)
            let lag = random.next() % 1000
            return (time, lag, random.next() % 3 == 0 ? nil : Int64(random.next() % 90_000))
        }
    }

    /// The same buckets as a timeline of 32 buckets, and as one of 128 coarsened to 32, whose
    /// maxima they are: the sparkline is the same whether or not the HTML report was asked for.
    @Test(arguments: [1, 2, 33, 100, 5000])
    func peaksAreTheTimelinesMaxima(polls: Int) throws {
        let samples = Self.samples(polls, seed: UInt64(polls))
        var sparkline = LagSparkline(at: samples[0].time, lag: samples[0].lag)
        var small = LagTimeline(capacity: LagSparkline.capacity)
        var large = LagTimeline(capacity: LagTimeline.chartCapacity)
        for (position, sample) in samples.enumerated() {
            if position > 0 { sparkline.record(at: sample.time, lag: sample.lag) }
            small.record(at: sample.time, lag: sample.lag, millis: sample.millis)
            large.record(at: sample.time, lag: sample.lag, millis: sample.millis)
        }
        #expect((sparkline.origin, sparkline.width) == (small.origin, small.width))
        #expect(sparkline.peaks == small.buckets.map { $0.isEmpty ? nil : $0.maximum })
        #expect(try #require(LagSparkline(large)) == sparkline)
        // Columns over a span wider than the samples' on both sides, as the report draws them.
        let span = (samples[0].time - 5_000)...(samples[samples.count - 1].time + 70_000)
        let columns = small.columns(over: span, count: MarkdownReport.sparklineWidth).map { $0?.maximum }
        #expect(sparkline.columns(over: span, count: MarkdownReport.sparklineWidth) == columns)
    }

    /// A shard's peaks (`ShardSummary.peaks`) against the maxima of a timeline of as many
    /// buckets, sample by sample: random gaps from none (equal times) to hours, and for some
    /// seeds centuries (the width doubles many times at once); read at random moments, and copied there, so
    /// that the last bucket's peak kept apart is written back wherever it is read or copied.
    @Test(arguments: 1...24)
    func peaksFollowATimelineSampleBySample(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var time = Int64(random.next() % 1_000_000_000)
        var sparkline = LagSparkline(at: time, lag: 0)
        var timeline = LagTimeline(capacity: LagSparkline.capacity)
        timeline.record(at: time, lag: 0, millis: nil)
        var copies: [(LagSparkline, [UInt64?])] = []
        for _ in 0..<Int(random.next() % 3000) {
            let step: Int64
            switch random.next() % 100 {
            case 0: step = Int64(random.next() % 100_000_000)
            case 1 where seed % 4 == 0: step = Int64(random.next() % 10_000_000_000_000)
            case 2..<10: step = 0
            default: step = Int64(random.next() % 20_000)
            }
            time += step
            let lag = random.next() % (random.next() % 2 == 0 ? 1000 : UInt64.max)
            sparkline.record(at: time, lag: lag)
            timeline.record(at: time, lag: lag, millis: nil)
            if random.next() % 50 == 0 {
                let expected = timeline.buckets.map { $0.isEmpty ? nil : $0.maximum }
                #expect(sparkline.peaks == expected && sparkline.width == timeline.width)
                copies.append((sparkline, expected))
            }
        }
        #expect(sparkline.origin == timeline.origin && sparkline.width == timeline.width)
        #expect(sparkline.peaks == timeline.buckets.map { $0.isEmpty ? nil : $0.maximum })
        // A copy keeps what it had, whatever came after.
        for (copy, expected) in copies { #expect(copy.peaks == expected) }
    }

    /// A shard's derivation keeps the highest lag of the samples in its peaks' last bucket apart
    /// (`ShardDerivation.pending`): its summary has the peaks of every sample all the same,
    /// wherever it is taken.
    @Test(arguments: 1...12)
    func aShardsPeaksAreThoseOfEverySample(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        var time = Int64(random.next() % 1_000_000_000)
        var shard = ShardDerivation(shard: 3, timelineCapacity: LagTimeline.shardChartCapacity)
        var expected: LagSparkline?
        let limits = StallLimits(maxGap: 300_000, stallAfter: 60_000)
        for _ in 0..<Int(1 + random.next() % 3000) {
            time += random.next() % 50 == 0 ? Int64(random.next() % 10_000_000) : Int64(random.next() % 20_000)
            let lag = random.next() % 1000
            let checkpoints = ShardCheckpoints(shard: 3, leader: 1_000_000, follower: 1_000_000 - Int64(lag))
            shard.add(checkpoints, at: time, index: 0, limits: limits, events: nil)
            if expected == nil {
                expected = LagSparkline(at: time, lag: lag)
            } else {
                expected!.record(at: time, lag: lag)
            }
            if random.next() % 100 == 0 { #expect(shard.summary(index: 0).peaks == expected) }
        }
        #expect(shard.summary(index: 0).peaks == expected)
        // Without the HTML report, none.
        var unkept = ShardDerivation(shard: 3)
        unkept.add(ShardCheckpoints(shard: 3, leader: 9, follower: 2), at: time, index: 0, limits: limits, events: nil)
        #expect(unkept.summary(index: 0).peaks == nil && unkept.summary(index: 0).max == 7)
    }

    @Test func widthDoublesAsTheTimelines() {
        // 40 s of one sample a second: past 32 buckets of 1 s, 20 buckets of 2 s.
        var sparkline = LagSparkline(at: 0, lag: 0)
        for second in 1..<40 { sparkline.record(at: Int64(second) * 1000, lag: UInt64(second % 7)) }
        #expect(sparkline.width == 2000)
        // Bucket n holds seconds 2n and 2n + 1: the higher of their lags, second % 7.
        let peaks: [UInt64?] = [1, 3, 5, 6, 2, 4, 6, 1, 3, 5, 6, 2, 4, 6, 1, 3, 5, 6, 2, 4]
        #expect(sparkline.peaks == peaks)
    }

    @Test func aTimelineWithoutLagSampleDrawsNoSparkline() {
        #expect(LagSparkline(LagTimeline(capacity: LagTimeline.chartCapacity)) == nil)
    }

    /// A million indices in the Markdown report: an index without lag samples pays a pointer.
    @Test func noSparklineCostsAPointer() {
        #expect(MemoryLayout<LagSparkline?>.size == MemoryLayout<Int>.size)
        // And an index's derivation keeps either it or the HTML report's timeline in one pointer.
        #expect(MemoryLayout<LagOverTime>.size == MemoryLayout<Int>.size)
    }

    @Test func aCopyIsAValue() {
        var sparkline = LagSparkline(at: 0, lag: 1)
        let copy = sparkline
        sparkline.record(at: 500, lag: 7)
        sparkline.record(at: 64_000, lag: 3)
        #expect(copy.peaks == [1] && copy.width == 1000)
        // 64 s past the origin: buckets of 4 s, the 17th.
        #expect(sparkline.peaks == [7] + Array(repeating: nil, count: 15) + [3] && sparkline.width == 4000)
    }

    /// The Markdown report keeps the peaks, the HTML report the timeline, each only from an
    /// index's first lag sample; the sparklines are the same either way.
    @Test func eachReportKeepsWhatItDrawsFromTheFirstLagSample() throws {
        var lines: [String] = []
        for (poll, sample) in Self.samples(3000, seed: 7).enumerated() {
            let time = Timestamp.format(sample.time)
            let lag =
                "\"syncing_details\":{\"leader_checkpoint\":\(10_000 + poll),\"follower_checkpoint\":"
                + "\(10_000 + poll - Int(sample.lag))}"
            lines.append(#"{"@timestamp":"\#(time)","index":"lagging","response":{"status":"SYNCING",\#(lag)}}"#)
            if poll % 100 == 0 {
                lines.append(#"{"@timestamp":"\#(time)","index":"paused","response":{"status":"PAUSED"}}"#)
            }
        }
        let path = try ScratchFile.write(lines.joined(separator: "\n") + "\n")
        defer { ScratchFile.remove(path) }
        var reports: [String] = []
        for capacity in [LagSparkline.capacity, LagTimeline.chartCapacity] {
            var options = AnalysisOptions()
            options.timelineCapacity = capacity
            let run = Analysis(options: options)
            run.consume(InputSource(path))
            let result = run.finish()
            let (lagging, paused) = (result.indices[0], result.indices[1])
            #expect(paused.sparkline == nil && paused.timeline == nil)
            #expect((lagging.sparkline != nil) == (capacity == LagSparkline.capacity))
            #expect((lagging.timeline != nil) == (capacity == LagTimeline.chartCapacity))
            reports.append(MarkdownReport.render(result))
        }
        #expect(reports[0] == reports[1])
        #expect(reports[0].contains("| lagging |"))
    }
}

/// The rows of a cut table, chosen without sorting them all (`MarkdownReport.firstPositions`).
@Suite struct FirstPositionsTests {
    @Test(arguments: [0, 1, 5, 199, 200, 201, 1000])
    func theFirstAreThoseOfASort(count: Int) {
        var random = SplitMix64(seed: UInt64(count))
        // Few distinct values, many ties, broken by position as the report does.
        let values = (0..<count).map { _ in random.next() % 17 }
        let precedes = { (left: Int, right: Int) in
            values[left] != values[right] ? values[left] > values[right] : left < right
        }
        for limit in [1, 10, 200] {
            let first = MarkdownReport.firstPositions(of: values.indices, limit: limit, by: precedes)
            #expect(first == Array(values.indices.sorted(by: precedes).prefix(limit)))
        }
    }
}
