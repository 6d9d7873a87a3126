import ArgumentParser
import ReplStatCore

#if canImport(Glibc)
    import Glibc
#endif

struct Split: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Cut one source into records by index, for a distributed analysis.",
        discussion: """
            The map step of a distributed analysis (docs/distributed.md): reads and decodes the \
            source as `analyze` does, counts the lines it can judge alone (blank, too long, not \
            JSON, no timestamp or index, bad fields, unknown status), and writes every sample as \
            one record for the partition of its index:

              <partition> TAB <source ordinal> TAB <line number> TAB <line> LF

            then, last, one source record 'S TAB <document>' with its counts, its number of \
            lines and, if reading stopped early, why. Sort the records of each partition by \
            (source ordinal, line number), give them to `replstat analyze --format partial`, and \
            give every partial and every S record to `replstat merge`: it writes the reports \
            `replstat analyze` would write on all the sources. scripts/distributed-analyze does \
            all of this on one machine.

            Give every split and partial analysis the same --partitions and analysis options, \
            and each source its place in the list of sources (--source-ordinal, from 0).

            Example:
              replstat split --partitions 16 --source-ordinal 0 \\
                  --source-name day-01.jsonl.gz day-01.jsonl.gz > split-0

            Exit status: 0 done; 1 the source could not be read or is damaged (the records \
            before the damage and the S record are still written: merge reports the damage); \
            2 usage error.
            """
    )

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("Partitions to spread the indices over (the same for every source).", valueName: "n"))
    var partitions: WholeNumber<Int>

    @Option(
        name: .customLong("source-ordinal"), parsing: .unconditional,
        help: ArgumentHelp("The source's place among all sources of the analysis, from 0.", valueName: "k"))
    var ordinal: WholeNumber<Int>

    @Option(
        name: .customLong("source-name"),
        help: ArgumentHelp("The source's name in the reports (default: SOURCE as given).", valueName: "name"))
    var sourceName: String?

    @OptionGroup(title: "Analysis")
    var analysis: AnalysisFlags

    @Argument(help: ArgumentHelp("The capture file, plain or gzip; '-' is standard input.", valueName: "source"))
    var source: String

    func validate() throws {
        try partitions.check(Partitioning.countLimit)
        try ordinal.check(
            "source-ordinal", meaning: "the source's place among the sources", range: 0...Int(Int32.max))
    }

    func run() throws {
        // One thread: a distributed analysis runs a split per core.
        var options = analysis.options
        options.jobs = 1
        ProcessControl.ignoreBrokenPipe()
        let inputs = [InputSource(source)]
        FileOutput.hintWhenReadingATerminal(inputs)
        let split = SourceSplit(
            partitions: partitions.value, ordinal: ordinal.value, name: sourceName ?? source, options: options,
            to: FileSink.standardOutput())
        let document: SourceDocument
        do {
            document = try split.run(inputs[0])
        } catch {
            // The reader went away (`| head`): quietly, with the status a shell gives a process
            // that SIGPIPE ended, as `analyze` ends.
            if error.code == EPIPE { ProcessControl.exit(128 + SIGPIPE) }
            ProcessControl.fail("\(error)")
        }
        if let failure = document.failure {
            FileOutput.standardError("replstat: \(failure)\n")
            throw ExitCode(ExitStatus.sourceFailed)
        }
    }
}
