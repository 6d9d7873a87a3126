import ArgumentParser
import ReplStatCore

struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print replication events as they happen, one line each.",
        discussion: """
            Reads a capture as it grows (standard input by default; plain or gzip) and writes an \
            event as soon as it is final: transition, stall_start, stall_end, gap, \
            shard_stall_start and shard_stall_end (verbose captures), lag_breach_start and \
            lag_breach_end (with --lag-above and --for), lag_seconds_breach_start and \
            lag_seconds_breach_end (with --lag-seconds-above and --for), error_start and \
            error_end (error episodes), and reject (with --show-rejects). Samples wait in the \
            reorder window before they count: with --reorder-window 0 events come at once.

            Examples:
              tail -F capture.jsonl | replstat watch --reorder-window 0
              replstat watch --lag-above 100000 --for 300 capture.jsonl.gz
              replstat watch --lag-seconds-above 60 --for 300 capture.jsonl.gz
              tail -F capture.jsonl | replstat watch --format csv | tee events.csv

            Exit status: as for analyze (0 done; 1 the source could not be read or is damaged; \
            2 usage error; 3 --strict and a line was rejected).
            """
    )

    @Option(help: "Event format: JSON Lines, or CSV with a header.")
    var format: EventFormat.Style = .jsonl

    @Option(
        name: .customLong("lag-above"), parsing: .unconditional,
        help: ArgumentHelp("Alert when the lag stays above this many operations (needs --for).", valueName: "ops"))
    var lagAbove: WholeNumber<UInt64>?

    @Option(
        name: .customLong("lag-seconds-above"), parsing: .unconditional,
        help: ArgumentHelp(
            "Alert when the follower stays more than this many seconds behind the leader (needs --for).",
            valueName: "seconds"))
    var lagSecondsAbove: Seconds?

    @Option(
        name: .customLong("for"), parsing: .unconditional,
        help: ArgumentHelp(
            "How long the lag must stay above --lag-above or --lag-seconds-above to alert.", valueName: "seconds"))
    var lagFor: Seconds?

    @Flag(name: .customLong("show-rejects"), help: "Print an event for each rejected line.")
    var showRejects = false

    @Flag(help: "Print a one-line summary on standard error at the end (always at a terminal).")
    var summary = false

    @Flag(help: "Exit with status 3 when any line is rejected.")
    var strict = false

    @OptionGroup(title: "Analysis")
    var analysis: AnalysisFlags

    @OptionGroup(title: "Metrics")
    var metrics: MetricsFileFlags

    @Argument(help: ArgumentHelp("A capture, plain or gzip; '-' (the default) is standard input.", valueName: "source"))
    var source: String = "-"

    func validate() throws {
        try lagSecondsAbove?.check("lag-seconds-above")
        try lagFor?.check("for")
        try lagAbove?.check("lag-above", meaning: "a number of operations", range: 0...UInt64.max)
        if (lagAbove == nil && lagSecondsAbove == nil) != (lagFor == nil) {
            throw ValidationError(
                "--lag-above or --lag-seconds-above and --for go together: an alert needs a threshold and a duration.")
        }
    }

    func run() throws {
        var options = analysis.options
        if let lagFor {
            options.lagAlert = LagAlert(
                threshold: lagAbove?.value, thresholdMillis: lagSecondsAbove?.millis, millis: lagFor.millis)
        }
        var events = AnalysisRun.Events(format: format, showRejects: showRejects, summary: summary)
        events.metrics = metrics.settings
        try AnalysisRun(
            command: "watch", sources: [InputSource(source)], options: options, strict: strict, events: events
        ).run()
    }
}

extension EventFormat.Style: ExpressibleByArgument {}
