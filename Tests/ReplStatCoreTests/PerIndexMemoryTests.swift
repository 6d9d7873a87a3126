import Testing

@testable import ReplStatCore

#if canImport(Glibc)
    import Glibc
#endif

/// The layout behind the per-index memory promise of docs/robustness.md ("Memory and time
/// bounds"): a run keeps one derivation and one reorder window per index, so their inline size
/// is most of what an index costs.
@Suite struct PerIndexMemoryTests {
    @Test func theInlineStateOfAnIndexStaysSmall() {
        // 816 + 56 bytes before the layout was made compact; 448 then, and 16 more since: the
        // open stall's lag in seconds (for watch's stall_end) and the pointer to the lag timeline;
        // 32 more for the last lags each lag histogram keeps inline (`LagHistogram.staged`).
        #expect(MemoryLayout<IndexDerivation>.stride <= 496)
        #expect(MemoryLayout<ReorderWindow>.stride <= 48)
        #expect(MemoryLayout<StatusDurations>.stride == 7 * 8)
    }

    /// One or two values are the minimum and the maximum: nothing is allocated for them, and
    /// their quantiles are those of the sorted values.
    @Test(arguments: [[7], [9, 3], [3, 9], [5, 5], [4, 8, 6], [1, 2, 3, 4]])
    func quantilesOfFewValuesAreExact(values: [UInt64]) {
        var statistics = LagStatistics()
        for value in values { statistics.record(value) }
        let sorted = values.sorted()
        let expected = [0, 50, 90, 99, 100].map { (percent: UInt64) in
            sorted[Int(max(1, (UInt64(values.count) * percent + 99) / 100)) - 1]
        }
        #expect(statistics.quantiles(percent: [0, 50, 90, 99, 100]) == expected)
        #expect(statistics.count == values.count && statistics.min == sorted.first && statistics.max == sorted.last)
    }

    @Test func blocksGrowWithoutMovingAndAreGivenBack() {
        let blocks = ChunkedArray<Int>()
        let count = ChunkedArray<Int>.chunkSize * 2 + 5
        for value in 0..<count { blocks.append(value) }
        blocks[count - 1] += 1
        #expect(blocks.count == count && blocks.chunkCount == 3)
        #expect(blocks[0] == 0 && blocks[ChunkedArray<Int>.chunkSize] == ChunkedArray<Int>.chunkSize)
        #expect(blocks[count - 1] == count)
        #expect(blocks.positions(ofChunk: 2) == ChunkedArray<Int>.chunkSize * 2..<count)
    }

    @Test func aPermutationMovesEachElementToItsPlace() {
        var letters = Array("dacb")
        var order: [Int32] = [1, 3, 2, 0]
        ResultAssembly.permute(&letters, by: &order)
        #expect(String(letters) == "abcd")
    }

    /// Rows sorted through their positions come out as a stable sort of the rows leaves them:
    /// rows equal by the order keep their input order.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func sortingPositionsIsAStableSort(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let rows = (0..<5_000).map { position in (key: Int(random.next() % 50), position: position) }
        var sorted = rows
        ResultAssembly.sort(&sorted) { $0.key < $1.key }
        #expect(sorted.map(\.position) == rows.sorted { $0.key < $1.key }.map(\.position))
        #expect(
            zip(sorted, sorted.dropFirst()).allSatisfy {
                $0.key < $1.key || $0.key == $1.key && $0.position < $1.position
            })
    }
}

/// Long texts past a table's memory budget wait in a temporary file: the table's memory stays
/// within the budget, and every text comes back whole under the same id.
@Suite struct SpilledTextTests {
    private func text(_ number: Int, length: Int = 10_000) -> [UInt8] {
        Array("\(number) ".utf8) + Array(repeating: UInt8(ascii: "x"), count: length)
    }

    private func intern(_ bytes: [UInt8], in table: inout StringTable) -> Int32 {
        bytes.withUnsafeBufferPointer { table.intern($0) }
    }

    @Test func textsPastTheBudgetAreKeptOutOfMemoryAndComeBackWhole() {
        var table = StringTable(memoryBudget: 25_000)
        let short = intern(Array("User initiated".utf8), in: &table)
        let ids = (0..<50).map { intern(text($0), in: &table) }
        #expect(Set(ids).count == 50)
        #expect(table.byteCount <= 25_000, "\(table.byteCount) bytes in memory")
        // The same texts again: the same ids, whether they are in memory or in the file.
        #expect((0..<50).map { intern(text($0), in: &table) } == ids)
        #expect(intern(Array("User initiated".utf8), in: &table) == short)
        #expect(intern([], in: &table) != short)
        let copy = table
        for (number, id) in ids.enumerated() {
            #expect(Array(copy.bytes(id)) == text(number))
        }
        // Short texts stay in memory past the budget.
        let later = intern(Array("AutoPaused".utf8), in: &table)
        #expect(table.string(later) == "AutoPaused")
    }

    @Test func withoutABudgetEveryTextStaysInMemory() {
        var table = StringTable()
        for number in 0..<10 { _ = intern(text(number), in: &table) }
        #expect(table.byteCount == (0..<10).reduce(0) { $0 + text($1).count })
    }

    /// A text that cannot be read back from the file is an error naming the file's folder, never
    /// zero bytes in its place.
    @Test(arguments: [-1, 0]) func aTextThatCannotBeReadBackIsAnError(failure: Int) throws {
        let folder = Spool.folder
        let spill = SpilledStrings(folder: folder) { _, _, _, _ in
            errno = EIO
            return failure
        }
        let place = try #require(text(1).withUnsafeBufferPointer { spill.append($0) })
        #expect(throws: SpillReadError.self) { try spill.readBack(place) }
        do {
            _ = try spill.readBack(place)
        } catch {
            #expect(error.description.contains("temporary file of long texts in \(folder)"))
            #expect(error.description.contains(failure < 0 ? "Input/output error" : "it ended early"))
        }
        let readable = SpilledStrings(folder: folder)
        let kept = try #require(text(2).withUnsafeBufferPointer { readable.append($0) })
        #expect(try readable.readBack(kept) == text(2))
    }
}
