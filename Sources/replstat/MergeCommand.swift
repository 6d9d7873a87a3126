import ArgumentParser
import ReplStatCore

struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the reports of a distributed analysis from its partial results.",
        discussion: """
            The last step of a distributed analysis (docs/distributed.md): reads the partition \
            documents of `replstat analyze --format partial` and the source records (S lines) \
            of `replstat split`, in any order, and writes exactly the reports `replstat analyze` \
            writes on the same sources in the same order, with the same messages and exit status.

            It refuses (status 2) documents of another format version, of other analysis \
            settings, of an analysis with a larger --max-line-bytes than merge's (so that what a \
            partial claims cannot make merge hold longer lines), or that do not make one whole \
            analysis (a source record or a partition's partial missing or given twice); a damaged \
            document fails it (status 1). The rejects file is not available here: run `replstat \
            analyze --rejects` on the sources for it.

            Formats: as `replstat analyze` (markdown, csv, json, html, openmetrics).

            Example:
              replstat merge --format csv --out reports/ partials/* sources

            Exit status: 0 done; 1 a source could not be read or is damaged, or a partial is \
            damaged; 2 usage error, or partials that do not go together; 3 --strict was given \
            and a line was rejected.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case markdown, csv, json, html, openmetrics
    }

    @Option(help: "Report format.")
    var format: Format = .markdown

    @Option(
        name: .customLong("out"),
        help: ArgumentHelp("Folder to write the reports into (created if missing).", valueName: "dir"))
    var outputDirectory: String?

    @Flag(help: "Exit with status 3 when any line was rejected.")
    var strict = false

    @Option(
        name: .customLong("max-line-bytes"), parsing: .unconditional,
        help: ArgumentHelp(
            "The largest --max-line-bytes of the analyses whose partials merge takes (a partial's lines may be three "
                + "times as long).", valueName: "bytes"))
    var maxLineBytes = WholeNumber(AnalysisOptions().maxLineBytes)

    @Argument(
        help: ArgumentHelp(
            "Files of partition documents and source records; '-' is standard input.", valueName: "partial"))
    var partials: [String] = []

    func validate() throws {
        if partials.isEmpty {
            throw ValidationError("Give the partial results and the source records to merge (files, or '-').")
        }
        // "" + "/report.md" would be /report.md, at the root of the file system.
        if outputDirectory == "" { throw ValidationError("--out needs a folder's name, not an empty one.") }
        if format == .csv && outputDirectory == nil {
            throw ValidationError("--format csv writes seven files: give a folder with --out DIR.")
        }
        try maxLineBytes.check(AnalysisOptions.maxLineBytesLimit)
    }

    func run() throws {
        // The partials are the run's inputs: no report may overwrite one.
        let run = AnalysisRun(
            command: "merge", sources: partials.map(InputSource.init), options: AnalysisOptions(), strict: strict,
            reports: Analyze.reports(Analyze.Format(rawValue: format.rawValue)!, outputDirectory: outputDirectory))
        try run.prepareOutputs()
        let result: AnalysisResult
        do {
            var merge = ResultMerge()
            for partial in partials {
                try merge.add(
                    try PartialReader.read(InputSource(partial), maxLineBytes: maxLineBytes.value), from: partial)
            }
            result = try merge.result()
        } catch {
            ProcessControl.fail("\(error)", status: error.isRefusal ? ExitStatus.usage : ExitStatus.sourceFailed)
        }
        try run.conclude(result)
    }
}
