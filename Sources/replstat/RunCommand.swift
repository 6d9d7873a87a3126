import ArgumentParser
import ReplStatCapture
import ReplStatCore
import ReplStatPipelines

#if canImport(Glibc)
    import Glibc
#endif

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a pipeline file: sources, analysis options and sinks in one recipe.",
        discussion: """
            A pipeline file (YAML) names the captures to read, the analysis options and every \
            output: markdown, html, csv, json, openmetrics, rejects, and live watch events. The analysis runs \
            once and feeds every sink; keys are the names of the command-line flags. Relative paths in the \
            file start from the current directory, as every replstat argument does. \
            pipelines/README.md describes every key.

              sources: [captures/*.jsonl.gz]
              analysis: {max-gap: 120, strict: true}
              sinks:
                markdown: reports/nightly.md
                html: reports/nightly.html
                csv: reports/csv
                rejects: reports/rejects.jsonl

            Examples:
              replstat run pipelines/nightly-report.yaml
              replstat run --check pipelines/nightly-report.yaml
              replstat run --out-dir reports/11-28 pipelines/nightly-report.yaml day-*.gz
              tail -F capture.jsonl | replstat run pipelines/live-alerts.yaml
              replstat run pipelines/capture-and-alert.yaml

            A capture source polls the cluster itself, as replstat capture does, until its polls \
            are done or Ctrl-C stops it; the report sinks are written then.

            Exit status: as for analyze (0 done; 1 a source could not be read or is damaged; 2 usage \
            error or a mistake in the pipeline file, reported as FILE:LINE:COLUMN; 3 strict and a \
            line was rejected).
            """
    )

    @Flag(help: "Check the file and print what it would read and write, without running it.")
    var check = false

    @Option(
        name: .customLong("out-dir"),
        help: ArgumentHelp(
            "Write here instead of into the file's output folder (the deepest folder that holds every relative path it writes).",
            valueName: "dir"))
    var outputDirectory: String?

    @Argument(help: ArgumentHelp("The pipeline file (YAML).", valueName: "file"))
    var file: String

    @Argument(
        help: ArgumentHelp(
            "Captures to read instead of the file's sources; '-' is standard input.", valueName: "source"))
    var sources: [String] = []

    func validate() throws {
        if outputDirectory?.isEmpty == true { throw ValidationError("--out-dir needs a folder.") }
    }

    func run() throws {
        guard let reader = PipelineReader.parse else {
            ProcessControl.replace(with: "replstat-run", arguments: Array(CommandLine.arguments.dropFirst()))
        }
        var pipeline = try load(with: reader)
        if !sources.isEmpty { pipeline = pipeline.replacingSources(with: sources) }
        if let outputDirectory {
            do {
                pipeline = try pipeline.rerooted(under: outputDirectory)
            } catch {
                throw usage("\(file): \(error)")
            }
        }
        // Globs are expanded (and a glob without match refused) before anything starts.
        let resolved: [Pipeline.ResolvedSource]
        do {
            resolved = try pipeline.resolvedSources()
        } catch {
            throw usage("\(error)")
        }
        let names = resolved.compactMap { if case .file(let name) = $0 { name } else { nil } }
        var options = pipeline.options
        if let watch = pipeline.watch { options.lagAlert = watch.lagAlert }
        var analysisRun = AnalysisRun(
            command: "run", sources: names.map(InputSource.init), options: options, strict: pipeline.strict,
            strictSetting: "strict: true", reports: pipeline.reports, rejectsPath: pipeline.rejects,
            events: pipeline.watch.map {
                AnalysisRun.Events(
                    destination: $0.to, format: $0.format, showRejects: $0.showRejects, summary: $0.summary,
                    metrics: $0.metrics)
            })
        if let capture = pipeline.capture, let out = capture.out, !capture.rotation.isEnabled {
            analysisRun.alsoWritten = [.init(out, writer: "the capture's out file")]
        }
        // Checked after --out-dir and the command line's sources, before anything is polled.
        var targets = analysisRun.outputTargets
        targets.otherInputs = [(file, "the pipeline file")] + pipeline.otherInputs
        if let conflict = targets.conflict() { throw usage("\(file): \(conflict)") }
        if check {
            // The plan names files anyone may have named: shown as a terminal cannot obey.
            try FileOutput.standardOutput(Array(VisibleText.lines(pipeline.plan(file: file, sourceNames: names)).utf8))
            return
        }
        var capture: CaptureRun?
        var inputs: [InputSource] = []
        for source in resolved {
            switch source {
            case .file(let name):
                inputs.append(InputSource(name))
            case .capture(let source):
                let started = try startCapture(source)
                capture = started.capture
                inputs.append(started.source)
            }
        }
        analysisRun.sources = inputs
        guard let capture else { return try analysisRun.run() }
        let (analysis, captured) = ProcessControl.stoppingOnSignals(capture) {
            (Result { try analysisRun.run() }, capture.wait())
        }
        if let failure = captured.failure {
            // The analysis read to the end of what was captured and reported it; the raw capture
            // kept beside (`out`) is what failed.
            FileOutput.standardError("replstat: \(failure)\n")
            throw ExitCode(ExitStatus.sourceFailed)
        }
        try analysis.get()
    }

    /// Starts polling the cluster; the analysis reads the answers as they come, until the
    /// capture's `polls` are done or Ctrl-C (SIGINT, SIGTERM) ends it, and then reports. A kept
    /// `out` file that cannot be written ends the run (exit 1) before the first poll.
    private func startCapture(_ capture: CaptureOptions) throws -> (source: InputSource, capture: CaptureRun) {
        let setup: CaptureSetup
        do {
            setup = try CaptureSetup(capture, urlSetting: "url")
        } catch {
            throw usage("\(PipelineError(file: file, message: "capture: \(error)"))")
        }
        if let warning = setup.warning { Capture.warn(warning) }
        let kept = CaptureSetup.files(capture)
        do {
            try kept?.open()
        } catch {
            FileOutput.standardError("replstat: \(error)\n")
            throw ExitCode(ExitStatus.sourceFailed)
        }
        ProcessControl.ignoreBrokenPipe()
        do {
            return try CaptureRun.intoPipe(
                name: "capture " + capture.url, poller: setup.poller, schedule: setup.schedule, also: kept,
                onWarning: Capture.warn)
        } catch {
            throw usage("\(PipelineError(file: file, message: "capture: \(error)"))")
        }
    }

    private func load(with reader: (String, String) throws(PipelineError) -> Pipeline) throws -> Pipeline {
        // A pipeline file is small: a larger one is a mistake (a capture given instead).
        let limit = 1 << 20
        let bytes: [UInt8]
        do {
            bytes = try InputSource.file(file).contents(limit: limit)
        } catch {
            throw usage("\(file): cannot read: \(error.detail)")
        }
        guard bytes.count <= limit else { throw usage("\(file): cannot read: larger than 1 MiB: not a pipeline file") }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw usage("\(file): not UTF-8 text")
        }
        do {
            return try reader(text, file)
        } catch {
            throw usage("\(error)")
        }
    }

    /// A mistake in the pipeline file or the arguments: the message alone, and status 2.
    private func usage(_ message: String) -> ExitCode {
        FileOutput.standardError(message + "\n")
        return ExitCode(ExitStatus.usage)
    }
}
