#if canImport(Glibc)
    import Glibc
#endif

/// One whole output (a report, the rejects file, a simulated capture) written to the path it
/// names, as `OutputKind` tells: a file appears under its name only once complete
/// (`TemporaryFile`), while a pipe, a device or an open descriptor takes the bytes as they come.
public final class FileSink: ByteSink {
    /// The name used in messages.
    public let path: String
    private let descriptor: Int32
    /// Set for a file: put in place by `finish`, removed by `abandon`.
    private let file: TemporaryFile?
    private var isOpen = true

    /// Standard output (descriptor 1), left open when finished.
    public static func standardOutput() -> FileSink {
        FileSink(path: "standard output", descriptor: 1, file: nil)
    }

    /// Opens the output `path`: a file is created (or later replaces the one there) under a
    /// temporary name; a pipe or device is opened (a named pipe waits for its reader).
    public convenience init(path: String) throws(OutputError) {
        let kind = try OutputKind(path)
        if kind == .file {
            let file = try TemporaryFile(replacing: path)
            self.init(path: path, descriptor: file.descriptor, file: file)
        } else {
            self.init(path: path, descriptor: try kind.openInPlace(path), file: nil)
        }
    }

    private init(path: String, descriptor: Int32, file: TemporaryFile?) {
        self.path = path
        self.descriptor = descriptor
        self.file = file
    }

    deinit {
        // Dropped before `finish` (an error upstream): leave no half-written file behind.
        abandon()
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(OutputError) {
        try OutputFile.writeAll(descriptor, bytes, path: path)
    }

    /// Puts a file in place (`TemporaryFile.commit`), or closes the pipe or device.
    public func finish() throws(OutputError) {
        guard isOpen else { return }
        isOpen = false
        if let file {
            try file.commit()
        } else if descriptor != 1 && close(descriptor) != 0 {
            throw OutputError.system(path: path)
        }
    }

    /// Gives up: a file is removed (whatever was at its name stays); a pipe or device is closed.
    public func abandon() {
        guard isOpen else { return }
        isOpen = false
        if let file {
            file.abandon()
        } else if descriptor != 1 {
            close(descriptor)
        }
    }
}
