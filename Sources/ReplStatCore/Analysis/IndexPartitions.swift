import Dispatch

/// The index partitions and where they run: partition 0 on the merge's thread, each other one
/// on its worker. The merge puts each sample in its partition's batch, then runs the
/// batches: waiting for them when every line's outcome is needed before the next piece (the
/// rejects file), or letting them run behind, a few batches per partition at most, so that memory
/// stays bounded.
final class IndexPartitions {
    let all: [IndexPartition]
    /// The workers of partitions 1 and on: `workers[number - 1]` runs partition `number`.
    private let workers: [SerialWorker]
    /// Batches a partition may still be given before the merge waits for it.
    private let room: [DispatchSemaphore]
    /// Batch arrays given back once processed, for the next pieces: allocated afresh per piece,
    /// they grew by doubling and were freed on another thread.
    private let batchArrays = ArrayPool<PartitionEntry>()

    init(count: Int, options: AnalysisOptions, events: LiveEventSink?) {
        all = (0..<count).map { IndexPartition(number: $0, count: count, options: options, events: events) }
        workers = all.dropFirst().map { SerialWorker(label: "replstat.partition.\($0.number)") }
        room = all.map { _ in DispatchSemaphore(value: 4) }
    }

    /// An empty batch per partition, each with room for its share of the samples of a piece of
    /// `lines` lines and a sixteenth more: consecutive indices go to different partitions, so the
    /// shares are even to within a few samples, and a batch appended past its room would double
    /// in size, and stay doubled in the pool (a long run had them all doubled).
    func emptyBatches(forLines lines: Int) -> [[PartitionEntry]] {
        let share = lines / all.count
        let capacity = share + share / 16 + 4
        return all.map { _ in
            var batch = batchArrays.borrow()
            batch.reserveCapacity(capacity)
            return batch
        }
    }

    /// Runs each partition on its batch (an entry goes to the partition of number its index
    /// modulo the number of partitions) and waits until all are done, so that every line's outcome
    /// is in `outcomes` before the next piece. The batches are taken.
    func processBatches(
        _ batches: inout [[PartitionEntry]], source: Int, shardLists: [[ShardCheckpoints]], outcomes: OutcomeSlots
    ) {
        let group = DispatchGroup()
        for number in all.indices.dropFirst() {
            let batch = take(&batches[number])
            guard !batch.isEmpty else {
                batchArrays.recycle(batch)
                continue
            }
            let (partition, batchArrays) = (all[number], batchArrays)
            group.enter()
            workers[number - 1].async {
                partition.process(batch, shardLists: shardLists, source: source, outcomes: outcomes)
                batchArrays.recycle(batch)
                group.leave()
            }
        }
        processHere(take(&batches[0]), source: source, shardLists: shardLists, outcomes: outcomes)
        group.wait()
    }

    /// Hands each partition its batch without waiting: without a rejects file, nothing needs a
    /// sample's outcome before the end. The batches are taken.
    func processBatchesInBackground(_ batches: inout [[PartitionEntry]], source: Int, shardLists: [[ShardCheckpoints]])
    {
        for number in all.indices.dropFirst() {
            let batch = take(&batches[number])
            guard !batch.isEmpty else {
                batchArrays.recycle(batch)
                continue
            }
            let (partition, room, batchArrays) = (all[number], room[number], batchArrays)
            room.wait()
            workers[number - 1].async {
                partition.process(batch, shardLists: shardLists, source: source, outcomes: nil)
                batchArrays.recycle(batch)
                room.signal()
            }
        }
        processHere(take(&batches[0]), source: source, shardLists: shardLists, outcomes: nil)
    }

    /// Partition 0 runs on the merge's thread, while the others run on their workers: one thread
    /// fewer to wake for every piece, and the merge's thread, which would wait for the next
    /// piece, works meanwhile.
    private func processHere(
        _ batch: [PartitionEntry], source: Int, shardLists: [[ShardCheckpoints]], outcomes: OutcomeSlots?
    ) {
        if !batch.isEmpty { all[0].process(batch, shardLists: shardLists, source: source, outcomes: outcomes) }
        batchArrays.recycle(batch)
    }

    /// Moves a batch out, so that the one left to the partition is the only reference to its
    /// storage and the pool gets it back without a copy.
    private func take(_ batch: inout [PartitionEntry]) -> [PartitionEntry] {
        var taken: [PartitionEntry] = []
        swap(&taken, &batch)
        return taken
    }

    /// Waits for the batches under way, then flushes the reorder windows and completes the
    /// derivations; a single partition finishes on this thread, where live events at the end come
    /// from. Returns the figures of every index with a sample, partition after partition, each
    /// written once where it stays.
    func finish() -> [IndexSummary] {
        for worker in workers { worker.sync() }
        let all = self.all
        var counts = [Int](repeating: 0, count: all.count)
        if all.count == 1 {
            counts[0] = all[0].finish()
        } else {
            counts.withUnsafeMutableBufferPointer { counts in
                let slots = UnsafeSendable(counts)
                DispatchQueue.concurrentPerform(iterations: all.count) { slots.value[$0] = all[$0].finish() }
            }
        }
        let total = counts.reduce(0, +)
        let expected = counts
        return [IndexSummary](unsafeUninitializedCapacity: total) { buffer, initialized in
            let starts = expected.indices.map { expected[..<$0].reduce(0, +) }
            let destination = UnsafeSendable(buffer.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: all.count) { number in
                let written = all[number].writeSummaries(to: destination.value + starts[number])
                precondition(written == expected[number], "a partition's figures changed after it finished")
            }
            initialized = total
        }
    }

    /// What the partitions counted, per source (by its place in the run).
    var counts: [OutcomeCounts] {
        var total: [OutcomeCounts] = []
        for partition in all {
            for (source, counts) in partition.counts.enumerated() {
                if total.count <= source { total.append(OutcomeCounts()) }
                total[source].add(counts)
            }
        }
        return total
    }
}

/// A pointer handed to the partitions' concurrent work, each of which writes only its own part.
private struct UnsafeSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
