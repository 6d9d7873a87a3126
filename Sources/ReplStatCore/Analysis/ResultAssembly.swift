/// Gathers the index partitions' findings into an `AnalysisResult`, each table in its documented
/// order (ties between indices broken by index name, in byte order).
enum ResultAssembly {
    static func assemble(
        sources: [SourceReport], summaries indices: consuming [IndexSummary], partitions: [IndexPartition],
        names: RunNames
    ) -> AnalysisResult {
        assemble(
            sources: sources, summaries: consume indices, findings: partitions.map { $0.takeFindings() },
            indexNames: names.indexNames, texts: names.texts)
    }

    /// The result of these figures and rows, in any order, of indices named in `indexNames`
    /// (also the merge of the partial results of a distributed analysis, `ResultMerge`).
    static func assemble(
        sources: [SourceReport], summaries indices: consuming [IndexSummary], findings: [PartitionFindings],
        indexNames: StringTable, texts: StringTable
    ) -> AnalysisResult {
        var findings = findings
        // Each table gathered into room of its exact size, each partition's part given back once
        // copied (the rows of a long capture are its largest part); a single part is taken as it is.
        func gather<Row>(_ rows: WritableKeyPath<PartitionFindings, [Row]>) -> [Row] {
            if findings.count == 1 {
                defer { findings[0][keyPath: rows] = [] }
                return findings[0][keyPath: rows]
            }
            var gathered: [Row] = []
            gathered.reserveCapacity(findings.reduce(0) { $0 + $1[keyPath: rows].count })
            for partition in findings.indices {
                gathered += findings[partition][keyPath: rows]
                findings[partition][keyPath: rows] = []
            }
            return gathered
        }
        var transitions = gather(\.transitions)
        var stalls = gather(\.stalls)
        var gaps = gather(\.gaps)
        var errorEpisodes = gather(\.errorEpisodes)
        var errorEpisodeStreams = ErrorEpisodeStreams()
        for partition in findings.indices {
            errorEpisodeStreams.append(taking: &findings[partition].errorEpisodeStreams)
        }
        var shardRows = gather(\.shards)
        var stillOpen = gather(\.stillOpen)
        // Sorting the figures themselves would take a buffer of half of them: sort their
        // positions, then move each once.
        var order = (0..<Int32(indices.count)).map { $0 }
        order.sort { indexNames.precedes(indices[Int($0)].index, indices[Int($1)].index) }
        permute(&indices, by: &order)
        order = []
        // Every row belongs to an index with figures: their place in name order stands for the
        // name in the other tables' orders, so no sort compares names again.
        var rank = [Int32](repeating: 0, count: indexNames.count)
        for (position, summary) in indices.enumerated() { rank[Int(summary.index)] = Int32(position) }
        let byName: (Int32, Int32) -> Bool = { rank[Int($0)] < rank[Int($1)] }
        sort(&transitions) { $0.timestamp != $1.timestamp ? $0.timestamp < $1.timestamp : byName($0.index, $1.index) }
        sort(&stalls) { $0.start != $1.start ? $0.start < $1.start : byName($0.index, $1.index) }
        sort(&gaps) { $0.start != $1.start ? $0.start < $1.start : byName($0.index, $1.index) }
        let sortedEpisodes: ErrorEpisodes
        if errorEpisodes.isEmpty {
            errorEpisodeStreams.orderParts(by: byName)
            sortedEpisodes = ErrorEpisodes(errorEpisodeStreams)
        } else {
            // Rows given as rows (a merge of partial results) are sorted as rows, with any others.
            errorEpisodes += ErrorEpisodes(errorEpisodeStreams)
            errorEpisodeStreams = ErrorEpisodeStreams()
            sort(&errorEpisodes) {
                if $0.start != $1.start { return $0.start < $1.start }
                if $0.index != $1.index { return byName($0.index, $1.index) }
                return $0.ordinal < $1.ordinal
            }
            sortedEpisodes = ErrorEpisodes(errorEpisodes)
        }
        sort(&shardRows) { $0.index != $1.index ? byName($0.index, $1.index) : $0.shard < $1.shard }
        sort(&stillOpen) {
            if $0.start != $1.start { return $0.start < $1.start }
            if $0.index != $1.index { return byName($0.index, $1.index) }
            if $0.kind != $1.kind { return $0.kind.rawValue < $1.kind.rawValue }
            return ($0.shard ?? 0) < ($1.shard ?? 0)
        }
        return AnalysisResult(
            sources: sources, indices: indices, transitions: transitions, stalls: stalls, gaps: gaps,
            errorEpisodes: sortedEpisodes, shards: shardRows, stillOpen: stillOpen, indexNames: indexNames,
            texts: texts)
    }

    /// Sorts `rows` as a stable sort would, by sorting their positions and then moving each row
    /// once: a stable sort of the rows themselves takes a buffer of half of them, which for the
    /// error episodes of a long capture (tens of thousands of 64-byte rows) came on top of the
    /// peak memory at the end.
    static func sort<Row>(_ rows: inout [Row], by precedes: (Row, Row) -> Bool) {
        var order = (0..<Int32(rows.count)).map { $0 }
        rows.withUnsafeBufferPointer { rows in order.sort { precedes(rows[Int($0)], rows[Int($1)]) } }
        permute(&rows, by: &order)
    }

    /// Rearranges `elements` in place so that position i holds what was at `order[i]`, following
    /// the permutation's cycles; `order` is used up (each position, once placed, points at itself).
    static func permute<Element>(_ elements: inout [Element], by order: inout [Int32]) {
        for start in order.indices where Int(order[start]) != start {
            let first = elements[start]
            var position = start
            while true {
                let next = Int(order[position])
                order[position] = Int32(position)
                if next == start {
                    elements[position] = first
                    break
                }
                elements[position] = elements[next]
                position = next
            }
        }
    }
}
