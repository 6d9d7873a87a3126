/// Where one follower index stands after the samples read so far: what its metrics say
/// (docs/metrics.md). `analyze` takes it from the result at the end of the capture; `watch`
/// gets it from the derivation after each sample of the index.
public struct FollowerState: Sendable, Equatable {
    public var index: Int32
    /// The status of the last status sample; nil when the index has only error samples.
    public var status: ReplicationStatus?
    public var samples: Int
    public var errorSamples: Int
    public var transitions: Int
    /// Stalls that reached the stall limit, the one still going on included.
    public var stalls: Int
    /// The start of the stall going on, once it has lasted the stall limit.
    public var stalledSince: Int64?
    /// The lag in operations of the last lag sample (`lag_last`).
    public var lag: UInt64?
    /// The lag in seconds of the last lag sample, in milliseconds (`lag_seconds_last`).
    public var lagMillis: Int64?
    /// The newest status sample and the newest error sample.
    public var lastSample: Int64?
    public var lastErrorSample: Int64?

    public init(
        index: Int32, status: ReplicationStatus?, samples: Int, errorSamples: Int, transitions: Int, stalls: Int,
        stalledSince: Int64?, lag: UInt64?, lagMillis: Int64?, lastSample: Int64?, lastErrorSample: Int64?
    ) {
        self.index = index
        self.status = status
        self.samples = samples
        self.errorSamples = errorSamples
        self.transitions = transitions
        self.stalls = stalls
        self.stalledSince = stalledSince
        self.lag = lag
        self.lagMillis = lagMillis
        self.lastSample = lastSample
        self.lastErrorSample = lastErrorSample
    }

    /// The newest sample of either kind: when the index was last heard of.
    public var lastHeard: Int64? {
        switch (lastSample, lastErrorSample) {
        case (let status?, let error?): max(status, error)
        case (let status?, nil): status
        case (nil, let error?): error
        case (nil, nil): nil
        }
    }

    /// Every index of a finished analysis as it stood at the end, by index name.
    public static func atEnd(of result: AnalysisResult) -> [FollowerState] {
        var stalledSince: [Int32: Int64] = [:]
        for open in result.stillOpen where open.kind == .stall { stalledSince[open.index] = open.start }
        var lastError: [Int32: Int64] = [:]
        for episode in result.errorEpisodes {
            lastError[episode.index] = max(lastError[episode.index] ?? episode.end, episode.end)
        }
        return result.indices.map { summary in
            FollowerState(
                index: summary.index, status: summary.lastStatus, samples: summary.samples,
                errorSamples: summary.errorSamples, transitions: summary.transitions, stalls: summary.stalls,
                stalledSince: stalledSince[summary.index], lag: summary.lag?.last,
                lagMillis: summary.lagSeconds?.last, lastSample: summary.lastSeen,
                lastErrorSample: lastError[summary.index])
        }
    }
}
