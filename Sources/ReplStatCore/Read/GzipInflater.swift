import CZlib

/// A zlib inflate stream for gzip data. A class because the `z_stream` must not move once
/// initialised: zlib keeps a pointer back to it in its internal state.
final class GzipInflater {
    private let stream: UnsafeMutablePointer<z_stream>

    init() {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = replstat_inflate_init_gzip(stream)
        precondition(status == Z_OK, "inflateInit2 failed with \(status): out of memory")
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    enum Step {
        /// Inflated `produced` bytes, consumed `consumed` input bytes; more may follow.
        case progress(consumed: Int, produced: Int)
        /// The member ended after consuming `consumed` input bytes and producing `produced`.
        case memberEnd(consumed: Int, produced: Int)
        /// The data is not valid gzip: zlib's message.
        case corrupt(consumed: Int, produced: Int, message: String)
    }

    /// Inflates from `input` into `output` until one of them is used up or the member ends.
    func inflate(input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer) -> Step {
        stream.pointee.next_in = UnsafeMutablePointer(
            mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(input.count)
        stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = uInt(output.count)
        let status = CZlib.inflate(stream, Z_NO_FLUSH)
        let consumed = input.count - Int(stream.pointee.avail_in)
        let produced = output.count - Int(stream.pointee.avail_out)
        switch status {
        case Z_OK, Z_BUF_ERROR:
            return .progress(consumed: consumed, produced: produced)
        case Z_STREAM_END:
            return .memberEnd(consumed: consumed, produced: produced)
        default:
            let message = stream.pointee.msg.map { String(cString: $0) } ?? "zlib error \(status)"
            return .corrupt(consumed: consumed, produced: produced, message: message)
        }
    }

    /// Prepares for the next member of a multi-member gzip file.
    func reset() {
        inflateReset(stream)
    }
}
