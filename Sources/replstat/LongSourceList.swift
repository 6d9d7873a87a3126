import ArgumentParser

/// A command whose last argument is a list of files (`analyze`, `run`, `merge`).
///
/// ArgumentParser takes each value of a list at a cost that grows with the values before it:
/// 20,000 names cost 10 s of CPU before the first was opened, and `analyze captures/*` over a
/// year of rotated files would take minutes. So a long list at the end of the command line is
/// taken apart (`LongSourceList.split`) and given to the command after parsing.
protocol ListsFiles: ParsableCommand {
    /// The files of the list, in the command line's order.
    var listedFiles: [String] { get set }
}

extension Analyze: ListsFiles {
    var listedFiles: [String] {
        get { sources }
        set { sources = newValue }
    }
}

extension Run: ListsFiles {
    var listedFiles: [String] {
        get { sources }
        set { sources = newValue }
    }
}

extension Merge: ListsFiles {
    var listedFiles: [String] {
        get { partials }
        set { partials = newValue }
    }
}

/// The end of a command line that is certainly part of a command's list of files, taken out of
/// what ArgumentParser parses.
enum LongSourceList {
    /// The subcommands that end with a list of files.
    static let commands: Set<String> = ["analyze", "run", "merge"]

    /// Splits `arguments` (without the program's name) into what ArgumentParser parses and the
    /// rest of the list of files. Only values that cannot be anything else are taken: the run
    /// of arguments at the end that do not start with '-', less its first two (the first may be
    /// an option's value, every option takes at most one; the second keeps a list that must not
    /// be empty from looking so).
    static func split(_ arguments: [String]) -> (parsed: [String], files: [String]) {
        guard let command = arguments.first, commands.contains(command) else { return (arguments, []) }
        var start = arguments.count
        while start > 1 && !arguments[start - 1].hasPrefix("-") { start -= 1 }
        let kept = min(start + 2, arguments.count)
        return (Array(arguments[..<kept]), Array(arguments[kept...]))
    }

    /// `help WORDS`: the words must name a subcommand. ArgumentParser shows the root's help for
    /// any other, with status 0, and a typo (`help simulte`) would pass for success.
    private static func checkHelpNamesASubcommand(_ arguments: [String]) throws {
        guard arguments.first == "help" else { return }
        let words = arguments.dropFirst().prefix { !$0.hasPrefix("-") }
        let known = ReplStat.configuration.subcommands.map { $0._commandName }
        guard let first = words.first, words.count > 1 || !known.contains(first) else { return }
        throw ValidationError(
            "replstat has no subcommand '\(words.joined(separator: " "))': ask for the help of "
                + known.dropLast().joined(separator: ", ") + " or " + known.last!)
    }

    /// Parses `arguments` as `ReplStat`'s command line, the list of files at its end taken apart
    /// and given to the command after parsing, and validated with it.
    static func parse(_ arguments: [String]) throws -> ParsableCommand {
        try checkHelpNamesASubcommand(arguments)
        let (parsed, files) = split(arguments)
        let command = try ReplStat.parseAsRoot(parsed)
        guard !files.isEmpty else { return command }
        guard var listing = command as? ListsFiles else {
            // Another command (`--help` is parsed as one): it parses the whole line itself.
            return try ReplStat.parseAsRoot(arguments)
        }
        listing.listedFiles += files
        do {
            try listing.validate()
        } catch {
            // Parsed whole, for ArgumentParser's own message (and usage line) of the mistake.
            return try ReplStat.parseAsRoot(arguments)
        }
        return listing
    }
}
