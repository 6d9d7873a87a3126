import Foundation
import Testing

/// `--help` as a user reads it at an 80-column terminal, and `--version`.
@Suite(.timeLimit(.minutes(10))) struct HelpAndVersionTests {
    static let commands = ["", "analyze", "watch", "capture", "run", "simulate", "split", "merge"]

    /// ArgumentParser wraps help at the width COLUMNS gives (the terminal's when unset).
    private func help(_ command: String) throws -> String {
        let run = try Replstat.run(command.isEmpty ? ["--help"] : ["help", command], environment: ["COLUMNS": "80"])
        #expect(run.status == 0)
        return run.stdoutText
    }

    /// A line of an example or a table that ArgumentParser had to wrap goes on at the left margin,
    /// right under its indented start: a command cut in two that cannot be copied.
    @Test(arguments: commands) func nothingIndentedIsWrappedAt80Columns(_ command: String) throws {
        let lines = try help(command).split(separator: "\n", omittingEmptySubsequences: false)
        for (line, next) in zip(lines, lines.dropFirst()) where line.hasPrefix("  ") {
            #expect(next.isEmpty || next.hasPrefix(" "), "'\(command)': '\(line)' goes on as '\(next)'")
        }
        for line in lines where !line.hasPrefix("USAGE:") {
            #expect(line.count <= 80, "'\(command)': \(line)")
        }
    }

    /// Each option's description says its default at most once (`--jobs` used to say it twice,
    /// once as "the number of cores" and once as this machine's count).
    @Test(arguments: commands) func eachDefaultIsShownOnce(_ command: String) throws {
        var entries: [String] = []
        for line in try help(command).split(separator: "\n") {
            if line.hasPrefix("  -") {
                entries.append(String(line))
            } else if line.hasPrefix("      "), !entries.isEmpty {
                entries[entries.count - 1] += " " + line.trimmingCharacters(in: .whitespaces)
            }
        }
        #expect(entries.contains { $0.contains("--jobs") } == (command == "analyze"))
        for entry in entries {
            #expect(entry.components(separatedBy: "default").count <= 2, "\(entry)")
        }
        // The same text on every machine: no core count in the help.
        let cores = "(default: \(ProcessInfo.processInfo.processorCount))"
        #expect(!entries.contains { $0.contains("--jobs") && $0.contains(cores) })
    }

    @Test(arguments: ["0", "257"]) func jobsOutOfRangeIsAUsageError(_ jobs: String) throws {
        let run = try Replstat.run(["analyze", "--jobs", jobs, "-"], stdin: Data())
        #expect(run.status == 2)
        #expect(
            run.stderr.contains("--jobs must be a number of threads, a whole number from 1 to 256, not '\(jobs)'."),
            "\(run.stderr)")
    }

    /// `help` of a subcommand replstat does not have is a usage error that lists those it has,
    /// not the root's help with status 0 (a script checking `replstat help simulte` saw success).
    @Test(arguments: [["help", "bogus"], ["help", "analyze", "bogus"]])
    func helpOfAnUnknownSubcommandIsAUsageError(_ arguments: [String]) throws {
        let run = try Replstat.run(arguments)
        #expect(run.status == 2)
        #expect(run.stdout.isEmpty)
        #expect(
            run.stderr.hasPrefix(
                "Error: replstat has no subcommand '\(arguments.dropFirst().joined(separator: " "))': "
                    + "ask for the help of analyze, watch, capture, run, simulate, split or merge"),
            "\(run.stderr)")
        // Known ones still get their help.
        #expect(try Replstat.run(["help", "simulate"]).status == 0)
    }

    /// `replstat 0.1.0 (commit 5f525f2abcde)`: the commit the binary was built from, as git
    /// says when the tests run from a checkout; in the root help too.
    @Test func versionNamesTheCommit() throws {
        let run = try Replstat.run(["--version"])
        #expect(run.status == 0)
        let line = run.stdoutText
        let match = try #require(
            line.wholeMatch(of: /replstat \d+\.\d+\.\d+ \(commit (?<commit>[0-9a-f]{12}|unknown)(, modified)?\)\n/),
            "\(line)")
        let git = try Replstat.shell("git -C '\(PipelineRunTests.root.path)' rev-parse --short=12 HEAD 2>/dev/null")
        if git.status == 0 {
            #expect(match.output.commit + "\n" == git.stdoutText)
        }
        #expect(try help("").contains("\n" + line))
        #expect(try help("").contains("--version"))
    }
}
