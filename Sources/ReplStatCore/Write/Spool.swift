#if canImport(Glibc)
    import Glibc
#endif

/// The bytes of one line over the limit, kept for the rejects file in a file without a name
/// instead of in memory: a line of gigabytes costs disk, not memory. The file is in `$TMPDIR`
/// (or `/tmp`), as `sort` keeps its own; it has no name from the start (`O_TMPFILE`; else its
/// name is removed at once), so it is gone when the descriptor is closed, however the run ends.
///
/// Filled by the thread that frames the source, then handed on to the one that writes the
/// rejects file; never used by two threads at once (hence `@unchecked Sendable`).
public final class Spool: @unchecked Sendable {
    /// Bytes taken so far.
    public private(set) var count: Int64 = 0
    /// Why the bytes could not be kept (the folder is not writable, the disk is full): the
    /// rejects file then reports the line as lost instead of writing it.
    public private(set) var failure: OutputError?
    private var descriptor: Int32 = -1
    /// Where the file is, for messages.
    private let folder: String
    private var buffer: [UInt8] = []
    private var check = UTF8Check()

    private static let bufferSize = 64 * 1024

    /// The folder spools go to.
    static var folder: String {
        if let value = getenv("TMPDIR"), value.pointee != 0 { return String(cString: value) }
        return "/tmp"
    }

    public convenience init() {
        self.init(folder: Self.folder)
    }

    init(folder: String) {
        self.folder = folder
        do {
            descriptor = try TemporaryFile.unnamed(in: folder)
        } catch {
            failure = error
        }
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Whether the bytes taken so far are valid UTF-8 (a sequence cut at the end is not).
    public var isValidUTF8: Bool { check.isComplete }

    /// Takes the next bytes of the line.
    public func append(_ bytes: UnsafeRawBufferPointer) {
        count += Int64(bytes.count)
        check.take(bytes)
        guard failure == nil else { return }
        if buffer.count + bytes.count <= Self.bufferSize {
            buffer.append(contentsOf: bytes)
            return
        }
        flush()
        if bytes.count < Self.bufferSize {
            buffer.append(contentsOf: bytes)
        } else {
            writeToFile(bytes)
        }
    }

    /// Hands the bytes to `body` in order, in pieces of `chunkSize` bytes (the last one
    /// shorter), read back from the file into one buffer of that size.
    public func read(chunkSize: Int = 3 * 64 * 1024, _ body: (UnsafeRawBufferPointer) throws(OutputError) -> Void)
        throws(OutputError)
    {
        flush()
        if let failure { throw failure }
        let piece = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, chunkSize), alignment: 16)
        defer { piece.deallocate() }
        var offset: Int64 = 0
        while offset < count {
            var filled = 0
            let wanted = Int(min(Int64(piece.count), count - offset))
            while filled < wanted {
                let got = pread(descriptor, piece.baseAddress! + filled, wanted - filled, off_t(offset) + off_t(filled))
                if got < 0 && errno == EINTR { continue }
                guard got > 0 else {
                    throw got < 0
                        ? OutputError.system(path: "a temporary file in \(folder)")
                        : OutputError(path: "a temporary file in \(folder)", detail: "it lost bytes")
                }
                filled += got
            }
            try body(UnsafeRawBufferPointer(rebasing: piece[..<filled]))
            offset += Int64(filled)
        }
    }

    private func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { writeToFile($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeToFile(_ bytes: UnsafeRawBufferPointer) {
        guard failure == nil else { return }
        do {
            try OutputFile.writeAll(descriptor, bytes, path: "a temporary file in \(folder)")
        } catch {
            failure = error
            // What was written is of no use any more: give the disk space back now.
            close(descriptor)
            descriptor = -1
            buffer = []
        }
    }
}

/// Checks that a byte stream is valid UTF-8 as it comes, chunk by chunk (RFC 3629: no
/// overlong forms, no surrogates, nothing above U+10FFFF).
struct UTF8Check {
    private var isValid = true
    /// Continuation bytes still due for the sequence under way.
    private var due = 0
    /// The range the next continuation byte must be in (narrower after E0, ED, F0, F4).
    private var low: UInt8 = 0x80
    private var high: UInt8 = 0xBF

    /// Valid so far, with no sequence cut off at the end.
    var isComplete: Bool { isValid && due == 0 }

    mutating func take(_ bytes: UnsafeRawBufferPointer) {
        guard isValid, let base = bytes.baseAddress else { return }
        var index = 0
        let count = bytes.count
        while index < count {
            if due == 0 {
                // Eight ASCII bytes at a time: the common case, and every byte of a long blank line.
                while index + 8 <= count
                    && UInt64(littleEndian: base.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                        & 0x8080_8080_8080_8080 == 0
                {
                    index += 8
                }
                guard index < count else { return }
            }
            let byte = bytes[index]
            index += 1
            if due > 0 {
                guard byte >= low && byte <= high else { return fail() }
                due -= 1
                low = 0x80
                high = 0xBF
                continue
            }
            switch byte {
            case 0x00...0x7F: continue
            case 0xC2...0xDF: due = 1
            case 0xE0: (due, low) = (2, 0xA0)
            case 0xE1...0xEC, 0xEE...0xEF: due = 2
            case 0xED: (due, high) = (2, 0x9F)
            case 0xF0: (due, low) = (3, 0x90)
            case 0xF1...0xF3: due = 3
            case 0xF4: (due, high) = (3, 0x8F)
            default: return fail()
            }
        }
    }

    private mutating func fail() {
        isValid = false
    }
}
