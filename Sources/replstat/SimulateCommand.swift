import ArgumentParser
import ReplStatCore
import ReplStatSimulate

#if canImport(Glibc)
    import Glibc
#endif

struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a realistic capture of replication status polls, the same for the same seed.",
        discussion: """
            Plays a poller that asks every follower index for its status once per interval and \
            writes one JSON line per answer, as `replstat analyze` reads them. Each index follows \
            its leader through a daily load curve with write bursts; the scenario decides what goes \
            wrong. The same options and seed always give the same bytes.

            Scenarios:
            \(SimulationScenario.allCases.map { "  \($0.rawValue.padding(15))\($0.summary)" }.joined(separator: "\n"))

            Examples:
              replstat simulate --scenario autopause --output incident.jsonl.gz
              replstat simulate --scenario outage --dirty | replstat analyze
              replstat simulate --verbose --shards 5 --hot-shard | replstat analyze
            """
    )

    @Option(parsing: .unconditional, help: ArgumentHelp("Follower indices to poll.", valueName: "count"))
    var indices = WholeNumber(12)

    @Option(parsing: .unconditional, help: ArgumentHelp("Polls per index.", valueName: "count"))
    var polls = WholeNumber(360)

    @Option(
        parsing: .unconditional, help: ArgumentHelp("Seconds between two polls of an index.", valueName: "seconds"))
    var interval = Seconds(millis: 10_000)

    @Option(help: ArgumentHelp("When the first round of polls starts (RFC 3339).", valueName: "time"))
    var start = StartTime(millis: SimulationOptions().startMillis, text: "2026-11-28T00:00:00Z")

    @Option(parsing: .unconditional, help: ArgumentHelp("Seed of every random choice.", valueName: "number"))
    var seed = WholeNumber<UInt64>(1)

    @Option(help: ArgumentHelp("The story the capture tells (see above).", valueName: "name"))
    var scenario = ScenarioName(.mixed)

    @Flag(help: "Mix in damaged and odd lines: blank, truncated, invalid, late, duplicate, other layouts.")
    var dirty = false

    @Flag(help: "Write each shard's checkpoints (shard_replication_details), as capture --verbose gets them.")
    var verbose = false

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("Primary shards of every index (default: 1 to 10, drawn per index).", valueName: "count"))
    var shards: WholeNumber<Int>?

    @Flag(
        name: .customLong("hot-shard"),
        help: "Give one index in four a hot shard: it replays slower than its others and lags at the peaks.")
    var hotShard = false

    @Flag(help: "Compress with gzip (also done when --output ends with .gz).")
    var gzip = false

    @Option(
        name: .customLong("output"),
        help: ArgumentHelp(
            "File to write, replaced only once complete (default: standard output).", valueName: "file"))
    var outputPath: String?

    static let indicesLimit = CountLimit("indices", meaning: "a number of follower indices", range: 1...1_000_000)
    static let pollsLimit = CountLimit("polls", meaning: "a number of polls per index", range: 1...100_000_000)

    func validate() throws {
        try interval.check("interval")
        try indices.check(Self.indicesLimit)
        try polls.check(Self.pollsLimit)
        try seed.check("seed", meaning: "a seed", range: 0...UInt64.max)
        try shards?.check(SimulationOptions.shardsLimit)
        guard interval.millis > 0 else { throw ValidationError("--interval must be more than 0 seconds.") }
        guard start.millis >= 0 else { throw ValidationError("--start must not be before 1970.") }
        let (product, overflow) = interval.millis.multipliedReportingOverflow(by: Int64(polls.value))
        guard !overflow, start.millis <= Timestamp.latest - product else {
            throw ValidationError(
                "The capture would end after the year 9999: use fewer --polls or a shorter --interval.")
        }
        if let outputPath, outputPath.isEmpty { throw ValidationError("--output needs a file name.") }
    }

    func run() throws {
        var options = SimulationOptions()
        options.indices = indices.value
        options.polls = polls.value
        options.intervalMillis = interval.millis
        options.startMillis = start.millis
        options.seed = seed.value
        options.scenario = scenario.value
        options.dirty = dirty
        options.verbose = verbose
        options.shards = shards?.value
        options.hotShard = hotShard

        do {
            if let outputPath { try OutputFile.prepare(outputPath) }
            let file = try outputPath.map { try FileSink(path: $0) } ?? FileSink.standardOutput()
            let compress = gzip || (outputPath?.hasSuffix(".gz") ?? false)
            let sink: any ByteSink = compress ? GzipWriter(downstream: file) : file
            try Simulator(options: options).run(into: sink)
        } catch {
            FileOutput.standardError("replstat: \(error)\n")
            throw ExitCode(ExitStatus.sourceFailed)
        }
    }
}

/// `--start`: an RFC 3339 timestamp as docs/format.md reads them.
struct StartTime: ExpressibleByArgument {
    let millis: Int64
    let text: String

    init(millis: Int64, text: String) {
        self.millis = millis
        self.text = text
    }

    init?(argument: String) {
        var copy = argument
        guard let millis = copy.withUTF8({ Timestamp.parseRFC3339($0) }) else { return nil }
        self.init(millis: millis, text: argument)
    }

    var defaultValueDescription: String { text }
}

/// `--scenario`: one of the names of `SimulationScenario`.
struct ScenarioName: ExpressibleByArgument {
    let value: SimulationScenario

    init(_ value: SimulationScenario) { self.value = value }

    init?(argument: String) {
        guard let value = SimulationScenario(rawValue: argument) else { return nil }
        self.value = value
    }

    static var allValueStrings: [String] { SimulationScenario.allCases.map(\.rawValue) }

    var defaultValueDescription: String { value.rawValue }
}

extension String {
    /// The string followed by spaces up to `width` characters (for aligned help text).
    fileprivate func padding(_ width: Int) -> String {
        self + String(repeating: " ", count: max(1, width - count))
    }
}
