/// The error episodes of many indices, as compactly as their logs (`ErrorEpisodeLog`) keep them,
/// read in the report's order by merging the indices' episodes as they are read. A long capture's
/// episodes are most of its rows (37,000 in the benchmark capture 10 times longer): as 64-byte
/// rows in one array, sorted at the end, they came on top of the memory of the reading, in
/// room the heap had to grow for, and were most of what the longer capture added to peak memory.
///
/// Each index's episodes are one part of `bytes`, ordered by start then ordinal, as LEB128 steps
/// from a start and ordinal of zero. Once `orderParts` has put the parts in the order of their
/// indices' names, the merge gives the episodes by (start, index name, ordinal).
struct ErrorEpisodeStreams: Sendable {
    struct Part: Sendable {
        var index: Int32
        var offset: Int
        var count: Int
    }

    private var bytes: [UInt8] = []
    private var parts: [Part] = []
    /// How many episodes there are.
    private(set) var count = 0

    /// Room for the logs of `indices` indices whose streams take `streamBytes` in all.
    mutating func reserve(indices: Int, streamBytes: Int) {
        parts.reserveCapacity(parts.count + indices)
        bytes.reserveCapacity(bytes.count + streamBytes)
    }

    /// The most bytes `log` adds: its stream and the last episode, which it keeps whole.
    static func bytesBound(of log: ErrorEpisodeLog) -> Int {
        log.isEmpty ? 0 : log.streamBytes + 7 * LEB128.maxBytes
    }

    /// Adds the episodes of one index.
    mutating func append(_ log: ErrorEpisodeLog) {
        guard let index = log.last?.index else { return }
        let offset = bytes.count
        let added = log.encodeInStartOrder(appendingTo: &bytes)
        parts.append(Part(index: index, offset: offset, count: added))
        count += added
    }

    /// Adds the episodes of `other`'s indices (none of them already here), giving its room back.
    mutating func append(taking other: inout ErrorEpisodeStreams) {
        if parts.isEmpty {
            swap(&self, &other)
            return
        }
        bytes.reserveCapacity(bytes.count + other.bytes.count)
        parts.reserveCapacity(parts.count + other.parts.count)
        let shift = bytes.count
        bytes += other.bytes
        parts += other.parts.lazy.map { Part(index: $0.index, offset: $0.offset + shift, count: $0.count) }
        count += other.count
        other = ErrorEpisodeStreams()
    }

    /// Puts the parts in the order of their indices' names (`precedes` compares two index ids).
    mutating func orderParts(by precedes: (Int32, Int32) -> Bool) {
        parts.sort { precedes($0.index, $1.index) }
    }

    /// The episodes by (start, index name, ordinal), once `orderParts` is done.
    func makeIterator() -> Merge { Merge(self) }

    /// A merge of the parts through a heap of one cursor per part with episodes left: a cursor
    /// holds its next episode's start and ordinal (the keys) and where its steps begin, and the
    /// episode is read whole once it is the next one.
    struct Merge: IteratorProtocol {
        private struct Cursor {
            var start: Int64
            var ordinal: Int64
            /// The start and ordinal of the episode before it in its part, which its steps follow.
            var previousStart: Int64
            var previousOrdinal: Int64
            var position: Int
            var left: Int
            var part: Int32

            /// Whether its episode comes before `other`'s: parts are in index name order.
            func precedes(_ other: Cursor) -> Bool {
                if start != other.start { return start < other.start }
                if part != other.part { return part < other.part }
                return ordinal < other.ordinal
            }
        }

        private let streams: ErrorEpisodeStreams
        private var heap: [Cursor] = []

        fileprivate init(_ streams: ErrorEpisodeStreams) {
            self.streams = streams
            heap.reserveCapacity(streams.parts.count)
            for (position, part) in streams.parts.enumerated() where part.count > 0 {
                heap.append(
                    cursor(
                        part: Int32(position), at: part.offset, after: 0, ordinal: 0, left: part.count))
            }
            for position in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(position) }
        }

        mutating func next() -> ErrorEpisode? {
            guard let first = heap.first else { return nil }
            var position = first.position
            let episode = read(first.part, at: &position, after: first.previousStart, ordinal: first.previousOrdinal)
            if first.left > 1 {
                heap[0] = cursor(
                    part: first.part, at: position, after: episode.start, ordinal: episode.ordinal,
                    left: first.left - 1)
            } else {
                heap[0] = heap[heap.count - 1]
                heap.removeLast()
            }
            if !heap.isEmpty { siftDown(0) }
            return episode
        }

        private func read(_ part: Int32, at position: inout Int, after start: Int64, ordinal: Int64) -> ErrorEpisode {
            streams.bytes.withUnsafeBufferPointer { bytes in
                ErrorEpisodeLog.decode(
                    afterStart: start, ordinal: ordinal, index: streams.parts[Int(part)].index,
                    from: bytes.baseAddress!, at: &position)
            }
        }

        private func cursor(part: Int32, at position: Int, after start: Int64, ordinal: Int64, left: Int) -> Cursor {
            var next = position
            let episode = read(part, at: &next, after: start, ordinal: ordinal)
            return Cursor(
                start: episode.start, ordinal: episode.ordinal, previousStart: start, previousOrdinal: ordinal,
                position: position, left: left, part: part)
        }

        private mutating func siftDown(_ start: Int) {
            var parent = start
            while true {
                let left = 2 * parent + 1
                guard left < heap.count else { return }
                var least = left
                if left + 1 < heap.count && heap[left + 1].precedes(heap[left]) { least = left + 1 }
                guard heap[least].precedes(heap[parent]) else { return }
                heap.swapAt(parent, least)
                parent = least
            }
        }
    }
}
