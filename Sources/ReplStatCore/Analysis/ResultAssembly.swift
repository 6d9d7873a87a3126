/// Gathers the index partitions' findings into an `AnalysisResult`, each table in its documented
/// order (ties between indices broken by index name, in byte order).
enum ResultAssembly {
    static func assemble(sources: [SourceReport], partitions: [IndexPartition], names: RunNames) -> AnalysisResult {
        let indexNames = names.indexNames
        let byName: (Int32, Int32) -> Bool = {
            indexNames.bytes($0).lexicographicallyPrecedes(indexNames.bytes($1))
        }
        var findings = partitions.map { $0.takeFindings() }
        // Gathered a block at a time, each freed once copied, so that the figures of every index
        // are never held twice.
        var indices: [IndexSummary] = []
        indices.reserveCapacity(findings.reduce(0) { $0 + $1.summaries.reduce(0) { $0 + $1.count } })
        var transitions: [TransitionRow] = []
        var stalls: [StallRow] = []
        var gaps: [GapRow] = []
        var errorEpisodes: [ErrorEpisode] = []
        var shardRows: [ShardSummary] = []
        var stillOpen: [OpenAtEnd] = []
        for partition in findings.indices {
            for chunk in findings[partition].summaries.indices {
                indices += findings[partition].summaries[chunk]
                findings[partition].summaries[chunk] = []
            }
            transitions += findings[partition].transitions
            stalls += findings[partition].stalls
            gaps += findings[partition].gaps
            errorEpisodes += findings[partition].errorEpisodes
            shardRows += findings[partition].shards
            stillOpen += findings[partition].stillOpen
            findings[partition] = PartitionFindings()
        }
        // Sorting the figures themselves would take a buffer of half of them: sort their
        // positions, then move each once.
        var order = (0..<Int32(indices.count)).map { $0 }
        order.sort { byName(indices[Int($0)].index, indices[Int($1)].index) }
        permute(&indices, by: &order)
        transitions.sort { $0.timestamp != $1.timestamp ? $0.timestamp < $1.timestamp : byName($0.index, $1.index) }
        stalls.sort { $0.start != $1.start ? $0.start < $1.start : byName($0.index, $1.index) }
        gaps.sort { $0.start != $1.start ? $0.start < $1.start : byName($0.index, $1.index) }
        errorEpisodes.sort {
            if $0.start != $1.start { return $0.start < $1.start }
            if $0.index != $1.index { return byName($0.index, $1.index) }
            return $0.ordinal < $1.ordinal
        }
        shardRows.sort { $0.index != $1.index ? byName($0.index, $1.index) : $0.shard < $1.shard }
        stillOpen.sort {
            if $0.start != $1.start { return $0.start < $1.start }
            if $0.index != $1.index { return byName($0.index, $1.index) }
            return $0.kind.rawValue < $1.kind.rawValue
        }
        return AnalysisResult(
            sources: sources, indices: indices, transitions: transitions, stalls: stalls, gaps: gaps,
            errorEpisodes: errorEpisodes, shards: shardRows, stillOpen: stillOpen, indexNames: indexNames,
            texts: names.texts)
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
