/// Receives every rejected line with where it came from, e.g. to write the rejects file.
public protocol RejectSink: AnyObject {
    func reject(source: String, line: Int, outcome: Outcome, bytes: UnsafeRawBufferPointer)
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
    /// Index names by id.
    public var indexNames: StringTable
    /// Reasons, leader aliases and leader index names by id.
    public var texts: StringTable

    public var totals: OutcomeCounts {
        sources.reduce(into: OutcomeCounts()) { $0.add($1.counts) }
    }

    public var failures: [SourceFailure] { sources.compactMap(\.failure) }

    public func indexName(_ id: Int32) -> String { indexNames.string(id) }

    /// The text for an id, or nil for `StatusSample.none`.
    public func text(_ id: Int32) -> String? { id == StatusSample.none ? nil : texts.string(id) }
}

/// Runs the stages in data-flow order over each source: read and inflate, frame lines,
/// decode and validate, order within the reorder window, derive per index.
public final class Analysis {
    public let options: AnalysisOptions
    private let rejects: RejectSink?

    private var decoder = RecordDecoder()
    private var windows: [ReorderWindow] = []
    private var derivations: [IndexDerivation] = []
    private var sourceReports: [SourceReport] = []

    /// Decompressed bytes and lines taken in so far, over all sources.
    public private(set) var bytesRead: Int64 = 0
    public private(set) var linesRead: Int64 = 0
    /// Called after each chunk of input, e.g. to show progress at a terminal.
    public var onChunk: ((Analysis) -> Void)?

    public init(options: AnalysisOptions, rejects: RejectSink? = nil) {
        self.options = options
        self.rejects = rejects
    }

    /// Reads one source to its end (or to its damage) and takes in its lines.
    public func consume(_ source: InputSource) {
        var counts = OutcomeCounts()
        var framer = LineFramer(maxLineBytes: options.maxLineBytes, keepLongLines: rejects != nil)
        var lineNumber = 0
        let handle: (FramedLine) -> Void = { framed in
            lineNumber += 1
            self.linesRead += 1
            let outcome = self.take(self.decoder.decode(framed))
            counts.add(outcome)
            if outcome.isReject, let rejects = self.rejects {
                rejects.reject(source: source.name, line: lineNumber, outcome: outcome, bytes: framed.bytes)
            }
        }
        var failure: SourceFailure?
        do {
            try SourceReader(chunkSize: options.chunkSize).read(source) { chunk in
                framer.feed(chunk, emit: handle)
                self.bytesRead += Int64(chunk.count)
                self.onChunk?(self)
            }
        } catch {
            failure = error
        }
        if failure?.kind != .unreadable {
            framer.finish(emit: handle)
        }
        sourceReports.append(SourceReport(name: source.name, counts: counts, failure: failure))
    }

    /// Flushes the reorder windows and collects the results.
    public func finish() -> AnalysisResult {
        for id in windows.indices {
            windows[id].flush { derivations[id].add($0) }
            derivations[id].finish()
        }
        let names = decoder.indexNames
        let active = derivations.filter { $0.summary.samples > 0 || $0.summary.errorSamples > 0 }
        let byName: (Int32, Int32) -> Bool = { names.bytes($0).lexicographicallyPrecedes(names.bytes($1)) }
        let indices = active.map(\.summary).sorted { byName($0.index, $1.index) }
        let transitions = active.flatMap(\.transitions).sorted {
            $0.timestamp != $1.timestamp ? $0.timestamp < $1.timestamp : byName($0.index, $1.index)
        }
        let stalls = active.flatMap(\.stalls).sorted {
            $0.start != $1.start ? $0.start < $1.start : byName($0.index, $1.index)
        }
        return AnalysisResult(
            sources: sourceReports, indices: indices, transitions: transitions, stalls: stalls, indexNames: names,
            texts: decoder.texts)
    }

    private func take(_ decoded: DecodedLine) -> Outcome {
        switch decoded {
        case .rejected(let outcome):
            return outcome
        case .error(let index):
            ensureIndex(index)
            derivations[Int(index)].countError()
            return .error
        case .status(let sample):
            let id = Int(sample.index)
            ensureIndex(sample.index)
            return windows[id].offer(sample) { derivations[id].add($0) }
        }
    }

    /// Index ids are dense (they come from the table of index names), so per-index state is an array.
    private func ensureIndex(_ index: Int32) {
        while derivations.count <= Int(index) {
            derivations.append(
                IndexDerivation(index: Int32(derivations.count), maxGap: options.maxGap, stallAfter: options.stallAfter)
            )
            windows.append(ReorderWindow(window: options.reorderWindow))
        }
    }
}
