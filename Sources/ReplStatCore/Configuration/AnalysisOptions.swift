#if canImport(Glibc)
    import Glibc
#endif

/// Options of an analysis run, each with its default and its limits written here once; the
/// command-line flags and a pipeline file's `analysis` block fill it under the same names
/// (`reorder-window`, `max-gap`, `stall-after`, `max-line-bytes`, `jobs`; the lag alert of
/// `watch`), and `validate` checks it for both. Durations in milliseconds.
public struct AnalysisOptions: Sendable {
    /// How far back in time, from the newest sample of an index, a sample is still put in order.
    public var reorderWindow: Int64 = 300_000
    /// A longer interval between consecutive samples is a capture gap.
    public var maxGap: Int64 = 300_000
    /// Minimum duration of a stall.
    public var stallAfter: Int64 = 60_000
    /// Lines with more bytes (not counting LF and a trailing CR) are `line_too_long`.
    public var maxLineBytes: Int = 1 << 20
    /// Bytes per read and per inflate buffer.
    public var chunkSize: Int = 512 * 1024
    /// Live lag alert (`replstat watch --lag-above N --for SECONDS`), if any.
    public var lagAlert: LagAlert?
    /// With live events, keep the transitions and stalls in the result too (for reports written
    /// at the end); without, a live run's memory does not grow with its length.
    public var keepsRowsWithEvents = false
    /// Buckets per index of its lag over time, for the reports that draw it
    /// (`ReportOutputs.timelineCapacity`): up to `LagSparkline.capacity`, the Markdown sparkline's
    /// peaks; past it, an HTML timeline (`LagTimeline`); 0 keeps none, so that the CSV tables cost
    /// no memory for it.
    public var timelineCapacity = 0
    /// Decoding lanes working in parallel; 1 runs every stage on the calling thread. By default
    /// one per core, within the limit (a machine of more cores must still pass `validate`).
    public var jobs: Int = min(AnalysisOptions.processorCount, AnalysisOptions.jobsLimit.range.upperBound)

    /// Field offsets inside a line are 32-bit: a limit of 1 GiB keeps them safe.
    public static let maxLineBytesLimit = CountLimit(
        "max-line-bytes", meaning: "a number of bytes", range: 0...(1 << 30))
    public static let jobsLimit = CountLimit("jobs", meaning: "a number of threads", range: 1...256)

    /// Throws at the first setting out of its limits. Durations are non-negative by the way
    /// they are read (`Decimal3.millis(seconds:)`).
    public func validate() throws(SettingError) {
        try Self.maxLineBytesLimit.check(maxLineBytes)
        try Self.jobsLimit.check(jobs)
    }

    /// Cores this process may use.
    public static var processorCount: Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    public init() {}
}
