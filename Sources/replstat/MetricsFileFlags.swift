import ArgumentParser
import ReplStatCore

/// `watch --metrics-file` and its timing (docs/metrics.md).
struct MetricsFileFlags: ParsableArguments {
    @Option(
        name: .customLong("metrics-file"),
        help: ArgumentHelp(
            "Keep each index's state in this file for Prometheus (node_exporter's textfile collector), "
                + "replaced atomically.", valueName: "file"))
    var path: String?

    @Option(
        name: .customLong("metrics-interval"), parsing: .unconditional,
        help: ArgumentHelp(
            "Rewrite the metrics file at most once per this many seconds of capture time, and at the end "
                + "(default: \(Decimal3.typedSeconds(MetricsFile.Settings.defaultIntervalMillis))).",
            valueName: "seconds"))
    var interval: Seconds?

    @Option(
        name: .customLong("metrics-stale"), parsing: .unconditional,
        help: ArgumentHelp(
            "Leave an index out of the metrics file once it has had no sample for this many seconds of capture "
                + "time (default: \(Decimal3.typedSeconds(MetricsFile.Settings.defaultStaleMillis))).",
            valueName: "seconds"))
    var stale: Seconds?

    func validate() throws {
        try interval?.check("metrics-interval")
        try stale?.check("metrics-stale")
        if path == nil && (interval != nil || stale != nil) {
            throw ValidationError("--metrics-interval and --metrics-stale shape the --metrics-file: give it too.")
        }
        if path?.isEmpty == true { throw ValidationError("--metrics-file needs a file name.") }
    }

    /// The metrics file's settings, when one was asked for.
    var settings: MetricsFile.Settings? {
        guard let path else { return nil }
        var settings = MetricsFile.Settings(path: path)
        if let interval { settings.intervalMillis = interval.millis }
        if let stale { settings.staleMillis = stale.millis }
        return settings
    }
}
