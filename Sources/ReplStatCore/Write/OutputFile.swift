#if canImport(Glibc)
    import Glibc
#endif

/// A failure to write a report, with the path and the system's reason.
public struct OutputError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let detail: String
    /// The system's error number, when a system call failed (EPIPE: the reader went away).
    public var code: Int32 = 0

    /// An empty path shows as `''`, so that the message does not start with a bare colon.
    public var description: String { "\(path.isEmpty ? "''" : path): cannot write: \(detail)" }

    public init(path: String, detail: String, code: Int32 = 0) {
        self.path = path
        self.detail = detail
        self.code = code
    }

    /// The failure of the system call that just set `errno`.
    public static func system(path: String) -> OutputError {
        let code = errno
        return OutputError(path: path, detail: errnoText(), code: code)
    }
}

/// Writing the files a run produces. Whole outputs (reports, the rejects file, a simulated
/// capture) go through `FileSink`; this holds the steps around it.
public enum OutputFile {
    /// Creates `path` and its missing parents, and checks that a file can be created in it.
    public static func prepareDirectory(_ path: String) throws(OutputError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component + "/"
            if mkdir(prefix, 0o777) != 0 && errno != EEXIST {
                throw OutputError(path: path, detail: errnoText())
            }
        }
        var info = stat()
        guard stat(path, &info) == 0 else { throw OutputError(path: path, detail: errnoText()) }
        guard (info.st_mode & S_IFMT) == S_IFDIR else { throw OutputError(path: path, detail: "not a directory") }
        guard access(path, W_OK | X_OK) == 0 else { throw OutputError(path: path, detail: errnoText()) }
    }

    /// Creates the folder that `path` names a file in, when it is missing.
    public static func prepareParentDirectory(of path: String) throws(OutputError) {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return }
        try prepareDirectory(String(path[..<slash]))
    }

    /// Checks, before a run reads anything, that the output `path` can be written (see
    /// `OutputKind`), and creates its folder when it is to be a file.
    public static func prepare(_ path: String) throws(OutputError) {
        if try OutputKind(path) == .file { try prepareParentDirectory(of: path) }
    }

    /// Writes `bytes` as the whole of the output `path` (see `FileSink`).
    /// With a `batch`, the file is put in place with the batch's others (`OutputBatch.place`).
    public static func write(_ bytes: [UInt8], to path: String, batch: OutputBatch? = nil) throws(OutputError) {
        let sink = try FileSink(path: path, batch: batch)
        try sink.write(bytes)
        try sink.finish()
    }

    /// Opens a file to be written in place as data comes (a live log, not a report), emptied
    /// first, with its missing folders; returns its descriptor. A path that names a pipe, a
    /// device or a descriptor is written into as it is, and a link to a file is refused, as
    /// for `FileSink`; the file itself is opened without following a link.
    public static func create(_ path: String) throws(OutputError) -> Int32 {
        let kind = try OutputKind(path)
        guard kind == .file else { return try kind.openInPlace(path) }
        try prepareParentDirectory(of: path)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { throw OutputError.system(path: path) }
        return descriptor
    }

    /// Writes every byte to a descriptor, retrying short writes. On a non-blocking descriptor
    /// that is full, `whenFull` waits for room (or throws to give up).
    public static func writeAll(
        _ fd: Int32, _ bytes: [UInt8], path: String, whenFull: (() throws(OutputError) -> Void)? = nil
    ) throws(OutputError) {
        let failure: OutputError? = bytes.withUnsafeBytes { buffer in
            do throws(OutputError) {
                try writeAll(fd, buffer, path: path, whenFull: whenFull)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
    }

    public static func writeAll(
        _ fd: Int32, _ buffer: UnsafeRawBufferPointer, path: String,
        whenFull: (() throws(OutputError) -> Void)? = nil
    ) throws(OutputError) {
        var offset = 0
        while offset < buffer.count {
            let written = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN, let whenFull {
                    try whenFull()
                    continue
                }
                throw OutputError.system(path: path)
            }
            offset += written
        }
    }
}
