import ArgumentParser
import CMalloc
import ReplStatCore

#if canImport(Glibc)
    import Glibc
#endif

/// The `replstat` command and its subcommands, run by the `replstat` executable's `main`
/// (and by `replstat-run`'s, for `replstat run`).
public struct ReplStat: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "replstat",
        abstract: "Analyze captures of OpenSearch cross-cluster replication status.",
        discussion: """
            Captures are JSON Lines of `GET /_plugins/_replication/{index}/_status` responses, \
            plain or gzip-compressed. `replstat analyze` reports state transitions, time in each \
            state, lag, stalls and the quality of the capture; `replstat watch` prints events as \
            they happen; `replstat capture` polls a cluster and writes the capture; `replstat run` \
            runs a pipeline file (sources, options and outputs in one \
            recipe); `replstat simulate` writes realistic captures for trying it out; `replstat \
            split` and `replstat merge` spread an analysis over many machines (docs/distributed.md).

            \(Version.line)
            """,
        version: Version.line,
        subcommands: [Analyze.self, Watch.self, Capture.self, Run.self, Simulate.self, Split.self, Merge.self]
    )

    public init() {}

    /// Usage errors exit with 2 (docs/format.md), not ArgumentParser's default 64.
    public static func main() {
        // One malloc arena: the pipeline allocates buffers on one thread and frees them on
        // another, and per-thread arenas then only fragment. Measured on 2,000 indices: peak
        // RSS 61 -> 55 MB, and it no longer creeps up with the length of the capture.
        _ = mallopt(M_ARENA_MAX, 1)
        ProcessControl.start()
        if Inflater.fromEnvironment == nil {
            let names = Inflater.allCases.map(\.rawValue).joined(separator: " or ")
            FileOutput.standardError("replstat: \(Inflater.environmentVariable) must be \(names), or unset\n")
            Glibc.exit(ExitStatus.usage)
        }
        do {
            var command = try LongSourceList.parse(Array(CommandLine.arguments.dropFirst()))
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileOutput.standardError(fullMessage(for: error) + "\n")
                ProcessControl.exit(ExitStatus.usage)
            }
            exit(withError: error)
        }
    }
}

/// Exit statuses (docs/format.md).
enum ExitStatus {
    static let done: Int32 = 0
    static let sourceFailed: Int32 = 1
    static let usage: Int32 = 2
    static let strictRejects: Int32 = 3
}
