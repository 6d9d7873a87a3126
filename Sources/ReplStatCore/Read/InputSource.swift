#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// One input named on the command line: a file path, or `-` for standard input; or an open
/// descriptor that the program feeds itself (a capture running in the same process).
public struct InputSource: Sendable, Hashable {
    /// The name as given, used in messages and in `quality.csv`.
    public let name: String
    /// Read this descriptor, and close it at the end, instead of opening `name`.
    public let descriptor: Int32?

    public init(_ name: String) {
        self.name = name
        descriptor = nil
    }

    public init(name: String, descriptor: Int32) {
        self.name = name
        self.descriptor = descriptor
    }

    public var isStandardInput: Bool { name == "-" && descriptor == nil }
}

extension InputSource {
    /// The file at `path`, even when the path is `-` (a file of that name, not standard input).
    public static func file(_ path: String) -> InputSource {
        InputSource(path == "-" ? "./-" : path)
    }

    /// The raw bytes of a small input read whole (a pipeline file, a list of indices): at most
    /// `limit` + 1 of them, so that the caller can tell one over the limit.
    public func contents(limit: Int = .max) throws(SourceFailure) -> [UInt8] {
        let cap = limit < .max ? limit + 1 : .max
        let reader = try RawByteReader(source: self, chunkSize: 64 * 1024)
        var bytes: [UInt8] = []
        while bytes.count < cap {
            let chunk = try reader.read(sourceName: name)
            if chunk.isEmpty { break }
            bytes.append(contentsOf: chunk.prefix(cap - bytes.count))
        }
        return bytes
    }
}

/// Why a source could not be read to its end. Everything read before the failure has
/// already been delivered; the failure only says where and why reading stopped.
public struct SourceFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The source could not be opened (missing, a directory, no permission).
        case unreadable
        /// A read failed part-way.
        case readError
        /// The gzip stream ended inside a member.
        case truncatedGzip
        /// A gzip member that cannot be inflated: a bad header, invalid deflate data, or a CRC or
        /// length that does not match what it inflated to.
        case corruptGzip
        /// Bytes after a gzip member that do not start another member.
        case trailingGarbage
    }

    public let kind: Kind
    public let source: String
    /// Offset in the source's raw (compressed) bytes: where a read failed or the stream ends,
    /// where a corrupt gzip member starts (for a CRC or length that does not match: that field of
    /// its trailer), where the bytes that are not gzip start.
    public let byteOffset: Int64?
    public let detail: String

    public init(kind: Kind, source: String, byteOffset: Int64?, detail: String) {
        self.kind = kind
        self.source = source
        self.byteOffset = byteOffset
        self.detail = detail
    }

    public var description: String { "\(source): \(problem)" }

    /// What went wrong, without the source's name: `description` is the name, a colon and this.
    public var problem: String {
        let at = byteOffset.map { " at byte \($0)" } ?? ""
        switch kind {
        case .unreadable:
            return "cannot open: \(detail)"
        case .readError:
            return "read failed\(at): \(detail)"
        case .truncatedGzip:
            return "gzip stream truncated\(at) (\(detail)); lines before it were analyzed"
        case .corruptGzip:
            return "corrupt gzip member\(at) (\(detail)); lines inflated before the damage showed were analyzed"
        case .trailingGarbage:
            return "bytes after the last gzip member\(at) are not gzip (\(detail)); lines before it were analyzed"
        }
    }
}

/// Reads raw bytes from a file descriptor in fixed-size chunks, reusing one buffer.
final class RawByteReader {
    private let fd: Int32
    private let ownsDescriptor: Bool
    private let buffer: UnsafeMutableRawBufferPointer
    /// Raw bytes consumed so far: the offset of the next byte `read` returns.
    private(set) var offset: Int64 = 0
    /// A read returned no bytes. A terminal can deliver more after Ctrl-D, but the input has
    /// ended for us: reading again would wait at the prompt.
    private var atEnd = false
    /// For a regular file: its size when opened and the position reading started at. At the
    /// end, a file shorter than that lost bytes it had (it was cut or rewritten while read):
    /// damage. One that grew is a file still being written, read as far as it went.
    private var regularFile: (size: Int64, start: Int64)?

    init(source: InputSource, chunkSize: Int) throws(SourceFailure) {
        if let descriptor = source.descriptor {
            fd = descriptor
            ownsDescriptor = true
        } else if source.isStandardInput {
            fd = 0
            ownsDescriptor = false
        } else {
            let opened = open(source.name, O_RDONLY | O_CLOEXEC)
            if opened < 0 {
                throw SourceFailure(kind: .unreadable, source: source.name, byteOffset: nil, detail: errnoText())
            }
            var info = stat()
            if fstat(opened, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
                close(opened)
                throw SourceFailure(kind: .unreadable, source: source.name, byteOffset: nil, detail: "is a directory")
            }
            fd = opened
            ownsDescriptor = true
        }
        buffer = .allocate(byteCount: max(chunkSize, 1), alignment: 16)
        var info = stat()
        if fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG {
            regularFile = (Int64(info.st_size), Int64(max(0, lseek(fd, 0, SEEK_CUR))))
        }
    }

    deinit {
        if ownsDescriptor { close(fd) }
        buffer.deallocate()
    }

    /// The next chunk of bytes, or an empty buffer at end of input. The buffer is valid until the next call.
    func read(sourceName: String) throws(SourceFailure) -> UnsafeRawBufferPointer {
        if atEnd { return UnsafeRawBufferPointer(start: nil, count: 0) }
        let count = try read(into: buffer, sourceName: sourceName)
        return UnsafeRawBufferPointer(rebasing: buffer[0..<count])
    }

    /// Reads the next bytes into `destination` instead of the reader's own buffer; returns how
    /// many, 0 at end of input.
    func read(into destination: UnsafeMutableRawBufferPointer, sourceName: String) throws(SourceFailure) -> Int {
        if atEnd { return 0 }
        while true {
            let count = Glibc.read(fd, destination.baseAddress, destination.count)
            if count >= 0 {
                if count == 0 {
                    atEnd = true
                    try checkNotShrunk(sourceName: sourceName)
                }
                offset += Int64(count)
                return count
            }
            if errno == EINTR { continue }
            throw SourceFailure(kind: .readError, source: sourceName, byteOffset: offset, detail: errnoText())
        }
    }

    /// The source is a regular file, whose bytes can be read again.
    var canReadAgain: Bool { regularFile != nil }

    /// Reads again, into `buffer`, the bytes at `offset` (counted as `offset` counts) of a source
    /// that `canReadAgain`; returns how many, 0 at its end.
    func read(at offset: Int64, into buffer: UnsafeMutableRawBufferPointer, sourceName: String) throws(SourceFailure)
        -> Int
    {
        precondition(regularFile != nil, "only a regular file can be read again")
        while true {
            let count = pread(fd, buffer.baseAddress, buffer.count, off_t(regularFile!.start + offset))
            if count >= 0 { return count }
            if errno == EINTR { continue }
            throw SourceFailure(kind: .readError, source: sourceName, byteOffset: offset, detail: errnoText())
        }
    }

    private func checkNotShrunk(sourceName: String) throws(SourceFailure) {
        // Files of /proc and /sys show a size of 0 whatever they hold: nothing to compare.
        guard let regularFile, regularFile.size > 0 else { return }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return }
        let position = regularFile.start + offset
        if position < regularFile.size || Int64(info.st_size) < position {
            throw SourceFailure(
                kind: .readError, source: sourceName, byteOffset: offset,
                detail: "the file shrank while it was read (\(regularFile.size) bytes when opened, \(info.st_size) now)"
            )
        }
    }
}

func errnoText() -> String {
    String(cString: strerror(errno))
}
