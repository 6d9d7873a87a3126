import ArgumentParser
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
            output: markdown, csv, json, rejects, and live watch events. The analysis runs once and \
            feeds every sink; keys are the names of the command-line flags. Relative paths in the \
            file start from the current directory, as every replstat argument does. \
            pipelines/README.md describes every key.

              sources: [captures/*.jsonl.gz]
              analysis: {max-gap: 120, strict: true}
              sinks:
                markdown: reports/nightly.md
                csv: reports/csv
                rejects: reports/rejects.jsonl

            Examples:
              replstat run pipelines/nightly-report.yaml
              replstat run --check pipelines/nightly-report.yaml
              replstat run --out-dir reports/2026-11-28 pipelines/nightly-report.yaml day-*.jsonl.gz
              tail -F capture.jsonl | replstat run pipelines/live-alerts.yaml

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
            "Take the relative paths the sinks write from this folder instead of the current one.", valueName: "dir"))
    var outputDirectory: String?

    @Argument(help: ArgumentHelp("The pipeline file (YAML).", valueName: "file"))
    var file: String

    @Argument(
        help: ArgumentHelp(
            "Captures to read instead of the file's sources; '-' is standard input.", valueName: "source"))
    var sources: [String] = []

    func run() throws {
        var pipeline = try load()
        if !sources.isEmpty { pipeline = pipeline.replacingSources(with: sources) }
        if let outputDirectory { pipeline = pipeline.rerooted(under: outputDirectory) }
        let names: [String]
        do {
            names = try pipeline.sourceNames()
        } catch {
            throw usage("\(error)")
        }
        if check {
            try FileOutput.standardOutput(Array(pipeline.plan(file: file, sourceNames: names).utf8))
            return
        }
        if let capture = pipeline.capture { try runCaptureSource(capture, of: pipeline) }

        var options = pipeline.options
        if let watch = pipeline.watch { options.lagAlert = watch.lagAlert }
        try AnalysisRun(
            command: "run", sources: names, options: options, strict: pipeline.strict, strictSetting: "strict: true",
            reports: pipeline.reports, rejectsPath: pipeline.rejects,
            events: pipeline.watch.map {
                AnalysisRun.Events(
                    destination: $0.to, format: $0.format, showRejects: $0.showRejects, summary: $0.summary)
            }
        ).run()
    }

    /// Polling a cluster comes with `replstat capture`; until it is wired in here, a pipeline
    /// with a capture source is checked (`--check`) but cannot run.
    private func runCaptureSource(_ capture: CaptureSource, of pipeline: Pipeline) throws {
        throw usage(
            "\(file): capture sources cannot run in this build yet; capture \(capture.url) with your poller "
                + "and pipe it in: replstat run \(file) -")
    }

    private func load() throws -> Pipeline {
        let bytes: [UInt8]
        do {
            bytes = try Self.contents(of: file)
        } catch {
            throw usage("\(file): cannot read: \(error.detail)")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw usage("\(file): not UTF-8 text")
        }
        do {
            return try PipelineFile.parse(text, file: file)
        } catch {
            throw usage("\(error)")
        }
    }

    /// A pipeline file is small: a larger one is a mistake (a capture given instead).
    private static func contents(of path: String) throws(ReadError) -> [UInt8] {
        let limit = 1 << 20
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ReadError(detail: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: limit + 1)
        var count = 0
        while count <= limit {
            let got = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + count, limit + 1 - count) }
            if got < 0 && errno == EINTR { continue }
            guard got >= 0 else { throw ReadError(detail: String(cString: strerror(errno))) }
            if got == 0 { break }
            count += got
        }
        guard count <= limit else { throw ReadError(detail: "larger than 1 MiB: not a pipeline file") }
        return Array(bytes[..<count])
    }

    private struct ReadError: Error {
        let detail: String
    }

    /// A mistake in the pipeline file or the arguments: the message alone, and status 2.
    private func usage(_ message: String) -> ExitCode {
        FileOutput.standardError(message + "\n")
        return ExitCode(ExitStatus.usage)
    }
}
