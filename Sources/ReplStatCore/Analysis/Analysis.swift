/// Runs the stages in data-flow order over the sources: read and inflate, frame lines, decode
/// and validate (`DecodingLanes`), then, in input order on the calling thread, the merge: lane
/// ids translated to the run's (`IdTranslation`), each line's outcome recorded
/// (`OutcomeLedger`), samples ordered within the reorder window and derived per index
/// (`IndexPartitions`), and live events announced (`LiveEventRules`). `finish` assembles the
/// result (`ResultAssembly`).
///
/// The outcome does not depend on the number of jobs or on how the input was cut.
public final class Analysis: DecodedPieceConsumer {
    public let options: AnalysisOptions
    /// The index names and texts met so far, by the ids that live events carry.
    public let names: RunNames
    private let lanes: DecodingLanes
    private var ids: IdTranslation
    private var ledger: OutcomeLedger
    private let partitions: IndexPartitions
    private var eventRules: LiveEventRules?
    /// The outcome of each line of the piece being merged.
    private var outcomes: [Outcome] = []

    /// Decompressed bytes and lines read so far, over all sources.
    public private(set) var bytesRead: Int64 = 0
    public private(set) var linesRead: Int64 = 0
    /// Called after each piece of input is merged, e.g. to show progress at a terminal.
    public var onChunk: ((Analysis) -> Void)?

    /// - Parameters:
    ///   - rejects: receives every rejected line, in input order.
    ///   - events: receives live events as they become final; the run then uses one thread,
    ///     so that they come in the order of the lines, and its result leaves out the rows of
    ///     transitions and stalls, which went out as events (unless `options.keepsRowsWithEvents`).
    ///   - names: where the run keeps the index names and texts it meets, for whoever prints
    ///     the live events.
    public init(
        options: AnalysisOptions, rejects: RejectSink? = nil, events: LiveEventSink? = nil,
        names: RunNames = RunNames()
    ) {
        self.options = options
        self.names = names
        // Live events must come in the order of the lines: one lane, one partition.
        let jobs = events == nil ? max(1, options.jobs) : 1
        lanes = DecodingLanes(
            jobs: jobs, maxLineBytes: options.maxLineBytes, chunkSize: options.chunkSize, keepLines: rejects != nil)
        ids = IdTranslation(names: names)
        ledger = OutcomeLedger(rejects: rejects)
        partitions = IndexPartitions(count: jobs, options: options, events: events)
        eventRules = events.map(LiveEventRules.init)
    }

    /// Reads one source to its end (or to its damage) and merges its lines.
    public func consume(_ source: InputSource) {
        consume([source])
    }

    /// Reads the sources in order, each to its end (or to its damage), and merges their lines.
    public func consume(_ sources: [InputSource]) {
        ids.startLanes(lanes.jobs)
        lanes.read(sources, into: self)
    }

    /// Merges lines that come already cut instead of read from sources (the records of a
    /// distributed analysis, `PartialAnalysis`): `feed` hands the run, on this thread and in
    /// input order, each source's begin, its pieces decoded by one `DecodeLane` of number 0,
    /// and its end.
    func consumeDecoded(_ feed: (Analysis) throws -> Void) rethrows {
        ids.startLanes(1)
        try feed(self)
    }

    /// Flushes the reorder windows and assembles the result.
    public func finish() -> AnalysisResult {
        let summaries = partitions.finish()
        ledger.add(partitionCounts: partitions.counts)
        return ResultAssembly.assemble(
            sources: ledger.sources, summaries: consume summaries, partitions: partitions.all, names: names)
    }

    /// The outcomes of the lines merged so far, over all sources. Only for a run with live
    /// events, whose one partition works on the merge's thread; asked from `onChunk`.
    public var outcomesSoFar: OutcomeCounts {
        var total = OutcomeCounts()
        for source in ledger.sources { total.add(source.counts) }
        for counts in partitions.counts { total.add(counts) }
        return total
    }

    // MARK: - the merge

    func beginSource(_ source: InputSource) {
        ledger.begin(source)
    }

    func endSource(_ failure: SourceFailure?) {
        ledger.end(failure)
    }

    /// Merges a decoded piece: its lines get their final outcome (late and duplicate are
    /// decided by the index partitions, in input order) and its samples go on to their partitions.
    func merge(_ piece: DecodedPiece) {
        let laneIds = ids.learn(piece)
        if eventRules == nil {
            mergeInBatches(piece, laneIds: laneIds)
        } else {
            mergeLineByLine(piece, laneIds: laneIds)
        }
        linesRead += Int64(piece.records.count)
        bytesRead += Int64(piece.byteCount)
        onChunk?(self)
    }

    private func mergeInBatches(_ piece: DecodedPiece, laneIds: LaneIds) {
        // Decoding decided every outcome but those of samples, which their index's partition
        // decides. The loop runs on locals and buffers: through the class's properties, each entry
        // cost exclusivity checks, retains and copy-on-write checks, most of the merge's time.
        let lines = piece.records.count
        let partitionCount = partitions.all.count
        let firstOrdinal = linesRead
        let keepsOutcomes = ledger.rejects != nil
        var batches = partitions.emptyBatches(forLines: lines)
        var outcomes: [Outcome] = []
        if keepsOutcomes {
            swap(&outcomes, &self.outcomes)
            outcomes.removeAll(keepingCapacity: true)
            outcomes.append(contentsOf: repeatElement(.status, count: lines))
        }
        var decided = [Int](repeating: 0, count: Outcome.allCases.count)
        piece.records.withUnsafeBufferPointer { records in
            batches.withUnsafeMutableBufferPointer { batches in
                decided.withUnsafeMutableBufferPointer { decided in
                    outcomes.withUnsafeMutableBufferPointer { outcomes in
                        for position in 0..<lines {
                            let outcome: Outcome
                            switch records[position] {
                            case .rejected(let rejected):
                                outcome = rejected
                            case .error(let sample):
                                let sample = laneIds.translate(sample)
                                batches[Int(sample.index) % partitionCount].append(
                                    .error(sample, ordinal: firstOrdinal + Int64(position)))
                                outcome = .error
                            case .status(let sample):
                                let sample = laneIds.translate(sample)
                                batches[Int(sample.index) % partitionCount].append(
                                    .status(sample, position: Int32(position)))
                                continue
                            }
                            decided[outcome.rawValue] += 1
                            if keepsOutcomes { outcomes[position] = outcome }
                        }
                    }
                }
            }
        }
        let source = ledger.sourcePlace
        if !keepsOutcomes {
            partitions.processBatchesInBackground(&batches, source: source, shardLists: piece.shardLists)
            ledger.count(decided: decided, lines: lines)
            return
        }
        outcomes.withUnsafeMutableBufferPointer { buffer in
            partitions.processBatches(
                &batches, source: source, shardLists: piece.shardLists,
                outcomes: OutcomeSlots(base: buffer.baseAddress!))
        }
        for position in 0..<lines {
            ledger.record(outcomes[position], in: piece, at: position)
        }
        swap(&outcomes, &self.outcomes)
    }

    /// Live events must come in the order of the lines, however the input was cut: one line at
    /// a time, on this thread, through the single partition.
    private func mergeLineByLine(_ piece: DecodedPiece, laneIds: LaneIds) {
        let source = ledger.sourcePlace
        for (position, record) in piece.records.enumerated() {
            let outcome: Outcome
            switch record {
            case .rejected(let rejected):
                outcome = rejected
            case .error(let sample):
                let global = laneIds.translate(sample)
                partitions.all[0].process(
                    .error(global, ordinal: linesRead + Int64(position)), shardLists: piece.shardLists, source: source)
                outcome = .error
            case .status(let sample):
                let global = laneIds.translate(sample)
                outcome =
                    partitions.all[0].process(
                        .status(global, position: 0), shardLists: piece.shardLists, source: source)
                    ?? .status
            }
            let line = ledger.record(outcome, in: piece, at: position)
            if outcome.isReject { eventRules?.rejected(source: ledger.sourceName, line: line, outcome: outcome) }
        }
    }
}
