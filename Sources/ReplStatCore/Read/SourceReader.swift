/// Reads one source to its end and hands its decompressed bytes, in order, to a consumer.
///
/// Plain and gzip input are told apart by the gzip magic bytes `1f 8b`, never by the name.
/// Every member of a multi-member gzip file is read as one byte stream. Damage (a member cut
/// short, a bad header, corrupt deflate data, a bad CRC or length, bytes after a member that do
/// not start another one) stops reading: the bytes inflated before it have been delivered, and
/// the failure names the byte offset in the raw source. Whatever the chunk size and whichever
/// the inflater, the same bytes are delivered and the same failure thrown.
public struct SourceReader {
    /// Size of each raw read and of each inflate output buffer.
    public var chunkSize: Int
    /// The library that inflates gzip input.
    public var inflater: Inflater

    public init(chunkSize: Int = 256 * 1024, inflater: Inflater = .configured) {
        self.chunkSize = chunkSize
        self.inflater = inflater
    }

    /// Reads `source`, calling `consume` with each chunk of decompressed bytes (valid only
    /// during the call). Throws when the source cannot be opened or is damaged.
    ///
    /// With `destination`, each read of a plain source after the first goes into the memory it
    /// returns (its first `chunkSize` bytes at most), and `consume` gets the bytes there, at its
    /// start: a caller that keeps them needs no copy. Gzip input is inflated as without it.
    public func read(
        _ source: InputSource, into destination: (() -> UnsafeMutableRawBufferPointer)? = nil,
        consume: (UnsafeRawBufferPointer) -> Void
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
                    var gzip = GzipReader(
                        source: source.name, reader: reader, decoder: inflater.makeDecoder(), chunkSize: chunkSize)
                    try gzip.read(firstChunk: firstChunk, consume: consume)
                } catch let error as SourceFailure {
                    failure = error
                } catch {
                    preconditionFailure("GzipReader throws only SourceFailure")
                }
            }
            if let failure { throw failure }
            return
        }
        head.withUnsafeBytes { consume($0) }
        if let destination {
            while true {
                let memory = destination()
                precondition(!memory.isEmpty, "a destination holds at least one byte")
                let target = UnsafeMutableRawBufferPointer(rebasing: memory[0..<min(max(chunkSize, 1), memory.count)])
                let count = try reader.read(into: target, sourceName: source.name)
                if count == 0 { return }
                consume(UnsafeRawBufferPointer(rebasing: target[0..<count]))
            }
        }
        while true {
            first = try reader.read(sourceName: source.name)
            if first.isEmpty { return }
            consume(first)
        }
    }
}
