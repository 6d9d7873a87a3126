/// Reads one source to its end and hands its decompressed bytes, in order, to a consumer.
///
/// Plain and gzip input are told apart by the gzip magic bytes `1f 8b`, never by the name.
/// Every member of a multi-member gzip file is read as one byte stream. Damage (a member cut
/// short, corrupt deflate data, a bad CRC or length, bytes after a member that do not start
/// another one) stops reading: the bytes inflated before it have been delivered, and the
/// failure names the byte offset in the raw source.
public struct SourceReader {
    /// Size of each raw read and of each inflate output buffer.
    public var chunkSize: Int

    public init(chunkSize: Int = 256 * 1024) {
        self.chunkSize = chunkSize
    }

    /// Reads `source`, calling `consume` with each chunk of decompressed bytes (valid only
    /// during the call). Throws when the source cannot be opened or is damaged.
    public func read(
        _ source: InputSource, consume: (UnsafeRawBufferPointer) -> Void
    ) throws(SourceFailure) {
        let reader = try RawByteReader(source: source, chunkSize: chunkSize)
        var first = try reader.read(sourceName: source.name)
        // The magic needs two bytes; a pipe may deliver them one at a time.
        var head: [UInt8] = Array(first)
        while head.count == 1 {
            let more = try reader.read(sourceName: source.name)
            if more.isEmpty { break }
            head.append(contentsOf: more)
        }
        if head.count >= 2 && head[0] == 0x1f && head[1] == 0x8b {
            var failure: SourceFailure?
            head.withUnsafeBytes { firstChunk in
                do {
                    try inflateAll(source: source, reader: reader, firstChunk: firstChunk, consume: consume)
                } catch let error as SourceFailure {
                    failure = error
                } catch {
                    preconditionFailure("inflateAll throws only SourceFailure")
                }
            }
            if let failure { throw failure }
            return
        }
        head.withUnsafeBytes { consume($0) }
        while true {
            first = try reader.read(sourceName: source.name)
            if first.isEmpty { return }
            consume(first)
        }
    }

    private func inflateAll(
        source: InputSource, reader: RawByteReader, firstChunk: UnsafeRawBufferPointer,
        consume: (UnsafeRawBufferPointer) -> Void
    ) throws(SourceFailure) {
        let inflater = GzipInflater()
        // At least one byte, as RawByteReader does: an empty buffer would never make progress.
        let output = UnsafeMutableRawBufferPointer.allocate(byteCount: max(chunkSize, 1), alignment: 16)
        defer { output.deallocate() }
        var input = firstChunk
        // Raw offset of `input`'s first byte.
        var inputOffset: Int64 = 0
        var atMemberStart = false
        // A member's first byte was the last of its chunk: the second magic byte is still unchecked.
        var secondMagicByteDue = false
        // zlib may hold inflated bytes back when the output buffer fills: drain before refilling.
        var outputWasFull = false

        while true {
            if input.isEmpty && !outputWasFull {
                inputOffset = reader.offset
                input = try reader.read(sourceName: source.name)
                if input.isEmpty {
                    if atMemberStart { return }
                    throw SourceFailure(
                        kind: .truncatedGzip, source: source.name, byteOffset: inputOffset,
                        detail: "the stream ends inside a gzip member")
                }
            }
            if atMemberStart {
                // Another member must begin with the magic bytes; anything else is damage.
                if input[0] != 0x1f || (input.count >= 2 && input[1] != 0x8b) {
                    throw SourceFailure(
                        kind: .trailingGarbage, source: source.name, byteOffset: inputOffset,
                        detail: "expected another gzip member")
                }
                secondMagicByteDue = input.count == 1
                inflater.reset()
                atMemberStart = false
            } else if secondMagicByteDue && !input.isEmpty {
                // Decided here rather than by zlib, so that the kind and offset do not depend on chunking.
                secondMagicByteDue = false
                if input[0] != 0x8b {
                    throw SourceFailure(
                        kind: .trailingGarbage, source: source.name, byteOffset: inputOffset - 1,
                        detail: "expected another gzip member")
                }
            }
            switch inflater.inflate(input: input, output: output) {
            case .progress(let consumed, let produced):
                outputWasFull = produced == output.count
                if produced > 0 { consume(UnsafeRawBufferPointer(start: output.baseAddress, count: produced)) }
                input = UnsafeRawBufferPointer(rebasing: input[consumed...])
                inputOffset += Int64(consumed)
            case .memberEnd(let consumed, let produced):
                outputWasFull = false
                if produced > 0 { consume(UnsafeRawBufferPointer(start: output.baseAddress, count: produced)) }
                input = UnsafeRawBufferPointer(rebasing: input[consumed...])
                inputOffset += Int64(consumed)
                atMemberStart = true
            case .corrupt(let consumed, let produced, let message):
                if produced > 0 { consume(UnsafeRawBufferPointer(start: output.baseAddress, count: produced)) }
                throw SourceFailure(
                    kind: .corruptGzip, source: source.name, byteOffset: inputOffset + Int64(consumed),
                    detail: message)
            }
        }
    }
}
