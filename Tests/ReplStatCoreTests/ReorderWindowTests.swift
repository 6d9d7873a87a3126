import Testing

@testable import ReplStatCore

/// Offers samples in order and records outcomes and releases; `tag` (stored in `reason`)
/// tells samples with equal timestamps apart. The window's buffer is given back at the end.
private final class Harness {
    var window: ReorderWindow
    var released: [(timestamp: Int64, tag: Int32)] = []

    init(window: Int64) { self.window = ReorderWindow(window: window) }

    deinit { window.discard() }

    func offer(_ timestamp: Int64, tag: Int32 = 0) -> Outcome {
        var out: [(Int64, Int32)] = []
        let outcome = window.offer(StatusSample(timestamp: timestamp, index: 0, status: .syncing, reason: tag)) {
            out.append(($0.timestamp, $0.reason))
        }
        released += out.map { (timestamp: $0.0, tag: $0.1) }
        return outcome
    }

    func flush() {
        window.flush { released.append((timestamp: $0.timestamp, tag: $0.reason)) }
    }

    var releasedTimestamps: [Int64] { released.map(\.timestamp) }
}

@Suite struct ReorderWindowTests {
    @Test func lateExactlyAtTheWindowBoundary() {
        let harness = Harness(window: 300_000)
        #expect(harness.offer(1_000_000) == .status)
        // Exactly W older than the newest is still in order; one millisecond more is late.
        #expect(harness.offer(700_000) == .status)
        #expect(harness.offer(699_999) == .late)
        #expect(harness.offer(1_000_001) == .status)
        #expect(harness.offer(700_000) == .late)
        #expect(harness.offer(700_001) == .status)
        harness.flush()
        #expect(harness.releasedTimestamps == [700_000, 700_001, 1_000_000, 1_000_001])
    }

    @Test func duplicatesOfAcceptedSamples() {
        let harness = Harness(window: 10)
        #expect(harness.offer(100, tag: 1) == .status)
        #expect(harness.offer(100, tag: 2) == .duplicate)
        #expect(harness.offer(95, tag: 3) == .status)
        #expect(harness.offer(95, tag: 4) == .duplicate)
        #expect(harness.offer(105, tag: 5) == .status)
        #expect(harness.offer(100, tag: 6) == .duplicate)
        // A late sample is late, even if its timestamp was seen: late is checked first.
        #expect(harness.offer(200, tag: 7) == .status)
        #expect(harness.offer(100, tag: 8) == .late)
        harness.flush()
        #expect(harness.released.map(\.tag) == [3, 1, 5, 7])
    }

    @Test func rejectedSamplesDoNotMoveTheNewest() {
        let harness = Harness(window: 10)
        #expect(harness.offer(100) == .status)
        #expect(harness.offer(50) == .late)
        #expect(harness.offer(100) == .duplicate)
        #expect(harness.window.newest == 100)
        #expect(harness.offer(90) == .status)
    }

    @Test func releasesOldestFirstOnlyWhenNothingCanPrecedeThem() {
        let harness = Harness(window: 10)
        for timestamp: Int64 in [100, 98, 105, 103, 110] { #expect(harness.offer(timestamp) == .status) }
        // Newest 110: anything after 100 may still come (100 itself would be a duplicate), so 98
        // and 100 are out.
        #expect(harness.releasedTimestamps == [98, 100])
        #expect(harness.offer(100) == .duplicate)
        // Newest 111: 101 may still come; it does, and goes out at once.
        #expect(harness.offer(111) == .status)
        #expect(harness.releasedTimestamps == [98, 100])
        #expect(harness.offer(101) == .status)
        #expect(harness.releasedTimestamps == [98, 100, 101])
        harness.flush()
        #expect(harness.releasedTimestamps == [98, 100, 101, 103, 105, 110, 111])
        // After a flush, the window keeps its newest: older samples are still late.
        #expect(harness.offer(100) == .late)
    }

    @Test func windowZero() {
        let harness = Harness(window: 0)
        // Nothing can precede the newest sample: it is released at once, and still found a duplicate.
        #expect(harness.offer(10) == .status)
        #expect(harness.releasedTimestamps == [10])
        #expect(harness.offer(10) == .duplicate)
        #expect(harness.offer(9) == .late)
        #expect(harness.offer(11) == .status)
        #expect(harness.releasedTimestamps == [10, 11])
        harness.flush()
        #expect(harness.releasedTimestamps == [10, 11])
    }

    /// Seeds from 20 use windows of up to 400 ms: up to about 130 samples held, the ring grown
    /// several times and wrapped around with samples inserted out of order.
    @Test(arguments: 0..<40)
    func randomInputMatchesAReference(seed: Int) {
        var random = SplitMix64(seed: UInt64(seed) + 100)
        let window = Int64.random(in: 0...(seed < 20 ? 50 : 400), using: &random)
        var clock: Int64 = 1_000
        let timestamps = (0..<2_000).map { _ in
            clock += Int64.random(in: 0...6, using: &random)
            return clock - Int64.random(in: 0...70, using: &random)
        }
        Self.expectReferenceOutcomes(timestamps, window: window)
    }

    /// Orders a hostile capture sends, which hold many samples far out of order (in a heap, not
    /// the ring): newest first, at random within the window, and ordered runs broken by bursts
    /// newest first, so that the window goes from ring to heap and back many times.
    enum HostileOrder: CaseIterable { case descending, random, mixed }

    @Test(arguments: HostileOrder.allCases, 0..<6)
    func hostileOrderMatchesAReference(order: HostileOrder, seed: Int) {
        var random = SplitMix64(seed: UInt64(seed) + 500)
        var timestamps: [Int64] = []
        let window: Int64
        switch order {
        case .descending:
            // Past the window's length, so that the last ones are late.
            window = 3_000
            var clock: Int64 = 10_000
            for _ in 0..<3_000 {
                timestamps.append(clock)
                clock -= Int64.random(in: 0...2, using: &random)
            }
        case .random:
            // More samples than milliseconds: many duplicates of samples held.
            window = 1_000
            timestamps = (0..<3_000).map { _ in 10_000 + Int64.random(in: 0..<1_000, using: &random) }
        case .mixed:
            window = Int64.random(in: 50...400, using: &random)
            var clock: Int64 = 10_000
            while timestamps.count < 6_000 {
                for _ in 0..<Int.random(in: 1...60, using: &random) {
                    clock += Int64.random(in: 1...4, using: &random)
                    timestamps.append(clock)
                }
                let burst = clock - Int64.random(in: 0...window, using: &random)
                for step in 0..<Int64.random(in: 0...120, using: &random) { timestamps.append(burst - step) }
                // A gap in the capture: the next sample releases all held.
                if Bool.random(using: &random) { clock += window + Int64.random(in: 1...window, using: &random) }
            }
        }
        Self.expectReferenceOutcomes(timestamps, window: window)
    }

    /// Offers `timestamps` in turn (each tagged with its position) and checks every outcome and
    /// the order of release against the definitions of docs/format.md (Order), which a reference
    /// applies with the whole history in memory.
    private static func expectReferenceOutcomes(_ timestamps: [Int64], window: Int64) {
        let harness = Harness(window: window)
        var newest: Int64?
        var seen: Set<Int64> = []
        var accepted: [(timestamp: Int64, tag: Int32)] = []
        for (tag, timestamp) in zip(Int32(0)..., timestamps) {
            let expected: Outcome
            if let newest, timestamp < newest - window {
                expected = .late
            } else if seen.contains(timestamp) {
                expected = .duplicate
            } else {
                expected = .status
                seen.insert(timestamp)
                accepted.append((timestamp, tag))
                newest = max(newest ?? timestamp, timestamp)
            }
            #expect(harness.offer(timestamp, tag: tag) == expected)
            // Released samples can no longer be preceded by an acceptable one.
            if let last = harness.released.last, let newest { #expect(last.timestamp <= newest - window) }
        }
        harness.flush()
        let ordered = accepted.sorted { ($0.timestamp, $0.tag) < ($1.timestamp, $1.tag) }
        #expect(harness.released.map(\.timestamp) == ordered.map(\.timestamp))
        #expect(harness.released.map(\.tag) == ordered.map(\.tag))
    }

    @Test func equalTimestampsAtTheNewestAreDuplicates() {
        let harness = Harness(window: 10)
        #expect(harness.offer(100, tag: 1) == .status)
        #expect(harness.offer(100, tag: 2) == .duplicate)
        #expect(harness.offer(105, tag: 3) == .status)
        // The newest, decided without the buffer; then one held behind it.
        #expect(harness.offer(105, tag: 4) == .duplicate)
        #expect(harness.offer(100, tag: 5) == .duplicate)
        #expect(harness.released.isEmpty)
        harness.flush()
        #expect(harness.released.map(\.tag) == [1, 3])
    }

    @Test func aSampleExactlyTheWindowOlderThanTheNewestGoesOutAtOnce() {
        let harness = Harness(window: 10)
        #expect(harness.offer(100, tag: 1) == .status)
        #expect(harness.offer(115, tag: 2) == .status)
        #expect(harness.released.map(\.tag) == [1])
        // 105 is exactly W older than the newest: accepted, and nothing can precede it any more.
        #expect(harness.offer(105, tag: 3) == .status)
        #expect(harness.released.map(\.tag) == [1, 3])
        #expect(harness.offer(105, tag: 4) == .duplicate)
        #expect(harness.offer(104, tag: 5) == .late)
        // A sample released when the newest arrived, exactly W older than it, is found too.
        #expect(harness.offer(125, tag: 6) == .status)
        #expect(harness.released.map(\.tag) == [1, 3, 2])
        #expect(harness.offer(115, tag: 7) == .duplicate)
        // Once the newest moves on, the horizon is free again.
        #expect(harness.offer(126, tag: 8) == .status)
        #expect(harness.offer(116, tag: 9) == .status)
        #expect(harness.offer(115, tag: 10) == .late)
        harness.flush()
        #expect(harness.released.map(\.tag) == [1, 3, 2, 9, 6, 8])
    }

    @Test func windowZeroHoldsNothingAndFindsTiesWithTheNewest() {
        let harness = Harness(window: 0)
        for timestamp: Int64 in [10, 11, 13] {
            #expect(harness.offer(timestamp, tag: 1) == .status)
            #expect(harness.offer(timestamp, tag: 2) == .duplicate)
            #expect(harness.offer(timestamp - 1, tag: 3) == .late)
        }
        #expect(harness.releasedTimestamps == [10, 11, 13])
        #expect(harness.released.allSatisfy { $0.tag == 1 })
    }

    @Test func samplesInsertedOutOfOrderAcrossTheRingsEnd() {
        let harness = Harness(window: 1_000)
        // Hold 3, release them one by one so that the ring's start moves on, then fill it past its
        // end with samples out of order, growing it while it wraps around.
        for timestamp: Int64 in [0, 10, 20, 1_005, 1_015] { #expect(harness.offer(timestamp) == .status) }
        #expect(harness.releasedTimestamps == [0, 10])
        for timestamp: Int64 in [1_010, 1_012, 500, 30, 1_011, 1_013, 25, 1_014] {
            #expect(harness.offer(timestamp) == .status)
        }
        #expect(harness.offer(1_012) == .duplicate)
        #expect(harness.offer(25) == .duplicate)
        harness.flush()
        #expect(
            harness.releasedTimestamps == [0, 10, 20, 25, 30, 500, 1_005, 1_010, 1_011, 1_012, 1_013, 1_014, 1_015])
    }

    @Test func longOrderedRunCompactsAndStaysInOrder() {
        let harness = Harness(window: 5)
        for timestamp in Int64(0)..<10_000 { #expect(harness.offer(timestamp * 2) == .status) }
        harness.flush()
        #expect(harness.releasedTimestamps == (Int64(0)..<10_000).map { $0 * 2 })
    }
}
