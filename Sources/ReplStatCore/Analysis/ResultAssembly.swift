/// Gathers the index partitions' derivations into an `AnalysisResult`, each table in its documented
/// order (ties between indices broken by index name, in byte order).
enum ResultAssembly {
    static func assemble(sources: [SourceReport], partitions: [IndexPartition], names: RunNames) -> AnalysisResult {
        let indexNames = names.indexNames
        let byName: (Int32, Int32) -> Bool = {
            indexNames.bytes($0).lexicographicallyPrecedes(indexNames.bytes($1))
        }
        // Gathered index by index: a copy of every derivation at once would double the memory
        // that thousands of indices take at the end.
        var indices: [IndexSummary] = []
        var transitions: [TransitionRow] = []
        var stalls: [StallRow] = []
        var gaps: [GapRow] = []
        var errorEpisodes: [ErrorEpisode] = []
        var shardRows: [ShardSummary] = []
        var stillOpen: [OpenAtEnd] = []
        for partition in partitions {
            for derivation in partition.derivations
            where derivation.summary.samples > 0 || derivation.summary.errorSamples > 0 {
                indices.append(derivation.summary)
                transitions += derivation.transitions
                stalls += derivation.stalls
                gaps += derivation.gaps
                errorEpisodes += derivation.errorEpisodes
                if derivation.hasShards { shardRows += derivation.shards }
                stillOpen += derivation.stillOpen
            }
        }
        indices.sort { byName($0.index, $1.index) }
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
            if $0.kind != $1.kind { return $0.kind.rawValue < $1.kind.rawValue }
            return ($0.shard ?? 0) < ($1.shard ?? 0)
        }
        return AnalysisResult(
            sources: sources, indices: indices, transitions: transitions, stalls: stalls, gaps: gaps,
            errorEpisodes: errorEpisodes, shards: shardRows, stillOpen: stillOpen, indexNames: indexNames,
            texts: names.texts)
    }
}
