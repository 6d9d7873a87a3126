import ArgumentParser
import ReplStatCore

/// A duration option: a non-negative decimal number of seconds, kept to the millisecond.
///
/// Any text parses, so that the flags' `validate()` can refuse one that is no duration with the
/// flag's name and the range it takes (`check`): ArgumentParser itself would only say that the
/// value is invalid.
struct Seconds: ExpressibleByArgument {
    /// The duration; 0 for text that is none (which `check` refuses before it is used).
    let millis: Int64
    /// The text given, when it is no duration.
    private let unreadable: String?

    init(millis: Int64) {
        self.millis = millis
        unreadable = nil
    }

    init?(argument: String) {
        let millis = Decimal3.millis(seconds: argument)
        self.millis = millis ?? 0
        unreadable = millis == nil ? argument : nil
    }

    var defaultValueDescription: String { Decimal3.typedSeconds(millis) }

    /// Throws, as ArgumentParser words a bad option, when `--flag` was given text that is no
    /// duration. Every `validate()` of flags that declare one calls it first.
    func check(_ flag: String) throws {
        if let unreadable { throw ValidationError("--\(flag) \(SecondsSetting.problem(unreadable)).") }
    }
}

/// The options that shape the analysis, shared by the commands that analyze.
struct AnalysisFlags: ParsableArguments {
    @Option(
        name: .customLong("reorder-window"),
        help: ArgumentHelp(
            "Restore order among samples of an index up to this many seconds apart; older ones are 'late'.",
            valueName: "seconds"))
    var reorderWindow = Seconds(millis: Self.defaults.reorderWindow)

    @Option(
        name: .customLong("max-gap"),
        help: ArgumentHelp(
            "A longer interval between samples of an index is a capture gap (time in state 'unknown').",
            valueName: "seconds"))
    var maxGap = Seconds(millis: Self.defaults.maxGap)

    @Option(
        name: .customLong("stall-after"),
        help: ArgumentHelp(
            "Report a stall when the follower is behind at the same checkpoint at least this long.",
            valueName: "seconds"))
    var stallAfter = Seconds(millis: Self.defaults.stallAfter)

    @Option(
        name: .customLong("max-line-bytes"),
        help: ArgumentHelp(
            "Longer lines are rejected as 'line_too_long' without being held in memory.", valueName: "bytes"))
    var maxLineBytes = Self.defaults.maxLineBytes

    /// Where the flags' defaults come from.
    private static let defaults = AnalysisOptions()

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
        try reorderWindow.check("reorder-window")
        try maxGap.check("max-gap")
        try stallAfter.check("stall-after")
        try Self.validate(options)
    }

    /// Checks options as every command checks them (`AnalysisOptions.validate`).
    static func validate(_ options: AnalysisOptions) throws {
        do {
            try options.validate()
        } catch {
            throw ValidationError(error.commandLineMessage)
        }
    }
}

extension SettingError {
    /// `--jobs must be between 1 and 256.`, as ArgumentParser words a bad option.
    var commandLineMessage: String {
        switch name {
        case "indices":
            return "Name the follower indices to poll: --index NAME (repeatable) or --index-file FILE."
        case "rotate-size", "rotate-daily":
            return "--rotate-size and --rotate-daily rotate files: give the file with --out."
        default:
            guard let range else { return "--\(name) \(problem)" + (needs.map { " --\($0)" } ?? "") + "." }
            // Field offsets inside a line are 32-bit: the limit is a round 1 GiB.
            let note = name == "max-line-bytes" ? " (1 GiB)" : ""
            return "--\(name) must be between \(range.lowerBound) and \(range.upperBound)\(note)."
        }
    }
}
