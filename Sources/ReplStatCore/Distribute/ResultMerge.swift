/// Joins the documents of a distributed analysis into the result a single run gives on the
/// same sources (docs/distributed.md, merging): the sources from their split documents, in
/// ordinal order, each line counted once, by split or by the partial analysis of its partition;
/// every index from the one partition that holds it, its names and texts renumbered into one
/// table; the rows put in the orders of `AnalysisResult` (`ResultAssembly`). The order in
/// which documents come does not matter.
public struct ResultMerge {
    private var settings: (PartialSettings, file: String)?
    private var sources: [Int: SourceDocument] = [:]
    /// Per source ordinal, the counts of the partitions' lines, and how many partitions had some.
    private var partitionCounts: [Int: OutcomeCounts] = [:]
    private var summaries: [IndexSummary] = []
    private var findings = PartitionFindings()
    private var indexNames = StringTable()
    private var texts = StringTable(memoryBudget: 16 << 20)
    /// Per index name id of the merge, whether a partition already brought it.
    private var seen: [Bool] = []

    public init() {}

    /// Takes the documents of one file.
    public mutating func add(_ items: [PartialItem], from file: String) throws(PartialInputError) {
        for item in items {
            switch item {
            case .source(let document):
                try check(document.settings, file)
                if let earlier = sources[document.ordinal] {
                    throw refusal(
                        "\(file): the source record of ordinal \(document.ordinal) (\(document.name)) comes twice "
                            + "(the other names \(earlier.name)): give merge each source's S record once")
                }
                sources[document.ordinal] = document
            case .partition(let document):
                try check(document.settings, file)
                try add(document, from: file)
            }
        }
    }

    private mutating func check(_ given: PartialSettings, _ file: String) throws(PartialInputError) {
        guard let (first, firstFile) = settings else {
            settings = (given, file)
            return
        }
        if given != first {
            let files = file == firstFile ? "\(file) holds documents that come" : "\(file) and \(firstFile) come"
            throw refusal(
                "\(files) from analyses with different settings (\(given.differences(from: first))): "
                    + "run split and every partial analysis with the same options")
        }
    }

    private func refusal(_ message: String) -> PartialInputError {
        PartialInputError(message: message, isRefusal: true)
    }

    private mutating func add(_ document: PartitionDocument, from file: String) throws(PartialInputError) {
        for (ordinal, counts) in document.sources {
            // Each count is within the format's limit, the sum so far too: the sum cannot overflow.
            var sum = partitionCounts[ordinal, default: OutcomeCounts()]
            sum.add(counts)
            guard sum.lines <= PartialFormat.countLimit else {
                throw impossible(
                    "\(file): the partials claim more than \(PartialFormat.countLimit) lines of source \(ordinal)")
            }
            partitionCounts[ordinal] = sum
        }
        let result = document.result
        var indexIds: [Int32] = []
        indexIds.reserveCapacity(result.indexNames.count)
        for id in 0..<Int32(result.indexNames.count) {
            let merged = result.indexNames.bytes(id).withUnsafeBufferPointer { indexNames.intern($0) }
            if Int(merged) == seen.count { seen.append(false) }
            indexIds.append(merged)
        }
        var textIds: [Int32] = []
        for id in 0..<Int32(result.texts.count) {
            textIds.append(result.texts.bytes(id).withUnsafeBufferPointer { texts.intern($0) })
        }
        func text(_ id: Int32) -> Int32 { id == StatusSample.none ? id : textIds[Int(id)] }
        for var summary in result.indices {
            summary.index = indexIds[Int(summary.index)]
            guard !seen[Int(summary.index)] else {
                throw refusal(
                    "\(file): the index \(VisibleText.escaped(indexNames.string(summary.index))) is also in another partial: "
                        + "give merge each partition's partial once, all made with the same --partitions")
            }
            seen[Int(summary.index)] = true
            summary.leaderAlias = text(summary.leaderAlias)
            summary.leaderIndex = text(summary.leaderIndex)
            summaries.append(summary)
        }
        /// The rows with the merge's ids.
        func renamed<Row: IndexedRow>(_ rows: [Row], texts: WritableKeyPath<Row, Int32>...) -> [Row] {
            rows.map { row in
                var row = row
                row.index = indexIds[Int(row.index)]
                for path in texts { row[keyPath: path] = text(row[keyPath: path]) }
                return row
            }
        }
        findings.transitions += renamed(result.transitions, texts: \.reason)
        findings.stalls += renamed(result.stalls)
        findings.gaps += renamed(result.gaps)
        findings.errorEpisodes += renamed(Array(result.errorEpisodes), texts: \.type, \.reason)
        findings.shards += renamed(result.shards)
        findings.stillOpen += renamed(result.stillOpen)
    }

    /// Documents whose counts no analysis gives: more lines than the format allows, more samples
    /// than lines (so that no sum the reports make of them overflows). Damaged or made up.
    private func impossible(_ claim: String) -> PartialInputError {
        PartialInputError(
            message: "\(claim), which no analysis gives: the partials are damaged or not made by replstat; "
                + "make them again",
            isRefusal: false)
    }

    /// The merged result, once every document is in; refuses a set of documents that is not
    /// one whole analysis: a source without its record, or whose lines the documents do not
    /// account for exactly (a partial missing, or given twice).
    public func result() throws(PartialInputError) -> AnalysisResult {
        guard !sources.isEmpty else {
            throw refusal(
                "no source record among the partials: give merge the S records that `replstat split` wrote last, "
                    + "with the partition documents")
        }
        var reports: [SourceReport] = []
        var lines = 0
        for ordinal in 0..<sources.count {
            guard let source = sources[ordinal] else {
                throw refusal(
                    "no source record of ordinal \(ordinal) (there are \(sources.count) sources, from 0): "
                        + "give merge the S record of every source")
            }
            var counts = source.counts
            if let more = partitionCounts[ordinal] { counts.add(more) }
            guard counts.lines == source.lines else {
                throw refusal(
                    "\(source.name) has \(source.lines) lines, but the partials account for \(counts.lines): "
                        + "give merge the partial of every partition, each once")
            }
            lines += source.lines
            guard lines <= PartialFormat.countLimit else {
                throw impossible(
                    "the source records claim more than \(PartialFormat.countLimit) lines in all")
            }
            reports.append(SourceReport(name: source.name, counts: counts, failure: source.failure))
        }
        // Every sample is a line, and an error episode's samples are some of them: each sum stays
        // within the lines, so that the reports' totals of them cannot overflow.
        var samples = 0
        for summary in summaries {
            samples += summary.samples + summary.errorSamples
            guard samples <= lines else {
                throw impossible("the indices have more samples than the sources have lines")
            }
        }
        var episodeSamples = 0
        for episode in findings.errorEpisodes {
            episodeSamples += episode.samples
            guard episodeSamples <= lines else {
                throw impossible("the error episodes have more samples than the sources have lines")
            }
        }
        if let stray = partitionCounts.keys.filter({ $0 >= sources.count }).min() {
            throw refusal(
                "a partial holds lines of source \(stray), which has no source record: give merge its S record")
        }
        return ResultAssembly.assemble(
            sources: reports, summaries: summaries, findings: [findings], indexNames: indexNames, texts: texts)
    }
}
