/// Reads the gzip members of one source, one after another, as one byte stream: each member's
/// header and trailer itself, its deflate data through a `DeflateDecoder`, so that every
/// verdict on damage and its byte offset are the same whichever decoder inflates.
///
/// Offsets: a cut stream is truncated where it ends; a member that cannot be inflated (a bad
/// header, invalid deflate data, a CRC or length that does not match) is corrupt at the offset
/// where it starts; bytes after a member that do not start another (not `1f 8b`: zero padding
/// too) are garbage where they start.
struct GzipReader {
    private let source: String
    private let reader: RawByteReader
    private let decoder: DeflateDecoder
    private let chunkSize: Int

    private enum Part {
        case header(GzipHeader)
        case deflateData
        case trailer(GzipTrailer)
        /// After a member's trailer: the end of the stream, or another member.
        case betweenMembers
    }

    init(source: String, reader: RawByteReader, decoder: DeflateDecoder, chunkSize: Int) {
        self.source = source
        self.reader = reader
        self.decoder = decoder
        self.chunkSize = chunkSize
    }

    mutating func read(
        firstChunk: UnsafeRawBufferPointer, consume: (UnsafeRawBufferPointer) -> Void
    ) throws(SourceFailure) {
        // At least one byte, as RawByteReader does: an empty buffer would never make progress.
        let output = UnsafeMutableRawBufferPointer.allocate(byteCount: max(chunkSize, 1), alignment: 16)
        defer { output.deallocate() }
        var input = firstChunk
        // Raw offset of `input`'s first byte; the bytes read ahead come just before it.
        var inputOffset: Int64 = 0
        var readAhead = ReadAhead()
        var part = Part.header(GzipHeader())
        var memberStart: Int64 = 0
        // Bytes the member inflated to, modulo 2^32 as the trailer holds them.
        var memberLength: UInt32 = 0
        var callAgain = false

        func deliver(_ produced: Int) {
            guard produced > 0 else { return }
            memberLength &+= UInt32(truncatingIfNeeded: produced)
            consume(UnsafeRawBufferPointer(start: output.baseAddress, count: produced))
        }

        /// Hands the bytes read ahead, else the input, to `body`, which returns how many it used.
        func take(_ body: (UnsafeRawBufferPointer) -> Int) {
            if !readAhead.isEmpty {
                readAhead.consume(body)
            } else {
                let used = body(input)
                input = UnsafeRawBufferPointer(rebasing: input[used...])
                inputOffset += Int64(used)
            }
        }

        while true {
            if input.isEmpty && readAhead.isEmpty && !callAgain {
                inputOffset = reader.offset
                input = try reader.read(sourceName: source)
                if input.isEmpty {
                    if case .betweenMembers = part { return }
                    throw SourceFailure(
                        kind: .truncatedGzip, source: source, byteOffset: inputOffset,
                        detail: "the stream ends inside a gzip member")
                }
            }
            switch part {
            case .betweenMembers:
                memberStart = inputOffset - Int64(readAhead.count)
                part = .header(GzipHeader())
            case .header(var header):
                var verdict = GzipHeader.Verdict.needsMore
                take { bytes in
                    let (used, found) = header.read(bytes)
                    verdict = found
                    return used
                }
                switch verdict {
                case .needsMore:
                    part = .header(header)
                case .complete:
                    decoder.reset()
                    memberLength = 0
                    part = .deflateData
                case .notGzip:
                    throw SourceFailure(
                        kind: .trailingGarbage, source: source, byteOffset: memberStart,
                        detail: "expected another gzip member")
                case .corrupt(let why):
                    throw corrupt(memberStart, why)
                }
            case .deflateData:
                precondition(readAhead.isEmpty, "bytes read ahead inside deflate data")
                switch decoder.inflate(input: input, output: output) {
                case .progress(let consumed, let produced, let again):
                    deliver(produced)
                    input = UnsafeRawBufferPointer(rebasing: input[consumed...])
                    inputOffset += Int64(consumed)
                    callAgain = again
                case .end(let consumed, let produced, let ahead):
                    deliver(produced)
                    input = UnsafeRawBufferPointer(rebasing: input[consumed...])
                    inputOffset += Int64(consumed)
                    readAhead = ahead
                    callAgain = false
                    part = .trailer(GzipTrailer())
                case .corrupt(let produced):
                    deliver(produced)
                    throw corrupt(memberStart, "invalid deflate data")
                }
            case .trailer(var trailer):
                take { trailer.read($0) }
                guard trailer.isComplete else {
                    part = .trailer(trailer)
                    continue
                }
                if let why = trailer.mismatch(checksum: decoder.checksum, length: memberLength) {
                    throw corrupt(memberStart, why)
                }
                part = .betweenMembers
            }
        }
    }

    private func corrupt(_ memberStart: Int64, _ why: String) -> SourceFailure {
        SourceFailure(kind: .corruptGzip, source: source, byteOffset: memberStart, detail: why)
    }
}
