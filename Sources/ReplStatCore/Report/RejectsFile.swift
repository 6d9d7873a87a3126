/// The rejects file: one JSON object per rejected line, with `source`, `line`, `reason`, and
/// the line's bytes (without its LF, a trailing CR kept) as `text` when they are valid UTF-8,
/// otherwise as `base64`, so that every rejected line can be recovered byte for byte.
public final class RejectsFile: RejectSink {
    private var buffer: [UInt8] = []
    private var failure: OutputError?
    private let path: String
    private let temporary: String
    private let fd: Int32

    /// Opens the file under a temporary name; `close()` moves it into place.
    public init(path: String) throws(OutputError) {
        self.path = path
        temporary = path + ".tmp-\(getpid())"
        fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw OutputError(path: path, detail: errnoText()) }
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

    /// Writes what is buffered and renames the file into place.
    public func close() throws(OutputError) {
        flush()
        Glibc.close(fd)
        if let failure {
            unlink(temporary)
            throw failure
        }
        guard rename(temporary, path) == 0 else { throw OutputError(path: path, detail: errnoText()) }
    }

    private func flush() {
        guard failure == nil else {
            buffer.removeAll(keepingCapacity: true)
            return
        }
        do {
            try OutputFile.writeAll(fd, buffer, path: path)
        } catch {
            failure = error
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

#if canImport(Glibc)
    import Glibc
#endif
