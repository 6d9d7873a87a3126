/// Reads the gzip members of one source, one after another, as one byte stream: each member's
/// header and trailer itself, its deflate data through a `DeflateDecoder`.
///
/// Whichever decoder inflates, the bytes delivered, the verdict on damage and its offset are
/// zlib's: ISA-L inflates, but a member it finds damaged (invalid data, a CRC or length that does
/// not match, cut short) is inflated again by zlib from the start of its deflate data, read
/// again from the file or kept in memory (up to `keptLimit`), and zlib has the last word; only
/// the bytes past those already delivered are delivered.
///
/// Offsets: a cut stream is truncated where it ends; a member that cannot be inflated (a bad
/// header, invalid deflate data) is corrupt at the offset where it starts; a CRC or length that
/// does not match what the member inflated to is corrupt at that field of its trailer, the
/// byte a user would inspect; bytes after a member that do not start another (not `1f 8b`: zero
/// padding too) are garbage where they start.
struct GzipReader {
    private let source: String
    private let reader: RawByteReader
    private let chunkSize: Int
    /// The decoder that inflates; zlib, when it is not, for a member found damaged.
    private let primary: DeflateDecoder
    private lazy var zlib = ZlibDecoder()
    private var decoder: DeflateDecoder

    private enum Part {
        case header(GzipHeader)
        case deflateData
        case trailer(GzipTrailer)
        /// After a member's trailer: the end of the stream, or another member.
        case betweenMembers
    }

    /// How the member's bytes from its deflate data on can be read again, for zlib.
    private enum Keeping {
        /// zlib inflates the member already.
        case unneeded
        /// The file can be read again.
        case file
        /// The source cannot: its bytes are kept in `kept` as they are read.
        case memory
        /// More than `keptLimit` bytes: ISA-L's verdict stands.
        case tooLong
    }

    /// A member's bytes kept in memory for zlib, at most: 4 MiB of compressed data, about 40 MB
    /// of capture (`replstat capture` closes a member every minute). This much memory is the
    /// price of zlib's verdict on a pipe; beyond, ISA-L's verdict stands: docs/robustness.md says
    /// how it can differ.
    static let keptLimit = 4 << 20

    private let output: UnsafeMutableRawBufferPointer
    private var input = UnsafeRawBufferPointer(start: nil, count: 0)
    /// Raw offset of `input`'s first byte; the bytes `again` and `readAhead` hold come before it.
    private var inputOffset: Int64 = 0
    private var readAhead = ReadAhead()
    /// Bytes read again for zlib, before `input`, from the file or from `kept`: the raw bytes
    /// from `againNext` up to `againEnd` are still to be read.
    private var again = UnsafeRawBufferPointer(start: nil, count: 0)
    private let againBuffer: UnsafeMutableRawBufferPointer
    private var againNext: Int64 = 0
    private var againEnd: Int64 = 0
    /// On a pipe, the member's raw bytes from `deflateStart` up to `inputOffset`.
    private var kept = KeptBytes(limit: Self.keptLimit)

    private var part = Part.header(GzipHeader())
    private var memberStart: Int64 = 0
    private var deflateStart: Int64 = 0
    /// Raw offset of the member's trailer, once its deflate data ended.
    private var trailerStart: Int64 = 0
    private var keeping = Keeping.unneeded
    /// Bytes the decoder inflated from this member (the trailer holds them modulo 2^32), and how
    /// many of them were delivered: none is delivered twice.
    private var memberLength: Int64 = 0
    private var delivered: Int64 = 0
    private var callAgain = false

    init(source: String, reader: RawByteReader, decoder: DeflateDecoder, chunkSize: Int) {
        self.source = source
        self.reader = reader
        self.chunkSize = max(chunkSize, 1)
        primary = decoder
        self.decoder = decoder
        // At least one byte, as RawByteReader does: an empty buffer would never make progress.
        output = .allocate(byteCount: self.chunkSize, alignment: 16)
        againBuffer = .allocate(byteCount: self.chunkSize, alignment: 16)
    }

    /// Reads the source to its end, `firstChunk` first, calling `consume` with each chunk of
    /// inflated bytes. Deallocates its buffers: call it once.
    mutating func read(
        firstChunk: UnsafeRawBufferPointer, consume: (UnsafeRawBufferPointer) -> Void
    ) throws(SourceFailure) {
        defer {
            output.deallocate()
            againBuffer.deallocate()
            kept.deallocate()
        }
        input = firstChunk
        while true {
            if again.isEmpty && againNext < againEnd { try readAgain() }
            if input.isEmpty && readAhead.isEmpty && again.isEmpty && !callAgain {
                inputOffset = reader.offset
                input = try reader.read(sourceName: source)
                if input.isEmpty {
                    switch part {
                    case .betweenMembers:
                        return
                    case .deflateData, .trailer:
                        // Cut in the trailer too: ISA-L may have ended deflate data whose code set
                        // zlib refuses, and zlib's verdict (corrupt, not truncated) stands.
                        if try inflateAgainWithZlib() { continue }
                    case .header:
                        break
                    }
                    throw SourceFailure(
                        kind: .truncatedGzip, source: source, byteOffset: inputOffset,
                        detail: "the stream ends inside a gzip member")
                }
            }
            switch part {
            case .betweenMembers:
                memberStart = nextOffset
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
                    startDeflateData()
                case .notGzip:
                    throw SourceFailure(
                        kind: .trailingGarbage, source: source, byteOffset: memberStart,
                        detail: "expected another gzip member")
                case .corrupt(let why):
                    throw corrupt(why)
                }
            case .deflateData:
                precondition(readAhead.isEmpty, "bytes read ahead inside deflate data")
                let fromAgain = !again.isEmpty
                switch decoder.inflate(input: fromAgain ? again : input, output: output) {
                case .progress(let consumed, let produced, let more):
                    deliver(produced, consume)
                    drop(consumed, fromAgain: fromAgain)
                    callAgain = more
                case .end(let consumed, let produced, let ahead):
                    deliver(produced, consume)
                    drop(consumed, fromAgain: fromAgain)
                    readAhead = ahead
                    callAgain = false
                    trailerStart = nextOffset
                    part = .trailer(GzipTrailer())
                case .corrupt(let produced):
                    if try inflateAgainWithZlib() { continue }
                    deliver(produced, consume)
                    throw corrupt("invalid deflate data")
                }
            case .trailer(var trailer):
                take { trailer.read($0) }
                if let mismatch = trailer.mismatch(
                    checksum: decoder.checksum, length: UInt32(truncatingIfNeeded: memberLength))
                {
                    if try inflateAgainWithZlib() { continue }
                    throw corrupt(mismatch.why, at: trailerStart + Int64(mismatch.field))
                }
                guard trailer.isComplete else {
                    part = .trailer(trailer)
                    continue
                }
                keeping = .unneeded
                kept.removeAll()
                part = .betweenMembers
            }
        }
    }

    /// Raw offset of the next byte to read.
    private var nextOffset: Int64 {
        inputOffset - Int64(readAhead.count) - Int64(again.count) - (againEnd - againNext)
    }

    private mutating func startDeflateData() {
        decoder = primary
        decoder.reset()
        memberLength = 0
        delivered = 0
        deflateStart = nextOffset
        kept.removeAll()
        if !primary.needsZlibOnDamage {
            keeping = .unneeded
        } else {
            keeping = reader.canReadAgain ? .file : .memory
        }
        part = .deflateData
    }

    /// Reads again, for zlib, from `againNext`: from the file, or from the bytes kept.
    private mutating func readAgain() throws(SourceFailure) {
        let wanted = Int(min(Int64(againBuffer.count), againEnd - againNext))
        if !reader.canReadAgain {
            again = UnsafeRawBufferPointer(rebasing: kept.bytes(from: Int(againNext - deflateStart)).prefix(wanted))
            againNext += Int64(again.count)
            return
        }
        let count = try reader.read(
            at: againNext, into: UnsafeMutableRawBufferPointer(rebasing: againBuffer[..<wanted]), sourceName: source)
        // A file that no longer holds the bytes (cut meanwhile) reads as a cut stream.
        againEnd = count == 0 ? againNext : againEnd
        againNext += Int64(count)
        again = UnsafeRawBufferPointer(rebasing: againBuffer[..<count])
    }

    /// Drops `count` bytes that were used, keeping those of the source when a member must be
    /// kept for zlib.
    private mutating func drop(_ count: Int, fromAgain: Bool) {
        if fromAgain {
            again = UnsafeRawBufferPointer(rebasing: again[count...])
            return
        }
        if case .memory = keeping, !kept.append(UnsafeRawBufferPointer(rebasing: input.prefix(count))) {
            keeping = .tooLong
        }
        input = UnsafeRawBufferPointer(rebasing: input[count...])
        inputOffset += Int64(count)
    }

    /// Hands the bytes read ahead, else those read again, else the input, to `body`, which
    /// returns how many it used.
    private mutating func take(_ body: (UnsafeRawBufferPointer) -> Int) {
        if !readAhead.isEmpty {
            readAhead.consume(body)
        } else {
            let fromAgain = !again.isEmpty
            drop(body(fromAgain ? again : input), fromAgain: fromAgain)
        }
    }

    /// Delivers the bytes of `produced` that were not delivered before.
    private mutating func deliver(_ produced: Int, _ consume: (UnsafeRawBufferPointer) -> Void) {
        memberLength += Int64(produced)
        let fresh = Int(max(0, memberLength - delivered))
        guard fresh > 0 else { return }
        consume(UnsafeRawBufferPointer(rebasing: output[(produced - fresh)..<produced]))
        delivered = memberLength
    }

    /// When ISA-L found the member damaged and its bytes can be read again: zlib inflates it
    /// again from its deflate data on, and true. The bytes read ahead and already used are read
    /// again.
    private mutating func inflateAgainWithZlib() throws(SourceFailure) -> Bool {
        guard decoder === primary && primary.needsZlibOnDamage else { return false }
        switch keeping {
        case .unneeded, .tooLong:
            return false
        case .file, .memory:
            // Up to the input not used yet: the bytes read ahead too.
            againNext = deflateStart
            againEnd = inputOffset
            again = UnsafeRawBufferPointer(start: nil, count: 0)
        }
        readAhead = ReadAhead()
        keeping = .unneeded
        decoder = zlib
        decoder.reset()
        memberLength = 0
        callAgain = false
        part = .deflateData
        return true
    }

    /// The member is corrupt, at `offset` (by default where it starts).
    private func corrupt(_ why: String, at offset: Int64? = nil) -> SourceFailure {
        SourceFailure(kind: .corruptGzip, source: source, byteOffset: offset ?? memberStart, detail: why)
    }
}

/// A member's raw bytes as read from a pipe, for zlib: in blocks, so that keeping more copies
/// nothing kept before, and at most `limit` bytes.
struct KeptBytes {
    static let blockSize = 256 << 10
    let limit: Int
    /// Allocated as needed and reused by the next member.
    private var blocks: [UnsafeMutableRawBufferPointer] = []
    private(set) var count = 0

    init(limit: Int) {
        self.limit = limit
    }

    /// Appends `bytes`, and true; false, freeing every block, when they would pass the limit.
    mutating func append(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard count + bytes.count <= limit else {
            deallocate()
            return false
        }
        var rest = bytes
        while !rest.isEmpty {
            let (block, inBlock) = count.quotientAndRemainder(dividingBy: Self.blockSize)
            if block == blocks.count { blocks.append(.allocate(byteCount: Self.blockSize, alignment: 16)) }
            let taken = min(rest.count, Self.blockSize - inBlock)
            UnsafeMutableRawBufferPointer(rebasing: blocks[block][inBlock..<(inBlock + taken)])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: rest.prefix(taken)))
            rest = UnsafeRawBufferPointer(rebasing: rest[taken...])
            count += taken
        }
        return true
    }

    /// The bytes kept from `offset` on, up to the end of its block.
    func bytes(from offset: Int) -> UnsafeRawBufferPointer {
        precondition(offset < count, "reading past the bytes kept")
        let (block, inBlock) = offset.quotientAndRemainder(dividingBy: Self.blockSize)
        return UnsafeRawBufferPointer(
            rebasing: blocks[block][inBlock..<min(Self.blockSize, count - block * Self.blockSize)])
    }

    /// Forgets the bytes, keeping the blocks for the next member.
    mutating func removeAll() {
        count = 0
    }

    mutating func deallocate() {
        for block in blocks { block.deallocate() }
        blocks = []
        count = 0
    }
}
