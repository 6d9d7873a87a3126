/// The rejects file: one JSON object per rejected line, with `source`, `line`, `reason`, and
/// the line's bytes (without its LF, a trailing CR kept) as `text` when they are valid UTF-8,
/// otherwise as `base64`, so that every rejected line can be recovered byte for byte.
public final class RejectsFile: RejectSink {
    private var buffer: [UInt8] = []
    private var failure: OutputError?
    private let sink: FileSink

    /// Opens the output `path` (see `FileSink`); `close()` puts it in place.
    public init(path: String) throws(OutputError) {
        sink = try FileSink(path: path)
    }

    public func reject(source: String, line: Int, outcome: Outcome, bytes: UnsafeRawBufferPointer) {
        let isText = JSONText.isValidUTF8(bytes)
        begin(source: source, line: line, outcome: outcome, isText: isText)
        if isText {
            appendEscaped(bytes)
        } else {
            Base64.append(bytes, to: &buffer)
        }
        end()
    }

    /// A line too long to be held in memory, streamed from its spool a piece at a time (pieces
    /// of a multiple of 3 bytes, so that their base64 joins up).
    public func reject(source: String, line: Int, outcome: Outcome, spool: Spool) {
        let isText = spool.isValidUTF8
        begin(source: source, line: line, outcome: outcome, isText: isText)
        do {
            try spool.read { (piece) throws(OutputError) in
                if isText {
                    appendEscaped(piece)
                } else {
                    Base64.append(piece, to: &buffer)
                }
                if buffer.count >= 1 << 20 { flush() }
            }
        } catch {
            if failure == nil {
                failure = OutputError(
                    path: sink.path,
                    detail: "line \(line) of \(source) is over the line limit and could not be kept "
                        + "for this file: \(error)")
            }
        }
        end()
    }

    /// Writes what is buffered and puts the file in place.
    public func close() throws(OutputError) {
        flush()
        if let failure {
            sink.abandon()
            throw failure
        }
        try sink.finish()
    }

    private func begin(source: String, line: Int, outcome: Outcome, isText: Bool) {
        buffer.append(contentsOf: #"{"source":"#.utf8)
        JSONText.appendString(source.utf8, to: &buffer)
        buffer.append(contentsOf: #","line":"#.utf8)
        buffer.append(contentsOf: String(line).utf8)
        buffer.append(contentsOf: #","reason":""#.utf8)
        buffer.append(contentsOf: outcome.name.utf8)
        buffer.append(contentsOf: isText ? #"","text":""#.utf8 : #"","base64":""#.utf8)
    }

    /// The bytes escaped as the inside of a JSON string: `JSONText` writes a string with its
    /// quotes, which are dropped here. A piece may end inside a UTF-8 sequence: the escaping
    /// then leaves the bytes of that character as they are, which JSON allows.
    private func appendEscaped(_ bytes: UnsafeRawBufferPointer) {
        let start = buffer.count
        JSONText.appendString(bytes, to: &buffer)
        buffer.removeLast()
        buffer.remove(at: start)
    }

    private func end() {
        buffer.append(contentsOf: "\"}\n".utf8)
        if buffer.count >= 1 << 20 { flush() }
    }

    private func flush() {
        guard failure == nil else {
            buffer.removeAll(keepingCapacity: true)
            return
        }
        do {
            try sink.write(buffer)
        } catch {
            failure = error
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
