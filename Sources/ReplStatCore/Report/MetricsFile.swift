/// `replstat watch --metrics-file`: the metrics of docs/metrics.md kept current in a file while
/// samples come, for node_exporter's textfile collector (Prometheus text format).
///
/// Time is the capture's: the clock is the newest sample time seen. The file is rewritten
/// when the first sample has come, then after a piece of input once the clock has moved on
/// by the interval since the last write, and at the end of the input. Each write replaces the
/// file atomically (a temporary file in its folder, then a rename: `OutputFile.write`), so a
/// scrape reads the old file or the new one. An index not heard of (no status or error
/// sample) for longer than the stale limit drops out of the file, and comes back, with its
/// counters where they were, at its next sample.
///
/// It sits between the analysis and the event printer: events go on to `forwarding`, and each
/// index's state after each of its samples stays here.
public final class MetricsFile: LiveEventSink {
    /// The file, and how often and how long its figures are kept.
    public struct Settings: Sendable, Equatable {
        public var path: String
        public var intervalMillis: Int64
        public var staleMillis: Int64

        public static let defaultIntervalMillis: Int64 = 60_000
        public static let defaultStaleMillis: Int64 = 900_000

        public init(
            path: String, intervalMillis: Int64 = defaultIntervalMillis, staleMillis: Int64 = defaultStaleMillis
        ) {
            self.path = path
            self.intervalMillis = intervalMillis
            self.staleMillis = staleMillis
        }
    }

    public let settings: Settings
    private let names: NameResolver
    private let forwarding: LiveEventSink?
    private var followers: [Int32: FollowerState] = [:]
    /// The newest sample time seen, and its value at the last write.
    private var clock: Int64?
    private var writtenAt: Int64?
    /// How many times the file was written.
    public private(set) var writes = 0

    /// Checks that the path names a regular file or nothing yet (a rename cannot replace a
    /// pipe, a device or standard output) and creates its folder.
    public init(settings: Settings, names: NameResolver, forwardingTo forwarding: LiveEventSink?) throws(OutputError) {
        guard try OutputKind(settings.path) == .file else {
            throw OutputError(
                path: settings.path, detail: "the metrics file must be a file: it is replaced whole at each update")
        }
        try OutputFile.prepareParentDirectory(of: settings.path)
        self.settings = settings
        self.names = names
        self.forwarding = forwarding
    }

    public func emit(_ event: LiveEvent) {
        forwarding?.emit(event)
    }

    public var followsStates: Bool { true }

    public func stateChanged(_ state: FollowerState) {
        followers[state.index] = state
        if let heard = state.lastHeard { clock = max(clock ?? heard, heard) }
    }

    /// After each piece of input: rewrites the file when it is due (the outcomes are counted
    /// only then).
    public func pieceMerged(outcomes: @autoclosure () -> OutcomeCounts) throws(OutputError) {
        guard let clock else { return }
        if let writtenAt, clock - writtenAt < settings.intervalMillis { return }
        try write(outcomes: outcomes())
    }

    /// At the end of the input: the last state, whatever the interval.
    public func finish(outcomes: OutcomeCounts) throws(OutputError) {
        try write(outcomes: outcomes)
    }

    private func write(outcomes: OutcomeCounts) throws(OutputError) {
        if let clock {
            followers = followers.filter { clock - ($0.value.lastHeard ?? clock) <= settings.staleMillis }
        }
        let text = OpenMetricsReport.render(
            followers: Array(followers.values), outcomes: outcomes, names: names, dialect: .prometheusText)
        try OutputFile.write(text, to: settings.path)
        writtenAt = clock
        writes += 1
    }
}
