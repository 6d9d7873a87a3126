import Testing

@testable import ReplStatCore

/// Nearest rank, as docs/format.md defines it: the value at rank ceil(q * n) of the sorted values.
func nearestRank(_ sorted: [UInt64], percent: UInt64) -> UInt64 {
    let n = UInt64(sorted.count)
    let rank = max(1, (n * percent + 99) / 100)
    return sorted[Int(rank) - 1]
}

private func histogram(_ values: [UInt64]) -> LagHistogram {
    var histogram = LagHistogram()
    for value in values { histogram.record(value) }
    return histogram
}

private func quantiles(_ values: [UInt64], _ percents: [UInt64]) -> [UInt64] {
    histogram(values).quantiles(percent: percents, minimum: values.min()!, maximum: values.max()!)
}

/// What the histogram promises, computed the plain way: up to `exactCapacity` values, nearest
/// rank; past it, the representative of the bucket holding the rank among every value's bucket,
/// clamped to the observed range.
private func modelQuantiles(_ values: [UInt64], _ percents: [UInt64]) -> [UInt64] {
    let sorted = values.sorted()
    if values.count <= LagHistogram.exactCapacity { return percents.map { nearestRank(sorted, percent: $0) } }
    let buckets = sorted.map { LagHistogram.bucket(of: $0) }
    return percents.map { percent in
        let bucket = nearestRank(buckets, percent: percent)
        return min(max(LagHistogram.representative(of: bucket), sorted.first!), sorted.last!)
    }
}

private func relativeError(_ got: UInt64, _ exact: UInt64) -> Double {
    exact == 0 ? (got == 0 ? 0 : .infinity) : abs(Double(got) - Double(exact)) / Double(exact)
}

@Suite struct LagHistogramTests {
    static let allPercents = Array(UInt64(1)...100)

    @Test func nearestRankReference() {
        // Hand-computed: n = 10, p50 -> rank 5, p90 -> rank 9, p99 -> rank 10, p1 -> rank 1.
        let sorted: [UInt64] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
        #expect(nearestRank(sorted, percent: 50) == 5)
        #expect(nearestRank(sorted, percent: 90) == 9)
        #expect(nearestRank(sorted, percent: 99) == 10)
        #expect(nearestRank(sorted, percent: 1) == 1)
        #expect(nearestRank([7], percent: 50) == 7)
        #expect(nearestRank([1, 2, 3], percent: 50) == 2)
    }

    @Test(arguments: 0..<10)
    func exactBelow1024(seed: Int) {
        var random = SplitMix64(seed: UInt64(seed) + 500)
        let values = (0..<Int.random(in: 1...3000, using: &random)).map { _ in
            UInt64.random(in: 0..<1024, using: &random)
        }
        let sorted = values.sorted()
        let got = quantiles(values, Self.allPercents)
        #expect(got == Self.allPercents.map { nearestRank(sorted, percent: $0) })
    }

    @Test(arguments: 0..<20)
    func within0Point1PercentOnRandomData(seed: Int) {
        var random = SplitMix64(seed: UInt64(seed) + 900)
        // Spread over many magnitudes: uniform in the exponent, then in the mantissa.
        let maxBits = [12, 20, 40, 64].randomElement(using: &random)!
        let values = (0..<Int.random(in: 1...5000, using: &random)).map { _ -> UInt64 in
            let bits = Int.random(in: 0...maxBits, using: &random)
            return bits == 0 ? 0 : UInt64.random(in: 0...(UInt64.max >> (64 - bits)), using: &random)
        }
        let sorted = values.sorted()
        let got = quantiles(values, Self.allPercents)
        for (percent, value) in zip(Self.allPercents, got) {
            let exact = nearestRank(sorted, percent: percent)
            #expect(relativeError(value, exact) <= 0.001, "p\(percent): \(value) vs \(exact)")
            if exact < 1024 { #expect(value == exact, "p\(percent)") }
        }
    }

    /// Up to `exactCapacity` values, quantiles are exact whatever their size; past it they are
    /// bucketed, and still within 0.1%.
    @Test(arguments: [1, 2, 1000, LagHistogram.exactCapacity, LagHistogram.exactCapacity + 1, 10_000])
    func exactUpToCapacity(count: Int) {
        var random = SplitMix64(seed: UInt64(count))
        let values = (0..<count).map { _ in UInt64.random(in: 1_000_000...9_000_000_000, using: &random) }
        let sorted = values.sorted()
        for (percent, value) in zip(Self.allPercents, quantiles(values, Self.allPercents)) {
            let exact = nearestRank(sorted, percent: percent)
            if count <= LagHistogram.exactCapacity {
                #expect(value == exact, "p\(percent) of \(count)")
            } else {
                #expect(relativeError(value, exact) <= 0.001, "p\(percent) of \(count)")
            }
        }
    }

    /// A bucket's count goes past the short forms' (the escape's LEB128), still counted.
    @Test func aBucketCountsPastItsFirstEntry() {
        var histogram = LagHistogram()
        for _ in 0..<300_000 { histogram.record(700) }
        for _ in 0..<100_000 { histogram.record(9_000_000) }
        #expect(histogram.count == 400_000)
        let got = histogram.quantiles(percent: [50, 75, 76, 99], minimum: 700, maximum: 9_000_000)
        // Ranks 200,000 and 300,000 are 700 (exact below 1024); ranks 304,000 and 396,000 are 9,000,000 (within 0.1%).
        #expect(got[0] == 700 && got[1] == 700)
        #expect(relativeError(got[2], 9_000_000) <= 0.001 && relativeError(got[3], 9_000_000) <= 0.001)
    }

    @Test func extremes() {
        let values: [UInt64] = [0, 2047, 2048, 2049, 1 << 32, UInt64.max - 1, UInt64.max]
        let sorted = values.sorted()
        for percent in Self.allPercents {
            let got = quantiles(values, [percent])[0]
            #expect(relativeError(got, nearestRank(sorted, percent: percent)) <= 0.001, "p\(percent)")
        }
        // Clamped to the observed range: one value is reported exactly, however large.
        #expect(quantiles([UInt64.max], [1, 50, 100]) == [UInt64.max, UInt64.max, UInt64.max])
        #expect(quantiles([123_456_789], [50]) == [123_456_789])
        #expect(quantiles(Array(repeating: 5_000_000_001, count: 7), [1, 99]) == [5_000_000_001, 5_000_000_001])
    }

    @Test func bucketsAreOrderedAndContainTheirValues() {
        var random = SplitMix64(seed: 77)
        var values: [UInt64] = [0, 1, 2047, 2048, 2049, 4095, 4096, UInt64.max]
        for bits in 1...64 {
            let top = UInt64.max >> (64 - bits)
            values += [top, top - top / 3, UInt64.random(in: 0...top, using: &random)]
        }
        values.sort()
        var previousBucket: UInt64?
        for value in values {
            let bucket = LagHistogram.bucket(of: value)
            if let previousBucket { #expect(bucket >= previousBucket, "\(value)") }
            previousBucket = bucket
            let representative = LagHistogram.representative(of: bucket)
            #expect(relativeError(representative, value) <= 1.0 / 1024 + 1e-12, "\(value)")
            if value < 1024 { #expect(representative == value) }
        }
    }

    @Test func countsEveryValue() {
        let counted = histogram([1, 1, 3000, UInt64.max])
        #expect(counted.count == 4)
        #expect(LagHistogram().quantiles(percent: [50], minimum: 0, maximum: 0) == [])
    }

    /// Neighbouring buckets with small counts take a byte each: 1,000 buckets (0 to 999, their
    /// own buckets below 1024) of 10 values each.
    @Test func aBucketInUseTakesAByte() {
        var histogram = LagHistogram()
        for value in 0..<10_000 { histogram.record(UInt64(value % 1000)) }
        #expect(histogram.bucketBytes == 1000)
    }

    /// The stream after merges holds exactly the counts of the buckets of the values recorded,
    /// whatever their gaps and counts (short and escaped entries, counts past one byte).
    @Test(arguments: 0..<10)
    func mergesKeepEveryBucketsCount(seed: Int) {
        var random = SplitMix64(seed: UInt64(seed) + 4242)
        var expected: [UInt32: UInt64] = [:]
        var stream: [UInt8] = []
        for _ in 0..<Int.random(in: 1...200, using: &random) {
            let batch = (0..<Int.random(in: 1...40, using: &random)).map { _ -> UInt32 in
                // Mostly close buckets, sometimes far ones; some repeated many times.
                Bool.random(using: &random)
                    ? UInt32.random(in: 500..<700, using: &random) : UInt32.random(in: 0..<32_768, using: &random)
            }.sorted()
            let repeated = Int.random(in: 0...3, using: &random) == 0 ? 100 : 1
            let new = batch.flatMap { Array(repeating: $0, count: repeated) }
            for bucket in new { expected[bucket, default: 0] += 1 }
            let bound = stream.count + new.count * BucketStream.maxEntryBytes
            let merged = [UInt8](unsafeUninitializedCapacity: bound) { buffer, written in
                written = stream.withUnsafeBufferPointer { old in
                    new.withUnsafeBufferPointer { BucketStream.merge($0, into: old, writingTo: buffer.baseAddress!) }
                }
            }
            stream = merged
        }
        var decoded: [(UInt32, UInt64)] = []
        stream.withUnsafeBufferPointer { bytes in
            var reader = BucketStream.Reader(bytes)
            while let entry = reader.next() { decoded.append(entry) }
        }
        #expect(decoded.map(\.0) == expected.keys.sorted())
        #expect(decoded.map(\.1) == expected.keys.sorted().map { expected[$0]! })
    }

    /// Each entry's form at its bounds: one byte up to a gap of 6 and a count of 32, two up to a
    /// gap of 61 and a count of 128, the escape and LEB128 past them, up to the largest gap and count.
    @Test(
        arguments: [
            (0, 1, 1), (6, 32, 1), (7, 1, 2), (0, 33, 2), (61, 128, 2), (60, 127, 2), (62, 1, 3), (0, 129, 4),
            (127, 127, 3), (128, 1, 4), (32_767, 1, 5), (0, 1 << 32, 7), (1, UInt64.max, 12),
        ] as [(UInt32, UInt64, Int)])
    func entryFormsAtTheirBounds(gap: UInt32, count: UInt64, bytes: Int) {
        var stream = [UInt8](repeating: 0, count: 2 * BucketStream.maxEntryBytes)
        let written = stream.withUnsafeMutableBufferPointer { buffer in
            var writer = BucketStream.Writer(buffer.baseAddress!)
            writer.write(3, 5)
            writer.write(3 + 1 + gap, count)
            return writer.written
        }
        #expect(written == 1 + bytes)
        stream.withUnsafeBufferPointer { buffer in
            var reader = BucketStream.Reader(UnsafeBufferPointer(rebasing: buffer[..<written]))
            #expect(reader.next()! == (3, 5))
            #expect(reader.next()! == (3 + 1 + gap, count))
            #expect(reader.next() == nil)
        }
    }

    /// Exact values take 4 bytes until one needs more; quantiles stay exact across that switch,
    /// at 2^32 - 1 and 2^32, whenever the wide value comes (first, among staged values, last
    /// before the buckets, the first counted in buckets).
    @Test(arguments: [0, 1, 3, 4, 5, 100, 255, 256, 300])
    func exactValuesAroundThe32BitBound(wideAt: Int) {
        var random = SplitMix64(seed: UInt64(wideAt) + 31)
        for count in [wideAt + 1, LagHistogram.exactCapacity, LagHistogram.exactCapacity + 1, 2_000]
        where count > wideAt {
            var values = (0..<count).map { _ in
                [
                    0, 1, UInt64(UInt32.max) - 1, UInt64(UInt32.max),
                    UInt64.random(in: 0...UInt64(UInt32.max), using: &random),
                ]
                .randomElement(using: &random)!
            }
            values[wideAt] = [UInt64(UInt32.max) + 1, UInt64.max].randomElement(using: &random)!
            var histogram = LagHistogram()
            for value in values { histogram.record(value) }
            #expect(histogram.count == UInt64(count))
            let got = histogram.quantiles(percent: Self.allPercents, minimum: values.min()!, maximum: values.max()!)
            #expect(got == modelQuantiles(values, Self.allPercents), "wide at \(wideAt) of \(count)")
        }
    }

    /// Past the exact values, quantiles are those of the buckets of every value, exactly, however
    /// the values spread and repeat, over many batches.
    @Test(arguments: 0..<12)
    func bucketedQuantilesMatchTheModel(seed: Int) {
        var random = SplitMix64(seed: UInt64(seed) + 7_000)
        let center = UInt64.random(in: 0...1 << 40, using: &random)
        let values = (0..<Int.random(in: 257...20_000, using: &random)).map { _ -> UInt64 in
            switch Int.random(in: 0..<4, using: &random) {
            case 0: UInt64.random(in: 0..<4096, using: &random)
            case 1: center + UInt64.random(in: 0...center / 50 + 1, using: &random)
            case 2: [0, 1023, 1024, UInt64(UInt32.max), UInt64.max].randomElement(using: &random)!
            default: UInt64.random(in: 0...UInt64.max >> Int.random(in: 0..<64, using: &random), using: &random)
            }
        }
        #expect(quantiles(values, Self.allPercents) == modelQuantiles(values, Self.allPercents))
    }

    /// Exact quantiles of values with many ties, staged or stored, narrow or wide, are those of the
    /// sorted values at every percent, and asking for them leaves the histogram as it was.
    @Test(arguments: [1, 3, 4, 5, 8, 9, 31, 255, LagHistogram.exactCapacity])
    func exactQuantilesOfTiedValues(count: Int) {
        var random = SplitMix64(seed: UInt64(count) + 2_024)
        for choices in [[5], [0, 7], [3, 3, 9, UInt64(UInt32.max)], [1, UInt64(UInt32.max) + 1, .max]] as [[UInt64]] {
            let values = (0..<count).map { _ in choices.randomElement(using: &random)! }
            var histogram = LagHistogram()
            for value in values { histogram.record(value) }
            let expected = Self.allPercents.map { nearestRank(values.sorted(), percent: $0) }
            let minimum = values.min()!
            let maximum = values.max()!
            #expect(histogram.quantiles(percent: Self.allPercents, minimum: minimum, maximum: maximum) == expected)
            #expect(histogram.quantiles(percent: Self.allPercents, minimum: minimum, maximum: maximum) == expected)
            #expect(histogram.count == UInt64(count))
        }
    }

    /// Selected values are those at the ranks of the sorted values, whatever the arrangement (in
    /// order, reversed, ties, few distinct values, at random) and the order of the ranks asked
    /// for; among 100,000 values a selection sorts what is left after its most partitions.
    @Test(arguments: 0..<6)
    func selectedRanksAreTheSortedValues(seed: Int) {
        var random = SplitMix64(seed: UInt64(seed) + 3_300)
        let count = [1, 2, 3, 17, 256, 100_000][seed]
        let arrangements: [[UInt64]] = [
            (0..<count).map { UInt64($0) },
            (0..<count).map { UInt64(count - $0) },
            Array(repeating: 42, count: count),
            (0..<count).map { _ in UInt64.random(in: 0...3, using: &random) },
            (0..<count).map { UInt64(min($0, count - $0)) },
            (0..<count).map { _ in UInt64.random(in: 0...UInt64.max, using: &random) },
        ]
        for values in arrangements {
            let sorted = values.sorted()
            var ranks = (0..<min(count, 12)).map { _ in UInt64.random(in: 1...UInt64(count), using: &random) }
            ranks += [1, UInt64(count), ranks[0]]
            var arranged = values
            let got = arranged.withUnsafeMutableBufferPointer { RankSelection.values(at: ranks, of: $0) }
            #expect(got == ranks.map { sorted[Int($0) - 1] }, "\(count) values")
            #expect(arranged.sorted() == sorted)
        }
    }

    /// The two-pass counting sort of bucket numbers agrees with the standard library's, on every
    /// bucket number there is (up to the largest value's) and on few, repeated and ordered ones.
    @Test(arguments: 0..<8)
    func bucketNumbersSortAsTheStandardLibrarys(seed: Int) {
        var random = SplitMix64(seed: UInt64(seed) + 1_300)
        let largest = UInt32(LagHistogram.bucket(of: .max))
        var inputs: [[UInt32]] = [
            [], [7], [largest, 0], Array((0...300).reversed()), Array(repeating: 256, count: 40) + [255, 257],
        ]
        inputs.append(
            (0..<Int.random(in: 1...2_000, using: &random)).map { _ in UInt32.random(in: 0...largest, using: &random) })
        inputs.append((0..<257).map { _ in UInt32.random(in: 500..<600, using: &random) })
        for input in inputs {
            var sorted = input
            sorted.withUnsafeMutableBufferPointer { LagHistogram.sortBuckets($0) }
            #expect(sorted == input.sorted())
        }
    }

    /// Exact values below 2^32 take 4 bytes each, any other 8, all of them from then on.
    @Test func exactValuesTakeFourBytesWhileTheyFit() {
        var histogram = LagHistogram()
        for value in 0..<UInt64(LagHistogram.exactCapacity - 1) { histogram.record(value + UInt64(UInt32.max) - 300) }
        // 255 values: every fifth moves the four staged before it, so none is staged now.
        #expect(histogram.storageBytes == 4 * (LagHistogram.exactCapacity - 1))
        histogram.record(UInt64(UInt32.max) + 1)
        #expect(histogram.storageBytes == 8 * LagHistogram.exactCapacity)
    }
}
