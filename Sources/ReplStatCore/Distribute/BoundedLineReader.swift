#if canImport(Glibc)
    import Glibc
#endif

/// The lines of an input that a distributed analysis hands between its steps (records of
/// `split`, partial documents), one at a time, each ended by LF: a line longer than `limit` or
/// an input that ends inside a line is damage, so that memory stays bounded by the limit and a
/// cut-off file is never taken for a whole one.
final class BoundedLineReader {
    enum Failure: Error {
        case source(SourceFailure)
        /// Line `line` is longer than the limit.
        case tooLong(line: Int, limit: Int)
        /// The input ends inside line `line`, without its LF.
        case unterminated(line: Int)
    }

    let name: String
    /// Bytes a line may have, not counting its LF.
    var limit: Int
    /// The number of the last line returned, from 1.
    private(set) var lineNumber = 0
    private let reader: RawByteReader
    private var buffer: [UInt8] = []
    private var start = 0
    /// Where the search for the next LF goes on.
    private var scanned = 0
    private var atEnd = false

    init(_ source: InputSource, limit: Int) throws(SourceFailure) {
        name = source.name
        self.limit = limit
        reader = try RawByteReader(source: source, chunkSize: 256 * 1024)
    }

    /// The next line without its LF, valid until the next call; nil at the end of the input.
    func nextLine() throws(Failure) -> ArraySlice<UInt8>? {
        while true {
            if let newline = Self.firstNewline(in: buffer, from: scanned) {
                let line = buffer[start..<newline]
                lineNumber += 1
                guard line.count <= limit else { throw .tooLong(line: lineNumber, limit: limit) }
                start = newline + 1
                scanned = start
                return line
            }
            scanned = buffer.count
            guard buffer.count - start <= limit else { throw .tooLong(line: lineNumber + 1, limit: limit) }
            if atEnd {
                guard start == buffer.count else { throw .unterminated(line: lineNumber + 1) }
                return nil
            }
            if start > 0 && start >= buffer.count / 2 {
                buffer.removeSubrange(0..<start)
                scanned -= start
                start = 0
            }
            let chunk: UnsafeRawBufferPointer
            do {
                chunk = try reader.read(sourceName: name)
            } catch {
                throw .source(error)
            }
            if chunk.isEmpty { atEnd = true }
            buffer.append(contentsOf: chunk)
        }
    }

    private static func firstNewline(in buffer: [UInt8], from start: Int) -> Int? {
        buffer.withUnsafeBytes { bytes in
            guard start < bytes.count, let found = memchr(bytes.baseAddress! + start, 0x0A, bytes.count - start) else {
                return nil
            }
            return bytes.baseAddress!.distance(to: UnsafeRawPointer(found))
        }
    }
}
