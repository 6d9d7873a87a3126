import ArgumentParser
import ReplStatCore

#if canImport(Glibc)
    import Glibc
#endif

/// One run as `analyze`, `watch` and `run` do it: read the sources once, send live events and
/// rejected lines where they go, write the reports at the end, and exit with SPEC.md's status.
struct AnalysisRun {
    /// Live events, as `replstat watch` prints them.
    struct Events {
        var destination: ReportOutputs.Destination = .standardOutput
        var format: EventFormat.Style = .jsonl
        var showRejects = false
        /// A one-line summary on standard error at the end (always when it is a terminal).
        var summary = false
    }

    /// The subcommand, named in the summary line.
    var command: String
    var sources: [InputSource]
    var options: AnalysisOptions
    var strict = false
    /// How the user asked for strict, named in its message.
    var strictSetting = "--strict"
    var reports = ReportOutputs()
    var rejectsPath: String?
    var events: Events?

    func run() throws {
        do {
            try reports.prepare()
        } catch {
            fail("\(error)")
        }
        var rejects: RejectsFile?
        var printer: EventPrinter?
        var options = options
        do {
            if let rejectsPath {
                try OutputFile.prepareParentDirectory(of: rejectsPath)
                rejects = try RejectsFile(path: rejectsPath)
            }
            if let events {
                printer = try EventPrinter(
                    format: events.format, showRejects: events.showRejects, to: events.destination)
                // Live input arrives a line at a time: small reads, so nothing waits for a full buffer.
                options.chunkSize = 64 * 1024
                options.keepsRowsWithEvents = !reports.isEmpty
            }
        } catch {
            fail("\(error)")
        }

        let run = Analysis(options: options, rejects: rejects, events: printer)
        printer?.analysis = run
        printer?.start()
        // A progress line would tear through events shown at the same terminal.
        let progress = events?.destination == .standardOutput ? nil : ProgressLine()
        run.onChunk = progress?.update
        let inputs = sources.isEmpty ? [InputSource("-")] : sources
        FileOutput.hintWhenReadingATerminal(inputs)
        run.consume(inputs)
        let result = run.finish()
        progress?.finish()

        do {
            try rejects?.close()
            try reports.write(result)
        } catch {
            fail("\(error)")
        }
        for failure in result.failures {
            FileOutput.standardError("replstat: \(failure)\n")
        }
        if let events, let printer, events.summary || isatty(2) == 1 {
            FileOutput.standardError(summaryLine(result, events: printer.printed))
        }
        if !result.failures.isEmpty { throw ExitCode(ExitStatus.sourceFailed) }
        if strict && result.totals.rejected > 0 {
            FileOutput.standardError("replstat: \(result.totals.rejected) line(s) rejected (\(strictSetting))\n")
            throw ExitCode(ExitStatus.strictRejects)
        }
    }

    private func summaryLine(_ result: AnalysisResult, events: Int) -> String {
        func count(_ number: Int, _ one: String, _ many: String) -> String { "\(number) \(number == 1 ? one : many)" }
        return "replstat \(command): \(count(result.totals.lines, "line", "lines")), "
            + "\(count(events, "event", "events")), \(result.totals.rejected) rejected, "
            + "\(count(result.indices.count, "index", "indices"))\n"
    }

    /// Writing an output failed: nothing more can be done right.
    private func fail(_ message: String) -> Never {
        FileOutput.standardError("replstat: \(message)\n")
        Glibc.exit(ExitStatus.sourceFailed)
    }
}
