#if canImport(Glibc)
    import Glibc
#endif

/// Gives each distinct byte string (an index name, a reason) a small integer id, so that the
/// hot path compares and stores integers instead of allocating a `String` per line.
///
/// A table made with a memory budget keeps its strings in memory until they fill it; past it,
/// each new string longer than `spillMinimum` bytes goes to a file without a name
/// (`SpilledStrings`) and costs memory only for where it is, so that texts of any length and
/// number (2,000 distinct reasons of 900 KB each) do not fill the memory.
public struct StringTable: Sendable {
    private var arena: [UInt8] = []
    private var offsets: [Int] = [0]
    private var hashes: [UInt64] = []
    /// Open addressing; -1 marks an empty slot.
    private var table = [Int32](repeating: -1, count: 64)
    /// Bytes of strings kept in memory before longer ones go to `spill`.
    private let memoryBudget: Int
    /// Created at the first string that goes there; shared by copies of the table, which only
    /// read what was written before they were made.
    private var spill: SpilledStrings?
    private var spillFailed = false
    /// Where each string in `spill` is (its range in `arena` is empty).
    private var spilled: [Int32: SpilledStrings.Place] = [:]

    /// A string this long or shorter always stays in memory.
    static let spillMinimum = 256

    /// A table that keeps every string in memory.
    public init() {
        memoryBudget = .max
    }

    /// A table that keeps in memory the first `memoryBudget` bytes of strings, and longer
    /// strings beyond them in a temporary file.
    public init(memoryBudget: Int) {
        self.memoryBudget = memoryBudget
    }

    public var count: Int { hashes.count }

    /// The bytes of all its strings together.
    public var byteCount: Int { arena.count }

    public mutating func intern(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
        let hash = Self.hash(bytes)
        let mask = table.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let id = table[slot]
            if id < 0 { break }
            if hashes[Int(id)] == hash && equals(Int(id), bytes) { return id }
            slot = (slot + 1) & mask
        }
        let id = Int32(hashes.count)
        if bytes.count > Self.spillMinimum && arena.count + bytes.count > memoryBudget, let place = keepInSpill(bytes) {
            spilled[id] = place
        } else {
            arena.append(contentsOf: bytes)
        }
        offsets.append(arena.count)
        hashes.append(hash)
        table[slot] = id
        if hashes.count * 2 > table.count { grow() }
        return id
    }

    public mutating func intern(_ string: String) -> Int32 {
        var copy = string
        return copy.withUTF8 { intern($0) }
    }

    public func bytes(_ id: Int32) -> ArraySlice<UInt8> {
        let range = offsets[Int(id)]..<offsets[Int(id) + 1]
        if range.isEmpty, let place = spilled[id], let spill { return spill.read(place)[...] }
        return arena[range]
    }

    /// Whether string `first` comes before string `second` in byte order: what sorting a million
    /// index names asks a million times, compared in place.
    public func precedes(_ first: Int32, _ second: Int32) -> Bool {
        let left = offsets[Int(first)]..<offsets[Int(first) + 1]
        let right = offsets[Int(second)]..<offsets[Int(second) + 1]
        // An empty range is an empty string or one in the spill file.
        guard !left.isEmpty && !right.isEmpty else {
            return bytes(first).lexicographicallyPrecedes(bytes(second))
        }
        let order = arena.withUnsafeBufferPointer { stored in
            memcmp(
                stored.baseAddress! + left.lowerBound, stored.baseAddress! + right.lowerBound,
                min(left.count, right.count))
        }
        return order != 0 ? order < 0 : left.count < right.count
    }

    /// Whether string `id` is `bytes`: what checks a guess of a string's id for the price of a
    /// compare, where `intern` hashes and probes.
    public func holds(_ id: Int32, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        equals(Int(id), bytes)
    }

    public func string(_ id: Int32) -> String {
        String(decoding: bytes(id), as: UTF8.self)
    }

    private func equals(_ id: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = offsets[id]
        let count = offsets[id + 1] - start
        guard count == bytes.count else {
            guard count == 0, let place = spilled[Int32(id)], place.count == bytes.count, let spill else {
                return false
            }
            return spill.read(place).withUnsafeBufferPointer { memcmp($0.baseAddress!, bytes.baseAddress!, count) == 0 }
        }
        guard count > 0 else { return spilled[Int32(id)] == nil }
        return arena.withUnsafeBufferPointer { stored in
            sameBytes(stored.baseAddress! + start, bytes.baseAddress!, count)
        }
    }

    /// Writes a string to the spill file (made at first use); nil when that cannot be done
    /// (no writable temporary folder, a full disk): the string then stays in memory.
    private mutating func keepInSpill(_ bytes: UnsafeBufferPointer<UInt8>) -> SpilledStrings.Place? {
        guard !spillFailed else { return nil }
        if spill == nil { spill = SpilledStrings() }
        guard let place = spill?.append(bytes) else {
            spillFailed = true
            return nil
        }
        return place
    }

    private mutating func grow() {
        table = [Int32](repeating: -1, count: table.count * 2)
        let mask = table.count - 1
        for (id, hash) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: hash) & mask
            while table[slot] >= 0 { slot = (slot + 1) & mask }
            table[slot] = Int32(id)
        }
    }

    /// A multiply-xorshift hash over 8 bytes at a time: index names and reasons are hashed for
    /// every line, so this is on the hot path.
    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        guard let base = UnsafeRawPointer(bytes.baseAddress) else { return hash }
        let count = bytes.count
        var offset = 0
        while offset + 8 <= count {
            hash = (hash ^ base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            hash ^= hash >> 32
            offset += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while offset < count {
            tail |= UInt64(base.load(fromByteOffset: offset, as: UInt8.self)) << shift
            shift += 8
            offset += 1
        }
        hash = (hash ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        return hash ^ (hash >> 29)
    }
}

/// Strings kept in a file without a name in `$TMPDIR` (as `Spool` does), appended and never
/// changed: a table's copies read what was written before them with `pread`, which moves no
/// shared offset (hence `@unchecked Sendable`).
final class SpilledStrings: @unchecked Sendable {
    struct Place: Sendable {
        var offset: Int64
        var count: Int
    }

    private var descriptor: Int32 = -1
    private var size: Int64 = 0
    /// Where the file is, for messages.
    private let folder: String
    /// Reads at an offset (`pread`); a test makes it fail.
    private let readAt: (Int32, UnsafeMutableRawPointer, Int, off_t) -> Int

    init(
        folder: String = Spool.folder,
        readAt: @escaping (Int32, UnsafeMutableRawPointer, Int, off_t) -> Int = { pread($0, $1, $2, $3) }
    ) {
        self.folder = folder
        self.readAt = readAt
        descriptor = (try? TemporaryFile.unnamed(in: folder)) ?? -1
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Appends a string; nil when it cannot be written (the file is then given up).
    func append(_ bytes: UnsafeBufferPointer<UInt8>) -> Place? {
        guard descriptor >= 0 else { return nil }
        do {
            try OutputFile.writeAll(descriptor, UnsafeRawBufferPointer(bytes), path: "a temporary file")
        } catch {
            return nil
        }
        defer { size += Int64(bytes.count) }
        return Place(offset: size, count: bytes.count)
    }

    /// The bytes of a string written before. The reports need every text whole: when one cannot
    /// be read back (the temporary folder's disk failing under the run), the run ends with a
    /// message naming the file, as when an output cannot be written (exit status 1).
    func read(_ place: Place) -> [UInt8] {
        do {
            return try readBack(place)
        } catch {
            TemporaryFiles.removeAll()
            var message = "replstat: \(error)\n"
            message.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
            exit(1)
        }
    }

    /// The bytes of a string written before, or why they cannot be read.
    func readBack(_ place: Place) throws(SpillReadError) -> [UInt8] {
        var failure: SpillReadError?
        let bytes = [UInt8](unsafeUninitializedCapacity: place.count) { buffer, initialized in
            var filled = 0
            while filled < place.count {
                let got = readAt(
                    descriptor, buffer.baseAddress! + filled, place.count - filled, off_t(place.offset) + off_t(filled))
                if got < 0 && errno == EINTR { continue }
                guard got > 0 else {
                    failure = SpillReadError(
                        folder: folder, reason: got < 0 ? String(cString: strerror(errno)) : "it ended early")
                    break
                }
                filled += got
            }
            initialized = failure == nil ? place.count : 0
        }
        if let failure { throw failure }
        return bytes
    }
}

/// A text kept in the temporary file of long texts could not be read back.
struct SpillReadError: Error, CustomStringConvertible {
    let folder: String
    let reason: String

    var description: String {
        "cannot read back a text kept in the temporary file of long texts in \(folder) (\(reason)); "
            + "stopped before the reports were complete: check that folder's disk, or set TMPDIR to another folder"
    }
}

/// Whether `count` bytes at `first` and `second` are the same. Inline and a word at a time for
/// the short names and texts that each line compares a few of, where calling `memcmp` costs
/// more than comparing.
@inline(__always)
func sameBytes(_ first: UnsafePointer<UInt8>, _ second: UnsafePointer<UInt8>, _ count: Int) -> Bool {
    guard count <= 64 else { return memcmp(first, second, count) == 0 }
    let (a, b) = (UnsafeRawPointer(first), UnsafeRawPointer(second))
    if count >= 8 {
        // Words from the start, then the last word, which may overlap the one before.
        var offset = 0
        while offset + 8 < count {
            guard
                a.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                    == b.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            else { return false }
            offset += 8
        }
        return a.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
            == b.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
    }
    if count >= 4 {
        return a.loadUnaligned(as: UInt32.self) == b.loadUnaligned(as: UInt32.self)
            && a.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
                == b.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
    }
    for offset in 0..<count where first[offset] != second[offset] { return false }
    return true
}
