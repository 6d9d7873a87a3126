import Dispatch

/// Receives every rejected line with where it came from, e.g. to write the rejects file.
public protocol RejectSink: AnyObject {
    func reject(source: String, line: Int, outcome: Outcome, bytes: UnsafeRawBufferPointer)
    /// A line over the limit whose bytes went to a spool as it was read.
    func reject(source: String, line: Int, outcome: Outcome, spool: Spool)
}

extension RejectSink {
    /// Reads the whole line into memory: fine for a sink that keeps little, not for the
    /// rejects file, which streams it (`RejectsFile`).
    public func reject(source: String, line: Int, outcome: Outcome, spool: Spool) {
        var bytes: [UInt8] = []
        try? spool.read { bytes.append(contentsOf: $0) }
        bytes.withUnsafeBytes { reject(source: source, line: line, outcome: outcome, bytes: $0) }
    }
}

/// What happened to one source.
public struct SourceReport: Sendable {
    public var name: String
    public var counts: OutcomeCounts
    /// Why reading stopped early, if it did.
    public var failure: SourceFailure?
}

/// The outcome of an analysis: everything the reports print.
public struct AnalysisResult: Sendable {
    public var sources: [SourceReport]
    /// One per index with a status or error sample, sorted by index name (byte order).
    public var indices: [IndexSummary]
    /// Sorted by (timestamp, index).
    public var transitions: [TransitionRow]
    /// Sorted by (start, index).
    public var stalls: [StallRow]
    /// Capture gaps, sorted by (start, index).
    public var gaps: [GapRow]
    /// Error episodes, sorted by (start, index, input position of their first sample).
    public var errorEpisodes: [ErrorEpisode]
    /// One per (index, shard number) with a shard sample, sorted by (index, shard number).
    public var shards: [ShardSummary]
    /// Stalls and lag breaches that were announced and still went on when the input ended,
    /// sorted by (start, index): `watch` reports no end it did not see.
    public var stillOpen: [OpenAtEnd]
    /// Index names by id.
    public var indexNames: StringTable
    /// Reasons, leader aliases, leader index names and error types by id.
    public var texts: StringTable

    public var totals: OutcomeCounts {
        sources.reduce(into: OutcomeCounts()) { $0.add($1.counts) }
    }

    public var failures: [SourceFailure] { sources.compactMap(\.failure) }

    public func indexName(_ id: Int32) -> String { indexNames.string(id) }

    /// The text for an id, or nil for `StatusSample.none`.
    public func text(_ id: Int32) -> String? { id == StatusSample.none ? nil : texts.string(id) }
}

/// Runs the stages in data-flow order over the sources: read and inflate, frame lines,
/// decode and validate, order within the reorder window, derive per index.
///
/// With more than one job, a reader thread reads, inflates and cuts the input into pieces of
/// whole lines; decoding lanes (one per job) decode pieces in parallel; and the calling thread
/// merges their results in input order, so the outcome does not depend on the number of jobs
/// or on how the input was cut. At most a fixed number of pieces is in flight.
public final class Analysis {
    public let options: AnalysisOptions
    private let rejects: RejectSink?
    private let events: LiveEventSink?
    /// Indices whose last line was an error sample: the next one is not announced again.
    private var errorRuns = Set<Int32>()

    private var indexNames = StringTable()
    private var texts = StringTable()
    /// Per lane, the global id of each of the lane's own string ids.
    private var laneIndexIds: [[Int32]] = []
    private var laneTextIds: [[Int32]] = []
    /// Ordering and derivation, sharded by index id.
    private let shards: [IndexShard]
    private let shardQueues: [DispatchQueue]
    private var shardBatches: [[ShardEntry]]
    /// Batches a shard may still take before the merge waits for it.
    private let shardRoom: [DispatchSemaphore]
    private var outcomes: [Outcome] = []
    /// Storage reused from piece to piece: the bytes of pieces and the decoded records.
    private let pieceBuffers = ArrayPool<UInt8>()
    private let recordArrays = ArrayPool<DecodedLine>()
    private var sourceReports: [SourceReport] = []

    private var sourceName = ""
    private var sourceCounts = OutcomeCounts()
    private var lineNumber = 0

    /// The name of an index id, as the run knows it so far (for live events).
    public func indexName(_ id: Int32) -> String { indexNames.string(id) }

    /// The text of an id of a reason, alias or leader index, or nil for `StatusSample.none`.
    public func text(_ id: Int32) -> String? { id == StatusSample.none ? nil : texts.string(id) }

    /// Decompressed bytes and lines taken in so far, over all sources.
    public private(set) var bytesRead: Int64 = 0
    public private(set) var linesRead: Int64 = 0
    /// Called after each piece of input is taken in, e.g. to show progress at a terminal.
    public var onChunk: ((Analysis) -> Void)?

    /// - Parameters:
    ///   - rejects: receives every rejected line, in input order.
    ///   - events: receives live events as they become final; the run then uses one thread,
    ///     so that they come in the order of the lines, and its result leaves out the rows of
    ///     transitions and stalls, which went out as events (unless `options.keepsRowsWithEvents`).
    public init(options: AnalysisOptions, rejects: RejectSink? = nil, events: LiveEventSink? = nil) {
        self.options = options
        self.rejects = rejects
        self.events = events
        let shardCount = events == nil ? max(1, options.jobs) : 1
        shards = (0..<shardCount).map {
            IndexShard(number: $0, count: shardCount, options: options, events: events)
        }
        shardQueues = shards.map { DispatchQueue(label: "replstat.shard.\($0.number)") }
        shardBatches = Array(repeating: [], count: shardCount)
        shardRoom = shards.map { _ in DispatchSemaphore(value: 4) }
    }

    /// Reads one source to its end (or to its damage) and takes in its lines.
    public func consume(_ source: InputSource) {
        consume([source])
    }

    /// Reads the sources in order, each to its end (or to its damage), and takes in their lines.
    public func consume(_ sources: [InputSource]) {
        let jobs = events == nil ? max(1, options.jobs) : 1
        let lanes = (0..<jobs).map { DecodeLane(number: $0, recordArrays: recordArrays) }
        // New lanes start with empty string tables.
        laneIndexIds = Array(repeating: [], count: jobs)
        laneTextIds = Array(repeating: [], count: jobs)
        if jobs == 1 {
            consumeInline(sources, lane: lanes[0])
        } else {
            consumeInParallel(sources, lanes: lanes)
        }
    }

    private func consumeInline(_ sources: [InputSource], lane: DecodeLane) {
        // The rejects file writes rejected lines.
        let keepLines = rejects != nil
        let maxLineBytes = options.maxLineBytes
        for source in sources {
            beginSource(source)
            // A line over the limit is held whole only to be written to the rejects file.
            var framer = LineFramer(maxLineBytes: maxLineBytes, keepLongLines: rejects != nil)
            let take: (FramedPiece) -> Void = { piece in
                switch piece {
                case .lines(let bytes):
                    self.merge(lane.decode(bytes, maxLineBytes: maxLineBytes, keepLines: keepLines))
                case .longLine(let isBlank, let spool):
                    self.merge(lane.longLine(isBlank: isBlank, spool: spool))
                }
            }
            let failure = Self.read(source, chunkSize: options.chunkSize) { framer.cut($0, emit: take) }
            if failure?.kind != .unreadable { framer.finishPieces(emit: take) }
            endSource(failure)
        }
    }

    private func consumeInParallel(_ sources: [InputSource], lanes: [DecodeLane]) {
        let handoff = OrderedHandoff(capacity: 4 * lanes.count + 4)
        let queues = lanes.map { DispatchQueue(label: "replstat.decode.\($0.number)") }
        let keepLines = rejects != nil
        let maxLineBytes = options.maxLineBytes
        let chunkSize = options.chunkSize
        let readerDone = DispatchSemaphore(value: 0)
        let pieceBuffers = self.pieceBuffers

        DispatchQueue.global(qos: .userInitiated).async {
            var sequence = 0
            func send(_ piece: FramedPiece) {
                handoff.reserve()
                let number = sequence
                sequence += 1
                let lane = lanes[number % lanes.count]
                switch piece {
                case .lines(let buffer):
                    var filling = pieceBuffers.take()
                    filling.append(contentsOf: buffer)
                    let bytes = filling
                    queues[lane.number].async {
                        let decoded = bytes.withUnsafeBytes {
                            lane.decode($0, maxLineBytes: maxLineBytes, keepLines: keepLines)
                        }
                        pieceBuffers.give(bytes)
                        handoff.put(.piece(decoded), sequence: number)
                    }
                case .longLine(let isBlank, let spool):
                    handoff.put(.piece(lane.longLine(isBlank: isBlank, spool: spool)), sequence: number)
                }
            }
            for source in sources {
                var framer = LineFramer(maxLineBytes: maxLineBytes, keepLongLines: keepLines)
                let failure = Self.read(source, chunkSize: chunkSize) { framer.cut($0, emit: send) }
                if failure?.kind != .unreadable { framer.finishPieces(emit: send) }
                handoff.reserve()
                handoff.put(.endOfSource(failure), sequence: sequence)
                sequence += 1
            }
            readerDone.signal()
        }

        var sequence = 0
        for source in sources {
            beginSource(source)
            reading: while true {
                let item = handoff.take(sequence: sequence)
                sequence += 1
                switch item {
                case .piece(let piece):
                    merge(piece)
                case .endOfSource(let failure):
                    endSource(failure)
                    break reading
                }
            }
        }
        readerDone.wait()
    }

    /// Reads a source through `consume`; returns why it stopped early, if it did.
    private static func read(
        _ source: InputSource, chunkSize: Int, consume: (UnsafeRawBufferPointer) -> Void
    ) -> SourceFailure? {
        do {
            try SourceReader(chunkSize: chunkSize).read(source, consume: consume)
            return nil
        } catch {
            return error
        }
    }

    private func beginSource(_ source: InputSource) {
        sourceName = source.name
        sourceCounts = OutcomeCounts()
        lineNumber = 0
    }

    private func endSource(_ failure: SourceFailure?) {
        sourceReports.append(SourceReport(name: sourceName, counts: sourceCounts, failure: failure))
    }

    /// Takes in a decoded piece: its lines get their final outcome (late and duplicate are
    /// decided here, in input order) and its samples go through the reorder windows.
    private func merge(_ piece: DecodedPiece) {
        for name in piece.newIndexNames {
            laneIndexIds[piece.lane].append(name.withUnsafeBufferPointer { indexNames.intern($0) })
        }
        for text in piece.newTexts {
            laneTextIds[piece.lane].append(text.withUnsafeBufferPointer { texts.intern($0) })
        }
        if events == nil {
            mergeInBatches(piece)
        } else {
            mergeLineByLine(piece)
        }
        linesRead += Int64(piece.records.count)
        bytesRead += Int64(piece.byteCount)
        recordArrays.give(piece.records)
        onChunk?(self)
    }

    /// A lane's sample with the ids of the whole run, given the lane's id maps (looked up once
    /// per piece by the caller, not once per sample).
    private func globalSample(_ sample: StatusSample, indexIds: [Int32], textIds: [Int32]) -> StatusSample {
        var sample = sample
        sample.index = indexIds[Int(sample.index)]
        sample.reason = Self.globalText(sample.reason, textIds)
        sample.leaderAlias = Self.globalText(sample.leaderAlias, textIds)
        sample.leaderIndex = Self.globalText(sample.leaderIndex, textIds)
        return sample
    }

    private func globalSample(_ sample: ErrorSample, indexIds: [Int32], textIds: [Int32]) -> ErrorSample {
        var sample = sample
        sample.index = indexIds[Int(sample.index)]
        sample.type = Self.globalText(sample.type, textIds)
        sample.reason = Self.globalText(sample.reason, textIds)
        return sample
    }

    @inline(__always)
    private static func globalText(_ id: Int32, _ textIds: [Int32]) -> Int32 {
        id == StatusSample.none ? id : textIds[Int(id)]
    }

    private func mergeInBatches(_ piece: DecodedPiece) {
        let indexIds = laneIndexIds[piece.lane]
        let textIds = laneTextIds[piece.lane]
        // Decoding decided every outcome but those of samples, which their index's shard decides.
        outcomes.removeAll(keepingCapacity: true)
        for (position, record) in piece.records.enumerated() {
            switch record {
            case .rejected(let rejected):
                outcomes.append(rejected)
            case .error(let sample):
                let global = globalSample(sample, indexIds: indexIds, textIds: textIds)
                shardBatches[Int(global.index) % shards.count].append(
                    .error(global, ordinal: linesRead + Int64(position)))
                outcomes.append(.error)
            case .status(let sample):
                let global = globalSample(sample, indexIds: indexIds, textIds: textIds)
                shardBatches[Int(global.index) % shards.count].append(.status(global, position: Int32(position)))
                outcomes.append(.status)
            }
        }
        let source = sourceReports.count
        if rejects == nil {
            runShardsInBackground(source: source, shardLists: piece.shardLists)
        } else {
            outcomes.withUnsafeMutableBufferPointer { buffer in
                runShards(source: source, shardLists: piece.shardLists, slots: OutcomeSlots(base: buffer.baseAddress!))
            }
        }
        for (position, outcome) in outcomes.enumerated() {
            lineNumber += 1
            take(outcome, line: lineNumber, in: piece, at: position)
        }
    }

    /// Live events must come in the order of the lines, however the input was cut: one line at
    /// a time, on this thread, through the single shard.
    private func mergeLineByLine(_ piece: DecodedPiece) {
        let source = sourceReports.count
        let indexIds = laneIndexIds[piece.lane]
        let textIds = laneTextIds[piece.lane]
        for (position, record) in piece.records.enumerated() {
            lineNumber += 1
            let outcome: Outcome
            switch record {
            case .rejected(let rejected):
                outcome = rejected
            case .error(let sample):
                let global = globalSample(sample, indexIds: indexIds, textIds: textIds)
                shards[0].take(
                    .error(global, ordinal: linesRead + Int64(position)), shardLists: piece.shardLists, source: source)
                if errorRuns.insert(global.index).inserted {
                    let detail = ErrorDetail(
                        type: text(global.type), httpStatus: global.hasHTTPStatus ? Int(global.httpStatus) : nil)
                    events?.emit(.error(index: global.index, time: global.timestamp, detail: detail))
                }
                outcome = .error
            case .status(let sample):
                let global = globalSample(sample, indexIds: indexIds, textIds: textIds)
                outcome =
                    shards[0].take(.status(global, position: 0), shardLists: piece.shardLists, source: source)
                    ?? .status
                if outcome == .status { errorRuns.remove(global.index) }
            }
            take(outcome, line: lineNumber, in: piece, at: position)
            if outcome.isReject { events?.emit(.reject(source: sourceName, line: lineNumber, outcome: outcome)) }
        }
    }

    /// Counts a line's outcome (those the shards decide they count themselves) and writes
    /// a rejected line to the rejects file.
    private func take(_ outcome: Outcome, line: Int, in piece: DecodedPiece, at position: Int) {
        if outcome != .status && outcome != .late && outcome != .duplicate { sourceCounts.add(outcome) }
        if outcome.isReject, let rejects {
            if let spool = piece.spool {
                rejects.reject(source: sourceName, line: line, outcome: outcome, spool: spool)
                return
            }
            let range = piece.lineRanges[position]
            piece.bytes.withUnsafeBytes { bytes in
                rejects.reject(
                    source: sourceName, line: line, outcome: outcome,
                    bytes: UnsafeRawBufferPointer(rebasing: bytes[range]))
            }
        }
    }

    /// Hands each shard its entries of the piece and waits until all are done, so that every
    /// line's outcome is known, in input order, before the next piece: the rejects file needs it.
    private func runShards(source: Int, shardLists: [[ShardCheckpoints]], slots: OutcomeSlots) {
        if shards.count == 1 {
            shards[0].take(shardBatches[0], shardLists: shardLists, source: source, outcomes: slots)
        } else {
            let group = DispatchGroup()
            for (number, shard) in shards.enumerated() where !shardBatches[number].isEmpty {
                let batch = shardBatches[number]
                shardQueues[number].async(group: group) {
                    shard.take(batch, shardLists: shardLists, source: source, outcomes: slots)
                }
            }
            group.wait()
        }
        for number in shardBatches.indices { shardBatches[number].removeAll(keepingCapacity: true) }
    }

    /// Hands each shard its entries of the piece without waiting: without a rejects file,
    /// nothing needs a sample's outcome before the end. A few batches per shard may be in
    /// flight, so memory stays bounded.
    private func runShardsInBackground(source: Int, shardLists: [[ShardCheckpoints]]) {
        if shards.count == 1 {
            shards[0].take(shardBatches[0], shardLists: shardLists, source: source, outcomes: nil)
            shardBatches[0].removeAll(keepingCapacity: true)
            return
        }
        for (number, shard) in shards.enumerated() where !shardBatches[number].isEmpty {
            let batch = shardBatches[number]
            let room = shardRoom[number]
            room.wait()
            shardQueues[number].async {
                shard.take(batch, shardLists: shardLists, source: source, outcomes: nil)
                room.signal()
            }
            shardBatches[number] = []
        }
    }

    /// Flushes the reorder windows and collects the results.
    public func finish() -> AnalysisResult {
        let shards = self.shards
        for queue in shardQueues { queue.sync {} }
        if shards.count == 1 {
            // On this thread: live events at the end come from here.
            shards[0].finish()
        } else {
            DispatchQueue.concurrentPerform(iterations: shards.count) { shards[$0].finish() }
        }
        for shard in shards {
            for (source, counts) in shard.counts.enumerated() { sourceReports[source].counts.add(counts) }
        }
        let names = indexNames
        let byName: (Int32, Int32) -> Bool = { names.bytes($0).lexicographicallyPrecedes(names.bytes($1)) }
        // Gathered index by index: a copy of every derivation at once would double the memory
        // that thousands of indices take at the end.
        var indices: [IndexSummary] = []
        var transitions: [TransitionRow] = []
        var stalls: [StallRow] = []
        var gaps: [GapRow] = []
        var errorEpisodes: [ErrorEpisode] = []
        var shardRows: [ShardSummary] = []
        var stillOpen: [OpenAtEnd] = []
        for shard in shards {
            for derivation in shard.derivations
            where derivation.summary.samples > 0 || derivation.summary.errorSamples > 0 {
                indices.append(derivation.summary)
                transitions += derivation.transitions
                stalls += derivation.stalls
                gaps += derivation.gaps
                errorEpisodes += derivation.errorEpisodes
                if derivation.hasShards { shardRows += derivation.shards }
                stillOpen += derivation.stillOpen
            }
        }
        indices.sort { byName($0.index, $1.index) }
        transitions.sort { $0.timestamp != $1.timestamp ? $0.timestamp < $1.timestamp : byName($0.index, $1.index) }
        stalls.sort { $0.start != $1.start ? $0.start < $1.start : byName($0.index, $1.index) }
        gaps.sort { $0.start != $1.start ? $0.start < $1.start : byName($0.index, $1.index) }
        errorEpisodes.sort {
            if $0.start != $1.start { return $0.start < $1.start }
            if $0.index != $1.index { return byName($0.index, $1.index) }
            return $0.ordinal < $1.ordinal
        }
        shardRows.sort { $0.index != $1.index ? byName($0.index, $1.index) : $0.shard < $1.shard }
        stillOpen.sort {
            if $0.start != $1.start { return $0.start < $1.start }
            if $0.index != $1.index { return byName($0.index, $1.index) }
            return $0.kind.rawValue < $1.kind.rawValue
        }
        return AnalysisResult(
            sources: sourceReports, indices: indices, transitions: transitions, stalls: stalls, gaps: gaps,
            errorEpisodes: errorEpisodes, shards: shardRows, stillOpen: stillOpen, indexNames: names, texts: texts)
    }

}
