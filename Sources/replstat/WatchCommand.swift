import ArgumentParser
import ReplStatCore

#if canImport(Glibc)
    import Glibc
#endif

struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print replication events as they happen, one line each.",
        discussion: """
            Reads a capture as it grows (standard input by default; plain or gzip) and writes an \
            event as soon as it is final: transition, stall_start, stall_end, gap, \
            lag_breach_start and lag_breach_end (with --lag-above and --for), error (the first \
            error sample of a run of them), and reject (with --show-rejects). Samples wait in the \
            reorder window before they count: with --reorder-window 0 events come at once.

            Examples:
              tail -F capture.jsonl | replstat watch --reorder-window 0
              replstat watch --lag-above 100000 --for 300 capture.jsonl.gz
              tail -F capture.jsonl | replstat watch --format csv | tee events.csv

            Exit status: as for analyze (0 done; 1 the source could not be read or is damaged; \
            2 usage error; 3 --strict and a line was rejected).
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case jsonl, csv
    }

    @Option(help: "Event format: JSON Lines, or CSV with a header.")
    var format: Format = .jsonl

    @Option(
        name: .customLong("lag-above"),
        help: ArgumentHelp("Alert when the lag stays above this many operations (needs --for).", valueName: "ops"))
    var lagAbove: UInt64?

    @Option(
        name: .customLong("for"),
        help: ArgumentHelp("How long the lag must stay above --lag-above to alert.", valueName: "seconds"))
    var lagFor: Seconds?

    @Flag(name: .customLong("show-rejects"), help: "Print an event for each rejected line.")
    var showRejects = false

    @Flag(help: "Print a one-line summary on standard error at the end (always at a terminal).")
    var summary = false

    @Flag(help: "Exit with status 3 when any line is rejected.")
    var strict = false

    @OptionGroup(title: "Analysis")
    var analysis: AnalysisFlags

    @Argument(help: ArgumentHelp("A capture, plain or gzip; '-' (the default) is standard input.", valueName: "source"))
    var source: String = "-"

    func validate() throws {
        if (lagAbove == nil) != (lagFor == nil) {
            throw ValidationError("--lag-above and --for go together: an alert needs a threshold and a duration.")
        }
    }

    func run() throws {
        var options = analysis.options
        if let lagAbove, let lagFor { options.lagAlert = LagAlert(threshold: lagAbove, millis: lagFor.millis) }
        // Live input arrives a line at a time: small reads, so nothing waits for a full buffer.
        options.chunkSize = 64 * 1024

        let printer = EventPrinter(format: format, showRejects: showRejects)
        let run = Analysis(options: options, events: printer)
        printer.analysis = run
        printer.start()
        FileOutput.hintWhenReadingATerminal([source])
        run.consume(InputSource(source))
        let result = run.finish()

        for failure in result.failures {
            FileOutput.standardError("replstat: \(failure)\n")
        }
        if summary || isatty(2) == 1 {
            let totals = result.totals
            func count(_ number: Int, _ one: String, _ many: String) -> String {
                "\(number) \(number == 1 ? one : many)"
            }
            FileOutput.standardError(
                "replstat watch: \(count(totals.lines, "line", "lines")), \(count(printer.printed, "event", "events")), "
                    + "\(totals.rejected) rejected, \(count(result.indices.count, "index", "indices"))\n")
        }
        if !result.failures.isEmpty { throw ExitCode(ExitStatus.sourceFailed) }
        if strict && result.totals.rejected > 0 { throw ExitCode(ExitStatus.strictRejects) }
    }
}

/// Writes each event to standard output the moment it is emitted, unbuffered, so that a
/// pipeline downstream sees it at once. A reader that goes away ends the program quietly.
final class EventPrinter: LiveEventSink {
    let format: Watch.Format
    let showRejects: Bool
    /// The run whose ids the events carry; set right after the run is made.
    weak var analysis: Analysis?
    private(set) var printed = 0

    init(format: Watch.Format, showRejects: Bool) {
        self.format = format
        self.showRejects = showRejects
    }

    func start() {
        if format == .csv { write(CSVTable(header: EventFormat.csvHeader).bytes) }
    }

    func emit(_ event: LiveEvent) {
        if case .reject = event, !showRejects { return }
        guard let analysis else { return }
        let fields = EventFormat.fields(event, name: analysis.indexName, text: analysis.text)
        write(format == .csv ? EventFormat.csvLine(fields) : EventFormat.jsonLine(fields))
        printed += 1
    }

    private func write(_ bytes: [UInt8]) {
        do {
            try FileOutput.standardOutput(bytes)
        } catch  where error.code == EPIPE {
            // The reader went away (`| head`): nothing more can be shown, and nothing is wrong.
            Glibc.exit(ExitStatus.done)
        } catch {
            // Anything else (a full disk) loses events: say so and fail.
            FileOutput.standardError("replstat: \(error)\n")
            Glibc.exit(ExitStatus.sourceFailed)
        }
    }
}
