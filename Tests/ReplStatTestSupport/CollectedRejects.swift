import ReplStatCore

/// A rejects sink that keeps every rejected line in memory, in the order it came.
public final class CollectedRejects: RejectSink {
    public struct Reject: Equatable {
        public var source: String
        public var line: Int
        public var outcome: Outcome
        public var bytes: [UInt8]
    }

    public private(set) var rejects: [Reject] = []

    public init() {}

    public func reject(source: String, line: Int, outcome: Outcome, bytes: UnsafeRawBufferPointer) {
        rejects.append(Reject(source: source, line: line, outcome: outcome, bytes: Array(bytes)))
    }

    /// Each reject as one comparable line: `source:line:reason:bytes`.
    public var records: [String] {
        rejects.map { "\($0.source):\($0.line):\($0.outcome.name):\($0.bytes)" }
    }
}
