#if canImport(Glibc)
    import Glibc
#endif

/// One line of a source: its bytes without the LF (a trailing CR is still there).
public struct FramedLine {
    /// The line's bytes, valid only during the callback. For a line over the limit these are
    /// kept only when the framer was asked to keep long lines, and only when the line came
    /// within one piece; otherwise they are empty (and kept in `spool`, if asked).
    public var bytes: UnsafeRawBufferPointer
    /// The line has more bytes than the limit (not counting a trailing CR).
    public var isTooLong: Bool
    /// For a line over the limit: it holds nothing but spaces and tabs (and a trailing CR),
    /// which makes it blank, as blank is checked first.
    public var isBlank: Bool = false
    /// The bytes of a line over the limit that straddled chunks, when long lines are kept.
    public var spool: Spool?

    public init(bytes: UnsafeRawBufferPointer, isTooLong: Bool = false, isBlank: Bool = false, spool: Spool? = nil) {
        self.bytes = bytes
        self.isTooLong = isTooLong
        self.isBlank = isBlank
        self.spool = spool
    }
}

/// A piece of a source's byte stream that holds only whole lines, so that it can be split
/// into lines on its own (on another thread) without looking at its neighbours.
public enum FramedPiece {
    /// One or more whole lines, each ended by LF, except that the last line of the stream
    /// may lack it. Valid only during the callback.
    case lines(UnsafeRawBufferPointer)
    /// One whole line, ended by LF, that straddled chunks (copied). A `lines` piece right after it
    /// holds at most `LineFramer.linesPerPiece - 1` lines, so that a consumer that copies pieces
    /// anyway can join the two into one piece within the limit: one piece per chunk, not two.
    case carriedLine(UnsafeRawBufferPointer)
    /// A line over the limit that was not buffered: whether it was blank, and, when long
    /// lines are kept, its bytes in a spool file.
    case longLine(isBlank: Bool, spool: Spool?)
}

/// Cuts a source's decompressed byte stream into pieces of whole lines, whatever the chunk
/// boundaries: a line that straddles two chunks is carried over (and copied) once. A piece holds
/// at most `linesPerPiece` lines, so that decoding it takes memory in proportion to its bytes
/// whatever the length of its lines: 512 KiB of blank lines would otherwise be 512K decoded lines.
///
/// A UTF-8 byte-order mark at the very start of the stream is skipped; a final line without
/// LF counts. A line over the limit that straddles chunks is not buffered: only whether it is
/// blank is tracked until its LF, and with `keepLongLines` (for the rejects file) its bytes go
/// to a `Spool`, so that memory stays bounded by the limit and the chunk size.
public struct LineFramer {
    public let maxLineBytes: Int
    public let keepLongLines: Bool

    private var carry: [UInt8] = []
    /// The line under way went over the limit: its bytes are no longer in `carry`.
    private var carryIsTooLong = false
    /// For a line over the limit: bytes other than space and tab so far, and whether the last
    /// one was a CR (a trailing CR does not make a line non-blank).
    private var longNonBlank = 0
    private var longEndsWithCR = false
    /// Its bytes, when long lines are kept.
    private var spool: Spool?
    private var bomBytesMatched = 0
    private var checkingForBOM = true

    private static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]
    /// At most this many lines in a piece: their decoded lines (48 bytes each) take less than
    /// the bytes of a piece of the default buffer size (512 KiB), in which lines of captures,
    /// hundreds of bytes long, are fewer anyway.
    public static let linesPerPiece = 8192

    public init(maxLineBytes: Int, keepLongLines: Bool = false) {
        self.maxLineBytes = maxLineBytes
        self.keepLongLines = keepLongLines
    }

    // MARK: Pieces

    /// Cuts what `chunk` completes into pieces, in order.
    public mutating func cut(_ chunk: UnsafeRawBufferPointer, emit: (FramedPiece) -> Void) {
        var chunk = chunk
        if checkingForBOM {
            var index = 0
            while index < chunk.count && bomBytesMatched < 3
                && chunk[index] == Self.byteOrderMark[bomBytesMatched]
            {
                bomBytesMatched += 1
                index += 1
            }
            if bomBytesMatched < 3 && index == chunk.count { return }
            checkingForBOM = false
            if bomBytesMatched < 3 {
                // Not a BOM after all: the bytes held back are ordinary data.
                let held = Array(Self.byteOrderMark[0..<bomBytesMatched])
                held.withUnsafeBytes { cutData($0, emit: emit) }
            }
            chunk = UnsafeRawBufferPointer(rebasing: chunk[index...])
        }
        cutData(chunk, emit: emit)
    }

    /// Emits what is left at the end of the stream: a last line without LF.
    public mutating func finishPieces(emit: (FramedPiece) -> Void) {
        if checkingForBOM {
            checkingForBOM = false
            let held = Array(Self.byteOrderMark[0..<bomBytesMatched])
            held.withUnsafeBytes { cutData($0, emit: emit) }
        }
        if carryIsTooLong {
            emitLongLine(emit: emit)
        } else if !carry.isEmpty {
            carry.withUnsafeBytes { emit(.lines($0)) }
            resetCarry()
        }
    }

    private mutating func cutData(_ chunk: UnsafeRawBufferPointer, emit: (FramedPiece) -> Void) {
        guard let base = chunk.baseAddress, chunk.count > 0 else { return }
        // memchr first: a chunk inside a long line has no LF at all, and is skipped at its speed.
        guard memchr(base, 0x0A, chunk.count) != nil else {
            appendToCarry(chunk)
            return
        }
        var lastNewline = chunk.count - 1
        while chunk[lastNewline] != 0x0A { lastNewline -= 1 }
        let end = lastNewline + 1
        if carryIsTooLong || !carry.isEmpty {
            // The carried line ends at the first LF: only it is copied, and what follows it is
            // whole lines, framed in place.
            let firstNewline = base.distance(to: UnsafeRawPointer(memchr(base, 0x0A, end)!))
            let carryWasLong = carryIsTooLong
            if carryIsTooLong {
                takeLong(UnsafeRawBufferPointer(rebasing: chunk[0..<firstNewline]))
                emitLongLine(emit: emit)
            } else {
                carry.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[0...firstNewline]))
                carry.withUnsafeBytes { emit(.carriedLine($0)) }
                resetCarry()
            }
            if firstNewline + 1 < end {
                Self.emitLines(
                    UnsafeRawBufferPointer(rebasing: chunk[(firstNewline + 1)..<end]), afterCarriedLine: !carryWasLong,
                    emit: emit)
            }
        } else {
            Self.emitLines(UnsafeRawBufferPointer(rebasing: chunk[0..<end]), afterCarriedLine: false, emit: emit)
        }
        appendToCarry(UnsafeRawBufferPointer(rebasing: chunk[end...]))
    }

    /// Emits `lines`, whole lines each ended by LF, in pieces of at most `linesPerPiece` lines;
    /// after a carried line, the first piece holds one line less.
    private static func emitLines(
        _ lines: UnsafeRawBufferPointer, afterCarriedLine: Bool, emit: (FramedPiece) -> Void
    ) {
        guard let base = lines.baseAddress else { return }
        var (start, next, count) = (0, 0, afterCarriedLine ? 1 : 0)
        while next < lines.count, let found = memchr(base + next, 0x0A, lines.count - next) {
            next = base.distance(to: UnsafeRawPointer(found)) + 1
            count += 1
            if count == linesPerPiece {
                emit(.lines(UnsafeRawBufferPointer(rebasing: lines[start..<next])))
                (start, count) = (next, 0)
            }
        }
        if start < lines.count { emit(.lines(UnsafeRawBufferPointer(rebasing: lines[start...]))) }
    }

    private mutating func appendToCarry(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        if carryIsTooLong {
            takeLong(bytes)
            return
        }
        carry.append(contentsOf: bytes)
        // One byte of slack: a trailing CR does not count towards the limit.
        if carry.count - 1 > maxLineBytes {
            carryIsTooLong = true
            if keepLongLines { spool = Spool() }
            carry.withUnsafeBytes { takeLong($0) }
            carry.removeAll(keepingCapacity: false)
        }
    }

    private mutating func emitLongLine(emit: (FramedPiece) -> Void) {
        emit(.longLine(isBlank: longNonBlank == 0 || (longNonBlank == 1 && longEndsWithCR), spool: spool))
        resetCarry()
    }

    private mutating func resetCarry() {
        carry.removeAll(keepingCapacity: carry.capacity <= 4 * 1024 * 1024)
        carryIsTooLong = false
        longNonBlank = 0
        longEndsWithCR = false
        spool = nil
    }

    /// The next bytes of a line over the limit.
    private mutating func takeLong(_ bytes: UnsafeRawBufferPointer) {
        guard let last = bytes.last else { return }
        spool?.append(bytes)
        // Two bytes other than space and tab make the line non-blank for good: stop counting.
        if longNonBlank < 2 {
            for byte in bytes where byte != 0x20 && byte != 0x09 {
                longNonBlank += 1
                if longNonBlank == 2 { break }
            }
        }
        longEndsWithCR = last == UInt8(ascii: "\r")
    }

    // MARK: Lines

    /// Frames the lines that `chunk` completes, calling `emit` for each in order.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, emit: (FramedLine) -> Void) {
        let limit = maxLineBytes
        let keep = keepLongLines
        cut(chunk) { Self.forEachLine(in: $0, maxLineBytes: limit, keepLongLines: keep, emit) }
    }

    /// Emits the last line when the stream did not end with LF.
    public mutating func finish(emit: (FramedLine) -> Void) {
        let limit = maxLineBytes
        let keep = keepLongLines
        finishPieces { Self.forEachLine(in: $0, maxLineBytes: limit, keepLongLines: keep, emit) }
    }

    /// Splits a piece into its lines, marking those over the limit.
    public static func forEachLine(
        in piece: FramedPiece, maxLineBytes: Int, keepLongLines: Bool, _ emit: (FramedLine) -> Void
    ) {
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)
        let bytes: UnsafeRawBufferPointer
        switch piece {
        case .lines(let lines), .carriedLine(let lines):
            bytes = lines
        case .longLine(let isBlank, let spool):
            emit(FramedLine(bytes: empty, isTooLong: true, isBlank: isBlank, spool: spool))
            return
        }
        guard let base = bytes.baseAddress else { return }
        var start = 0
        while start < bytes.count {
            let end: Int
            if let found = memchr(base + start, 0x0A, bytes.count - start) {
                end = base.distance(to: UnsafeRawPointer(found))
            } else {
                end = bytes.count
            }
            let line = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
            let contentCount = line.last == UInt8(ascii: "\r") ? line.count - 1 : line.count
            if contentCount > maxLineBytes {
                emit(FramedLine(bytes: keepLongLines ? line : empty, isTooLong: true, isBlank: isBlank(line)))
            } else {
                emit(FramedLine(bytes: line))
            }
            start = end + 1
        }
    }

    /// Only spaces and tabs, once one trailing CR is set aside.
    static func isBlank(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var content = bytes
        if content.last == UInt8(ascii: "\r") { content = UnsafeRawBufferPointer(rebasing: content.dropLast()) }
        return content.allSatisfy { $0 == 0x20 || $0 == 0x09 }
    }
}
