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
    /// Set when the file is to be put in place with others: `finish` then only seals it.
    private let batch: OutputBatch?
    private var isOpen = true

    /// Standard output (descriptor 1), left open when finished.
    public static func standardOutput() -> FileSink {
        FileSink(path: "standard output", descriptor: 1, file: nil, batch: nil)
    }

    /// Opens the output `path`: a file is created (or later replaces the one there) under a
    /// temporary name; a pipe or device is opened (a named pipe waits for its reader).
    /// With a `batch`, a file is put in place only with the batch's other files
    /// (`OutputBatch.place`).
    public convenience init(path: String, batch: OutputBatch? = nil) throws(OutputError) {
        let kind = try OutputKind(path)
        if kind == .file {
            let file = try TemporaryFile(replacing: path)
            self.init(path: path, descriptor: file.descriptor, file: file, batch: batch)
        } else {
            self.init(path: path, descriptor: try kind.openInPlace(path), file: nil, batch: nil)
        }
    }

    private init(path: String, descriptor: Int32, file: TemporaryFile?, batch: OutputBatch?) {
        self.path = path
        self.descriptor = descriptor
        self.file = file
        self.batch = batch
    }

    deinit {
        // Dropped before `finish` (an error upstream): leave no half-written file behind.
        abandon()
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(OutputError) {
        try OutputFile.writeAll(descriptor, bytes, path: path)
    }

    /// Puts a file in place (`TemporaryFile.commit`), or hands it sealed to its batch; closes
    /// the pipe or device.
    public func finish() throws(OutputError) {
        guard isOpen else { return }
        isOpen = false
        if let file, let batch {
            try file.seal()
            batch.hold(file)
        } else if let file {
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
