#if canImport(Glibc)
    import Glibc
#endif

/// One line of a source: its bytes without the LF (a trailing CR is still there).
public struct FramedLine {
    /// The line's bytes, valid only during the callback. For a line over the limit these are
    /// kept only when the framer was asked to keep long lines; otherwise they are empty.
    public var bytes: UnsafeRawBufferPointer
    /// The line has more bytes than the limit (not counting a trailing CR).
    public var isTooLong: Bool
    /// For a line over the limit: it holds nothing but spaces and tabs (and a trailing CR),
    /// which makes it blank, as blank is checked first.
    public var isBlank: Bool = false

    public init(bytes: UnsafeRawBufferPointer, isTooLong: Bool = false, isBlank: Bool = false) {
        self.bytes = bytes
        self.isTooLong = isTooLong
        self.isBlank = isBlank
    }
}

/// Splits a source's decompressed byte stream into lines at LF, whatever the chunk boundaries.
///
/// A UTF-8 byte-order mark at the very start of the stream is skipped; a final line without
/// LF counts. A line over the limit is not buffered (unless `keepLongLines`, for the rejects
/// file): only its length is tracked until its LF.
public struct LineFramer {
    public let maxLineBytes: Int
    public let keepLongLines: Bool

    private var carry: [UInt8] = []
    private var carryIsTooLong = false
    /// For a line over the limit whose bytes are dropped: bytes other than space and tab so
    /// far, and whether the last one was a CR (a trailing CR does not make a line non-blank).
    private var droppedNonBlank = 0
    private var droppedEndsWithCR = false
    private var bomBytesMatched = 0
    private var checkingForBOM = true

    private static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    public init(maxLineBytes: Int, keepLongLines: Bool = false) {
        self.maxLineBytes = maxLineBytes
        self.keepLongLines = keepLongLines
    }

    /// Frames the lines that `chunk` completes, calling `emit` for each in order.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, emit: (FramedLine) -> Void) {
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
                held.withUnsafeBytes { feedData($0, emit: emit) }
            }
            chunk = UnsafeRawBufferPointer(rebasing: chunk[index...])
        }
        feedData(chunk, emit: emit)
    }

    /// Emits the last line when the stream did not end with LF.
    public mutating func finish(emit: (FramedLine) -> Void) {
        if checkingForBOM {
            checkingForBOM = false
            let held = Array(Self.byteOrderMark[0..<bomBytesMatched])
            held.withUnsafeBytes { feedData($0, emit: emit) }
        }
        if !carry.isEmpty || carryIsTooLong {
            emitCarry(emit: emit)
        }
    }

    private func isTooLong(_ count: Int, lastByte: UInt8?) -> Bool {
        let contentCount = lastByte == UInt8(ascii: "\r") ? count - 1 : count
        return contentCount > maxLineBytes
    }

    private mutating func emitCarry(emit: (FramedLine) -> Void) {
        let tooLong = carryIsTooLong || isTooLong(carry.count, lastByte: carry.last)
        if tooLong && !keepLongLines {
            if !carry.isEmpty { carry.withUnsafeBytes { noteDropped($0) } }
            let blank = droppedNonBlank == 0 || (droppedNonBlank == 1 && droppedEndsWithCR)
            emit(FramedLine(bytes: UnsafeRawBufferPointer(start: nil, count: 0), isTooLong: true, isBlank: blank))
        } else {
            carry.withUnsafeBytes { bytes in
                emit(FramedLine(bytes: bytes, isTooLong: tooLong, isBlank: tooLong && Self.isBlank(bytes)))
            }
        }
        carry.removeAll(keepingCapacity: carry.capacity <= 4 * 1024 * 1024)
        carryIsTooLong = false
        droppedNonBlank = 0
        droppedEndsWithCR = false
    }

    private mutating func appendToCarry(_ bytes: UnsafeRawBufferPointer) {
        if carryIsTooLong && !keepLongLines {
            noteDropped(bytes)
            return
        }
        carry.append(contentsOf: bytes)
        // One byte of slack: a trailing CR does not count towards the limit. (Subtracting, as
        // `maxLineBytes + 1` overflows for a limit of Int.max.)
        if carry.count - 1 > maxLineBytes {
            carryIsTooLong = true
            if !keepLongLines {
                carry.withUnsafeBytes { noteDropped($0) }
                carry.removeAll(keepingCapacity: false)
            }
        }
    }

    private mutating func noteDropped(_ bytes: UnsafeRawBufferPointer) {
        guard let last = bytes.last else { return }
        for byte in bytes where byte != 0x20 && byte != 0x09 { droppedNonBlank += 1 }
        droppedEndsWithCR = last == UInt8(ascii: "\r")
    }

    /// Only spaces and tabs, once one trailing CR is set aside.
    static func isBlank(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var content = bytes
        if content.last == UInt8(ascii: "\r") { content = UnsafeRawBufferPointer(rebasing: content.dropLast()) }
        return content.allSatisfy { $0 == 0x20 || $0 == 0x09 }
    }

    private mutating func feedData(_ chunk: UnsafeRawBufferPointer, emit: (FramedLine) -> Void) {
        guard let base = chunk.baseAddress, chunk.count > 0 else { return }
        var start = 0
        while start < chunk.count {
            let remaining = chunk.count - start
            guard let found = memchr(base + start, 0x0A, remaining) else {
                appendToCarry(UnsafeRawBufferPointer(rebasing: chunk[start...]))
                return
            }
            let newline = base.distance(to: UnsafeRawPointer(found))
            let piece = UnsafeRawBufferPointer(rebasing: chunk[start..<newline])
            if carry.isEmpty && !carryIsTooLong {
                let tooLong = isTooLong(piece.count, lastByte: piece.last)
                if tooLong {
                    let blank = Self.isBlank(piece)
                    emit(
                        FramedLine(
                            bytes: keepLongLines ? piece : UnsafeRawBufferPointer(start: nil, count: 0),
                            isTooLong: true, isBlank: blank))
                } else {
                    emit(FramedLine(bytes: piece))
                }
            } else {
                appendToCarry(piece)
                emitCarry(emit: emit)
            }
            start = newline + 1
        }
    }
}
