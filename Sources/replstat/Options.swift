import ArgumentParser
import ReplStatCore

/// A duration option: a non-negative decimal number of seconds, kept to the millisecond.
struct Seconds: ExpressibleByArgument {
    let millis: Int64

    init(millis: Int64) { self.millis = millis }

    init?(argument: String) {
        guard let millis = Decimal3.millis(seconds: argument) else { return nil }
        self.millis = millis
    }

    var defaultValueDescription: String { Decimal3.typedSeconds(millis) }
}

/// The options that shape the analysis, shared by the commands that analyze.
struct AnalysisFlags: ParsableArguments {
    @Option(
        name: .customLong("reorder-window"),
        help: ArgumentHelp(
            "Restore order among samples of an index up to this many seconds apart; older ones are 'late'.",
            valueName: "seconds"))
    var reorderWindow = Seconds(millis: 300_000)

    @Option(
        name: .customLong("max-gap"),
        help: ArgumentHelp(
            "A longer interval between samples of an index is a capture gap (time in state 'unknown').",
            valueName: "seconds"))
    var maxGap = Seconds(millis: 300_000)

    @Option(
        name: .customLong("stall-after"),
        help: ArgumentHelp(
            "Report a stall when the follower is behind at the same checkpoint at least this long.",
            valueName: "seconds"))
    var stallAfter = Seconds(millis: 60_000)

    @Option(
        name: .customLong("max-line-bytes"),
        help: ArgumentHelp(
            "Longer lines are rejected as 'line_too_long' without being held in memory.", valueName: "bytes"))
    var maxLineBytes = 1 << 20

    /// The analysis options these flags set.
    var options: AnalysisOptions {
        var options = AnalysisOptions()
        options.reorderWindow = reorderWindow.millis
        options.maxGap = maxGap.millis
        options.stallAfter = stallAfter.millis
        options.maxLineBytes = maxLineBytes
        return options
    }

    func validate() throws {
        // Field offsets inside a line are 32-bit: a limit of 1 GiB keeps them safe.
        guard maxLineBytes >= 0 && maxLineBytes <= 1 << 30 else {
            throw ValidationError("--max-line-bytes must be between 0 and 1073741824 (1 GiB).")
        }
    }
}
