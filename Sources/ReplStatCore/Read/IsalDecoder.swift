import CIsal

#if canImport(Glibc)
    import Glibc
#endif

/// Intel ISA-L's streaming inflate on raw deflate data, with the CRC-32 of its output.
///
/// ISA-L's fast loop writes ahead: on a match whose distance reaches back before the member's
/// start, or whose distance code is invalid, it has already counted the match's bytes as output
/// (whatever the buffer held). So the state is copied before every call, and a call that finds
/// the data invalid is undone and its input inflated again a few bytes per call: with under 8
/// bytes of input ISA-L takes its careful loop, which stops exactly where zlib does.
final class IsalDecoder: DeflateDecoder {
    /// About 85 KB: on the heap, as is the copy of it.
    private let state: UnsafeMutablePointer<inflate_state>
    private let saved: UnsafeMutableRawPointer
    private var savedSize = 0
    /// While the input of a call that failed is inflated again: how much of it is left.
    private var carefulBytesLeft: Int?
    /// The data was found invalid; what ISA-L inflated before it into its own buffer is still
    /// being handed out.
    private var failed = false

    /// ISA-L's fast loop needs at least 8 bytes of input.
    private static let carefulInput = 7

    init() {
        state = .allocate(capacity: 1)
        isal_inflate_init(state)
        // Keeps the CRC-32 of the output; the gzip header and trailer are read by GzipReader.
        state.pointee.crc_flag = UInt32(ISAL_GZIP_NO_HDR)
        saved = .allocate(byteCount: MemoryLayout<inflate_state>.size, alignment: MemoryLayout<inflate_state>.alignment)
    }

    deinit {
        state.deallocate()
        saved.deallocate()
    }

    var checksum: UInt32 { state.pointee.crc }
    let needsZlibOnDamage = true

    func reset() {
        isal_inflate_reset(state)
        carefulBytesLeft = nil
        failed = false
    }

    func inflate(input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer) -> DeflateStep {
        if failed { return handOutPending(output) }
        let room = min(output.count, Int(UInt32.max))
        let careful = carefulBytesLeft != nil
        var given = min(input.count, Int(UInt32.max))
        if careful {
            given = min(given, Self.carefulInput)
        } else {
            savedSize = replstat_isal_state_size(state)
            memcpy(saved, state, savedSize)
        }
        state.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
        state.pointee.avail_in = UInt32(given)
        state.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: UInt8.self)
        state.pointee.avail_out = UInt32(room)
        let status = isal_inflate(state)
        let consumed = given - Int(state.pointee.avail_in)
        let produced = room - Int(state.pointee.avail_out)

        if status < 0 {
            if !careful {
                memcpy(state, saved, savedSize)
                // At least one careful call, even when this one had no input.
                carefulBytesLeft = max(given, 1)
                return .progress(consumed: 0, produced: 0, callAgain: true)
            }
            failed = true
            return .progress(consumed: consumed, produced: produced, callAgain: true)
        }
        if let left = carefulBytesLeft { carefulBytesLeft = left > consumed ? left - consumed : nil }
        if state.pointee.block_state == ISAL_BLOCK_FINISH {
            // The bit buffer holds up to 8 bytes past the deflate data: the start of the trailer.
            let bits = Int(state.pointee.read_in_length)
            let readAhead = ReadAhead(bytes: state.pointee.read_in >> (bits % 8), count: bits / 8)
            return .end(consumed: consumed, produced: produced, readAhead: readAhead)
        }
        return .progress(consumed: consumed, produced: produced, callAgain: produced == room)
    }

    /// After invalid data: the bytes ISA-L inflated into its own buffer before it.
    private func handOutPending(_ output: UnsafeMutableRawBufferPointer) -> DeflateStep {
        var count = 0
        let pending = replstat_isal_pending(state, &count)
        let copied = min(count, output.count)
        if copied == 0 { return .corrupt(produced: 0) }
        output.baseAddress!.copyMemory(from: pending!, byteCount: copied)
        state.pointee.tmp_out_processed += Int32(copied)
        return .progress(consumed: 0, produced: copied, callAgain: true)
    }
}
