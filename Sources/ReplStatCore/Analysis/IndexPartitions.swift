import Dispatch

/// The index partitions and the serial queues they run on. The merge puts each sample in its
/// partition's batch, then runs the batches: waiting for them when every line's outcome is needed
/// before the next piece (the rejects file), or letting them run behind, a few batches per
/// partition at most, so that memory stays bounded.
final class IndexPartitions {
    let all: [IndexPartition]
    private let queues: [DispatchQueue]
    private var batches: [[PartitionEntry]]
    /// Batches a partition may still be given before the merge waits for it.
    private let room: [DispatchSemaphore]

    init(count: Int, options: AnalysisOptions, events: LiveEventSink?) {
        all = (0..<count).map { IndexPartition(number: $0, count: count, options: options, events: events) }
        queues = all.map { DispatchQueue(label: "replstat.partition.\($0.number)") }
        batches = Array(repeating: [], count: count)
        room = all.map { _ in DispatchSemaphore(value: 4) }
    }

    /// Puts an entry in the batch of the partition that owns its index.
    @inline(__always)
    func append(_ entry: PartitionEntry) {
        batches[Int(entry.index) % all.count].append(entry)
    }

    /// Runs each partition on its batch and waits until all are done, so that every line's outcome
    /// is in `outcomes` before the next piece.
    func processBatches(source: Int, shardLists: [[ShardCheckpoints]], outcomes: OutcomeSlots) {
        if all.count == 1 {
            all[0].process(batches[0], shardLists: shardLists, source: source, outcomes: outcomes)
        } else {
            let group = DispatchGroup()
            for (number, partition) in all.enumerated() where !batches[number].isEmpty {
                let batch = batches[number]
                queues[number].async(group: group) {
                    partition.process(batch, shardLists: shardLists, source: source, outcomes: outcomes)
                }
            }
            group.wait()
        }
        for number in batches.indices { batches[number].removeAll(keepingCapacity: true) }
    }

    /// Hands each partition its batch without waiting: without a rejects file, nothing needs a
    /// sample's outcome before the end.
    func processBatchesInBackground(source: Int, shardLists: [[ShardCheckpoints]]) {
        if all.count == 1 {
            all[0].process(batches[0], shardLists: shardLists, source: source, outcomes: nil)
            batches[0].removeAll(keepingCapacity: true)
            return
        }
        for (number, partition) in all.enumerated() where !batches[number].isEmpty {
            let batch = batches[number]
            let room = room[number]
            room.wait()
            queues[number].async {
                partition.process(batch, shardLists: shardLists, source: source, outcomes: nil)
                room.signal()
            }
            batches[number] = []
        }
    }

    /// Waits for the batches under way, then flushes the reorder windows and completes the
    /// derivations; a single partition finishes on this thread, where live events at the end come
    /// from. Returns the figures of every index with a sample, partition after partition, each
    /// written once where it stays.
    func finish() -> [IndexSummary] {
        for queue in queues { queue.sync {} }
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
