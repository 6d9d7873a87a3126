import CZlib

/// zlib's inflate on raw deflate data. A class because the `z_stream` must not move once
/// initialised: zlib keeps a pointer back to it in its internal state.
final class ZlibDecoder: DeflateDecoder {
    private let stream: UnsafeMutablePointer<z_stream>
    private(set) var checksum: UInt32 = 0
    let needsZlibOnDamage = false

    init() {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = replstat_inflate_init_raw(stream)
        if status == Z_MEM_ERROR { OutOfMemory.end("no room for an inflater's state (zlib)") }
        // Any other failure is a wrong call or another zlib than the one built against.
        precondition(status == Z_OK, "inflateInit2 failed with \(status)")
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    func inflate(input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer) -> DeflateStep {
        let given = min(input.count, Int(UInt32.max))
        let room = min(output.count, Int(UInt32.max))
        stream.pointee.next_in = UnsafeMutablePointer(
            mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(given)
        stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = uInt(room)
        let status = CZlib.inflate(stream, Z_NO_FLUSH)
        let consumed = given - Int(stream.pointee.avail_in)
        let produced = room - Int(stream.pointee.avail_out)
        if produced > 0 {
            checksum = UInt32(
                crc32(uLong(checksum), output.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt(produced)))
        }
        switch status {
        case Z_OK, Z_BUF_ERROR:
            // zlib may hold inflated bytes back when the output buffer fills.
            return .progress(consumed: consumed, produced: produced, callAgain: produced == room)
        case Z_STREAM_END:
            // Raw inflate stops at the byte after the deflate data: nothing read ahead.
            return .end(consumed: consumed, produced: produced, readAhead: ReadAhead())
        default:
            return .corrupt(produced: produced)
        }
    }

    func reset() {
        inflateReset(stream)
        checksum = 0
    }
}
