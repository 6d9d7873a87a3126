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
        derivation.add(ErrorSample(timestamp: 5, index: 3), ordinal: 0)
        derivation.add(ErrorSample(timestamp: 6, index: 3), ordinal: 1)
        derivation.finish()
        #expect(derivation.summary.errorSamples == 2)
        #expect(derivation.summary.samples == 0)
        #expect(derivation.summary.firstSeen == nil && derivation.summary.lag == nil && derivation.summary.rates == nil)
    }
}

/// Lag in seconds over an index's samples: when the history is cleared, and the statistics.
@Suite struct LagSecondsTests {
    @Test func statisticsOverTheSamplesWithAValue() throws {
        // Unknown (D none); 0, with D = (0, 1000, 100); then operation 151 was written at
        // 1000 + 51 * 9000 / 100 = 5590: 10000 - 5590 = 4410, 20000 - 5590 = 14410; then D = (10000,
        // 10000, 200), B = (20000, 30000, 300): 30000 - (10000 + 51 * 10000 / 100) = 14900; then 0.
        // Sorted 0, 0, 4410, 14410, 14900: p50 at rank 3, p99 at rank 5; the last value is 0.
        let summary = derive(
            [
                lagSample(0, 100, 50), lagSample(1_000, 100, 100), lagSample(10_000, 200, 150),
                lagSample(20_000, 300, 150), lagSample(30_000, 300, 250), lagSample(40_000, 300, 300),
            ], maxGap: 100_000
        ).summary
        let lagSeconds = try #require(summary.lagSeconds)
        #expect(lagSeconds == LagSecondsSummary(p50: 4_410, p99: 14_900, max: 14_900, last: 0))
    }

    @Test func theLastValueIsThatOfTheLastLagSample() throws {
        // 0, then unknown (the follower went back behind D): last is none, the rest stays.
        let summary = derive([lagSample(0, 100, 100), lagSample(1_000, 200, 90)], maxGap: 100_000).summary
        #expect(summary.lagSeconds == LagSecondsSummary(p50: 0, p99: 0, max: 0, last: nil))
        // Nothing but unknown values: no figures at all.
        #expect(derive([lagSample(0, 100, 50), lagSample(1_000, 100, 50)]).summary.lagSeconds == nil)
        #expect(derive([sample(0, .paused)]).summary.lagSeconds == nil)
    }

    /// At 0 the follower has everything (D = (0, 0, 100)); at 10 s it lacks operation 151. Unless
    /// the history was cleared in between, that operation was written at 51 * 10000 / 100 = 5100:
    /// a lag of 4900 ms.
    @Test(
        arguments: [
            (nil, Int64?(4_900)),  // nothing in between
            (sample(5_000, .syncing), 4_900),  // SYNCING without syncing_details: nothing changes
            (sample(5_000, .running), 4_900),  // nor RUNNING without
            (sample(5_000, .paused), nil),  // another status clears it
            (sample(5_000, .bootstrapping, (150, 120)), nil),  // with checkpoints too
            (sample(5_000, .notInProgress), nil),
        ] as [(StatusSample?, Int64?)])
    func whatClearsTheHistory(between: StatusSample?, expected: Int64?) {
        let samples = [lagSample(0, 100, 100)] + (between.map { [$0] } ?? []) + [lagSample(10_000, 200, 150)]
        #expect(derive(samples, maxGap: 100_000).summary.lagSeconds?.last == .some(expected))
    }

    @Test func aCaptureGapClearsTheHistory() {
        let samples = [lagSample(0, 100, 100), lagSample(10_000, 200, 150)]
        #expect(derive(samples, maxGap: 10_000).summary.lagSeconds?.last == .some(4_900))
        #expect(derive(samples, maxGap: 9_999).summary.lagSeconds?.last == .some(nil))
    }
}

/// Per-shard lag and stalls from the shard details of an index's lag samples.
@Suite struct ShardDerivationTests {
    /// A lag sample of the index (its own checkpoints do not matter here) carrying shard checkpoints.
    private func verbose(_ timestamp: Int64, _ shards: [(UInt32, Int64, Int64)]) -> (StatusSample, [ShardCheckpoints]) {
        (lagSample(timestamp, 100, 100), shards.map { ShardCheckpoints(shard: $0.0, leader: $0.1, follower: $0.2) })
    }

    private func deriveShards(_ samples: [(StatusSample, [ShardCheckpoints])]) -> [ShardSummary] {
        var derivation = IndexDerivation(index: 3, maxGap: 100_000, stallAfter: 60_000)
        for (sample, shards) in samples { derivation.add(sample, shards: shards) }
        derivation.finish()
        return derivation.shards
    }

    @Test func lagAndStallsPerShard() {
        let shards = deriveShards([
            verbose(0, [(0, 10, 4), (1, 5, 5)]),  // lags 6 and 0
            verbose(30_000, [(0, 12, 4), (1, 6, 5)]),  // 8 and 1: shard 1 behind from here
            verbose(60_000, [(1, 7, 5)]),  // shard 0 has nothing here: skipped, its run goes on
            verbose(90_000, [(0, 15, 4)]),  // shard 0 behind at 4 for 90 s
            (sample(100_000, .paused), []),  // not a lag sample: ends both runs
            verbose(110_000, [(0, 15, 4)]),
            verbose(200_000, [(0, 16, 4)]),  // 90 s more at 4
            verbose(400_000, [(0, 16, 4), (1, 9, 5)]),  // a 200 s step: both runs end
            verbose(470_000, [(1, 9, 5)]),  // shard 1 stuck for 70 s, still at the end
        ])
        #expect(
            shards == [
                // Lags 6, 8, 11, 11, 12, 12: p50 at rank 3, p99 at rank 6; stalls 0-90 s and 110-200 s.
                ShardSummary(
                    index: 3, shard: 0, lagSamples: 6, p50: 11, p99: 12, max: 12, last: 12, stalls: 2,
                    millisStalled: 180_000),
                // Lags 0, 1, 2, 4, 4; 30-60 s is too short, 400-470 s counts though still open.
                ShardSummary(
                    index: 3, shard: 1, lagSamples: 5, p50: 2, p99: 4, max: 4, last: 4, stalls: 1,
                    millisStalled: 70_000),
            ])
    }

    /// A shard records its lags a few at a time: whatever the count, the summary has them all,
    /// the last one last, and taking it changes nothing.
    @Test(arguments: 1...9)
    func everyLagCountsWhateverTheirNumber(count: Int) {
        var derivation = IndexDerivation(index: 3, maxGap: 100_000, stallAfter: 60_000)
        // Lags 1...count, each at a new follower checkpoint: no stall.
        for n in 1...count {
            let (sample, shards) = verbose(Int64(n) * 10_000, [(4, Int64(2 * n), Int64(n))])
            derivation.add(sample, shards: shards)
        }
        let expected = ShardSummary(
            index: 3, shard: 4, lagSamples: count, p50: UInt64((count + 1) / 2), p99: UInt64(count),
            max: UInt64(count), last: UInt64(count), stalls: 0, millisStalled: 0)
        #expect(derivation.shards == [expected])
        #expect(derivation.shards == [expected])
    }

    @Test func aShardThatMovesOrCatchesUpEndsItsRun() {
        let shards = deriveShards([
            verbose(0, [(2, 10, 4)]), verbose(50_000, [(2, 10, 5)]),  // moved
            verbose(100_000, [(2, 10, 5)]), verbose(120_000, [(2, 5, 5)]),  // caught up after 20 s
            verbose(130_000, [(2, 4, 5)]), verbose(200_000, [(2, 3, 5)]),  // ahead: lag 0
        ])
        #expect(
            shards == [
                ShardSummary(
                    index: 3, shard: 2, lagSamples: 6, p50: 0, p99: 6, max: 6, last: 0, stalls: 0, millisStalled: 0)
            ])
    }

    @Test func onlyLagSamplesCarryShards() {
        var derivation = IndexDerivation(index: 3, maxGap: 100_000, stallAfter: 60_000)
        let shards = [ShardCheckpoints(shard: 0, leader: 5, follower: 1)]
        derivation.add(sample(0, .bootstrapping, (5, 1)), shards: shards)
        derivation.add(sample(1_000, .syncing), shards: shards)
        derivation.finish()
        #expect(derivation.shards.isEmpty)
    }

    @Test func newShardsJoinInOrder() {
        let shards = deriveShards([
            verbose(0, [(5, 1, 0)]), verbose(1_000, [(1, 1, 0), (9, 1, 0)]), verbose(2_000, [(0, 1, 0), (5, 1, 0)]),
        ])
        #expect(shards.map(\.shard) == [0, 1, 5, 9])
        #expect(shards.map(\.lagSamples) == [1, 1, 2, 1])
    }
}

/// Error episodes, in input order, per index.
@Suite struct ErrorEpisodeTests {
    private func error(_ timestamp: Int64, _ status: Int64?, _ type: Int32, reason: Int32 = StatusSample.none)
        -> ErrorSample
    {
        ErrorSample(timestamp: timestamp, index: 3, httpStatus: status, type: type, reason: reason)
    }

    private func episode(
        _ start: Int64, _ end: Int64, samples: Int, _ status: Int64?, _ type: Int32, reason: Int32 = StatusSample.none,
        ordinal: Int64
    ) -> ErrorEpisode {
        ErrorEpisode(
            index: 3, start: start, end: end, samples: samples, httpStatus: status, type: type, reason: reason,
            ordinal: ordinal)
    }

    @Test func alikeSamplesWithinTheGapLimitOfThePreviousJoin() {
        var derivation = IndexDerivation(index: 3, maxGap: 10_000, stallAfter: 60_000)
        let errors = [
            error(0, 500, 1, reason: 7), error(8_000, 500, 1, reason: 8),
            error(5_000, 500, 1),  // earlier than the previous, within 10 s of it: joins
            error(20_000, 500, 1),  // 15 s after the previous: a new episode
            error(21_000, 403, 1),  // another status
            error(22_000, nil, 1), error(23_000, nil, 1),  // no status, twice
            error(24_000, nil, 2),  // another type
            error(24_500, nil, StatusSample.none),  // no type
        ]
        for (ordinal, errorSample) in errors.enumerated() {
            derivation.add(errorSample, ordinal: Int64(ordinal))
            // Status samples do not end an episode.
            if ordinal == 1 { derivation.add(sample(6_000, .failed)) }
        }
        derivation.finish()
        #expect(derivation.summary.errorSamples == 9)
        #expect(
            derivation.errorEpisodes == [
                episode(0, 8_000, samples: 3, 500, 1, reason: 7, ordinal: 0),
                episode(20_000, 20_000, samples: 1, 500, 1, ordinal: 3),
                episode(21_000, 21_000, samples: 1, 403, 1, ordinal: 4),
                episode(22_000, 23_000, samples: 2, nil, 1, ordinal: 5),
                episode(24_000, 24_000, samples: 1, nil, 2, ordinal: 7),
                episode(24_500, 24_500, samples: 1, nil, StatusSample.none, ordinal: 8),
            ])
    }

    @Test func eachStepCountsNotTheWholeSpan() {
        var derivation = IndexDerivation(index: 3, maxGap: 10_000, stallAfter: 60_000)
        for (ordinal, time) in [Int64(0), 10_000, 20_000, 30_000].enumerated() {
            derivation.add(error(time, 500, 1), ordinal: Int64(ordinal))
        }
        derivation.finish()
        #expect(derivation.errorEpisodes == [episode(0, 30_000, samples: 4, 500, 1, ordinal: 0)])
    }

    @Test func aLiveRunWithoutReportsKeepsNoRows() {
        final class Ignored: LiveEventSink { func emit(_ event: LiveEvent) {} }
        var derivation = IndexDerivation(index: 3, maxGap: 10_000, stallAfter: 60_000, events: Ignored())
        for time in stride(from: Int64(0), to: 1_000_000, by: 20_000) {
            derivation.add(error(time, 500, 1), ordinal: time)
        }
        #expect(derivation.errorEpisodes.count == 1)
        derivation.finish()
        #expect(derivation.errorEpisodes.isEmpty && derivation.summary.errorSamples == 50)
    }
}

/// Capture gaps as rows, and what is still open at the end of the input.
@Suite struct GapsAndTheEndTests {
    final class Collected: LiveEventSink {
        var events: [LiveEvent] = []
        func emit(_ event: LiveEvent) { events.append(event) }
    }

    @Test func gapRows() {
        let derivation = derive(
            [
                sample(0, .syncing), sample(30, .paused), sample(200, .paused), sample(300, .paused),
                sample(401, .failed),
            ],
            maxGap: 100)
        #expect(derivation.gaps == [GapRow(index: 3, start: 30, end: 200), GapRow(index: 3, start: 300, end: 401)])
        #expect(derivation.summary.gaps == 2)
    }

    @Test func aStallAndABreachGoingOnAtTheEndStayOpen() {
        let events = Collected()
        var derivation = IndexDerivation(
            index: 3, maxGap: 100, stallAfter: 60, events: events, lagAlert: LagAlert(threshold: 4, millis: 20),
            keepsRows: true)
        for sample in [lagSample(0, 10, 5), lagSample(30, 12, 5), lagSample(60, 15, 5)] { derivation.add(sample) }
        derivation.finish()
        // Announced, never ended: no stall_end, no lag_breach_end.
        #expect(
            events.events == [
                .lagBreachStart(.operations, index: 3, time: 30, start: 0, lag: 7, lagMillis: nil),
                .stallStart(index: 3, time: 60, start: 0, followerCheckpoint: 5, lag: 10, lagMillis: nil),
            ])
        #expect(
            derivation.stillOpen == [
                OpenAtEnd(kind: .stall, index: 3, start: 0), OpenAtEnd(kind: .lagBreach, index: 3, start: 0),
            ])
        // The stall lasted stall-after: a row, counted.
        #expect(derivation.stalls == [stall(0, 60, follower: 5, maxLag: 10)])
        #expect(derivation.summary.stalls == 1 && derivation.summary.millisStalled == 60)
    }

    @Test func whatEndedIsNotOpen() {
        let events = Collected()
        var derivation = IndexDerivation(
            index: 3, maxGap: 100, stallAfter: 60, events: events, lagAlert: LagAlert(threshold: 4, millis: 20))
        for sample in [lagSample(0, 10, 5), lagSample(30, 12, 5), lagSample(60, 15, 5), lagSample(70, 15, 15)] {
            derivation.add(sample)
        }
        // A stall not yet as long as stall-after is not announced, nor open.
        derivation.add(lagSample(80, 30, 20))
        derivation.finish()
        #expect(derivation.stillOpen.isEmpty)
        #expect(events.events.filter { if case .stallEnd = $0 { true } else { false } }.count == 1)
        #expect(events.events.filter { if case .lagBreachEnd = $0 { true } else { false } }.count == 1)
    }
}
