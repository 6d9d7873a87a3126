import Testing

@testable import ReplStatCore

/// The compact error episodes of an index (`ErrorEpisodeLog`: the last one whole, the others
/// as LEB128 steps) against a plain array, at the edges of each field.
@Suite struct ErrorEpisodeLogTests {
    /// A value of each field now and then at an edge: the extremes of its type, 0, and -1.
    private static func edgy(_ random: inout SplitMix64, _ usual: Int64) -> Int64 {
        switch random.next() % 10 {
        case 0: .min
        case 1: .max
        case 2: 0
        case 3: -1
        default: usual
        }
    }

    private static func episode(_ random: inout SplitMix64, index: Int32, after previous: ErrorEpisode?)
        -> ErrorEpisode
    {
        // Starts mostly grow by small steps, but error samples come in input order: a start can go back.
        let start = edgy(&random, (previous?.start ?? 1_700_000_000_000) &+ Int64(random.next() % 20_000) &- 2_000)
        let end = random.next() % 8 == 0 ? edgy(&random, start) : start &+ Int64(random.next() % 600_000)
        let samples = random.next() % 10 == 0 ? Int.max : Int(random.next() % 40) + 1
        let httpStatus: Int64? = random.next() % 4 == 0 ? nil : edgy(&random, 429 + Int64(random.next() % 100))
        let type = Int32(truncatingIfNeeded: edgy(&random, Int64(random.next() % 30)))
        let reason = Int32(truncatingIfNeeded: edgy(&random, Int64(random.next() % 30)))
        let ordinal = edgy(&random, (previous?.ordinal ?? 0) &+ Int64(random.next() % 5_000) &- 100)
        return ErrorEpisode(
            index: index, start: start, end: end, samples: samples, httpStatus: httpStatus, type: type,
            reason: reason, ordinal: ordinal)
    }

    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func matchesAPlainArray(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var log = ErrorEpisodeLog()
        var reference: [ErrorEpisode] = []
        let index = Int32(truncatingIfNeeded: Int64(random.next() % 3) - 1) &* .max
        for step in 0..<5_000 {
            switch random.next() % 20 {
            case 0 where !reference.isEmpty:
                // A later sample joins the last episode.
                var last = reference[reference.count - 1]
                last.samples = last.samples == .max ? .max : last.samples + 1
                last.end = Self.edgy(&random, last.end &+ 1_000)
                reference[reference.count - 1] = last
                log.replaceLast(with: last)
            case 1 where random.next() % 20 == 0:
                log.removeAll()
                reference = []
            default:
                let new = Self.episode(&random, index: index, after: reference.last)
                log.append(new)
                reference.append(new)
            }
            guard log.count == reference.count, log.last == reference.last, log.isEmpty == reference.isEmpty
            else {
                Issue.record("seed \(seed), step \(step): \(log.count) episodes, \(reference.count) expected")
                return
            }
        }
        #expect(log.episodes == reference)
    }

    @Test func noEpisodes() {
        var log = ErrorEpisodeLog()
        #expect(log.episodes.isEmpty && log.isEmpty && log.last == nil)
        let one = ErrorEpisode(
            index: 7, start: .min, end: .max, samples: 1, httpStatus: .min, type: .min, reason: .max, ordinal: .max)
        log.append(one)
        log.append(one)
        #expect(log.episodes == [one, one])
        log.removeAll()
        #expect(log.episodes.isEmpty)
    }

    /// 10,000 episodes of a few samples, a minute apart: 13 bytes each instead of 64 (3 for the
    /// start's step, 2 for the end's, 1 for the samples, 2 for the HTTP status, 1 each for the ids,
    /// 3 for the ordinal's step).
    @Test func anEpisodeTakesAboutThirteenBytes() {
        var log = ErrorEpisodeLog()
        for number in Int64(0)..<10_000 {
            log.append(
                ErrorEpisode(
                    index: 1, start: 1_700_000_000_000 + number * 60_000,
                    end: 1_700_000_000_000 + number * 60_000 + 5_000,
                    samples: 3, httpStatus: 503, type: 2, reason: 3, ordinal: number * 40_000))
        }
        #expect(log.streamBytes <= 10_000 * 13, "\(log.streamBytes) bytes")
    }
}
