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
        buffer.append(contentsOf: #"{"source":"#.utf8)
        JSONText.appendString(source.utf8, to: &buffer)
        buffer.append(contentsOf: #","line":"#.utf8)
        buffer.append(contentsOf: String(line).utf8)
        buffer.append(contentsOf: #","reason":""#.utf8)
        buffer.append(contentsOf: outcome.name.utf8)
        if JSONText.isValidUTF8(bytes) {
            buffer.append(contentsOf: #"","text":"#.utf8)
            JSONText.appendString(bytes, to: &buffer)
        } else {
            buffer.append(contentsOf: #"","base64":""#.utf8)
            Base64.append(bytes, to: &buffer)
            buffer.append(UInt8(ascii: "\""))
        }
        buffer.append(contentsOf: "}\n".utf8)
        if buffer.count >= 1 << 20 { flush() }
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
