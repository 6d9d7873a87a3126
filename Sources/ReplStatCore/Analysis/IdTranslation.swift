/// Each decoding lane numbers the index names and texts it meets on its own (`RecordDecoder`'s
/// string tables); this maps a lane's ids to the run's (`RunNames`). A piece brings the strings
/// its lane met for the first time, in the order of their lane ids, so the map grows as the
/// merge reads the pieces, without touching the lanes.
struct IdTranslation {
    let names: RunNames
    /// Per lane, the run's id of each of the lane's ids.
    private var indexIds: [[Int32]] = []
    private var textIds: [[Int32]] = []

    init(names: RunNames) {
        self.names = names
    }

    /// New lanes start with empty string tables.
    mutating func startLanes(_ count: Int) {
        indexIds = Array(repeating: [], count: count)
        textIds = Array(repeating: [], count: count)
    }

    /// Learns the strings a piece met first; returns the map of its lane.
    mutating func learn(_ piece: DecodedPiece) -> LaneIds {
        if piece.restartsIds {
            indexIds[piece.lane].removeAll(keepingCapacity: true)
            textIds[piece.lane].removeAll(keepingCapacity: true)
        }
        for name in piece.newIndexNames { indexIds[piece.lane].append(names.internIndexName(name)) }
        for text in piece.newTexts { textIds[piece.lane].append(names.internText(text)) }
        return LaneIds(indexIds: indexIds[piece.lane], textIds: textIds[piece.lane])
    }
}

/// One lane's ids in the run's numbering, taken once per piece rather than once per sample.
struct LaneIds {
    let indexIds: [Int32]
    let textIds: [Int32]

    /// The sample with the run's ids.
    func translate(_ sample: StatusSample) -> StatusSample {
        var sample = sample
        sample.index = indexIds[Int(sample.index)]
        sample.reason = text(sample.reason)
        sample.leaderAlias = text(sample.leaderAlias)
        sample.leaderIndex = text(sample.leaderIndex)
        return sample
    }

    func translate(_ sample: ErrorSample) -> ErrorSample {
        var sample = sample
        sample.index = indexIds[Int(sample.index)]
        sample.type = text(sample.type)
        sample.reason = text(sample.reason)
        return sample
    }

    @inline(__always)
    private func text(_ id: Int32) -> Int32 {
        id == StatusSample.none ? id : textIds[Int(id)]
    }
}
