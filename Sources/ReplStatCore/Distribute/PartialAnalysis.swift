/// The analysis of one partition of a distributed analysis (`replstat analyze --format
/// partial`, docs/distributed.md): the records of `split`, in (source ordinal, line number)
/// order, go through the normal analysis as lines of their sources (each ordinal a source, each
/// record a line), so that late and duplicate samples, order and every figure are decided as a
/// single run decides them; the result is the partition's document (`PartitionDocument`).
public struct PartialAnalysis {
    /// Why the records cannot be analyzed.
    public enum Failure: Error, CustomStringConvertible {
        /// The records' input cannot be opened or read.
        case unreadable(SourceFailure)
        /// A line that is not a record of `split`, or out of order: `line` is its number in the input.
        case malformed(input: String, line: Int, problem: String)

        public var description: String {
            switch self {
            case .unreadable(let failure): "\(failure)"
            case .malformed(let input, let line, let problem):
                "\(input): line \(line) \(problem); the input of the partial analysis is the records of "
                    + "`replstat split`, sorted by (source ordinal, line number)"
            }
        }
    }

    public let options: AnalysisOptions

    /// Lines are cut and decoded this many bytes at a time.
    static let pieceBytes = 512 * 1024

    /// `options` as given to split: the analysis runs on one thread, with the timelines every
    /// report may draw (the HTML report's, which the Markdown sparklines coarsen).
    public init(options: AnalysisOptions) {
        var options = options
        options.jobs = 1
        options.timelineCapacity = LagTimeline.chartCapacity
        self.options = options
    }

    /// Analyzes the records of `input`.
    public func run(_ input: InputSource) throws(Failure) -> PartitionDocument {
        let lines: BoundedLineReader
        do {
            lines = try BoundedLineReader(input, limit: options.maxLineBytes + 1 + SplitRecord.headerLimit)
        } catch {
            throw .unreadable(error)
        }
        let analysis = Analysis(options: options)
        let lane = DecodeLane(number: 0, recordArrays: ArrayPool())
        var ordinals: [Int] = []
        var piece: [UInt8] = []
        var previous: (ordinal: Int, line: Int)?
        let maxLineBytes = options.maxLineBytes
        func decode() {
            guard !piece.isEmpty else { return }
            let decoded = piece.withUnsafeBytes { lane.decode($0, maxLineBytes: maxLineBytes, keepLines: false) }
            analysis.merge(decoded)
            piece.removeAll(keepingCapacity: true)
        }
        var failure: Failure?
        analysis.consumeDecoded { analysis in
            do throws(Failure) {
                while let line = try Self.next(lines) {
                    let record: SplitRecord
                    do throws(SplitRecord.Problem) {
                        record = try SplitRecord.parse(line)
                    } catch {
                        let what =
                            line.starts(with: SplitRecord.sourceTag)
                            ? "is a source record (S), which goes to merge" : "is not a record: \(error.message)"
                        throw .malformed(input: input.name, line: lines.lineNumber, problem: what)
                    }
                    guard record.ordinal <= Int(Int32.max) else {
                        throw .malformed(
                            input: input.name, line: lines.lineNumber,
                            problem: "has the source ordinal \(record.ordinal), past any source (\(Int32.max))")
                    }
                    if let previous, (previous.ordinal, previous.line) >= (record.ordinal, record.lineNumber) {
                        throw .malformed(
                            input: input.name, line: lines.lineNumber,
                            problem:
                                "(source \(record.ordinal), line \(record.lineNumber)) comes after (source \(previous.ordinal), line \(previous.line))"
                        )
                    }
                    if record.ordinal != previous?.ordinal {
                        decode()
                        if previous != nil { analysis.endSource(nil) }
                        analysis.beginSource(InputSource(String(record.ordinal)))
                        ordinals.append(record.ordinal)
                    }
                    previous = (record.ordinal, record.lineNumber)
                    piece += record.bytes
                    piece.append(0x0A)
                    if piece.count >= Self.pieceBytes { decode() }
                }
                decode()
                if previous != nil { analysis.endSource(nil) }
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        var result = analysis.finish()
        let sources = zip(ordinals, result.sources).map { (ordinal: $0, counts: $1.counts) }
        result.sources = []
        return PartitionDocument(settings: PartialSettings(options), sources: sources, result: result)
    }

    private static func next(_ lines: BoundedLineReader) throws(Failure) -> ArraySlice<UInt8>? {
        do {
            return try lines.nextLine()
        } catch {
            switch error {
            case .source(let failure): throw .unreadable(failure)
            case .tooLong(let line, let limit):
                throw .malformed(
                    input: lines.name, line: line,
                    problem: "is longer than any record (\(limit) bytes with --max-line-bytes)")
            case .unterminated(let line):
                throw .malformed(input: lines.name, line: line, problem: "ends without LF: the input was cut short")
            }
        }
    }
}
