import ArgumentParser
import ReplStatCapture
import ReplStatCore

#if canImport(Glibc)
    import Glibc
#endif

struct Capture: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Poll the replication status of follower indices and write a capture.",
        discussion: """
            Every --interval seconds, asks GET {url}/_plugins/_replication/{index}/_status for each \
            index (with ?verbose=true under --verbose) and writes one JSON line per answer: \
            {"@timestamp":"<when it arrived>","index":"<name>","response":<the body as returned>}. \
            OpenSearch's error answers are kept as they are; a poll that gets no usable answer (timeout, \
            refused connection, TLS failure, another error status, a body that is not JSON) becomes \
            an error line whose error.type starts with capture_, so the capture shows when the \
            cluster could not be seen.

            Lines go to standard output (plain, one at a time: pipe them into replstat watch), or with \
            --out to a gzip file, whose member is closed every --flush-every seconds and at the end: \
            the file is always readable up to the last closed member. A new file is readable by its \
            owner only; --out is never followed through a symbolic link. Ctrl-C (or SIGTERM, SIGHUP) \
            stops cleanly.

            --timeout bounds each poll from connecting to the last byte; TLS verifies the \
            certificate and the host name (against --ca-file instead of the system's CAs when \
            given). Redirects are not followed, and proxy variables and ~/.netrc are ignored.

            Sign in through the environment, never on the command line or in --url:
              REPLSTAT_USER and REPLSTAT_PASSWORD   basic authentication
              REPLSTAT_API_KEY                      Authorization: ApiKey <value>

            Examples:
              replstat capture --url https://dr:9200 --index follower-01 --out ccr.jsonl.gz
              replstat capture --url https://dr:9200 --index-file followers.txt \\
                  --ca-file ca.pem --out captures/ccr.jsonl.gz --rotate-daily
              replstat capture --url http://localhost:9200 --index follower-01 \\
                  | replstat watch --reorder-window 0

            Exit status: 0 stopped by its --polls or by a signal; 1 the output could not be written; \
            2 usage error (bad option or --url, unreadable --index-file or --ca-file, credentials half set).
            """
    )

    @Option(help: ArgumentHelp("The follower cluster, e.g. https://dr-cluster:9200.", valueName: "url"))
    var url: String

    @Option(
        name: .customLong("index"), help: ArgumentHelp("A follower index to poll (repeat for more).", valueName: "name")
    )
    var indices: [String] = []

    @Option(
        name: .customLong("index-file"),
        help: ArgumentHelp(
            "A file of index names, one per line ('#' starts a comment; 1 MiB at most).", valueName: "file"))
    var indexFile: String?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("Seconds from one round of polls to the next.", valueName: "seconds"))
    var interval = Seconds(millis: Self.defaults.intervalMillis)

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Give up on an answer after this many seconds, from connecting to its last byte.", valueName: "seconds"))
    var timeout = Seconds(millis: Self.defaults.timeoutMillis)

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("Stop after this many rounds (default: run until stopped).", valueName: "n"))
    var polls: WholeNumber<Int>?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("Polls in flight at once, each on a connection of its own (1 to 256).", valueName: "n"))
    var parallel = WholeNumber(Self.defaults.parallel)

    @Option(
        name: .customLong("ca-file"),
        help: ArgumentHelp("Trust the CA certificates in this PEM file (instead of the system's).", valueName: "file"))
    var caFile: String?

    @Option(
        name: .customLong("out"),
        help: ArgumentHelp(
            "Write gzip to this file (appended to when it exists) instead of standard output.",
            valueName: "file"))
    var outputPath: String?

    @Option(
        name: .customLong("rotate-size"),
        help: ArgumentHelp(
            "Start a new file once this much was written (bytes, or with K, M, G); files are named after their first poll.",
            valueName: "size"))
    var rotateSize: ByteSizeArgument?

    @Flag(name: .customLong("rotate-daily"), help: "Start a new file when the UTC date changes.")
    var rotateDaily = false

    @Flag(
        help: ArgumentHelp(
            "Ask for each shard's checkpoints (?verbose=true), for per-shard lag and the hot shard; "
                + "costs the cluster one task-status call per shard of each index at each poll."))
    var verbose = false

    @Option(
        name: .customLong("flush-every"), parsing: .unconditional,
        help: ArgumentHelp("Close the gzip member this often, making its lines readable.", valueName: "seconds"))
    var flushEvery = Seconds(millis: Self.defaults.flushEveryMillis)

    /// Where the flags' defaults come from.
    private static let defaults = CaptureOptions()

    /// The capture these flags ask for.
    var options: CaptureOptions {
        var options = CaptureOptions(url: url)
        options.indices = indices
        options.indexFile = indexFile
        options.intervalMillis = interval.millis
        options.timeoutMillis = timeout.millis
        options.polls = polls?.value
        options.parallel = parallel.value
        options.caFile = caFile
        options.out = outputPath
        options.rotation = Rotation(maxBytes: rotateSize?.bytes, daily: rotateDaily)
        options.flushEveryMillis = flushEvery.millis
        options.verbose = verbose
        return options
    }

    func validate() throws {
        try interval.check("interval")
        try timeout.check("timeout")
        try flushEvery.check("flush-every")
        try polls?.check(CaptureOptions.pollsLimit)
        try parallel.check(CaptureOptions.parallelLimit)
        do {
            try options.validate()
        } catch {
            throw ValidationError(error.commandLineMessage)
        }
    }

    func run() throws {
        let options = options
        let setup: CaptureSetup
        do {
            setup = try CaptureSetup(options, urlSetting: "--url")
        } catch {
            throw Self.setupError(error.description)
        }
        if let warning = setup.warning { Self.warn(warning) }
        let output: any CaptureOutput = CaptureSetup.files(options) ?? PlainLines.standardOutput()
        let progress = CaptureProgress(destination: outputPath ?? "standard output")
        ProcessControl.ignoreBrokenPipe()
        let capture = CaptureRun.start(
            poller: setup.poller, schedule: setup.schedule, output: output, onRound: progress.update,
            onWarning: Self.warn)
        let outcome = ProcessControl.stoppingOnSignals(capture) { capture.wait() }
        progress.finish(outcome.stats)
        if let failure = outcome.failure {
            if failure.code == EPIPE { return }
            FileOutput.standardError("replstat: \(failure)\n")
            throw ExitCode(ExitStatus.sourceFailed)
        }
    }

    /// A setting that makes capturing impossible, found after parsing (an index file, the
    /// environment, the CA file): reported as ArgumentParser reports a bad option, with this
    /// command's usage.
    static func setupError(_ message: String) -> ExitCode {
        FileOutput.standardError(
            "Error: \(message)\nUsage: \(ReplStat.usageString(for: Capture.self))\n"
                + "  See 'replstat capture --help' for more information.\n")
        return ExitCode(ExitStatus.usage)
    }

    @Sendable static func warn(_ message: String) {
        FileOutput.standardError("replstat: warning: \(message)\n")
    }
}

/// A size in bytes: `1048576`, `512K`, `100M`, `2G` (powers of 1024).
struct ByteSizeArgument: ExpressibleByArgument {
    let bytes: Int64

    init?(argument: String) {
        guard let bytes = ByteSize.parse(argument) else { return nil }
        self.bytes = bytes
    }
}

/// At a terminal, one line on standard error that follows the capture; nothing when piped.
final class CaptureProgress: Sendable {
    private let enabled = isatty(2) == 1
    private let destination: String

    init(destination: String) { self.destination = destination }

    @Sendable func update(_ stats: CaptureStats) {
        guard enabled else { return }
        FileOutput.statusLine(summary(stats))
    }

    func finish(_ stats: CaptureStats) {
        guard enabled else { return }
        FileOutput.statusLine(summary(stats) + "\n")
    }

    private func summary(_ stats: CaptureStats) -> String {
        let last = stats.lastPoll.map { ", last at " + Timestamp.format($0) } ?? ""
        return
            "replstat capture: \(FileOutput.count(stats.rounds, "round", "rounds")), \(FileOutput.count(stats.lines, "line", "lines")) "
            + "(\(FileOutput.count(stats.errors, "error", "errors")), \(stats.failedPolls) without answer) to \(destination)\(last)"
    }
}
