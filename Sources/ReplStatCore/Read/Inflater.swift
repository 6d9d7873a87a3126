#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The library that inflates gzip input. Both read the same bytes from every gzip file and give
/// the same verdict, with the same byte offset, on every damaged one, but for one kind of damage
/// that only zlib sees (docs/robustness.md, "Two inflaters").
public enum Inflater: String, Sendable, CaseIterable {
    /// Intel ISA-L, 2.5 to 3.5 times as fast as zlib on captures. The default.
    case isal
    /// zlib, which also writes every gzip file replstat makes.
    case zlib

    /// The environment variable that chooses the inflater: `isal` or `zlib`.
    public static let environmentVariable = "REPLSTAT_INFLATE"

    /// The inflater `REPLSTAT_INFLATE` names (ISA-L when it is unset or empty), nil when it names
    /// none.
    public static var fromEnvironment: Inflater? {
        guard let value = getenv(environmentVariable), value.pointee != 0 else { return .isal }
        return Inflater(rawValue: String(cString: value))
    }

    /// What a `SourceReader` uses unless told otherwise: the environment's choice, ISA-L when the
    /// variable names none (the command refuses such a value before it reads anything).
    public static var configured: Inflater { fromEnvironment ?? .isal }

    func makeDecoder() -> DeflateDecoder {
        switch self {
        case .isal: IsalDecoder()
        case .zlib: ZlibDecoder()
        }
    }
}

/// Raw deflate data (RFC 1951) to bytes, one gzip member at a time. The gzip header and trailer
/// around it are read by `GzipReader`, the same for every decoder.
protocol DeflateDecoder: AnyObject {
    /// Inflates from `input` into `output` until one of them is used up or the deflate data ends.
    func inflate(input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer) -> DeflateStep
    /// The CRC-32 of every byte inflated since the last `reset`.
    var checksum: UInt32 { get }
    /// A member this decoder finds damaged is inflated again by zlib, whose verdict is the
    /// reference: ISA-L checks some things earlier than zlib, does not check that a Huffman code
    /// uses all its codes, and leaves the last whole symbols of a cut stream (it decodes up to
    /// three literals in one look-up, and not a look-up that reaches past the end).
    var needsZlibOnDamage: Bool { get }
    /// Prepares for the deflate data of the next member.
    func reset()
}

enum DeflateStep {
    /// Consumed `consumed` input bytes and wrote `produced`. `callAgain`: call again before
    /// giving more input (output is due that did not fit, or the input must be inflated again).
    case progress(consumed: Int, produced: Int, callAgain: Bool)
    /// The deflate data ended. `readAhead`: bytes the decoder took in past its end, which come
    /// before `input[consumed...]`.
    case end(consumed: Int, produced: Int, readAhead: ReadAhead)
    /// The deflate data is invalid; the `produced` bytes written in this call came before it.
    case corrupt(produced: Int)
}

/// Up to 8 input bytes a decoder took in past the end of its deflate data, first byte lowest.
struct ReadAhead {
    private var bytes: UInt64 = 0
    private(set) var count = 0

    init() {}

    init(bytes: UInt64, count: Int) {
        precondition((0...8).contains(count), "\(count) bytes read ahead")
        self.bytes = bytes
        self.count = count
    }

    var isEmpty: Bool { count == 0 }

    /// Lets `body` read the bytes; it returns how many it used, which are then dropped.
    mutating func consume(_ body: (UnsafeRawBufferPointer) -> Int) {
        var littleEndian = bytes.littleEndian
        let used = withUnsafeBytes(of: &littleEndian) { body(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        bytes >>= 8 * used
        count -= used
    }
}
