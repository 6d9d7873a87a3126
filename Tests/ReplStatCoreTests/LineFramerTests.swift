import Testing

@testable import ReplStatCore

/// A framed line copied out of the callback, for comparing.
struct Line: Equatable, CustomStringConvertible {
    var bytes: [UInt8]
    var isTooLong = false
    var isBlank = false

    init(_ bytes: [UInt8], isTooLong: Bool = false, isBlank: Bool = false) {
        self.bytes = bytes
        self.isTooLong = isTooLong
        self.isBlank = isBlank
    }

    init(_ text: String, isTooLong: Bool = false, isBlank: Bool = false) {
        self.init(Array(text.utf8), isTooLong: isTooLong, isBlank: isBlank)
    }

    var description: String {
        "Line(\(bytes)\(isTooLong ? ", tooLong" : "")\(isBlank ? ", blank" : ""))"
    }
}

private let bom: [UInt8] = [0xEF, 0xBB, 0xBF]

/// Feeds `chunks` in order (empty ones included) and collects the lines.
private func frame(_ chunks: [[UInt8]], max: Int = 1 << 20, keep: Bool = false) -> [Line] {
    var framer = LineFramer(maxLineBytes: max, keepLongLines: keep)
    var lines: [Line] = []
    let collect: (FramedLine) -> Void = { framed in
        lines.append(
            Line(
                framed.spool.map(contents) ?? Array(framed.bytes), isTooLong: framed.isTooLong, isBlank: framed.isBlank)
        )
    }
    for chunk in chunks {
        chunk.withUnsafeBytes { framer.feed($0, emit: collect) }
    }
    framer.finish(emit: collect)
    return lines
}

/// What a spool holds, read back.
func contents(_ spool: Spool) -> [UInt8] {
    var bytes: [UInt8] = []
    #expect(throws: Never.self) { try spool.read { bytes.append(contentsOf: $0) } }
    return bytes
}

private func frame(_ text: String, max: Int = 1 << 20, keep: Bool = false) -> [Line] {
    frame([Array(text.utf8)], max: max, keep: keep)
}

/// Splits into chunks of `size` bytes.
private func chunks(_ bytes: [UInt8], size: Int) -> [[UInt8]] {
    stride(from: 0, to: bytes.count, by: size).map { Array(bytes[$0..<min($0 + size, bytes.count)]) }
}

/// The obvious whole-stream framing, as docs/format.md says it: skip a leading BOM, split at LF,
/// a final line without LF counts; the limit does not count one trailing CR.
private func referenceFrame(_ stream: [UInt8], max: Int, keep: Bool) -> [Line] {
    var bytes = stream[...]
    if bytes.starts(with: bom) { bytes = bytes.dropFirst(3) }
    var pieces = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
    if pieces.last?.isEmpty == true { pieces.removeLast() }
    return pieces.map { piece in
        let content = piece.last == 0x0D ? piece.dropLast() : piece
        let tooLong = content.count > max
        let blank = content.allSatisfy { $0 == 0x20 || $0 == 0x09 }
        return Line(tooLong && !keep ? [] : Array(piece), isTooLong: tooLong, isBlank: tooLong && blank)
    }
}

@Suite struct LineFramerTests {
    @Test(arguments: 0..<40)
    func anyChunkingGivesTheReferenceLines(seed: Int) {
        var random = SplitMix64(seed: UInt64(seed) &* 7919 &+ 1)
        // Few distinct bytes, so that LF, CR, blanks and BOM bytes meet in every arrangement.
        let alphabet: [UInt8] = [0x0A, 0x0A, 0x0D, 0x0D, 0x20, 0x09, 0x61, 0x62, 0xEF, 0xBB, 0xBF]
        for _ in 0..<25 {
            var stream = (0..<Int.random(in: 0...300, using: &random)).map { _ in
                alphabet.randomElement(using: &random)!
            }
            if Bool.random(using: &random) { stream = bom + stream }
            let max = [0, 1, 2, 5, 16, 1 << 20].randomElement(using: &random)!
            let keep = Bool.random(using: &random)
            var pieces: [[UInt8]] = []
            var start = 0
            while start < stream.count {
                // Empty chunks too: a pipe read can return nothing in between.
                let size = Int.random(in: 0...12, using: &random)
                pieces.append(Array(stream[start..<min(start + size, stream.count)]))
                start += size
            }
            let expected = referenceFrame(stream, max: max, keep: keep)
            #expect(frame(pieces, max: max, keep: keep) == expected, "stream \(stream) max \(max) keep \(keep)")
            #expect(frame([stream], max: max, keep: keep) == expected)
        }
    }

    @Test func finalLineWithoutLFCounts() {
        #expect(frame("a\nb") == [Line("a"), Line("b")])
        #expect(frame("a\nb\n") == [Line("a"), Line("b")])
        #expect(frame("") == [])
        #expect(frame("\n") == [Line("")])
        #expect(frame("\n\n") == [Line(""), Line("")])
        #expect(frame([Array("ab".utf8), Array("c".utf8)]) == [Line("abc")])
    }

    @Test func trailingCRIsKeptForTheDecoder() {
        #expect(frame("a\r\nb\r") == [Line("a\r"), Line("b\r")])
        #expect(frame("\r\r\n") == [Line("\r\r")])
        #expect(frame(chunks(Array("x\r\ny\r\n".utf8), size: 1)) == [Line("x\r"), Line("y\r")])
    }

    @Test func byteOrderMarkSkippedOnlyAtTheStart() {
        let text = Array("{}\n".utf8)
        #expect(frame([bom + text + bom + text]) == [Line("{}"), Line(bom + text.dropLast())])
        #expect(frame([bom]) == [])
        #expect(frame([bom + Array("\n".utf8)]) == [Line("")])
        // A second BOM right after the first is data.
        #expect(frame([bom + bom]) == [Line(bom)])
    }

    @Test(arguments: [[1, 1, 1], [1, 2], [2, 1], [0, 1, 0, 1, 0, 1, 0]] as [[Int]])
    func byteOrderMarkSplitAcrossChunks(sizes: [Int]) {
        let stream = bom + Array("ab\ncd".utf8)
        var pieces: [[UInt8]] = []
        var start = 0
        for size in sizes {
            pieces.append(Array(stream[start..<start + size]))
            start += size
        }
        pieces.append(Array(stream[start...]))
        #expect(frame(pieces) == [Line("ab"), Line("cd")])
    }

    @Test(arguments: [[0xEF], [0xEF, 0xBB], [0xEF, 0x41], [0xEF, 0xBB, 0x41], [0xEF, 0xBB, 0x0A]] as [[UInt8]])
    func partialByteOrderMarkIsData(prefix: [UInt8]) {
        let stream = prefix + Array("z\n".utf8)
        let expected = referenceFrame(stream, max: 100, keep: false)
        #expect(expected.first?.bytes.starts(with: [0xEF]) == true)
        #expect(frame([stream], max: 100) == expected)
        #expect(frame(chunks(stream, size: 1), max: 100) == expected)
        // At the very end of the stream, held-back bytes still come out as a line.
        #expect(frame([prefix], max: 100) == referenceFrame(prefix, max: 100, keep: false))
        #expect(frame(chunks(prefix, size: 1), max: 100) == referenceFrame(prefix, max: 100, keep: false))
    }

    @Test(arguments: [1, 3, 64])
    func lineLimitBoundary(chunkSize: Int) {
        let max = 10
        let exact = String(repeating: "a", count: max)
        let cases: [(String, [Line])] = [
            (exact + "\n", [Line(exact)]),
            (exact, [Line(exact)]),
            (exact + "\r\n", [Line(exact + "\r")]),
            (exact + "\r", [Line(exact + "\r")]),
            (exact + "a\n", [Line([], isTooLong: true)]),
            (exact + "a", [Line([], isTooLong: true)]),
            (exact + "a\r\n", [Line([], isTooLong: true)]),
            // Only one trailing CR is free: the other one counts.
            (exact + "\r\r\n", [Line([], isTooLong: true)]),
            // A CR inside the line counts.
            (exact + "\ra\n", [Line([], isTooLong: true)]),
            (exact + "a\n" + exact + "\n", [Line([], isTooLong: true), Line(exact)]),
        ]
        for (text, expected) in cases {
            #expect(frame(chunks(Array(text.utf8), size: chunkSize), max: max) == expected, "\(text.debugDescription)")
        }
    }

    @Test func largestLimitDoesNotOverflow() {
        let text = Array("first line\r\nsecond".utf8)
        for keep in [false, true] {
            #expect(frame(chunks(text, size: 3), max: .max, keep: keep) == [Line("first line\r"), Line("second")])
        }
        #expect(frame(chunks(text, size: 3), max: 0) == [Line([], isTooLong: true), Line([], isTooLong: true)])
        #expect(frame(chunks(Array("\r\n\n".utf8), size: 1), max: 0) == [Line("\r"), Line("")])
    }

    @Test func longLineAcrossManyChunksIsNotBuffered() {
        // 5 MiB over a 1 KiB limit, fed in 4 KiB chunks: only the length is tracked.
        let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 4096)
        let pieces = Array(repeating: chunk, count: 1280) + [Array("\nok\n".utf8)]
        #expect(frame(pieces, max: 1024) == [Line([], isTooLong: true), Line("ok")])
    }

    @Test(arguments: [1, 2, 4, 100])
    func tooLongLineOfSpacesIsBlank(chunkSize: Int) {
        let cases: [(String, Bool)] = [
            (String(repeating: " ", count: 12), true),
            (String(repeating: " \t", count: 6), true),
            (String(repeating: " ", count: 12) + "\r", true),
            (String(repeating: " ", count: 12) + "\r\r", false),
            (String(repeating: " ", count: 6) + "\r" + String(repeating: " ", count: 6), false),
            (String(repeating: " ", count: 11) + "x", false),
            ("x" + String(repeating: " ", count: 11), false),
        ]
        for (text, blank) in cases {
            for ending in ["\n", ""] {
                let lines = frame(chunks(Array((text + ending).utf8), size: chunkSize), max: 8)
                #expect(lines == [Line([], isTooLong: true, isBlank: blank)], "\(text.debugDescription)")
                let kept = frame(chunks(Array((text + ending).utf8), size: chunkSize), max: 8, keep: true)
                #expect(kept == [Line(text, isTooLong: true, isBlank: blank)], "\(text.debugDescription)")
            }
        }
    }

    @Test(arguments: [1, 5, 1000])
    func keepLongLinesKeepsTheBytes(chunkSize: Int) {
        let long = String(repeating: "0123456789", count: 30) + "\r"
        let text = "short\n" + long + "\n" + long
        let lines = frame(chunks(Array(text.utf8), size: chunkSize), max: 100, keep: true)
        #expect(lines == [Line("short"), Line(long, isTooLong: true), Line(long, isTooLong: true)])
    }

    /// A kept line over the limit that straddles chunks goes to a spool as it comes, so the
    /// framer holds no more than the limit: the piece carries the spool, not the bytes.
    @Test func aKeptLongLineAcrossChunksIsSpooledNotCarried() throws {
        var framer = LineFramer(maxLineBytes: 1024, keepLongLines: true)
        var random = SplitMix64(seed: 3)
        let line = (0..<300_000).map { _ in UInt8.random(in: 0x0B...0xFF, using: &random) }
        var pieces: [(spool: Spool?, isBlank: Bool, lines: [UInt8])] = []
        let take: (FramedPiece) -> Void = { piece in
            switch piece {
            case .lines(let bytes), .carriedLine(let bytes): pieces.append((nil, false, Array(bytes)))
            case .longLine(let isBlank, let spool): pieces.append((spool, isBlank, []))
            }
        }
        for chunk in chunks(line + Array("\nok\n".utf8), size: 4096) {
            chunk.withUnsafeBytes { framer.cut($0, emit: take) }
        }
        framer.finishPieces(emit: take)
        try #require(pieces.count == 2)
        #expect(pieces[0].spool.map(contents) == line && !pieces[0].isBlank)
        #expect(pieces[0].spool?.isValidUTF8 == line.withUnsafeBytes { JSONText.isValidUTF8($0) })
        #expect(pieces[1].lines == Array("ok\n".utf8))
    }

    /// Only the line that straddles two chunks is copied: the whole lines after it are handed
    /// on where they lie in the chunk. (The framer used to copy the whole chunk after a carried
    /// line: every byte of a source, once.)
    @Test func onlyTheStraddlingLineIsCopied() throws {
        var framer = LineFramer(maxLineBytes: 1024)
        var pieces: [(bytes: [UInt8], inChunk: Bool)] = []
        let first = Array("one\ntw".utf8)
        let second = Array("o\nthree\nfour\nfi".utf8)
        first.withUnsafeBytes { framer.cut($0) { _ in } }
        second.withUnsafeBytes { chunk in
            framer.cut(chunk) { piece in
                let bytes: UnsafeRawBufferPointer
                switch piece {
                case .carriedLine(let line):
                    #expect(pieces.isEmpty, "the carried line comes first")
                    bytes = line
                case .lines(let lines):
                    bytes = lines
                case .longLine:
                    Issue.record("no line is long")
                    return
                }
                let inChunk =
                    bytes.baseAddress! >= chunk.baseAddress! && bytes.baseAddress! < chunk.baseAddress! + chunk.count
                pieces.append((Array(bytes), inChunk))
            }
        }
        try #require(pieces.count == 2)
        #expect(pieces[0].bytes == Array("two\n".utf8) && !pieces[0].inChunk)
        #expect(pieces[1].bytes == Array("three\nfour\n".utf8) && pieces[1].inChunk)
    }

    /// A chunk of lines of a byte or two is cut into pieces of at most `linesPerPiece` lines, so
    /// that decoding a piece takes memory in proportion to its bytes; the lines stay the same. The
    /// piece after a carried line holds one line less, so that the two can go out as one piece.
    @Test(arguments: [0, 1, LineFramer.linesPerPiece - 1, LineFramer.linesPerPiece, 2 * LineFramer.linesPerPiece + 3])
    func piecesHoldAtMostLinesPerPiece(lines: Int) {
        // A carried line first, then `lines` lines of "x" or nothing, the last one without LF.
        let stream =
            Array("carried\n".utf8) + (0..<lines).flatMap { Array($0 % 2 == 0 ? "\n".utf8 : "x\n".utf8) } + [0x41]
        var framer = LineFramer(maxLineBytes: 1024)
        var pieces: [(bytes: [UInt8], isCarriedLine: Bool)] = []
        let collect: (FramedPiece) -> Void = { piece in
            switch piece {
            case .lines(let bytes): pieces.append((Array(bytes), false))
            case .carriedLine(let bytes): pieces.append((Array(bytes), true))
            case .longLine: Issue.record("no line is long")
            }
        }
        Array(stream[..<3]).withUnsafeBytes { framer.cut($0, emit: collect) }
        Array(stream[3...]).withUnsafeBytes { framer.cut($0, emit: collect) }
        framer.finishPieces(emit: collect)
        func lineCount(_ bytes: [UInt8]) -> Int { bytes.count { $0 == 0x0A } }
        #expect(pieces.flatMap(\.bytes) == stream)
        #expect(pieces.map(\.isCarriedLine) == [true] + Array(repeating: false, count: pieces.count - 1))
        #expect(lineCount(pieces[0].bytes) == 1)
        #expect(pieces.allSatisfy { lineCount($0.bytes) <= LineFramer.linesPerPiece })
        if lines > 0 { #expect(lineCount(pieces[0].bytes + pieces[1].bytes) <= LineFramer.linesPerPiece) }
        // The carried line, the lines in as few pieces as the limit allows (the first one line
        // short), the last line.
        let linePieces = lines == 0 ? 0 : (lines + LineFramer.linesPerPiece) / LineFramer.linesPerPiece
        #expect(pieces.count == 2 + linePieces)
    }

    @Test func emptyChunksChangeNothing() {
        let pieces: [[UInt8]] = [[], Array("a".utf8), [], Array("\n".utf8), [], []]
        #expect(frame(pieces) == [Line("a")])
        #expect(frame([[], []]) == [])
    }
}
