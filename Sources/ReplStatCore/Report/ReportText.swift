/// A report's text as it is made: kept whole, or with a sink, handed to it a piece at a time.
struct ReportText {
    private(set) var bytes: [UInt8] = []
    let sink: ByteSink?
    /// The first failure to write to the sink, thrown by `flush()`.
    private var failure: OutputError?

    /// What is handed to the sink at a time, at least.
    static let pieceBytes = 256 * 1024

    init(sink: ByteSink?) {
        self.sink = sink
    }

    mutating func append(_ byte: UInt8) { bytes.append(byte) }

    mutating func append<Bytes: Sequence>(contentsOf more: Bytes) where Bytes.Element == UInt8 {
        bytes.append(contentsOf: more)
    }

    mutating func flushWhenFull() {
        if sink != nil && bytes.count >= Self.pieceBytes { try? flush() }
    }

    /// Writes what the sink has not had yet; throws the first failure to write there.
    mutating func flush() throws(OutputError) {
        if let sink, !bytes.isEmpty {
            // After a failure the rest is dropped: the output is abandoned anyway.
            if failure == nil {
                do throws(OutputError) { try sink.write(bytes) } catch { failure = error }
            }
            bytes.removeAll(keepingCapacity: true)
        }
        if let failure { throw failure }
    }
}
