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

/// A whole-number option, as `Seconds` is a duration: any text parses, so that the flags'
/// `validate()` can refuse one that is no whole number, or out of range, with the flag's name,
/// what it counts and its range (`check`): ArgumentParser itself would only say that the value
/// is invalid.
struct WholeNumber<Value: FixedWidthInteger & Sendable>: ExpressibleByArgument {
    /// The number; 0 for text that is none (which `check` refuses before it is used).
    let value: Value
    /// The text given, for the message.
    private let given: String
    private let isNumber: Bool

    init(_ value: Value) {
        self.value = value
        given = String(value)
        isNumber = true
    }

    init?(argument: String) {
        let value = Value(argument)
        self.value = value ?? 0
        given = argument
        isNumber = value != nil
    }

    var defaultValueDescription: String { given }

    /// Throws, as ArgumentParser words a bad option, `--jobs must be a number of threads, a
    /// whole number from 1 to 256, not 'x'.` when the text is no whole number in `range`.
    func check(_ flag: String, meaning: String, range: ClosedRange<Value>) throws {
        guard isNumber, range.contains(value) else {
            let bounds =
                range.upperBound == Value.max
                ? "from \(range.lowerBound) up" : "from \(range.lowerBound) to \(range.upperBound)"
            throw ValidationError("--\(flag) must be \(meaning), a whole number \(bounds), not '\(given)'.")
        }
    }

    /// `check` against the limits a setting has wherever it is given.
    func check(_ limit: CountLimit) throws {
        try check(
            limit.name, meaning: limit.meaning,
            range: Value(limit.range.lowerBound)...Value(clamping: limit.range.upperBound))
    }
}

/// The options that shape the analysis, shared by the commands that analyze.
struct AnalysisFlags: ParsableArguments {
    @Option(
        name: .customLong("reorder-window"), parsing: .unconditional,
        help: ArgumentHelp(
            "Restore order among samples of an index up to this many seconds apart; older ones are 'late'.",
            valueName: "seconds"))
    var reorderWindow = Seconds(millis: Self.defaults.reorderWindow)

    @Option(
        name: .customLong("max-gap"), parsing: .unconditional,
        help: ArgumentHelp(
            "A longer interval between samples of an index is a capture gap (time in state 'unknown').",
            valueName: "seconds"))
    var maxGap = Seconds(millis: Self.defaults.maxGap)

    @Option(
        name: .customLong("stall-after"), parsing: .unconditional,
        help: ArgumentHelp(
            "Report a stall when the follower is behind at the same checkpoint at least this long.",
            valueName: "seconds"))
    var stallAfter = Seconds(millis: Self.defaults.stallAfter)

    @Option(
        name: .customLong("max-line-bytes"), parsing: .unconditional,
        help: ArgumentHelp(
            "Longer lines are rejected as 'line_too_long' without being held in memory.", valueName: "bytes"))
    var maxLineBytes = WholeNumber(Self.defaults.maxLineBytes)

    /// Where the flags' defaults come from.
    private static let defaults = AnalysisOptions()

    /// The analysis options these flags set.
    var options: AnalysisOptions {
        var options = AnalysisOptions()
        options.reorderWindow = reorderWindow.millis
        options.maxGap = maxGap.millis
        options.stallAfter = stallAfter.millis
        options.maxLineBytes = maxLineBytes.value
        return options
    }

    func validate() throws {
        try reorderWindow.check("reorder-window")
        try maxGap.check("max-gap")
        try stallAfter.check("stall-after")
        try maxLineBytes.check(AnalysisOptions.maxLineBytesLimit)
    }
}

extension SettingError {
    /// `--interval must be at least 0.1 seconds.`, as ArgumentParser words a bad option.
    var commandLineMessage: String {
        switch name {
        case "indices":
            return "Name the follower indices to poll: --index NAME (repeatable) or --index-file FILE."
        case "rotate-size", "rotate-daily":
            return "--rotate-size and --rotate-daily rotate files: give the file with --out."
        default:
            return "--\(name) \(problem)" + (needs.map { " --\($0)" } ?? "") + "."
        }
    }
}
