/// The documents a distributed analysis hands to `replstat merge` (docs/distributed.md, the
/// partial format): every document starts with `replstat-partial`, the format's version and its
/// kind, then the settings of the analysis that made it.
public enum PartialFormat {
    public static let magic = "replstat-partial"
    /// Changes whenever a document of this version would be misread by the previous reader or
    /// could not be read by this one.
    /// 2: a shard's lag over time is its peaks (`shard-peaks`), no more a timeline.
    public static let version = 2

    /// Largest count a document may claim (lines, samples): 2^48, far beyond any capture and small
    /// enough that no sum or product the reports compute from it overflows.
    static let countLimit = 1 << 48

    /// The first fields of a document's first line.
    static func header(_ kind: String, _ settings: PartialSettings) -> PartialLine {
        var line = PartialLine(magic)
        line.add(version)
        line.add(word: kind)
        settings.add(to: &line)
        return line
    }
}

/// What `replstat split` found of one source besides the records it wrote (its `S` record):
/// the lines whose outcome it settled itself, how many lines the source has in all, and why
/// reading stopped early, if it did. A document of one line.
public struct SourceDocument: Sendable, Equatable {
    static let kind = "source"

    public var settings: PartialSettings
    /// The source's place among all sources of the analysis, from 0.
    public var ordinal: Int
    /// The name reports give the source.
    public var name: String
    /// Every line of the source, those written as records included.
    public var lines: Int
    /// The outcomes of the lines split settled (those not written as records).
    public var counts: OutcomeCounts
    /// Where and why reading stopped early; its `source` is `name`.
    public var failure: SourceFailure?

    public init(
        settings: PartialSettings, ordinal: Int, name: String, lines: Int, counts: OutcomeCounts,
        failure: SourceFailure?
    ) {
        self.settings = settings
        self.ordinal = ordinal
        self.name = name
        self.lines = lines
        self.counts = counts
        self.failure = failure
    }

    /// The document's line, with its LF.
    public var line: [UInt8] {
        var line = PartialFormat.header(Self.kind, settings)
        line.add(ordinal)
        line.add(text: name.utf8)
        line.add(lines)
        for outcome in Outcome.allCases { line.add(counts[outcome]) }
        line.add(word: failure?.kind.rawValue ?? "")
        line.add(failure?.byteOffset)
        line.add(text: (failure?.detail ?? "").utf8)
        return line.line
    }

    /// Reads the fields after the header.
    static func read(_ fields: inout PartialFields, settings: PartialSettings) throws(PartialFields.Problem)
        -> SourceDocument
    {
        let ordinal = try fields.number("ordinal", in: 0...Int(Int32.max))
        let name = String(decoding: try fields.text("name"), as: UTF8.self)
        let lines = try fields.number("lines", in: 0...PartialFormat.countLimit)
        var counts = OutcomeCounts()
        for outcome in Outcome.allCases {
            counts.add(outcome, try fields.number(outcome.name, in: 0...PartialFormat.countLimit))
        }
        guard counts.lines <= lines else {
            throw PartialFields.Problem(message: "it counts \(counts.lines) lines of a source of \(lines)")
        }
        let kind = try fields.word("failure")
        // A byte of the source: a read never fails before its start.
        let offset = try fields.optional("failure offset", in: 0...Int64.max)
        let detail = String(decoding: try fields.text("failure detail"), as: UTF8.self)
        var failure: SourceFailure?
        if !kind.isEmpty {
            guard let known = SourceFailure.Kind(rawValue: kind) else {
                throw PartialFields.Problem(
                    message: "the failure '\(VisibleText.escaped(kind))' is not one replstat knows")
            }
            failure = SourceFailure(kind: known, source: name, byteOffset: offset, detail: detail)
        }
        try fields.end()
        return SourceDocument(
            settings: settings, ordinal: ordinal, name: name, lines: lines, counts: counts, failure: failure)
    }
}

/// The partial result of one partition (`replstat analyze --format partial`): the outcome counts
/// of the lines it analyzed, per source ordinal, and everything the reports take from its
/// indices (`AnalysisResult` without sources: rows, names and texts, timelines of lag).
public struct PartitionDocument: Sendable {
    static let kind = "partition"

    public var settings: PartialSettings
    /// Per source ordinal with lines here, ascending: their outcomes.
    public var sources: [(ordinal: Int, counts: OutcomeCounts)]
    /// The findings; its `sources` are empty, its tables in the orders `AnalysisResult` documents.
    public var result: AnalysisResult

    public init(settings: PartialSettings, sources: [(ordinal: Int, counts: OutcomeCounts)], result: AnalysisResult) {
        self.settings = settings
        self.sources = sources
        self.result = result
    }

    /// Writes the document to `sink`, a piece at a time, and finishes the sink.
    public func write(to sink: ByteSink) throws(OutputError) {
        var out = ReportText(sink: sink)
        var lines = 0
        func put(_ line: PartialLine) {
            out.append(contentsOf: line.line)
            lines += 1
            out.flushWhenFull()
        }
        put(PartialFormat.header(Self.kind, settings))
        for source in sources {
            var line = PartialLine("source")
            line.add(source.ordinal)
            for outcome in Outcome.allCases { line.add(source.counts[outcome]) }
            put(line)
        }
        // Only the names and texts the rows use, numbered anew in order of use.
        let ids = PartialIds(result: result)
        for name in ids.indexNames {
            var line = PartialLine("name")
            line.add(text: result.indexNames.bytes(name))
            put(line)
        }
        for text in ids.texts {
            var line = PartialLine("text")
            line.add(text: result.texts.bytes(text))
            put(line)
        }
        let rows = PartialRows(ids: ids)
        for index in result.indices {
            put(rows.line(index))
            if let timeline = index.timeline { put(rows.line(timeline, of: index.index)) }
        }
        for row in result.transitions { put(rows.line(row)) }
        for row in result.stalls { put(rows.line(row)) }
        for row in result.gaps { put(rows.line(row)) }
        for row in result.errorEpisodes { put(rows.line(row)) }
        for row in result.stillOpen { put(rows.line(row)) }
        for shard in result.shards {
            put(rows.line(shard))
            if let peaks = shard.peaks { put(rows.line(peaks, of: shard.index, shard: shard.shard)) }
        }
        var end = PartialLine("end")
        end.add(lines)
        put(end)
        try out.flush()
        try sink.finish()
    }
}

/// The document's own numbering of the index names and texts its rows use: dense, in order of
/// first use, so that a document holds no text that no row needs.
struct PartialIds {
    /// The result's ids, in the document's order.
    private(set) var indexNames: [Int32] = []
    private(set) var texts: [Int32] = []
    private var indexMap: [Int32]
    private var textMap: [Int32]

    init(result: AnalysisResult) {
        indexMap = Array(repeating: -1, count: result.indexNames.count)
        textMap = Array(repeating: -1, count: result.texts.count)
        for summary in result.indices {
            use(index: summary.index)
            use(text: summary.leaderAlias)
            use(text: summary.leaderIndex)
        }
        for row in result.transitions { use(text: row.reason) }
        for row in result.errorEpisodes {
            use(text: row.type)
            use(text: row.reason)
        }
    }

    private mutating func use(index id: Int32) {
        if indexMap[Int(id)] < 0 {
            indexMap[Int(id)] = Int32(indexNames.count)
            indexNames.append(id)
        }
    }

    private mutating func use(text id: Int32) {
        guard id != StatusSample.none, textMap[Int(id)] < 0 else { return }
        textMap[Int(id)] = Int32(texts.count)
        texts.append(id)
    }

    /// The document's id of a result's index id (every row's index has a summary).
    func index(_ id: Int32) -> Int32 { indexMap[Int(id)] }

    /// The document's id of a result's text id, `StatusSample.none` kept.
    func text(_ id: Int32) -> Int32 { id == StatusSample.none ? id : textMap[Int(id)] }
}
