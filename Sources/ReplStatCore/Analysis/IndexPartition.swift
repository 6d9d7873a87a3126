/// A sample or an error sample on its way to the partition that owns its index; a status sample
/// comes with the place of its line in the piece, where the partition reports the line's outcome,
/// and an error sample with its place among all the lines of the run, which orders error episodes.
enum PartitionEntry: Sendable {
    case status(StatusSample, position: Int32)
    case error(ErrorSample, ordinal: Int64)

    var index: Int32 {
        switch self {
        case .status(let sample, _): sample.index
        case .error(let sample, _): sample.index
        }
    }
}

/// Where partitions write the outcome of each line of a piece: every partition writes only the
/// positions of its own entries, so they never touch the same element.
struct OutcomeSlots: @unchecked Sendable {
    let base: UnsafeMutablePointer<Outcome>

    func set(_ position: Int32, _ outcome: Outcome) {
        base[Int(position)] = outcome
    }
}

/// The ordering and derivation stages for the indices whose id is `number` modulo the
/// number of partitions: their reorder windows and derivations, used only by one work item at a
/// time (hence `@unchecked Sendable`). Partitioning spreads the per-index state, whose cache
/// misses dominate this stage with thousands of indices, across the cores.
final class IndexPartition: @unchecked Sendable {
    let number: Int
    let count: Int
    private let options: AnalysisOptions
    // Every sample modifies these in place. Checked, each access goes through the runtime's
    // exclusivity check, which also keeps the reorder window and the derivation from being
    // inlined here: 12 to 15% more CPU for the whole analysis (README, Performance). One work item
    // at a time uses a partition, so no two accesses can overlap.
    @exclusivity(unchecked) private var windows = ChunkedArray<ReorderWindow>()
    /// Behind a pointer of its own, so that the window's release passes it on as a plain value:
    /// reached through `self` in a closure, it cost a retain and a release of the partition for
    /// every sample released.
    private let pendingShardDetails = UnsafeMutablePointer<PendingShardDetails>.allocate(capacity: 1)
    @exclusivity(unchecked) private var derivations = ChunkedArray<IndexDerivation>()
    /// Per source (by its place in the run), how many of this partition's samples were accepted,
    /// late or duplicate: the partition decides these outcomes, so it counts them.
    @exclusivity(unchecked) private(set) var counts: [OutcomeCounts] = []

    private let settings: DerivationSettings
    /// `count`'s power of two, -1 when it is none: an index's place in the partition is then a
    /// shift, not a division (two per sample: its own and the prefetch's).
    private let countShift: Int
    /// What the derivations found, once `finish()` is done.
    private(set) var found = PartitionFindings()

    init(number: Int, count: Int, options: AnalysisOptions, events: LiveEventSink? = nil) {
        self.number = number
        self.count = count
        self.options = options
        countShift = count.nonzeroBitCount == 1 ? count.trailingZeroBitCount : -1
        pendingShardDetails.initialize(to: PendingShardDetails())
        settings = DerivationSettings(
            maxGap: options.maxGap, stallAfter: options.stallAfter, events: events, lagAlert: options.lagAlert,
            keepsRows: options.keepsRowsWithEvents, timelineCapacity: options.timelineCapacity)
    }

    deinit {
        // A run stopped before `finish` still holds samples in its windows' buffers.
        for local in 0..<windows.count { windows.address(of: local).pointee.discard() }
        pendingShardDetails.deinitialize(count: 1)
        pendingShardDetails.deallocate()
    }

    /// Processes a piece's entries for this partition, in input order; with `outcomes`, also writes
    /// each status sample's outcome at its line's place, for the rejects file. `shardLists`
    /// are the piece's, where its samples' `shardDetails` point.
    func process(_ entries: [PartitionEntry], shardLists: [[ShardCheckpoints]], source: Int, outcomes: OutcomeSlots?) {
        makeRoom(source: source)
        // The batch's outcomes are tallied here and added to `counts` once: counted in `counts`
        // itself, each sample went through two copy-on-write checks of arrays.
        var tally = [Int](repeating: 0, count: Outcome.allCases.count)
        // The blocks of state, held once for the batch: read from `self` for each entry, each
        // cost a retain and a release.
        let windows = windows
        let derivations = derivations
        tally.withUnsafeMutableBufferPointer { tally in
            for (number, entry) in entries.enumerated() {
                if number + Self.prefetchDistance < entries.count {
                    prefetchWindow(of: entries[number + Self.prefetchDistance], windows: windows)
                }
                guard
                    let outcome = processCounted(
                        entry, shardLists: shardLists, windows: windows, derivations: derivations)
                else { continue }
                tally[outcome.rawValue] += 1
                if case .status(_, let position) = entry { outcomes?.set(position, outcome) }
            }
        }
        for outcome in Outcome.allCases where tally[outcome.rawValue] > 0 {
            counts[source].add(outcome, tally[outcome.rawValue])
        }
    }

    /// Processes one entry; returns a status sample's outcome.
    @discardableResult
    func process(_ entry: PartitionEntry, shardLists: [[ShardCheckpoints]], source: Int) -> Outcome? {
        makeRoom(source: source)
        let outcome = processCounted(entry, shardLists: shardLists, windows: windows, derivations: derivations)
        if let outcome { counts[source].add(outcome) }
        return outcome
    }

    /// How many entries ahead of the one processed the partition asks for the sample its index's
    /// window will release: with thousands of indices that sample is out of the cache (about 10%
    /// of the CPU of --jobs 1 waited for it), and a few entries give the line time to come.
    private static let prefetchDistance = 6

    @inline(__always)
    private func prefetchWindow(of entry: PartitionEntry, windows: ChunkedArray<ReorderWindow>) {
        let local = place(of: entry.index)
        if local < windows.count { windows.address(of: local).pointee.prefetchOldest() }
    }

    /// The place of index `index` among this partition's.
    @inline(__always)
    private func place(of index: Int32) -> Int {
        countShift >= 0 ? Int(index) &>> countShift : Int(index) / count
    }

    private func makeRoom(source: Int) {
        while counts.count <= source { counts.append(OutcomeCounts()) }
    }

    @inline(__always)
    private func processCounted(
        _ entry: PartitionEntry, shardLists: [[ShardCheckpoints]], windows: ChunkedArray<ReorderWindow>,
        derivations: ChunkedArray<IndexDerivation>
    ) -> Outcome? {
        let local = place(of: entry.index)
        while derivations.count <= local {
            let index = Int32(derivations.count * count + number)
            derivations.append(IndexDerivation(index: index, settings: settings))
            windows.append(ReorderWindow(window: options.reorderWindow))
        }
        let derivation = derivations.address(of: local)
        switch entry {
        case .error(let sample, let ordinal):
            derivation.pointee.add(sample, ordinal: ordinal)
            return nil
        case .status(var sample, _):
            let hasShards = sample.shardDetails != StatusSample.none
            let pending = pendingShardDetails
            if hasShards { sample.shardDetails = pending.pointee.keep(shardLists[Int(sample.shardDetails)]) }
            // The closure holds two pointers and no reference: nothing is retained per sample.
            let outcome = windows.address(of: local).pointee.offer(sample) {
                Self.release($0, to: derivation, pending: pending)
            }
            if hasShards && outcome != .status { _ = pending.pointee.release(sample.shardDetails) }
            return outcome
        }
    }

    @inline(__always)
    private static func release(
        _ sample: StatusSample, to derivation: UnsafeMutablePointer<IndexDerivation>,
        pending: UnsafeMutablePointer<PendingShardDetails>
    ) {
        if sample.shardDetails == StatusSample.none {
            derivation.pointee.add(sample)
        } else {
            derivation.pointee.add(sample, shards: pending.pointee.release(sample.shardDetails))
        }
    }

    /// Releases what the windows still hold, completes the derivations and keeps the rows they
    /// found in `found`; returns how many indices have figures (those with a sample).
    func finish() -> Int {
        var withSamples = 0
        for local in 0..<derivations.count {
            let derivation = derivations.address(of: local)
            windows[local].flush { [pendingShardDetails] in
                Self.release($0, to: derivation, pending: pendingShardDetails)
            }
            derivations[local].finish()
        }
        // Room of the exact size for the rows: grown by doubling as they came, the tables held up
        // to twice the rows of a long capture while the derivations still held theirs.
        var rows = PartitionFindings.Counts()
        for local in 0..<derivations.count { rows.add(derivations[local]) }
        found.reserve(rows)
        for local in 0..<derivations.count where found.add(&derivations[local]) { withSamples += 1 }
        windows = ChunkedArray()
        return withSamples
    }

    /// Writes the figures of each index with a sample to `destination`, one after the other,
    /// giving back the per-index state a block at a time: the figures of every index are never
    /// held twice. Returns how many it wrote.
    func writeSummaries(to destination: UnsafeMutablePointer<IndexSummary>) -> Int {
        var written = 0
        for chunk in 0..<derivations.chunkCount {
            for local in derivations.positions(ofChunk: chunk) where derivations[local].hasSamples {
                (destination + written).initialize(to: derivations[local].summary)
                written += 1
            }
            derivations.release(chunk: chunk)
        }
        derivations = ChunkedArray()
        return written
    }

    /// Hands over the rows the derivations found, and forgets them.
    func takeFindings() -> PartitionFindings {
        defer { found = PartitionFindings() }
        return found
    }
}

/// The rows the derivations of a partition found, gathered at the end.
struct PartitionFindings {
    var transitions: [TransitionRow] = []
    var stalls: [StallRow] = []
    var gaps: [GapRow] = []
    /// Rows of error episodes given as rows (`ResultMerge`).
    var errorEpisodes: [ErrorEpisode] = []
    /// The error episodes of the derivations, as compactly as they kept them.
    var errorEpisodeStreams = ErrorEpisodeStreams()
    var shards: [ShardSummary] = []
    var stillOpen: [OpenAtEnd] = []

    /// How many rows of each table.
    struct Counts {
        var transitions = 0, stalls = 0, gaps = 0, shards = 0, stillOpen = 0
        var errorEpisodeIndices = 0, errorEpisodeBytes = 0

        mutating func add(_ derivation: IndexDerivation) {
            guard derivation.hasSamples else { return }
            transitions += derivation.transitions.count
            stalls += derivation.stalls.count
            gaps += derivation.gaps.count
            if derivation.errorEpisodeCount > 0 {
                errorEpisodeIndices += 1
                errorEpisodeBytes += ErrorEpisodeStreams.bytesBound(of: derivation.errorEpisodeLog)
            }
            shards += derivation.shardCount
            stillOpen += derivation.stillOpen.count
        }
    }

    mutating func reserve(_ counts: Counts) {
        transitions.reserveCapacity(transitions.count + counts.transitions)
        stalls.reserveCapacity(stalls.count + counts.stalls)
        gaps.reserveCapacity(gaps.count + counts.gaps)
        errorEpisodeStreams.reserve(indices: counts.errorEpisodeIndices, streamBytes: counts.errorEpisodeBytes)
        shards.reserveCapacity(shards.count + counts.shards)
        stillOpen.reserveCapacity(stillOpen.count + counts.stillOpen)
    }

    /// Takes a finished derivation's rows (it keeps none); returns whether the index had a sample.
    mutating func add(_ derivation: inout IndexDerivation) -> Bool {
        defer { derivation.forgetRows() }
        guard derivation.hasSamples else { return false }
        transitions += derivation.transitions
        stalls += derivation.stalls
        gaps += derivation.gaps
        errorEpisodeStreams.append(derivation.errorEpisodeLog)
        if derivation.hasShards { shards += derivation.shards }
        stillOpen += derivation.stillOpen
        return true
    }
}
