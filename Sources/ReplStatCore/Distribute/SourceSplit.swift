/// The map step of a distributed analysis (`replstat split`, docs/distributed.md): reads and
/// decodes one source exactly as `analyze` does (`DecodingLanes`: gzip or plain, members, BOM,
/// lines, the line limit, every check of a line), counts each line whose outcome decoding
/// settles, and writes every sample, status or error, as a record for the partition of its index
/// (`Partitioning`), where its index's order decides whether it is late or a duplicate. Ends
/// with the source's record (`SourceDocument`), also when the source is damaged or cannot be
/// opened.
public final class SourceSplit: DecodedPieceConsumer {
    public let partitions: Int
    public let ordinal: Int
    public let name: String
    private let settings: PartialSettings
    private let options: AnalysisOptions
    private let sink: ByteSink
    private var ids: IdTranslation
    private let names = RunNames()
    /// The partition of each index, by the run's id; -1 until met.
    private var partitionOf: [Int32] = []
    private var out: [UInt8] = []
    private var lines = 0
    private var counts = OutcomeCounts()
    private var failure: SourceFailure?
    private var writeFailure: OutputError?

    /// Output is handed to `sink` this many bytes at a time, at least.
    static let pieceBytes = 256 * 1024

    /// - Parameters:
    ///   - options: the analysis's settings; `jobs` lanes decode in parallel.
    ///   - name: the source's name in the reports (the file may be read under another path).
    public init(partitions: Int, ordinal: Int, name: String, options: AnalysisOptions, to sink: ByteSink) {
        self.partitions = partitions
        self.ordinal = ordinal
        self.name = name
        self.options = options
        settings = PartialSettings(options)
        self.sink = sink
        ids = IdTranslation(names: names)
    }

    /// Splits `source`; returns its document (also written last), whose failure says whether
    /// the source was read to its end. Throws only when the output cannot be written.
    public func run(_ source: InputSource) throws(OutputError) -> SourceDocument {
        let lanes = DecodingLanes(
            jobs: options.jobs, maxLineBytes: options.maxLineBytes, chunkSize: options.chunkSize, keepLines: true)
        ids.startLanes(lanes.jobs)
        lanes.read([source], into: self)
        let document = SourceDocument(
            settings: settings, ordinal: ordinal, name: name, lines: lines, counts: counts,
            failure: failure.map {
                SourceFailure(kind: $0.kind, source: name, byteOffset: $0.byteOffset, detail: $0.detail)
            })
        out += SplitRecord.sourceTag
        out += document.line
        flush()
        if let writeFailure { throw writeFailure }
        try sink.finish()
        return document
    }

    func beginSource(_ source: InputSource) {}

    func endSource(_ failure: SourceFailure?) {
        self.failure = failure
    }

    func merge(_ piece: DecodedPiece) {
        let laneIds = ids.learn(piece)
        for (position, record) in piece.records.enumerated() {
            lines += 1
            let index: Int32
            switch record {
            case .rejected(let outcome):
                counts.add(outcome)
                continue
            case .error(let sample): index = laneIds.indexIds[Int(sample.index)]
            case .status(let sample): index = laneIds.indexIds[Int(sample.index)]
            }
            let range = piece.lineRanges[position]
            piece.bytes.withUnsafeBytes { bytes in
                SplitRecord.append(
                    partition: partition(of: index), ordinal: ordinal, lineNumber: lines,
                    line: UnsafeRawBufferPointer(rebasing: bytes[range]), to: &out)
            }
        }
        if out.count >= Self.pieceBytes { flush() }
    }

    private func partition(of index: Int32) -> Int {
        while partitionOf.count <= Int(index) { partitionOf.append(-1) }
        if partitionOf[Int(index)] < 0 {
            partitionOf[Int(index)] = Int32(
                Partitioning.partition(of: names.indexNames.bytes(index), count: partitions))
        }
        return Int(partitionOf[Int(index)])
    }

    /// Hands the output so far to the sink; after a failure, drops it (the run fails at the end).
    private func flush() {
        if writeFailure == nil {
            do throws(OutputError) { try sink.write(out) } catch { writeFailure = error }
        }
        out.removeAll(keepingCapacity: true)
    }
}
