import Dispatch

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
/// inflates and frames; decoding lanes (one per job, each a serial queue) decode pieces in
/// parallel, round-robin; and an `OrderedHandoff` gives them back to the calling thread in
/// sequence. At most a fixed number of pieces is in flight, and their buffers are reused.
final class DecodingLanes {
    let jobs: Int
    private let maxLineBytes: Int
    private let chunkSize: Int
    /// Keep each piece's bytes and line ranges, for the rejects file.
    private let keepLines: Bool
    /// Storage reused from piece to piece: the bytes of pieces and the decoded records.
    private let pieceBuffers = ArrayPool<UInt8>()
    private let recordArrays = ArrayPool<DecodedLine>()

    init(jobs: Int, maxLineBytes: Int, chunkSize: Int, keepLines: Bool) {
        self.jobs = jobs
        self.maxLineBytes = maxLineBytes
        self.chunkSize = chunkSize
        self.keepLines = keepLines
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
        let queues = lanes.map { DispatchQueue(label: "replstat.decode.\($0.number)") }
        let keepLines = keepLines
        let maxLineBytes = maxLineBytes
        let chunkSize = chunkSize
        let readerDone = DispatchSemaphore(value: 0)
        let pieceBuffers = pieceBuffers

        DispatchQueue.global(qos: .userInitiated).async {
            var sequence = 0
            /// A carried line, copied, waiting for the lines after it to go out as one piece.
            var held: [UInt8]?
            func dispatch(_ bytes: [UInt8]) {
                handoff.reserve()
                let number = sequence
                sequence += 1
                let lane = lanes[number % lanes.count]
                queues[lane.number].async {
                    let decoded = bytes.withUnsafeBytes {
                        lane.decode($0, maxLineBytes: maxLineBytes, keepLines: keepLines)
                    }
                    pieceBuffers.recycle(bytes)
                    handoff.deliver(.piece(decoded), sequence: number)
                }
            }
            func sendHeld() {
                if let bytes = held { dispatch(bytes) }
                held = nil
            }
            func filling(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
                var filling = pieceBuffers.borrow()
                // Room for a chunk's lines and a carried line: grown by doubling past it, the
                // buffers would stay twice as large.
                filling.reserveCapacity(chunkSize + Self.joinedLineBytes)
                filling.append(contentsOf: bytes)
                return filling
            }
            func send(_ piece: FramedPiece) {
                switch piece {
                case .carriedLine(let line):
                    sendHeld()
                    if line.count <= Self.joinedLineBytes {
                        held = filling(line)
                    } else {
                        dispatch(filling(line))
                    }
                case .lines(let lines):
                    if var joined = held {
                        held = nil
                        joined.append(contentsOf: lines)
                        dispatch(joined)
                    } else {
                        dispatch(filling(lines))
                    }
                case .longLine(let isBlank, let spool):
                    sendHeld()
                    handoff.reserve()
                    let lane = lanes[sequence % lanes.count]
                    handoff.deliver(.piece(lane.longLine(isBlank: isBlank, spool: spool)), sequence: sequence)
                    sequence += 1
                }
            }
            for source in sources {
                var framer = LineFramer(maxLineBytes: maxLineBytes, keepLongLines: keepLines)
                let failure = Self.read(source, chunkSize: chunkSize) { framer.cut($0, emit: send) }
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

    /// Reads a source through `consume`; returns why it stopped early, if it did.
    private static func read(
        _ source: InputSource, chunkSize: Int, consume: (UnsafeRawBufferPointer) -> Void
    ) -> SourceFailure? {
        do {
            try SourceReader(chunkSize: chunkSize).read(source, consume: consume)
            return nil
        } catch {
            return error
        }
    }
}
