import ArgumentParser
import ReplStatCore

#if canImport(Glibc)
    import Glibc
#endif

struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Report what replication did over a capture.",
        discussion: """
            Reads each source in order (plain or gzip, told apart by content; '-' or none: standard \
            input) and reports per follower index: transitions, time in each state, lag, stalls, \
            and how clean the capture was.

            Formats:
              markdown  one report for people (to standard output, or report.md under --out)
              csv       summary.csv, transitions.csv, stalls.csv, quality.csv under --out
              json      the same tables in one document (standard output, or report.json)

            Examples:
              replstat analyze samples/fleet-day.jsonl.gz
              replstat analyze --format csv --out reports/ --rejects reports/rejects.jsonl day-*.jsonl.gz
              zcat capture.jsonl.gz | replstat analyze --max-gap 120 -

            Exit status: 0 done (rejected lines do not fail a run); 1 a source could not be read or \
            is damaged (what was read before it is still reported); 2 usage error; 3 --strict was \
            given and a line was rejected.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case markdown, csv, json
    }

    @Option(help: "Report format.")
    var format: Format = .markdown

    @Option(
        name: .customLong("out"),
        help: ArgumentHelp("Folder to write the reports into (created if missing).", valueName: "dir"))
    var outputDirectory: String?

    @Option(
        name: .customLong("rejects"),
        help: ArgumentHelp(
            "Write every rejected line to this JSON Lines file, with source, line number and reason.", valueName: "file"
        ))
    var rejectsPath: String?

    @Flag(help: "Exit with status 3 when any line is rejected.")
    var strict = false

    @Option(
        help: ArgumentHelp(
            "Threads that decode in parallel (default: the number of cores); 1 runs everything on one thread.",
            valueName: "n"))
    var jobs = AnalysisOptions.processorCount

    @OptionGroup(title: "Analysis")
    var analysis: AnalysisFlags

    @Argument(help: ArgumentHelp("Capture files, plain or gzip; '-' is standard input.", valueName: "source"))
    var sources: [String] = []

    func validate() throws {
        guard jobs >= 1 && jobs <= 256 else { throw ValidationError("--jobs must be between 1 and 256.") }
        if format == .csv && outputDirectory == nil {
            throw ValidationError("--format csv writes four files: give a folder with --out DIR.")
        }
    }

    func run() throws {
        if let outputDirectory {
            do {
                try OutputFile.prepareDirectory(outputDirectory)
            } catch {
                fail("\(error)")
            }
        }
        var rejects: RejectsFile?
        if let rejectsPath {
            do {
                rejects = try RejectsFile(path: rejectsPath)
            } catch {
                fail("\(error)")
            }
        }

        var options = analysis.options
        options.jobs = jobs
        let run = Analysis(options: options, rejects: rejects)
        let progress = ProgressLine()
        run.onChunk = progress.update
        let names = sources.isEmpty ? ["-"] : sources
        FileOutput.hintWhenReadingATerminal(names)
        run.consume(names.map(InputSource.init))
        let result = run.finish()
        progress.finish()

        do {
            try rejects?.close()
            try writeReports(result)
        } catch {
            fail("\(error)")
        }
        for failure in result.failures {
            FileOutput.standardError("replstat: \(failure)\n")
        }
        if !result.failures.isEmpty { throw ExitCode(ExitStatus.sourceFailed) }
        if strict && result.totals.rejected > 0 {
            FileOutput.standardError("replstat: \(result.totals.rejected) line(s) rejected (--strict)\n")
            throw ExitCode(ExitStatus.strictRejects)
        }
    }

    private func writeReports(_ result: AnalysisResult) throws(OutputError) {
        switch format {
        case .csv:
            for file in CSVReport.files(result) {
                try OutputFile.writeAtomically(file.bytes, to: outputDirectory! + "/" + file.name)
            }
        case .markdown:
            try emit(Array(MarkdownReport.render(result).utf8), name: "report.md")
        case .json:
            try emit(JSONReport.render(result), name: "report.json")
        }
    }

    private func emit(_ bytes: [UInt8], name: String) throws(OutputError) {
        if let outputDirectory {
            try OutputFile.writeAtomically(bytes, to: outputDirectory + "/" + name)
        } else {
            try FileOutput.standardOutput(bytes)
        }
    }

    private func fail(_ message: String) -> Never {
        FileOutput.standardError("replstat: \(message)\n")
        Glibc.exit(ExitStatus.sourceFailed)
    }
}
