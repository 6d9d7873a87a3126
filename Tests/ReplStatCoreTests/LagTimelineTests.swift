import Testing

@testable import ReplStatCore

/// Lag over time in a bounded number of buckets (`LagTimeline`).
@Suite struct LagTimelineTests {
    @Test func bucketsKeepLowestHighestAndLastOfEachStretch() {
        var timeline = LagTimeline(capacity: 4)
        timeline.record(at: 10_000, lag: 5, millis: 700)
        timeline.record(at: 10_400, lag: 2, millis: nil)
        timeline.record(at: 12_000, lag: 9, millis: 300)
        // 1 s buckets from 10 s: [5, 2] in the first, nothing in the second, 9 in the third.
        #expect(timeline.width == 1000)
        #expect(timeline.buckets.count == 3)
        let first = timeline.buckets[0]
        #expect((first.minimum, first.maximum, first.last) == (2, 5, 2))
        // The last sample had no lag in seconds: the bucket's last value is none.
        #expect((first.minimumMillis, first.maximumMillis, first.lastMillis) == (700, 700, -1))
        #expect(timeline.buckets[1].isEmpty && !timeline.buckets[1].hasMillis)
        #expect(timeline.buckets[2].maximum == 9)
    }

    @Test func widthDoublesSoTheBucketsNeverExceedTheCapacity() {
        var timeline = LagTimeline(capacity: 8)
        // A day of 10 s polls.
        for poll in 0..<8640 {
            timeline.record(at: Int64(poll) * 10_000, lag: UInt64(poll), millis: Int64(poll))
            #expect(timeline.buckets.count <= 8)
        }
        // 86,390 s over 8 buckets: the first doubling of 1 s that fits is 16,384 s.
        #expect(timeline.width == 16_384_000)
        #expect(timeline.buckets.map(\.maximum) == [1638, 3276, 4915, 6553, 8191, 8639].map { UInt64($0) })
        #expect(timeline.buckets.first?.minimum == 0)
        #expect(timeline.buckets.last?.last == 8639)
    }

    /// The sparkline of the Markdown report must not depend on whether the HTML report was asked
    /// for too: a timeline of 128 buckets coarsened to 32 is the timeline of 32 buckets.
    @Test(arguments: [1, 7, 100, 5000])
    func coarseningEqualsRecordingWithTheSmallerCapacity(polls: Int) {
        var small = LagTimeline(capacity: LagSparkline.capacity)
        var large = LagTimeline(capacity: LagTimeline.chartCapacity)
        var random = SplitMix64(seed: UInt64(polls))
        var time: Int64 = 1_795_824_000_000
        for _ in 0..<polls {
            time += Int64(random.next() % 20_000)
            let lag = random.next() % 1000
            let millis: Int64? = random.next() % 3 == 0 ? nil : Int64(random.next() % 90_000)
            small.record(at: time, lag: lag, millis: millis)
            large.record(at: time, lag: lag, millis: millis)
        }
        let coarsened = large.coarsened(to: LagSparkline.capacity)
        #expect(coarsened.buckets == small.buckets)
        #expect(coarsened.width == small.width)
    }

    /// 1M indices in `--format csv` keep no timeline: it must cost them no more than a pointer.
    @Test func noTimelineCostsAPointer() {
        #expect(MemoryLayout<LagTimeline?>.size == MemoryLayout<Int>.size)
    }

    @Test func aCopyIsAValue() {
        var timeline = LagTimeline(capacity: 4)
        timeline.record(at: 0, lag: 1, millis: nil)
        let copy = timeline
        timeline.record(at: 500, lag: 7, millis: nil)
        #expect(copy.buckets[0].maximum == 1)
        #expect(timeline.buckets[0].maximum == 7)
    }

    @Test func columnsLineUpOverACommonSpan() {
        var timeline = LagTimeline(capacity: 16)
        timeline.record(at: 4000, lag: 3, millis: nil)
        timeline.record(at: 6500, lag: 8, millis: nil)
        // Span 0...9999 in 5 columns of 2 s: 4 s falls in the third, 6.5 s in the fourth.
        let columns = timeline.columns(over: 0...9999, count: 5)
        #expect(columns.map { $0?.maximum } == [nil, nil, 3, 8, nil])
    }
}

/// Which reports keep lag over time, and how much of it.
@Suite struct TimelineCapacityTests {
    @Test func onlyTheReportsThatDrawItKeepATimeline() {
        var reports = ReportOutputs()
        reports.csv = ReportOutputs.CSVOutput(directory: "out")
        reports.json = .standardOutput
        #expect(reports.timelineCapacity == 0)
        reports.markdown = .standardOutput
        #expect(reports.timelineCapacity == LagSparkline.capacity)
        reports.html = .file("out/report.html")
        #expect(reports.timelineCapacity == LagTimeline.chartCapacity)
        // An HTML report alone is a report: a live run keeps its rows for it.
        var html = ReportOutputs()
        html.html = .standardOutput
        #expect(!html.isEmpty)
    }
}
