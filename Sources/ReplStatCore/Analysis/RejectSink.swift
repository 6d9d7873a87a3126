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
