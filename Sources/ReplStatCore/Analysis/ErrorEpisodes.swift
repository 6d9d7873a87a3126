/// The error episodes of a result, sorted by (start, index, input position of their first
/// sample). An analysis keeps them as compactly as it found them (`ErrorEpisodeStreams`) and
/// gives them row by row as a report writes them, so that a long capture's episodes are never
/// all held as rows; rows given as they are (a merge of partial results, tests) are kept as
/// given.
public struct ErrorEpisodes: Sequence, Sendable, ExpressibleByArrayLiteral {
    private enum Storage: Sendable {
        case rows([ErrorEpisode])
        case streams(ErrorEpisodeStreams)
    }

    private var storage: Storage

    /// Rows already in the documented order.
    public init(_ rows: [ErrorEpisode] = []) { storage = .rows(rows) }

    public init(arrayLiteral rows: ErrorEpisode...) { self.init(rows) }

    /// The episodes of `streams`, whose parts are in the order of their indices' names.
    init(_ streams: ErrorEpisodeStreams) { storage = .streams(streams) }

    public var count: Int {
        switch storage {
        case .rows(let rows): rows.count
        case .streams(let streams): streams.count
        }
    }

    public var isEmpty: Bool { count == 0 }

    public var underestimatedCount: Int { count }

    /// Adds a row after the others (it must come after them in the documented order).
    public mutating func append(_ episode: ErrorEpisode) {
        guard case .rows(var rows) = storage else {
            storage = .rows(Array(self) + [episode])
            return
        }
        storage = .rows([])  // so that `rows` is the only reference to its storage
        rows.append(episode)
        storage = .rows(rows)
    }

    public func makeIterator() -> Iterator {
        switch storage {
        case .rows(let rows): Iterator(rows: rows.makeIterator())
        case .streams(let streams): Iterator(merge: streams.makeIterator())
        }
    }

    public struct Iterator: IteratorProtocol {
        private var rows: IndexingIterator<[ErrorEpisode]>?
        private var merge: ErrorEpisodeStreams.Merge?

        fileprivate init(rows: IndexingIterator<[ErrorEpisode]>? = nil, merge: ErrorEpisodeStreams.Merge? = nil) {
            self.rows = rows
            self.merge = merge
        }

        public mutating func next() -> ErrorEpisode? {
            if rows != nil { return rows!.next() }
            return merge!.next()
        }
    }
}
