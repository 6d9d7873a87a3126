import Testing

@testable import ReplStatCore

private func sample(
    _ timestamp: Int64, _ status: ReplicationStatus, _ checkpoints: (Int64, Int64)? = nil, reason: Int32 = -1,
    alias: Int32 = -1, leaderIndex: Int32 = -1
) -> StatusSample {
    StatusSample(
        timestamp: timestamp, index: 3, status: status, reason: reason, leaderAlias: alias, leaderIndex: leaderIndex,
        checkpoints: checkpoints.map { (leader: $0.0, follower: $0.1) })
}

/// A lag sample: SYNCING with both checkpoints.
private func lagSample(_ timestamp: Int64, _ leader: Int64, _ follower: Int64) -> StatusSample {
    sample(timestamp, .syncing, (leader, follower))
}

private func derive(_ samples: [StatusSample], maxGap: Int64 = 100, stallAfter: Int64 = 60) -> IndexDerivation {
    var derivation = IndexDerivation(index: 3, maxGap: maxGap, stallAfter: stallAfter)
    for sample in samples { derivation.add(sample) }
    derivation.finish()
    return derivation
}

private func millis(_ summary: IndexSummary, _ status: ReplicationStatus) -> Int64 {
    summary.millisInStatus[Int(status.rawValue)]
}

private func stall(_ start: Int64, _ end: Int64, follower: Int64, maxLag: UInt64) -> StallRow {
    StallRow(index: 3, start: start, end: end, followerCheckpoint: follower, maxLag: maxLag)
}

@Suite struct IndexDerivationTests {
    @Test func timeInStateWithGapsAsUnknown() {
        let summary = derive([
            sample(0, .syncing), sample(10, .syncing), sample(30, .paused),
            sample(200, .paused),  // 170 after the previous: a gap
            sample(250, .running), sample(350, .running),  // exactly the gap limit: not a gap
            sample(351, .failed),
        ]).summary
        #expect(millis(summary, .syncing) == 30)
        #expect(millis(summary, .paused) == 50)
        #expect(millis(summary, .running) == 101)
        #expect(millis(summary, .failed) == 0)
        #expect(summary.millisUnknown == 170)
        #expect(summary.gaps == 1)
        #expect(summary.samples == 7)
        #expect(summary.firstSeen == 0 && summary.lastSeen == 351)
        #expect(summary.firstStatus == .syncing && summary.lastStatus == .failed)
        // Every millisecond between the first and last sample is accounted for once.
        #expect(summary.millisInStatus.reduce(0, +) + summary.millisUnknown == 351)
    }

    @Test func singleSample() {
        let derivation = derive([sample(5, .notInProgress)])
        #expect(derivation.summary.samples == 1)
        #expect(derivation.summary.millisInStatus.allSatisfy { $0 == 0 })
        #expect(derivation.summary.transitions == 0 && derivation.transitions.isEmpty)
        #expect(derivation.summary.lag == nil && derivation.summary.rates == nil)
        #expect(derivation.summary.firstStatus == .notInProgress && derivation.summary.lastStatus == .notInProgress)
    }

    @Test func transitionsCountTheWholeRun() {
        let derivation = derive(
            [
                sample(0, .bootstrapping), sample(50, .bootstrapping), sample(90, .syncing, (10, 4), reason: 7),
                sample(100, .syncing), sample(400, .syncing),  // a gap inside the run does not end it
                sample(420, .paused, reason: 8), sample(430, .syncing, (20, 20)), sample(431, .paused),
            ], maxGap: 100)
        #expect(derivation.summary.transitions == 4)
        #expect(
            derivation.transitions == [
                TransitionRow(
                    timestamp: 90, index: 3, from: .bootstrapping, to: .syncing, reason: 7, millisInPrevious: 90,
                    checkpoints: Checkpoints(leader: 10, follower: 4)),
                TransitionRow(
                    timestamp: 420, index: 3, from: .syncing, to: .paused, reason: 8, millisInPrevious: 330,
                    checkpoints: nil),
                TransitionRow(
                    timestamp: 430, index: 3, from: .paused, to: .syncing, reason: -1, millisInPrevious: 10,
                    checkpoints: Checkpoints(leader: 20, follower: 20)),
                TransitionRow(
                    timestamp: 431, index: 3, from: .syncing, to: .paused, reason: -1, millisInPrevious: 1,
                    checkpoints: nil),
            ])
    }

    @Test func lagStatisticsWithAheadSamples() throws {
        let summary = derive([
            lagSample(0, 10, 4),  // 6
            lagSample(1, 5, 9),  // follower ahead: 0
            sample(2, .paused, (100, 0)),  // not a lag status
            sample(3, .bootstrapping, (100, 0)),  // not a lag status
            sample(4, .syncing),  // no syncing_details
            sample(5, .running, (30, 20)),  // 10
            lagSample(6, 7, 7),  // 0
        ]).summary
        let lag = try #require(summary.lag)
        #expect(lag.count == 4)
        #expect(lag.min == 0 && lag.max == 10 && lag.last == 0)
        #expect(lag.sum == 16)
        // Sorted 0, 0, 6, 10: p50 at rank 2, p90 and p99 at rank 4.
        #expect(lag.p50 == 0 && lag.p90 == 10 && lag.p99 == 10)
        #expect(summary.aheadSamples == 1)
    }

    @Test func lagQuantilesAreExactNearestRankForSmallLags() throws {
        var random = SplitMix64(seed: 4)
        var samples: [StatusSample] = []
        var lags: [UInt64] = []
        for timestamp in Int64(0)..<501 {
            let lag = Int64.random(in: 0..<1024, using: &random)
            samples.append(lagSample(timestamp, 1_000 + lag, 1_000))
            lags.append(UInt64(lag))
        }
        let lag = try #require(derive(samples).summary.lag)
        let sorted = lags.sorted()
        #expect(lag.p50 == nearestRank(sorted, percent: 50))
        #expect(lag.p90 == nearestRank(sorted, percent: 90))
        #expect(lag.p99 == nearestRank(sorted, percent: 99))
        #expect(lag.sum == UInt128(lags.reduce(0, +)))
        #expect(lag.last == lags.last && lag.min == sorted.first && lag.max == sorted.last)
    }

    @Test func noLagSamples() {
        let summary = derive([sample(0, .paused), sample(10, .syncing), sample(20, .bootstrapping, (5, 1))]).summary
        #expect(summary.lag == nil)
        #expect(summary.rates == nil)
        #expect(summary.aheadSamples == 0)
    }

    @Test func ratesOnlyOverQualifyingPairs() {
        let summary = derive(
            [
                lagSample(0, 100, 90),
                lagSample(10, 150, 95),  // +50, +5 over 10
                sample(20, .paused),  // breaks the pairs on both sides
                lagSample(30, 300, 100),
                lagSample(40, 250, 120),  // leader went back: counts 0; follower +20 over 10
                lagSample(200, 400, 200),  // a gap: not counted
                sample(300, .running, (500, 150)),  // dt exactly the gap limit: +100, follower back: 0
                sample(301, .syncing),  // no syncing_details
                lagSample(302, 900, 900),
            ], maxGap: 100
        ).summary
        #expect(summary.rates == RateSums(leaderIncrease: 150, followerIncrease: 25, millis: 120))
        #expect(summary.gaps == 1)
    }

    @Test func noQualifyingPairMeansNoRates() {
        #expect(derive([lagSample(0, 1, 0)]).summary.rates == nil)
        #expect(derive([lagSample(0, 1, 0), lagSample(101, 5, 1)], maxGap: 100).summary.rates == nil)
        #expect(derive([lagSample(0, 1, 0), sample(1, .paused), lagSample(2, 5, 1)]).summary.rates == nil)
        // A pair that qualifies with no progress gives rates of zero, not none.
        #expect(
            derive([lagSample(0, 5, 1), lagSample(1, 5, 1)]).summary.rates
                == RateSums(leaderIncrease: 0, followerIncrease: 0, millis: 1))
    }

    @Test func stallExactlyAtStallAfter() {
        let stalled = derive([lagSample(0, 10, 5), lagSample(30, 12, 5), lagSample(60, 15, 5)], stallAfter: 60)
        #expect(stalled.stalls == [stall(0, 60, follower: 5, maxLag: 10)])
        #expect(stalled.summary.stalls == 1)
        #expect(stalled.summary.millisStalled == 60)
        let short = derive([lagSample(0, 10, 5), lagSample(30, 12, 5), lagSample(59, 15, 5)], stallAfter: 60)
        #expect(short.stalls.isEmpty)
        #expect(short.summary.stalls == 0 && short.summary.millisStalled == 0)
        // A stall after of zero makes any behind sample a stall of zero seconds.
        #expect(derive([lagSample(0, 10, 5)], stallAfter: 0).stalls == [stall(0, 0, follower: 5, maxLag: 5)])
    }

    @Test func stallBrokenByAGap() {
        let samples = [lagSample(0, 10, 5), lagSample(50, 10, 5), lagSample(160, 10, 5), lagSample(200, 10, 5)]
        #expect(derive(samples, maxGap: 100).stalls.isEmpty)
        #expect(derive(samples, maxGap: 110).stalls == [stall(0, 200, follower: 5, maxLag: 5)])
    }

    @Test func stallBrokenByACheckpointChange() {
        let moving = [lagSample(0, 10, 5), lagSample(40, 10, 5), lagSample(80, 10, 6), lagSample(120, 10, 6)]
        #expect(derive(moving).stalls.isEmpty)
        let still = [lagSample(0, 10, 5), lagSample(40, 10, 5), lagSample(80, 10, 5), lagSample(120, 10, 5)]
        #expect(derive(still).stalls == [stall(0, 120, follower: 5, maxLag: 5)])
        // The leader moving does not matter; the largest lag is kept.
        let leaderMoves = [lagSample(0, 10, 5), lagSample(40, 30, 5), lagSample(80, 20, 5)]
        #expect(derive(leaderMoves).stalls == [stall(0, 80, follower: 5, maxLag: 25)])
    }

    @Test(arguments: [
        sample(50, .paused), sample(50, .syncing), sample(50, .bootstrapping, (10, 5)), lagSample(50, 5, 5),
        lagSample(50, 4, 5),
    ])
    func stallBrokenByANonLagOrNotBehindSample(breaker: StatusSample) {
        let samples = [lagSample(0, 10, 5), lagSample(40, 10, 5), breaker, lagSample(90, 10, 5), lagSample(130, 10, 5)]
        #expect(derive(samples).stalls.isEmpty)
    }

    @Test func stallsOfRunningAndSeveralStalls() {
        let derivation = derive(
            [
                sample(0, .running, (9, 1)), sample(100, .running, (9, 1)),  // 100 ms at 1
                lagSample(150, 9, 9),  // caught up
                // 90 ms at 9, still open at the end
                lagSample(200, 20, 9), lagSample(230, 21, 9), lagSample(290, 25, 9),
            ], maxGap: 100, stallAfter: 60)
        #expect(derivation.stalls == [stall(0, 100, follower: 1, maxLag: 8), stall(200, 290, follower: 9, maxLag: 16)])
        #expect(derivation.summary.stalls == 2)
        #expect(derivation.summary.millisStalled == 190)
    }

    @Test func extremeCheckpointsDoNotOverflow() throws {
        let top = UInt64.max  // Int64.max - Int64.min
        let derivation = derive(
            [
                lagSample(0, .max, .min), lagSample(10, .max, .min), lagSample(20, .min, .max),
                lagSample(30, .max, .min), lagSample(40, .max, .min),
            ], stallAfter: 10)
        let lag = try #require(derivation.summary.lag)
        #expect(lag.count == 5)
        #expect(lag.max == top && lag.min == 0 && lag.last == top)
        #expect(lag.sum == UInt128(top) * 4)
        // The exact mean, from the 128-bit sum: (2^64 - 1) * 4 / 5 = 73786976294838206460 / 5.
        #expect(lag.sum / 5 == 14_757_395_258_967_641_292)
        // Sorted 0, top, top, top, top: every quantile is top, within the 0.1% allowed.
        for quantile in [lag.p50, lag.p90, lag.p99] {
            #expect(quantile <= top && quantile >= top - top / 1000)
        }
        #expect(derivation.summary.aheadSamples == 1)
        // Leader: up by 2^64 - 1 twice (from min at 20 to max at 30, and 0 -> 10 adds nothing).
        let rates = try #require(derivation.summary.rates)
        #expect(rates.leaderIncrease == UInt128(top))
        #expect(rates.followerIncrease == UInt128(top))
        #expect(rates.millis == 40)
        #expect(
            derivation.stalls == [
                stall(0, 10, follower: .min, maxLag: top), stall(30, 40, follower: .min, maxLag: top),
            ])
    }

    @Test func rateSumsBeyond64Bits() throws {
        // Alternating extremes: each pair where the leader rises adds 2^64 - 1.
        var samples: [StatusSample] = []
        for step in Int64(0)..<10 {
            samples.append(lagSample(step, step % 2 == 0 ? .min : .max, step % 2 == 0 ? .max : .min))
        }
        let rates = try #require(derive(samples).summary.rates)
        #expect(rates.leaderIncrease == UInt128(UInt64.max) * 5)
        #expect(rates.followerIncrease == UInt128(UInt64.max) * 4)
        #expect(rates.millis == 9)
    }

    @Test func leaderNamesFromTheLastSampleThatHasThem() {
        let summary = derive([
            sample(0, .syncing, alias: 1, leaderIndex: 2), sample(1, .syncing, alias: 5),
            sample(2, .syncing, leaderIndex: 6), sample(3, .syncing),
        ]).summary
        #expect(summary.leaderAlias == 5)
        #expect(summary.leaderIndex == 6)
        #expect(derive([sample(0, .paused)]).summary.leaderAlias == StatusSample.none)
    }

    @Test func errorSamplesOnly() {
        var derivation = IndexDerivation(index: 3, maxGap: 100, stallAfter: 60)
        derivation.countError()
        derivation.countError()
        derivation.finish()
        #expect(derivation.summary.errorSamples == 2)
        #expect(derivation.summary.samples == 0)
        #expect(derivation.summary.firstSeen == nil && derivation.summary.lag == nil && derivation.summary.rates == nil)
    }
}
