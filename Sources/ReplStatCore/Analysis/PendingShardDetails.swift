/// The shard checkpoints of the samples that wait in one index shard's reorder windows, kept
/// beside them so that a sample stays a plain value: a sample holds its list's number here
/// in `shardDetails` from the moment it is offered until the window releases it or turns it away.
/// Numbers are reused, so the lists held follow the samples waiting, not the input.
struct PendingShardDetails {
    private var lists: [[ShardCheckpoints]] = []
    private var unused: [Int32] = []

    /// Keeps a list; returns its number.
    mutating func keep(_ list: [ShardCheckpoints]) -> Int32 {
        if let number = unused.popLast() {
            lists[Int(number)] = list
            return number
        }
        lists.append(list)
        return Int32(lists.count - 1)
    }

    /// Gives a list back and forgets it (moved out: no copy, no count of references to change).
    mutating func release(_ number: Int32) -> [ShardCheckpoints] {
        var list: [ShardCheckpoints] = []
        swap(&list, &lists[Int(number)])
        unused.append(number)
        return list
    }
}
