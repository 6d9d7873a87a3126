import Testing

@testable import ReplStatCore

/// Lag in seconds, rule by rule (docs/format.md, What is derived); every expected value worked out by hand
/// in the comments. Times are milliseconds.
@Suite struct LeaderHistoryTests {
    private typealias Entry = LeaderHistory.Entry

    @Test func unknownUntilTheFollowerPassesAnEntry() {
        var history = LeaderHistory()
        // D is none: the time of the follower's next operation cannot be placed.
        #expect(history.lagMillis(at: 0, leader: 100, follower: 50) == nil)
        #expect(history.lagMillis(at: 1_000, leader: 110, follower: 50) == nil)
        #expect(history.entries.map(\.checkpoint) == [100, 110])
    }

    @Test func zeroWhenTheFollowerHasAll() {
        var history = LeaderHistory()
        #expect(history.lagMillis(at: 0, leader: 100, follower: 100) == 0)
        #expect(history.entries.isEmpty && history.dropped == Entry(firstSeen: 0, lastSeen: 0, checkpoint: 100))
        // Ahead of the leader is all the same.
        #expect(history.lagMillis(at: 1_000, leader: 150, follower: 160) == 0)
    }

    @Test func interpolatesBetweenThePollsAroundTheNextOperation() {
        var history = LeaderHistory()
        // D = (0, 0, 100).
        #expect(history.lagMillis(at: 0, leader: 100, follower: 100) == 0)
        // B = (10000, 10000, 200): operation 151 was written at 0 + 51 * 10000 / 100 = 5100.
        #expect(history.lagMillis(at: 10_000, leader: 200, follower: 150) == 4_900)
        // Still the same B (H = 200, 300): 20000 - 5100.
        #expect(history.lagMillis(at: 20_000, leader: 300, follower: 150) == 14_900)
        // The follower passes 200: D = (10000, 10000, 200), B = (20000, 20000, 300), L equal to the
        // last entry's (its last_ts becomes 30000); operation 251 at 10000 + 51 * 10000 / 100 = 15100.
        #expect(history.lagMillis(at: 30_000, leader: 300, follower: 250) == 14_900)
        #expect(history.entries == [Entry(firstSeen: 20_000, lastSeen: 30_000, checkpoint: 300)])
        #expect(history.lagMillis(at: 40_000, leader: 300, follower: 300) == 0)
    }

    @Test func anEqualLeaderCheckpointMovesTheEntrysLastTime() {
        var history = LeaderHistory()
        #expect(history.lagMillis(at: 0, leader: 100, follower: 50) == nil)
        #expect(history.lagMillis(at: 1_000, leader: 100, follower: 50) == nil)
        // D = (0, 1000, 100), B = (2000, 2000, 110): operation 101 at 1000 + 1 * 1000 / 10 = 1100.
        // Had D's last time stayed 0, it would be 0 + 1 * 2000 / 10 = 200, and the lag 1800.
        #expect(history.lagMillis(at: 2_000, leader: 110, follower: 100) == 900)
    }

    @Test(
        arguments: [
            // (time of B, B's checkpoint, follower, expected): D = (0, 0, 0) in each.
            (2, 4, 0, 2),  // 2 - 1 * 2 / 4 = 1.5: half away from zero, 2
            (5, 2, 0, 3),  // 5 - 1 * 5 / 2 = 2.5: 3, where rounding half to even gives 2
            (1, 3, 0, 1),  // 1 - 1 / 3 = 0.667
            (2, 3, 0, 1),  // 2 - 2 / 3 = 1.333
            (3, 3, 0, 2),  // 3 - 1 * 3 / 3 = 2 exactly
            (3, 3, 2, 0),  // 3 - 3 * 3 / 3 = 0: operation 3 written at 3
        ] as [(Int64, Int64, Int64, Int64)])
    func roundedHalfAwayFromZero(time: Int64, leader: Int64, follower: Int64, expected: Int64) {
        var history = LeaderHistory()
        #expect(history.lagMillis(at: 0, leader: 0, follower: 0) == 0)
        #expect(history.lagMillis(at: time, leader: leader, follower: follower) == expected)
    }

    @Test func exactBeyondADouble() {
        var history = LeaderHistory()
        // D = (0, 0, -2^63). B = (1, 1, 2^63 - 2), F = -1: operation 0 is 2^63 of a span of 2^64 - 2,
        // written at 0.5 + 1 / (2^64 - 2) ms, so the lag is just under 0.5 ms: 0. A double sees 0.5,
        // which rounds to 1.
        #expect(history.lagMillis(at: 0, leader: .min, follower: .min) == 0)
        #expect(history.lagMillis(at: 1, leader: .max - 1, follower: -1) == 0)
        var other = LeaderHistory()
        // F = -3: operation -2 is 2^63 - 2 of the span, written just under 0.5 ms: the lag just over, 1.
        #expect(other.lagMillis(at: 0, leader: .min, follower: .min) == 0)
        #expect(other.lagMillis(at: 1, leader: .max - 1, follower: -3) == 1)
    }

    @Test func aFollowerBehindDIsUnknown() {
        var history = LeaderHistory()
        #expect(history.lagMillis(at: 0, leader: 100, follower: 100) == 0)
        // D = (0, 0, 100) and the follower went back to 90: F < D.L.
        #expect(history.lagMillis(at: 1_000, leader: 200, follower: 90) == nil)
        // Once it passes 200 again: D = (1000, 2000, 200), H empty: 0.
        #expect(history.lagMillis(at: 2_000, leader: 200, follower: 200) == 0)
    }

    @Test func aLeaderGoingBackClearsTheHistoryAndD() {
        var history = LeaderHistory()
        #expect(history.lagMillis(at: 0, leader: 100, follower: 100) == 0)
        #expect(history.lagMillis(at: 1_000, leader: 200, follower: 150) == 490)  // 1000 - 51 * 1000 / 100
        // 150 is below the last entry's 200: H and D cleared, H = (2000, 2000, 150), D none.
        #expect(history.lagMillis(at: 2_000, leader: 150, follower: 120) == nil)
        #expect(history.entries == [Entry(firstSeen: 2_000, lastSeen: 2_000, checkpoint: 150)])
        #expect(history.dropped == nil)
    }

    @Test func anEmptyHistoryForgetsDWhenTheLeaderIsNotPastIt() {
        var history = LeaderHistory()
        #expect(history.lagMillis(at: 0, leader: 100, follower: 100) == 0)
        // H empty and 100 <= D.L: D cleared, then H = (1000, 1000, 100), which the follower at 50 lacks.
        #expect(history.lagMillis(at: 1_000, leader: 100, follower: 50) == nil)
        #expect(history.dropped == nil)
        // Past it, D stays: D = (0, 0, 100) and B = (1000, 1000, 110) give 1000 - 1 * 1000 / 10 = 900.
        var kept = LeaderHistory()
        #expect(kept.lagMillis(at: 0, leader: 100, follower: 100) == 0)
        #expect(kept.lagMillis(at: 1_000, leader: 110, follower: 100) == 900)
    }

    @Test func theHistoryHoldsAtMost65536Entries() {
        var history = LeaderHistory()
        // Leader at k every k seconds, follower stuck at 1: D = (1000, 1000, 1) and H = 2 ... k, so
        // operation 2 was written at 2000 and the lag at k seconds is k * 1000 - 2000.
        #expect(history.lagMillis(at: 1_000, leader: 1, follower: 1) == 0)
        for k in Int64(2)...65_537 {
            let lag = history.lagMillis(at: k * 1_000, leader: k, follower: 1)
            if lag != k * 1_000 - 2_000 {
                Issue.record("at \(k): \(String(describing: lag))")
                break
            }
        }
        #expect(history.count == 65_536)
        // One more: the front (2000, 2000, 2) goes to D to make room. With the follower at 2, B is
        // (3000, 3000, 3): operation 3 at 3000, the lag 65538000 - 3000.
        #expect(history.lagMillis(at: 65_538_000, leader: 65_538, follower: 2) == 65_535_000)
        #expect(history.count == 65_536)
        #expect(history.dropped == Entry(firstSeen: 2_000, lastSeen: 2_000, checkpoint: 2))
        // And another: (3000, 3000, 3) goes to D; a follower at 2 is behind D: unknown.
        #expect(history.lagMillis(at: 65_539_000, leader: 65_539, follower: 2) == nil)
        #expect(history.entries.first == Entry(firstSeen: 4_000, lastSeen: 4_000, checkpoint: 4))
        #expect(history.entries.last == Entry(firstSeen: 65_539_000, lastSeen: 65_539_000, checkpoint: 65_539))
        #expect(history.count == 65_536)
    }

    @Test func noStorageUntilTheFirstLagSample() {
        // An index without lag samples allocates nothing; the ring grows as entries come.
        #expect(LeaderHistory().entries.isEmpty)
        var history = LeaderHistory()
        for k in Int64(1)...9 { _ = history.lagMillis(at: k, leader: k, follower: 0) }
        #expect(history.entries.map(\.checkpoint) == Array(1...9))
        #expect(history.entries.map(\.firstSeen) == Array(1...9))
        history.clear()
        #expect(history.entries.isEmpty && history.dropped == nil)
    }

    /// Past what 64 bits hold, the lag is the exact one all the same: D = (0, 0, 0), B = (2^40,
    /// 2^40, 2^40) and a follower at 2^39 - 1 give 2^40 - 2^39 * 2^40 / 2^40 = 2^39, where
    /// 2^40 * 2^39 overflows 64 bits; and B's checkpoint at 3 * 2^38 gives
    /// 2^40 - 2^39 * 2^40 / (3 * 2^38) = 2^40 / 3 = 366503875925.33, rounded to 366503875925.
    @Test func exactPast64Bits() {
        var history = LeaderHistory()
        #expect(history.lagMillis(at: 0, leader: 0, follower: 0) == 0)
        #expect(history.lagMillis(at: 1 << 40, leader: 1 << 40, follower: (1 << 39) - 1) == 1 << 39)
        var third = LeaderHistory()
        #expect(third.lagMillis(at: 0, leader: 0, follower: 0) == 0)
        #expect(third.lagMillis(at: 1 << 40, leader: 3 << 38, follower: (1 << 39) - 1) == 366_503_875_925)
    }

    /// A backlog's stream is given back when the follower catches up; a small one is kept.
    @Test func theRoomOfABacklogIsGivenBack() {
        var history = LeaderHistory()
        for k in Int64(1)...1_000 { _ = history.lagMillis(at: k, leader: k, follower: 0) }
        #expect(history.room >= 1_000)
        #expect(history.lagMillis(at: 1_001, leader: 1_000, follower: 1_000) == 0)
        #expect(history.room == 0)
        for k in Int64(1_001)...1_010 { _ = history.lagMillis(at: k + 1, leader: k, follower: 1_000) }
        let small = history.room
        #expect(small > 0 && small <= LeaderHistory.keptRoom)
        #expect(history.lagMillis(at: 1_100, leader: 1_010, follower: 1_010) == 0)
        #expect(history.room == small)
        history.clear()
        #expect(history.room == small)
    }
}

/// The compact storage of the history (oldest and newest entries whole, the others as LEB128
/// steps) against a plain array that follows the same rules, on random polls: the same lags, the
/// same entries and the same D after each sample, at the edges of what a step can be.
@Suite struct LeaderHistoryStorageTests {
    private typealias Entry = LeaderHistory.Entry

    /// docs/format.md's rules over a plain array, as the history was kept before its stream.
    private struct Reference {
        var entries: [Entry] = []
        var dropped: Entry?

        mutating func lagMillis(at time: Int64, leader: Int64, follower: Int64) -> Int64? {
            if let newest = entries.last, leader < newest.checkpoint { (entries, dropped) = ([], nil) }
            if follower >= leader {
                let firstSeen = entries.last.map { leader == $0.checkpoint ? $0.firstSeen : time } ?? time
                dropped = Entry(firstSeen: firstSeen, lastSeen: time, checkpoint: leader)
                entries = []
                return 0
            }
            if entries.isEmpty, let old = dropped, leader <= old.checkpoint { dropped = nil }
            if let newest = entries.last, leader == newest.checkpoint {
                entries[entries.count - 1].lastSeen = time
                removeWhatTheFollowerHas(follower)
            } else {
                removeWhatTheFollowerHas(follower)
                if entries.count == LeaderHistory.capacity { dropped = entries.removeFirst() }
                entries.append(Entry(firstSeen: time, lastSeen: time, checkpoint: leader))
            }
            if entries.isEmpty { return 0 }
            guard let dropped, follower >= dropped.checkpoint else { return nil }
            let next = entries[0]
            let span = Int128(next.checkpoint) - Int128(dropped.checkpoint)
            let numerator =
                (Int128(time) - Int128(dropped.lastSeen)) * span
                - (Int128(follower) + 1 - Int128(dropped.checkpoint))
                * (Int128(next.firstSeen) - Int128(dropped.lastSeen))
            return Int64(LeaderHistory.rounded(numerator, span))
        }

        private mutating func removeWhatTheFollowerHas(_ follower: Int64) {
            while let oldest = entries.first, oldest.checkpoint <= follower { dropped = entries.removeFirst() }
        }
    }

    /// Steps of time and checkpoint: small ones mostly, and now and then 0, one close to
    /// 2^63 - 1 or a step back (which empties the history, or moves nothing).
    private static func randomStep(_ random: inout SplitMix64, large: Int64) -> Int64 {
        switch random.next() % 16 {
        case 0: 0
        case 1: large
        case 2: -Int64(random.next() % 50)
        default: Int64(random.next() % 2_000)
        }
    }

    /// Gives both the same lag sample; records an issue and returns false where they differ.
    private static func agree(
        _ history: inout LeaderHistory, _ reference: inout Reference, at time: Int64, leader: Int64, follower: Int64,
        seed: UInt64, poll: Int
    ) -> Bool {
        let lag = history.lagMillis(at: time, leader: leader, follower: follower)
        let expected = reference.lagMillis(at: time, leader: leader, follower: follower)
        guard lag == expected, history.entries == reference.entries, history.dropped == reference.dropped else {
            Issue.record(
                "seed \(seed), poll \(poll): lag \(String(describing: lag)), expected \(String(describing: expected))")
            return false
        }
        return true
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func matchesAPlainArray(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var history = LeaderHistory()
        var reference = Reference()
        var time: Int64 = seed % 2 == 0 ? .min : 0
        var leader: Int64 = seed % 4 < 2 ? .min / 2 : 0
        var follower = leader
        for poll in 0..<20_000 {
            // Times only grow (the reorder window's order), a long step now and then: the lag of a
            // sample is at most the time since the first, which must stay within 64 bits.
            time += max(0, Self.randomStep(&random, large: 1 << 40))
            leader = leader &+ Self.randomStep(&random, large: .max / 8)
            // The follower mostly trails the leader, now and then catches up or goes back.
            switch random.next() % 64 {
            case 0: follower = leader
            case 1: follower = follower &- Int64(random.next() % 100)
            default: follower = min(leader, follower &+ Int64(random.next() % 1_500))
            }
            if random.next() % 500 == 0 {
                history.clear()
                reference = Reference(entries: [], dropped: nil)
            }
            guard Self.agree(&history, &reference, at: time, leader: leader, follower: follower, seed: seed, poll: poll)
            else { return }
        }
    }

    /// Each step at its edges, the first entry and removal from the front while behind: a
    /// follower that stays behind by a few entries over steps of 0, 1, 127, 128 and 2^63 - 1.
    @Test(arguments: [0, 1, 127, 128, 16_383, 16_384, Int64.max / 2, Int64.max] as [Int64])
    func stepsAtTheirEdges(step: Int64) {
        var history = LeaderHistory()
        var reference = Reference()
        var time: Int64 = .min
        var leader: Int64 = .min
        for poll in Int64(0)..<64 {
            // Times climb by `step` as long as all stay within 2^63 - 1 of the first (a lag is at
            // most that), then by 0; checkpoints by `step` (at least 1: 0 would never add an
            // entry), wrapping past the top, where the leader goes back and empties H.
            time += min(step, Int64.max - (time - .min))
            leader = leader &+ max(1, step)
            let follower = poll % 5 == 4 ? leader : leader &- 3 &* max(1, step)
            let lag = history.lagMillis(at: time, leader: leader, follower: follower)
            #expect(lag == reference.lagMillis(at: time, leader: leader, follower: follower), "poll \(poll)")
            #expect(history.entries == reference.entries, "poll \(poll)")
            #expect(history.dropped == reference.dropped, "poll \(poll)")
        }
    }

    /// A follower that stays 200 polls behind: entries leave the front as fast as they come, and
    /// the stream, of about 4 bytes an entry, stays within twice what they take (moved to the front
    /// each time that frees a quarter of it, not only a half, when it had grown to three times).
    @Test func aSteadyBacklogKeepsItsStreamWithinTwiceItsEntries() {
        var history = LeaderHistory()
        #expect(history.lagMillis(at: 0, leader: 0, follower: 0) == 0)
        var mostRoom = 0
        for k in Int64(1)...20_000 {
            _ = history.lagMillis(at: k * 1_000, leader: k * 50, follower: max(0, k - 200) * 50 + 1)
            if k > 1_000 { mostRoom = max(mostRoom, history.room) }
        }
        #expect(history.count == 200)
        #expect(mostRoom <= 2 * 200 * 4, "\(mostRoom) bytes")
    }

    /// A follower behind for 10,000 polls of small steps keeps them in about 3 bytes each, not 24.
    @Test func aBacklogOfSmallStepsTakesAFewBytesAnEntry() {
        var history = LeaderHistory()
        #expect(history.lagMillis(at: 0, leader: 0, follower: 0) == 0)
        for k in Int64(1)...10_000 { _ = history.lagMillis(at: k * 1_000, leader: k * 50, follower: 1) }
        #expect(history.count == 10_000)
        #expect(history.room <= 10_000 * 6, "\(history.room) bytes")
        #expect(history.entries.last == Entry(firstSeen: 10_000_000, lastSeen: 10_000_000, checkpoint: 500_000))
    }

    /// The path nearly every lag sample takes: the follower has what the leader had at the poll
    /// before, the history keeps that poll's entry as D and this one's as its only entry, no stream.
    @Test func aFollowerOnePollBehindKeepsOneEntry() {
        var history = LeaderHistory()
        #expect(history.lagMillis(at: 0, leader: 100, follower: 100) == 0)
        for poll in Int64(1)...1_000 {
            let (time, leader) = (poll * 1_000, 100 + poll * 100)
            // D = (time - 1000, time - 1000, leader - 100), B = (time, time, leader): operation
            // leader - 99 was written at time - 1000 + 1 * 1000 / 100 = time - 990.
            #expect(history.lagMillis(at: time, leader: leader, follower: leader - 100) == 990)
        }
        #expect(history.entries == [Entry(firstSeen: 1_000_000, lastSeen: 1_000_000, checkpoint: 100_100)])
        #expect(history.dropped == Entry(firstSeen: 999_000, lastSeen: 999_000, checkpoint: 100_000))
        #expect(history.room == 0)
    }

    /// A follower about one poll behind (at, a little short of or a little past the leader of the
    /// poll before, now and then on a poll with the same leader): the same as a plain array.
    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func aFollowerAboutOnePollBehindMatchesAPlainArray(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var history = LeaderHistory()
        var reference = Reference()
        var (time, leader): (Int64, Int64) = (0, 1_000)
        for poll in 0..<20_000 {
            time += 1_000 + Int64(random.next() % 50)
            let previousLeader = leader
            if random.next() % 8 != 0 { leader += 1 + Int64(random.next() % 200) }
            let follower = previousLeader + Int64(random.next() % 7) - 3
            guard Self.agree(&history, &reference, at: time, leader: leader, follower: follower, seed: seed, poll: poll)
            else { return }
        }
    }
}
