import Dispatch

#if canImport(Glibc)
    import Glibc
#endif

/// Where `DecodingLanes` hands what it read, in input order, on the calling thread.
protocol DecodedPieceConsumer: AnyObject {
    func beginSource(_ source: InputSource)
    func merge(_ piece: DecodedPiece)
    /// The source ended, at its end or at its damage.
    func endSource(_ failure: SourceFailure?)
}

/// Reads the sources, cuts them into pieces of whole lines and decodes the pieces, handing each
/// decoded piece back in input order, whatever the number of jobs and however the input was cut.
///
/// With one job every step runs on the calling thread. With more, a reader thread reads,
/// inflates and frames; decoding lanes (one per job, each on its `SerialWorker`) decode pieces in
/// parallel, round-robin; and an `OrderedHandoff` gives them back to the calling thread in
/// sequence. At most a fixed number of pieces is in flight, and their buffers are reused.
final class DecodingLanes {
    let jobs: Int
    private let maxLineBytes: Int
    private let chunkSize: Int
    /// Keep each piece's bytes and line ranges, for the rejects file.
    private let keepLines: Bool
    /// Storage reused from piece to piece: the bytes of pieces and the decoded records. A block
    /// holds a chunk and, before it, room for the line carried into it (`joinedLineBytes`).
    private let pieceBlocks: PieceBytesPool
    private let recordArrays = ArrayPool<DecodedLine>()

    init(jobs: Int, maxLineBytes: Int, chunkSize: Int, keepLines: Bool) {
        self.jobs = jobs
        self.maxLineBytes = maxLineBytes
        self.chunkSize = max(chunkSize, 1)
        self.keepLines = keepLines
        pieceBlocks = PieceBytesPool(blockSize: Self.joinedLineBytes + self.chunkSize)
    }

    /// Reads the sources in order, each to its end (or to its damage), with new lanes.
    func read(_ sources: [InputSource], into consumer: DecodedPieceConsumer) {
        let lanes = (0..<jobs).map { DecodeLane(number: $0, recordArrays: recordArrays) }
        if jobs == 1 {
            readInline(sources, lane: lanes[0], into: consumer)
        } else {
            readInParallel(sources, lanes: lanes, into: consumer)
        }
    }

    private func readInline(_ sources: [InputSource], lane: DecodeLane, into consumer: DecodedPieceConsumer) {
        let keepLines = keepLines
        let maxLineBytes = maxLineBytes
        let recordArrays = recordArrays
        for source in sources {
            consumer.beginSource(source)
            // A line over the limit is held whole only to be written to the rejects file.
            var framer = LineFramer(maxLineBytes: maxLineBytes, keepLongLines: keepLines)
            let decode: (FramedPiece) -> Void = { piece in
                let decoded: DecodedPiece
                switch piece {
                case .lines(let bytes), .carriedLine(let bytes):
                    decoded = lane.decode(bytes, maxLineBytes: maxLineBytes, keepLines: keepLines)
                case .longLine(let isBlank, let spool):
                    decoded = lane.longLine(isBlank: isBlank, spool: spool)
                }
                consumer.merge(decoded)
                recordArrays.recycle(decoded.records)
            }
            let failure = Self.read(source, chunkSize: chunkSize) { framer.cut($0, emit: decode) }
            if failure?.kind != .unreadable { framer.finishPieces(emit: decode) }
            consumer.endSource(failure)
        }
    }

    private func readInParallel(_ sources: [InputSource], lanes: [DecodeLane], into consumer: DecodedPieceConsumer) {
        let handoff = OrderedHandoff(capacity: 4 * lanes.count + 4)
        let workers = lanes.map { SerialWorker(label: "replstat.decode.\($0.number)") }
        let keepLines = keepLines
        let maxLineBytes = maxLineBytes
        let chunkSize = chunkSize
        let readerDone = DispatchSemaphore(value: 0)
        let pieceBlocks = pieceBlocks

        DispatchQueue.global(qos: .userInitiated).async {
            var sequence = 0
            /// A carried line waiting for the lines after it, to go out with them as one piece:
            /// read in place, just before them in the same block, or else copied.
            var held: (bytes: PieceBytes, range: Range<Int>)?
            /// The block the last chunk of a plain source was read into, at `joinedLineBytes`.
            var block: PieceBytes?
            func dispatch(_ bytes: PieceBytes, _ range: Range<Int>) {
                handoff.reserve()
                let number = sequence
                sequence += 1
                let lane = lanes[number % lanes.count]
                workers[lane.number].async {
                    let decoded = lane.decode(bytes.bytes(range), maxLineBytes: maxLineBytes, keepLines: keepLines)
                    handoff.deliver(.piece(decoded), sequence: number)
                }
            }
            func sendHeld() {
                if let held { dispatch(held.bytes, held.range) }
                held = nil
            }
            /// A copy of `bytes` at the start of a block, with room after them for a chunk.
            func copied(_ bytes: UnsafeRawBufferPointer) -> (bytes: PieceBytes, range: Range<Int>) {
                let copy = pieceBlocks.borrow(byteCount: bytes.count)
                copy.memory.copyMemory(from: bytes)
                return (copy, 0..<bytes.count)
            }
            /// Where `bytes` lie in `block`, if they do.
            func placeInBlock(_ bytes: UnsafeRawBufferPointer) -> Range<Int>? {
                guard let block, let start = bytes.baseAddress, let base = block.memory.baseAddress,
                    start >= UnsafeRawPointer(base), start + bytes.count <= UnsafeRawPointer(base + block.memory.count)
                else { return nil }
                let offset = UnsafeRawPointer(base).distance(to: start)
                return offset..<offset + bytes.count
            }
            func send(_ piece: FramedPiece) {
                switch piece {
                case .carriedLine(let line):
                    sendHeld()
                    guard line.count <= Self.joinedLineBytes else {
                        let (bytes, range) = copied(line)
                        dispatch(bytes, range)
                        return
                    }
                    // The line ends at the first LF of the chunk just read into the block (a
                    // carried line is only ever ended by one), and the lines after it follow:
                    // copied to end there, in the room before the chunk, it joins them in place.
                    if let block, let chunkStart = block.memory.baseAddress.map({ $0 + Self.joinedLineBytes }),
                        let newline = memchr(chunkStart, 0x0A, block.memory.count - Self.joinedLineBytes)
                    {
                        let end = UnsafeRawPointer(block.memory.baseAddress!).distance(to: newline) + 1
                        if end >= line.count {
                            let range = end - line.count..<end
                            UnsafeMutableRawBufferPointer(rebasing: block.memory[range]).copyMemory(from: line)
                            held = (block, range)
                            return
                        }
                    }
                    held = copied(line)
                case .lines(let lines):
                    if let waiting = held {
                        held = nil
                        let (start, end) = (waiting.range.lowerBound, waiting.range.upperBound)
                        if waiting.bytes === block && placeInBlock(lines)?.lowerBound == end {
                            dispatch(waiting.bytes, start..<end + lines.count)
                            return
                        }
                        // A copied line, or one read in place into an earlier block (whose bytes
                        // after it no piece holds: they did not end a line), takes a copy of them.
                        if waiting.bytes !== block && end + lines.count <= waiting.bytes.memory.count {
                            UnsafeMutableRawBufferPointer(rebasing: waiting.bytes.memory[end...]).copyMemory(
                                from: lines)
                            dispatch(waiting.bytes, start..<end + lines.count)
                            return
                        }
                        dispatch(waiting.bytes, waiting.range)
                    }
                    if let block, let range = placeInBlock(lines) {
                        dispatch(block, range)
                    } else {
                        let (bytes, range) = copied(lines)
                        dispatch(bytes, range)
                    }
                case .longLine(let isBlank, let spool):
                    sendHeld()
                    handoff.reserve()
                    let lane = lanes[sequence % lanes.count]
                    handoff.deliver(.piece(lane.longLine(isBlank: isBlank, spool: spool)), sequence: sequence)
                    sequence += 1
                }
            }
            /// A fresh block for the next read of a plain source.
            func nextBlock() -> UnsafeMutableRawBufferPointer {
                let fresh = pieceBlocks.borrow(byteCount: pieceBlocks.blockSize)
                block = fresh
                return UnsafeMutableRawBufferPointer(rebasing: fresh.memory[Self.joinedLineBytes...])
            }
            for source in sources {
                var framer = LineFramer(maxLineBytes: maxLineBytes, keepLongLines: keepLines)
                let failure = Self.read(source, chunkSize: chunkSize, into: nextBlock) { framer.cut($0, emit: send) }
                block = nil
                if failure?.kind != .unreadable { framer.finishPieces(emit: send) }
                sendHeld()
                handoff.reserve()
                handoff.deliver(.endOfSource(failure), sequence: sequence)
                sequence += 1
            }
            readerDone.signal()
        }

        var sequence = 0
        for source in sources {
            consumer.beginSource(source)
            reading: while true {
                let item = handoff.receive(sequence: sequence)
                sequence += 1
                switch item {
                case .piece(let piece):
                    consumer.merge(piece)
                    recordArrays.recycle(piece.records)
                case .endOfSource(let failure):
                    consumer.endSource(failure)
                    break reading
                }
            }
        }
        readerDone.wait()
    }

    /// A carried line up to this long goes out with the lines after it, in one piece.
    private static let joinedLineBytes = 16 * 1024

    /// Reads a source through `consume` (its plain bytes into `destination`, when given);
    /// returns why it stopped early, if it did.
    private static func read(
        _ source: InputSource, chunkSize: Int, into destination: (() -> UnsafeMutableRawBufferPointer)? = nil,
        consume: (UnsafeRawBufferPointer) -> Void
    ) -> SourceFailure? {
        do {
            try SourceReader(chunkSize: chunkSize).read(source, into: destination, consume: consume)
            return nil
        } catch {
            return error
        }
    }
}
