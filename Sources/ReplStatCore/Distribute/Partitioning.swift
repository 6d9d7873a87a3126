/// Which partition of a distributed analysis an index belongs to (docs/distributed.md, the
/// hash): every line of an index goes to the same partition, whichever source it is in, so that
/// one partial analysis sees all of the index's samples.
///
/// The hash is FNV-1a, 64 bits, over the bytes of the index name as decoded from its JSON string
/// (`"a\u002db"` and `"a-b"` are one index), and the partition is the hash modulo the number of
/// partitions: stable across runs, machines and versions, and simple to compute anywhere else.
public enum Partitioning {
    /// Partitions a split may be asked for: each is a process of its own, and a partition
    /// number must fit the records' framing without surprise.
    public static let countLimit = CountLimit("partitions", meaning: "a number of partitions", range: 1...1_000_000)

    static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01b3

    /// FNV-1a 64 of `bytes`.
    public static func hash<Bytes: Sequence>(_ bytes: Bytes) -> UInt64 where Bytes.Element == UInt8 {
        var hash = offsetBasis
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= prime
        }
        return hash
    }

    /// The partition of the index named by `bytes`, among `count`.
    public static func partition<Bytes: Sequence>(of bytes: Bytes, count: Int) -> Int where Bytes.Element == UInt8 {
        Int(hash(bytes) % UInt64(count))
    }
}
