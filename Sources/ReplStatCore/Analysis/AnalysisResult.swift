/// What happened to one source.
public struct SourceReport: Sendable {
    public var name: String
    public var counts: OutcomeCounts
    /// Why reading stopped early, if it did.
    public var failure: SourceFailure?

    public init(name: String, counts: OutcomeCounts = OutcomeCounts(), failure: SourceFailure? = nil) {
        self.name = name
        self.counts = counts
        self.failure = failure
    }
}

/// The outcome of an analysis: everything the reports print.
public struct AnalysisResult: Sendable, NameResolver {
    public var sources: [SourceReport]
    /// One per index with a status or error sample, sorted by index name (byte order).
    public var indices: [IndexSummary]
    /// Sorted by (timestamp, index).
    public var transitions: [TransitionRow]
    /// Sorted by (start, index).
    public var stalls: [StallRow]
    /// Capture gaps, sorted by (start, index).
    public var gaps: [GapRow]
    /// Error episodes, sorted by (start, index, input position of their first sample).
    public var errorEpisodes: ErrorEpisodes
    /// One per (index, shard number) with a shard sample, sorted by (index, shard number).
    public var shards: [ShardSummary]
    /// Stalls and lag breaches that were announced and still went on when the input ended,
    /// sorted by (start, index): `watch` reports no end it did not see.
    public var stillOpen: [OpenAtEnd]
    /// Index names by id.
    public var indexNames: StringTable
    /// Reasons, leader aliases, leader index names and error types by id.
    public var texts: StringTable

    /// A result as reports take it; the rows must be in the orders documented above.
    public init(
        sources: [SourceReport], indices: [IndexSummary] = [], transitions: [TransitionRow] = [],
        stalls: [StallRow] = [], gaps: [GapRow] = [], errorEpisodes: ErrorEpisodes = [],
        shards: [ShardSummary] = [], stillOpen: [OpenAtEnd] = [], indexNames: StringTable, texts: StringTable
    ) {
        self.sources = sources
        self.indices = indices
        self.transitions = transitions
        self.stalls = stalls
        self.gaps = gaps
        self.errorEpisodes = errorEpisodes
        self.shards = shards
        self.stillOpen = stillOpen
        self.indexNames = indexNames
        self.texts = texts
    }

    public var totals: OutcomeCounts {
        sources.reduce(into: OutcomeCounts()) { $0.add($1.counts) }
    }

    public var failures: [SourceFailure] { sources.compactMap(\.failure) }

    public func indexName(_ id: Int32) -> String { indexNames.string(id) }

    /// The text for an id, or nil for `StatusSample.none`.
    public func text(_ id: Int32) -> String? { id == StatusSample.none ? nil : texts.string(id) }
}
