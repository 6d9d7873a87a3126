#if canImport(Glibc)
    import Glibc
#endif

/// A file written only at its end, counting the bytes it took: a gzip capture file, to which
/// each gzip member is appended as it closes. Unlike a whole output (`FileSink`), it is written
/// in place, so it never replaces what is there, and its safety is in how it is opened: never
/// through a symbolic link, only a regular file (a FIFO is refused without waiting for a
/// reader), and a new file readable by its owner only.
public final class AppendingFile: ByteSink {
    /// The name used in messages.
    public let path: String
    private let descriptor: Int32
    public private(set) var bytesWritten: Int64 = 0
    /// The file's size when it was opened.
    private let sizeAtOpen: Int64
    /// Where what was written up to the last `finish` ends.
    private var finishedEnd: Int64

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
        var status = stat()
        sizeAtOpen = fstat(descriptor, &status) == 0 ? Int64(status.st_size) : 0
        finishedEnd = sizeAtOpen
    }

    /// Opens `path` to append to it, or creates it readable by its owner only (a capture
    /// describes a cluster). Never through a symbolic link, which could lead the lines into
    /// another file; only a regular file.
    public static func append(to path: String) throws(OutputError) -> AppendingFile {
        var status = stat()
        if lstat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFLNK {
            throw symbolicLink(path)
        }
        // O_NONBLOCK: opening a FIFO without a reader would wait forever.
        let flags = O_WRONLY | O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC
        var descriptor = open(path, flags)
        if descriptor < 0 && errno == ENOENT { descriptor = open(path, flags | O_CREAT | O_EXCL, 0o600) }
        let notAFile = OutputError(path: path, detail: "not a regular file: give a file to keep the gzip capture in")
        guard descriptor >= 0 else {
            if errno == ELOOP { throw symbolicLink(path) }
            // A FIFO without a reader.
            if errno == ENXIO { throw notAFile }
            throw OutputError.system(path: path)
        }
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
            Glibc.close(descriptor)
            throw notAFile
        }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
        return AppendingFile(path: path, descriptor: descriptor)
    }

    private static func symbolicLink(_ path: String) -> OutputError {
        OutputError(
            path: path,
            detail: "it is a symbolic link, which could lead the capture into another file: give the real path")
    }

    /// A name under which the open file can be read again, whatever happens to `path` meanwhile.
    public var reopenPath: String { "/proc/self/fd/\(descriptor)" }

    /// Creates the first of `candidates` that does not exist yet.
    public static func createNew(candidates: some Sequence<String>) throws(OutputError) -> AppendingFile {
        for path in candidates {
            let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0o600)
            if descriptor >= 0 { return AppendingFile(path: path, descriptor: descriptor) }
            guard errno == EEXIST else { throw OutputError.system(path: path) }
        }
        preconditionFailure("an unbounded sequence of names ran out")
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(OutputError) {
        try OutputFile.writeAll(descriptor, bytes, path: path)
        bytesWritten += Int64(bytes.count)
    }

    /// The end of one gzip member: the file stays open for the next.
    public func finish() throws(OutputError) {
        finishedEnd = sizeAtOpen + bytesWritten
    }

    /// Cuts off what was written since the last `finish` (the start of a gzip member whose write
    /// failed part-way, on a full disk), so that the file ends with a whole member and can be
    /// read and continued. False when even that failed.
    public func dropUnfinished() -> Bool {
        guard ftruncate(descriptor, off_t(finishedEnd)) == 0 else { return false }
        bytesWritten = finishedEnd - sizeAtOpen
        return true
    }

    public func close() throws(OutputError) {
        if Glibc.close(descriptor) != 0 { throw OutputError.system(path: path) }
    }
}
