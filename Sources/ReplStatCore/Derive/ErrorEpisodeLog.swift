/// The error episodes of one index, compactly: a long capture of a failing index has thousands
/// (37,000 in the benchmark capture 10 times longer), which as rows of 64 bytes were a tenth of
/// what its peak memory added. The last episode, which later samples can still join, is kept
/// whole; the ones before it as LEB128 deltas from the episode before each, 10 to 15 bytes each:
/// the start's step (zigzag: error samples come in input order, so a start can go back), the
/// end's step from the start, the samples and whether there is an HTTP status (in one value),
/// the status, the type and reason ids (zigzag), and the ordinal's step (zigzag). Steps are
/// taken in wrapping arithmetic, so any values come back exactly.
struct ErrorEpisodeLog: Sendable {
    private var bytes: [UInt8] = []
    /// The start and ordinal of the episode encoded last, which the next one's steps start from.
    private var previousStart: Int64 = 0
    private var previousOrdinal: Int64 = 0
    private(set) var count = 0
    /// The newest episode, whole.
    private(set) var last: ErrorEpisode?

    var isEmpty: Bool { count == 0 }

    /// The bytes the episodes before the last take.
    var streamBytes: Int { bytes.count }

    /// Adds `episode` as the last one.
    mutating func append(_ episode: ErrorEpisode) {
        if let last { encode(last) }
        last = episode
        count += 1
    }

    /// Sets the last episode (there is one).
    mutating func replaceLast(with episode: ErrorEpisode) {
        last = episode
    }

    /// Forgets every episode, keeping the room of the stream.
    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        (previousStart, previousOrdinal) = (0, 0)
        count = 0
        last = nil
    }

    /// The episodes in the order they were added.
    var episodes: [ErrorEpisode] {
        guard let last else { return [] }
        var episodes: [ErrorEpisode] = []
        episodes.reserveCapacity(count)
        bytes.withUnsafeBufferPointer { bytes in
            var position = 0
            var (start, ordinal): (Int64, Int64) = (0, 0)
            while position < bytes.count {
                let episode = Self.decode(
                    afterStart: start, ordinal: ordinal, index: last.index, from: bytes.baseAddress!, at: &position)
                episodes.append(episode)
                (start, ordinal) = (episode.start, episode.ordinal)
            }
        }
        episodes.append(last)
        return episodes
    }

    /// Appends the episodes to `stream` ordered by start, then ordinal (the order of their rows
    /// within the index), as LEB128 steps from a start and ordinal of zero, the index left out;
    /// returns how many. Samples come in input order, so episodes nearly always are in that
    /// order already, and their stream is copied as it is.
    func encodeInStartOrder(appendingTo stream: inout [UInt8]) -> Int {
        guard let last else { return 0 }
        let episodes = episodes
        let inOrder = zip(episodes, episodes.dropFirst()).allSatisfy { Self.precedes($0, $1) }
        if inOrder {
            stream.append(contentsOf: bytes)
            Self.encode(last, afterStart: previousStart, ordinal: previousOrdinal, appendingTo: &stream)
        } else {
            var (start, ordinal): (Int64, Int64) = (0, 0)
            for episode in episodes.sorted(by: Self.precedes) {
                Self.encode(episode, afterStart: start, ordinal: ordinal, appendingTo: &stream)
                (start, ordinal) = (episode.start, episode.ordinal)
            }
        }
        return count
    }

    /// Whether `first` comes before `second` in the rows of one index. An ordinal is the place of
    /// an episode's first sample among the lines, which no other episode has: a strict order.
    private static func precedes(_ first: ErrorEpisode, _ second: ErrorEpisode) -> Bool {
        first.start != second.start ? first.start < second.start : first.ordinal < second.ordinal
    }

    private mutating func encode(_ episode: ErrorEpisode) {
        Self.encode(episode, afterStart: previousStart, ordinal: previousOrdinal, appendingTo: &bytes)
        (previousStart, previousOrdinal) = (episode.start, episode.ordinal)
    }

    /// Appends `episode` to `stream` as steps from `previousStart` and `previousOrdinal`.
    static func encode(
        _ episode: ErrorEpisode, afterStart previousStart: Int64, ordinal previousOrdinal: Int64,
        appendingTo stream: inout [UInt8]
    ) {
        var values = InlineArray<7, UInt64>(repeating: 0)
        values[0] = LEB128.zigzag(episode.start &- previousStart)
        values[1] = UInt64(bitPattern: episode.end &- episode.start)
        values[2] = UInt64(episode.samples) << 1 | (episode.httpStatus == nil ? 0 : 1)
        values[3] = LEB128.zigzag(episode.httpStatus ?? 0)
        values[4] = LEB128.zigzag(Int64(episode.type))
        values[5] = LEB128.zigzag(Int64(episode.reason))
        values[6] = LEB128.zigzag(episode.ordinal &- previousOrdinal)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 7 * LEB128.maxBytes) { scratch in
            var written = 0
            for position in values.indices { LEB128.write(values[position], to: scratch.baseAddress!, at: &written) }
            stream.append(contentsOf: scratch[..<written])
        }
    }

    /// Reads the episode of `index` at `position` in a stream, after one that started at
    /// `previousStart` with ordinal `previousOrdinal`, and moves `position` past it.
    static func decode(
        afterStart previousStart: Int64, ordinal previousOrdinal: Int64, index: Int32, from bytes: UnsafePointer<UInt8>,
        at position: inout Int
    ) -> ErrorEpisode {
        let start = previousStart &+ LEB128.unzigzag(LEB128.read(from: bytes, at: &position))
        let end = start &+ Int64(bitPattern: LEB128.read(from: bytes, at: &position))
        let samples = LEB128.read(from: bytes, at: &position)
        let httpStatus = LEB128.unzigzag(LEB128.read(from: bytes, at: &position))
        let type = Int32(truncatingIfNeeded: LEB128.unzigzag(LEB128.read(from: bytes, at: &position)))
        let reason = Int32(truncatingIfNeeded: LEB128.unzigzag(LEB128.read(from: bytes, at: &position)))
        let ordinal = previousOrdinal &+ LEB128.unzigzag(LEB128.read(from: bytes, at: &position))
        return ErrorEpisode(
            index: index, start: start, end: end, samples: Int(samples >> 1),
            httpStatus: samples & 1 == 1 ? httpStatus : nil, type: type, reason: reason, ordinal: ordinal)
    }
}
