import ArgumentParser
import ReplStatCore

struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Report what replication did over a capture.",
        discussion: """
            Reads each source in order (plain or gzip, told apart by content; '-' or none: standard \
            input) and reports per follower index: transitions, time in each state, lag in \
            operations and in seconds, stalls, capture gaps, error episodes, per-shard lag (from \
            verbose captures), and how clean the capture was.

            Formats:
              markdown     one report for people (standard output, or report.md
                           under --out)
              csv          summary.csv, transitions.csv, stalls.csv, gaps.csv,
                           errors.csv, shards.csv, quality.csv under --out
              json         the same tables in one document (standard output, or
                           report.json)
              html         one self-contained page with the report and charts of
                           lag and state over time (standard output, or
                           report.html under --out)
              openmetrics  each index's state at the end, for Prometheus
                           (standard output, or metrics.prom; docs/metrics.md)
              partial      the partial result of one partition of a distributed
                           analysis, from the records of `replstat split`
                           (standard output, or partial; docs/distributed.md)

            Examples:
              replstat analyze samples/fleet-day.jsonl.gz
              replstat analyze --format csv --out reports/ \\
                  --rejects reports/rejects.jsonl day-*.jsonl.gz
              zcat capture.jsonl.gz | replstat analyze --max-gap 120 -

            Exit status: 0 done (rejected lines do not fail a run); 1 a source could not be read or \
            is damaged (what was read before it is still reported); 2 usage error; 3 --strict was \
            given and a line was rejected.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case markdown, csv, json, html, openmetrics, partial
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
        parsing: .unconditional,
        help: ArgumentHelp(
            "Threads that decode in parallel (default: the number of cores); 1 runs everything on one thread.",
            valueName: "n"))
    var jobs: WholeNumber<Int>?

    @OptionGroup(title: "Analysis")
    var analysis: AnalysisFlags

    @Argument(help: ArgumentHelp("Capture files, plain or gzip; '-' is standard input.", valueName: "source"))
    var sources: [String] = []

    func validate() throws {
        try jobs?.check(AnalysisOptions.jobsLimit)
        // "" + "/report.md" would be /report.md, at the root of the file system.
        if outputDirectory == "" { throw ValidationError("--out needs a folder's name, not an empty one.") }
        if format == .csv && outputDirectory == nil {
            throw ValidationError("--format csv writes seven files: give a folder with --out DIR.")
        }
        if format == .partial { try PartialRun.validate(sources: sources, rejectsPath: rejectsPath, strict: strict) }
    }

    func run() throws {
        if format == .partial {
            try PartialRun(input: sources.first ?? "-", options: analysis.options, outputDirectory: outputDirectory)
                .run()
            return
        }
        var options = analysis.options
        options.jobs = jobs?.value ?? AnalysisOptions.processorCount
        let reports = Self.reports(format, outputDirectory: outputDirectory)
        try AnalysisRun(
            command: "analyze", sources: sources.map(InputSource.init), options: options, strict: strict,
            reports: reports,
            rejectsPath: rejectsPath
        ).run()
    }

    /// Where the reports of `format` go (not `partial`, which is no report).
    static func reports(_ format: Format, outputDirectory: String?) -> ReportOutputs {
        func destination(name: String) -> ReportOutputs.Destination {
            outputDirectory.map { .file($0 + "/" + name) } ?? .standardOutput
        }
        var reports = ReportOutputs()
        switch format {
        case .csv: reports.csv = ReportOutputs.CSVOutput(directory: outputDirectory!)
        case .markdown: reports.markdown = destination(name: "report.md")
        case .json: reports.json = destination(name: "report.json")
        case .html: reports.html = destination(name: "report.html")
        case .openmetrics: reports.openMetrics = destination(name: "metrics.prom")
        case .partial: preconditionFailure("a partial result is not a report")
        }
        return reports
    }
}
