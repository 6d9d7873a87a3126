import CZlib

/// What zlib itself says about deflate data: the reference the inflaters are held to, shared by
/// the tests and the inflaters' fuzz target (scripts/fuzz compiles this file into it).
public enum ZlibOracle {
    /// zlib's messages for a Huffman code set that over- or under-fills its code space, which
    /// ISA-L may accept when the set leaves codes unused.
    public static let codeSetMessages: Set = [
        "invalid code lengths set", "invalid literal/lengths set", "invalid distances set",
    ]

    /// zlib's message where it stops inflating `input`, nil when it finds nothing wrong;
    /// `windowBits` as `inflateInit2` takes it: -15 raw deflate, 31 gzip.
    public static func message(_ input: ArraySlice<UInt8>, windowBits: Int32) -> String? {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer {
            inflateEnd(stream)
            stream.deallocate()
        }
        let status = inflateInit2_(stream, windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        precondition(status == Z_OK, "inflateInit2 failed with \(status)")
        var output = [UInt8](repeating: 0, count: 1 << 16)
        return input.withUnsafeBufferPointer { input in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.pointee.avail_in = uInt(input.count)
            while true {
                let status = output.withUnsafeMutableBufferPointer { buffer in
                    stream.pointee.next_out = buffer.baseAddress
                    stream.pointee.avail_out = uInt(buffer.count)
                    return inflate(stream, Z_NO_FLUSH)
                }
                if status == Z_OK && stream.pointee.avail_out == 0 { continue }
                return stream.pointee.msg.map { String(cString: $0) }
            }
        }
    }

    /// zlib finds a Huffman code that over- or under-fills its code space in raw deflate data.
    public static func refusesACodeSet(rawDeflate: [UInt8]) -> Bool {
        message(rawDeflate[...], windowBits: -15).map(codeSetMessages.contains) ?? false
    }
}
