import CZlib

/// Compresses everything written into one gzip member and passes the compressed bytes on.
///
/// A class because the `z_stream` must not move once initialised: zlib keeps a pointer back to
/// it in its internal state. The header carries no name and no time, and deflate's output does
/// not depend on how the input is split into writes, so the same bytes in give the same file.
public final class GzipWriter: ByteSink {
    private let stream: UnsafeMutablePointer<z_stream>
    private let output: UnsafeMutableRawBufferPointer
    private let downstream: any ByteSink
    private var isFinished = false

    /// `level` is zlib's: 1 fastest, 9 smallest, 6 gzip's default.
    public init(downstream: any ByteSink, level: Int32 = 6) {
        self.downstream = downstream
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = replstat_deflate_init_gzip(stream, level)
        precondition(status == Z_OK, "deflateInit2 failed with \(status): bad level or out of memory")
        output = .allocate(byteCount: 256 * 1024, alignment: 16)
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        output.deallocate()
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(OutputError) {
        precondition(!isFinished, "write after finish")
        var rest = bytes
        while !rest.isEmpty {
            // avail_in is 32 bits wide.
            let piece = UnsafeRawBufferPointer(rebasing: rest.prefix(1 << 30))
            rest = UnsafeRawBufferPointer(rebasing: rest.dropFirst(piece.count))
            stream.pointee.next_in = UnsafeMutablePointer(
                mutating: piece.baseAddress!.assumingMemoryBound(to: Bytef.self))
            stream.pointee.avail_in = uInt(piece.count)
            repeat {
                _ = try deflateStep(Z_NO_FLUSH)
            } while stream.pointee.avail_in > 0 || stream.pointee.avail_out == 0
        }
    }

    /// Ends the member (trailer with CRC and length), then finishes the downstream sink.
    public func finish() throws(OutputError) {
        guard !isFinished else { return }
        isFinished = true
        stream.pointee.next_in = nil
        stream.pointee.avail_in = 0
        while try deflateStep(Z_FINISH) != Z_STREAM_END {}
        try downstream.finish()
    }

    /// One call of deflate into the output buffer; passes on what it produced.
    private func deflateStep(_ flush: Int32) throws(OutputError) -> Int32 {
        stream.pointee.next_out = output.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = uInt(output.count)
        let status = deflate(stream, flush)
        // Z_BUF_ERROR only says no progress was possible; anything else is a bug in this class.
        precondition(status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR, "deflate failed: \(status)")
        let produced = output.count - Int(stream.pointee.avail_out)
        if produced > 0 {
            try downstream.write(UnsafeRawBufferPointer(rebasing: output[..<produced]))
        }
        return status
    }
}
