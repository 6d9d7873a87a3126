/// The outcome of every line: lines numbered within their source, outcomes counted per
/// source, and each rejected line handed with its bytes to the rejects sink, in input order.
///
/// The index partitions decide and count the outcomes of status samples (accepted, late or
/// duplicate); the ledger counts every other outcome, and adds the partitions' counts at the end.
struct OutcomeLedger {
    let rejects: RejectSink?
    /// The sources read so far, the last one still open.
    private(set) var sources: [SourceReport] = []
    /// The current source's number for its last line.
    private(set) var lineNumber = 0

    init(rejects: RejectSink?) {
        self.rejects = rejects
    }

    /// The place of the current source in the run, as the partitions count it.
    var sourcePlace: Int { sources.count - 1 }

    var sourceName: String { sources[sources.count - 1].name }

    mutating func begin(_ source: InputSource) {
        sources.append(SourceReport(name: source.name))
        lineNumber = 0
    }

    mutating func end(_ failure: SourceFailure?) {
        sources[sources.count - 1].failure = failure
    }

    /// Counts a piece's lines at once, without a rejects file: `decided` holds, by outcome, how
    /// many of them decoding settled (the partitions count the rest).
    mutating func count(decided: [Int], lines: Int) {
        lineNumber += lines
        for outcome in Outcome.allCases where decided[outcome.rawValue] > 0 {
            sources[sources.count - 1].counts.add(outcome, decided[outcome.rawValue])
        }
    }

    /// Numbers the next line, counts its outcome (unless a partition counts it) and hands a rejected
    /// line to the rejects sink; returns the line's number.
    @discardableResult
    mutating func record(_ outcome: Outcome, in piece: DecodedPiece, at position: Int) -> Int {
        lineNumber += 1
        if outcome != .status && outcome != .late && outcome != .duplicate {
            sources[sources.count - 1].counts.add(outcome)
        }
        if outcome.isReject, let rejects {
            if let spool = piece.spool {
                rejects.reject(source: sourceName, line: lineNumber, outcome: outcome, spool: spool)
            } else {
                let range = piece.lineRanges[position]
                piece.bytes.withUnsafeBytes { bytes in
                    rejects.reject(
                        source: sourceName, line: lineNumber, outcome: outcome,
                        bytes: UnsafeRawBufferPointer(rebasing: bytes[range]))
                }
            }
        }
        return lineNumber
    }

    /// Adds what the partitions counted, per source (by its place in the run).
    mutating func add(partitionCounts: [OutcomeCounts]) {
        for (place, counts) in partitionCounts.enumerated() { sources[place].counts.add(counts) }
    }
}
