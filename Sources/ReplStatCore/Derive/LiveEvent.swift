/// Something that happened to an index, reported as soon as it is final: what
/// `replstat watch` prints. Times are milliseconds since the epoch; indices are ids in the
/// analysis's `indexNames`.
public enum LiveEvent: Sendable, Equatable {
    /// A row of transitions.csv.
    case transition(TransitionRow)
    /// A stall reached `stallAfter` at `time`: behind since `start` at `followerCheckpoint`.
    case stallStart(index: Int32, time: Int64, start: Int64, followerCheckpoint: Int64, lag: UInt64)
    /// A stall ended (a row of stalls.csv); its time is its last stuck sample. A stall still
    /// going on at the end of the input has no end.
    case stallEnd(StallRow)
    /// No sample of the index between `from` and `to`, longer than `maxGap`.
    case gap(index: Int32, from: Int64, to: Int64)
    /// Lag above the alert threshold since `start`, for the alert's duration as of `time`.
    case lagBreachStart(index: Int32, time: Int64, start: Int64, lag: UInt64)
    /// The lag came back under the threshold (or the run of lag samples broke) at `time`; never
    /// at the end of the input, which is no recovery.
    case lagBreachEnd(index: Int32, time: Int64, start: Int64, end: Int64, maxLag: UInt64)
    /// The first error sample of a run of them for an index, with what it says of itself.
    case error(index: Int32, time: Int64, detail: ErrorDetail)
    /// A rejected line.
    case reject(source: String, line: Int, outcome: Outcome)
}

/// Receives live events, in the order they become final.
public protocol LiveEventSink: AnyObject {
    func emit(_ event: LiveEvent)
    /// Where an index stands after each of its samples (`watch --metrics-file`); by default, nothing.
    func stateChanged(_ state: FollowerState)
}

extension LiveEventSink {
    public func stateChanged(_ state: FollowerState) {}
}

/// The lag alert of `replstat watch`: lag above `threshold` continuously for `millis`.
public struct LagAlert: Sendable, Equatable {
    public var threshold: UInt64
    public var millis: Int64

    public init(threshold: UInt64, millis: Int64) {
        self.threshold = threshold
        self.millis = millis
    }
}
