/// The shards of one index (`ShardDerivation` each), in the order they were first seen.
///
/// A shard's derivation never moves once made: a line that brings a new shard number costs
/// one insertion in `slots`, not a copy of every shard before it (with a sorted array, lines
/// that each bring a new shard took quadratic time: 20,000 such lines, 54 s). Most lines of an
/// index repeat the previous line's shards, which a comparison of shard numbers confirms
/// without hashing. A status sample that is no lag sample closes only the runs that may be
/// going on (`running`), not every shard the index ever had. Reports see the shards by
/// ascending number (`inOrder`).
struct IndexShards {
    private(set) var derivations: [ShardDerivation] = []
    /// The place in `derivations` of each shard number.
    private var slots: [UInt32: Int32] = [:]
    /// The shards of the index's previous lag sample with shard details, and their places.
    private var previousShards: [UInt32] = []
    private var previousSlots: [Int32] = []
    /// The places of the shards whose run may be going on, each once (`isListed`).
    private var running: [Int32] = []
    private var isListed: [Bool] = []

    var isEmpty: Bool { derivations.isEmpty }
    var count: Int { derivations.count }

    /// Takes in the shards of a lag sample, by ascending shard number.
    mutating func add(
        _ shards: [ShardCheckpoints], at time: Int64, index: Int32, limits: StallLimits, events: LiveEventSink?,
        timelineCapacity: Int
    ) {
        if !repeatsPrevious(shards) { locate(shards, timelineCapacity: timelineCapacity) }
        var started: [Int32] = []
        let places = previousSlots
        // One check that the storage is not shared for the whole line, not one per shard.
        derivations.withUnsafeMutableBufferPointer { derivations in
            for (checkpoints, slot) in zip(shards, places) {
                derivations[Int(slot)].add(checkpoints, at: time, index: index, limits: limits, events: events)
                if derivations[Int(slot)].isRunning && !isListed[Int(slot)] { started.append(slot) }
            }
        }
        for slot in started {
            isListed[Int(slot)] = true
            running.append(slot)
        }
    }

    /// Ends the runs going on, by ascending shard number: a status sample that is no lag sample
    /// came between (`ShardDerivation.close`).
    mutating func close(index: Int32, limits: StallLimits, events: LiveEventSink?) {
        guard !running.isEmpty else { return }
        var closing = running
        running = []
        // Read in place: a copy of the array kept past this line would make the first `close`
        // below copy every shard of the index.
        derivations.withUnsafeBufferPointer { all in closing.sort { all[Int($0)].shard < all[Int($1)].shard } }
        for slot in closing {
            self.derivations[Int(slot)].close(index: index, limits: limits, events: events)
            isListed[Int(slot)] = false
        }
        closing.removeAll(keepingCapacity: true)
        running = closing
    }

    /// The places of the shards by ascending shard number.
    func inOrder() -> [Int32] {
        var order = (0..<Int32(derivations.count)).map { $0 }
        order.sort { derivations[Int($0)].shard < derivations[Int($1)].shard }
        return order
    }

    /// Ends every run without announcing an end (the end of the capture), by ascending shard
    /// number: the shard and start of each that was a stall.
    mutating func finish(limits: StallLimits) -> [(shard: UInt32, start: Int64)] {
        var open: [(shard: UInt32, start: Int64)] = []
        for slot in inOrder() {
            if let start = derivations[Int(slot)].finish(limits: limits) {
                open.append((derivations[Int(slot)].shard, start))
            }
        }
        running.removeAll()
        for slot in isListed.indices { isListed[slot] = false }
        return open
    }

    /// A row per shard, by ascending shard number.
    func summaries(index: Int32) -> [ShardSummary] {
        inOrder().map { derivations[Int($0)].summary(index: index) }
    }

    private func repeatsPrevious(_ shards: [ShardCheckpoints]) -> Bool {
        guard shards.count == previousShards.count else { return false }
        for (checkpoints, shard) in zip(shards, previousShards) where checkpoints.shard != shard { return false }
        return true
    }

    /// Finds the place of each of the line's shards, making the new ones.
    private mutating func locate(_ shards: [ShardCheckpoints], timelineCapacity: Int) {
        previousShards.removeAll(keepingCapacity: true)
        previousSlots.removeAll(keepingCapacity: true)
        for checkpoints in shards {
            let slot: Int32
            if let known = slots[checkpoints.shard] {
                slot = known
            } else {
                slot = Int32(derivations.count)
                slots[checkpoints.shard] = slot
                derivations.append(ShardDerivation(shard: checkpoints.shard, timelineCapacity: timelineCapacity))
                isListed.append(false)
            }
            previousShards.append(checkpoints.shard)
            previousSlots.append(slot)
        }
    }
}
