import Testing

@testable import ReplStatCore

@Suite struct IndexPartitionsTests {
    /// 1,001 lines in two partitions: one gets 501 samples, and a few more may come to either.
    @Test func aBatchTakesTheLargerShareOfAPieceWithoutGrowingAndIsNotTwiceTheShare() {
        let partitions = IndexPartitions(count: 2, options: AnalysisOptions(), events: nil)
        for var batch in partitions.emptyBatches(forLines: 1001) {
            let room = batch.capacity
            #expect(room < 2 * 500)
            let sample = StatusSample(timestamp: 0, index: 0, status: .syncing, reason: 0)
            batch.append(contentsOf: repeatElement(.status(sample, position: 0), count: 510))
            #expect(batch.capacity == room)
        }
    }
}
