/// The lines of one piece, decoded: one record per line, in order.
struct DecodedPiece: Sendable {
    /// The lane that decoded it: its string ids are that lane's own.
    var lane: Int
    var records: [DecodedLine]
    /// The piece's bytes and each line's range in them, kept only for the rejects file.
    var bytes: [UInt8]
    var lineRanges: [Range<Int>]
    /// Index names and texts this lane met for the first time in this piece, in the order of
    /// the lane-local ids it gave them, so the merge can map them without touching the lane.
    var newIndexNames: [[UInt8]]
    var newTexts: [[UInt8]]
    /// The shard checkpoints of the piece's samples, where their `shardDetails` point.
    var shardLists: [[ShardCheckpoints]]
    /// Decompressed bytes the piece stands for.
    var byteCount: Int
    /// The bytes of a line over the limit kept for the rejects file, instead of `bytes`.
    var spool: Spool? = nil
    /// The lane forgot the names and texts of its earlier pieces before this one (`DecodeLane`):
    /// its ids start again from 0.
    var restartsIds = false
}

/// One decoding worker: its own decoder and string tables, used only by the jobs of its
/// `SerialWorker`, one at a time (hence `@unchecked Sendable`). Pieces go to lanes round-robin, so
/// each lane sees its pieces in input order and its string ids grow in the order the merge reads
/// them.
final class DecodeLane: @unchecked Sendable {
    let number: Int
    // Modified by every line: unchecked, as `IndexPartition`'s state and for the same reason.
    @exclusivity(unchecked) private var decoder = RecordDecoder()
    /// Where record arrays come from, and go back to once merged.
    let recordArrays: ArrayPool<DecodedLine>

    init(number: Int, recordArrays: ArrayPool<DecodedLine>) {
        self.number = number
        self.recordArrays = recordArrays
    }

    /// A lane's string tables only spare the merge the names it already has; the run's own
    /// tables (`RunNames`) keep every name. Past these bounds a lane forgets its names and numbers
    /// them anew, so that its memory does not grow with the number of indices or the length of
    /// texts: with a million indices, each lane would otherwise hold a copy of every name.
    static let idLimit = 16_384
    static let textBytesLimit = 1 << 20

    /// Decodes the lines of a piece; `keepLines` keeps a copy of its bytes for the rejects file.
    func decode(_ buffer: UnsafeRawBufferPointer, maxLineBytes: Int, keepLines: Bool) -> DecodedPiece {
        let restartsIds =
            decoder.indexNames.count > Self.idLimit || decoder.texts.count > Self.idLimit
            || decoder.texts.byteCount > Self.textBytesLimit || decoder.escapedTexts.byteCount > Self.textBytesLimit
        if restartsIds { decoder.restartIds() }
        let knownIndexNames = decoder.indexNames.count
        let knownTexts = decoder.texts.count
        var records = recordArrays.borrow()
        records.reserveCapacity(buffer.count / 256 + 1)
        var lineRanges: [Range<Int>] = []
        LineFramer.forEachLine(in: .lines(buffer), maxLineBytes: maxLineBytes, keepLongLines: keepLines) { line in
            records.append(decoder.decode(line))
            if keepLines {
                let offset = line.bytes.baseAddress.map { buffer.baseAddress!.distance(to: $0) } ?? 0
                lineRanges.append(offset..<offset + line.bytes.count)
            }
        }
        return DecodedPiece(
            lane: number, records: records, bytes: keepLines ? Array(buffer) : [], lineRanges: lineRanges,
            newIndexNames: (knownIndexNames..<decoder.indexNames.count).map {
                Array(decoder.indexNames.bytes(Int32($0)))
            },
            newTexts: (knownTexts..<decoder.texts.count).map { Array(decoder.texts.bytes(Int32($0))) },
            shardLists: decoder.takeShardLists(), byteCount: buffer.count, restartsIds: restartsIds)
    }

    /// A line over the limit that the framer did not buffer (its bytes may be in `spool`).
    func longLine(isBlank: Bool, spool: Spool?) -> DecodedPiece {
        DecodedPiece(
            lane: number, records: [.rejected(isBlank ? .blank : .lineTooLong)], bytes: [], lineRanges: [0..<0],
            newIndexNames: [], newTexts: [], shardLists: [], byteCount: 0, spool: spool)
    }
}
