import Foundation
import Testing

/// Every option in seconds, on the command line and in a pipeline file, takes the same range and
/// says so when given something else: ArgumentParser alone would only call the value invalid.
@Suite(.timeLimit(.minutes(10))) struct SecondsOptionTests {
    /// What each command needs besides the option under test to get as far as checking it.
    static let commands: [(command: String, needs: [String])] = [
        ("analyze", []), ("watch", []), ("capture", ["--url", "http://127.0.0.1:9", "--index", "a"]),
        ("simulate", []),
    ]

    static func message(_ flag: String, _ given: String) -> String {
        "Error: --\(flag) must be seconds between 0 and 999999999999.999 (a decimal such as 300 or 0.5, "
            + "taken to the millisecond), not '\(given)'.\n"
    }

    /// The flags whose value is `<seconds>` in each command's help: a new one is tested without
    /// being listed here.
    private func secondsFlags(_ command: String) throws -> [String] {
        let help = try Replstat.run([command, "--help"]).stdoutText
        let flags = help.split(separator: "\n").compactMap { line -> String? in
            guard let match = line.firstMatch(of: /^  --([a-z-]+) <seconds>/) else { return nil }
            return String(match.1)
        }
        return flags
    }

    @Test func everyOptionInSecondsNamesItsRangeWhenOutOfIt() throws {
        var tested: [String] = []
        for (command, needs) in Self.commands {
            for flag in try secondsFlags(command) {
                tested.append("\(command) --\(flag)")
                for given in ["1000000000000", "-1", "1e3", "soon", ""] {
                    // After `=` and after a space: `-1` is a value either way. (ArgumentParser
                    // takes an empty value after `=` for a missing one.)
                    for option in [["--\(flag)=\(given)"], ["--\(flag)", given]]
                    where !(given.isEmpty && option.count == 1) {
                        let run = try Replstat.run([command] + needs + option, stdin: Data())
                        #expect(run.status == 2, "\(command) \(option): \(run.stderr)")
                        #expect(run.stderr.hasPrefix(Self.message(flag, given)), "\(command) \(option): \(run.stderr)")
                    }
                }
            }
        }
        // The help lists them all (so that the loop above is not empty by a change of its layout).
        #expect(
            tested == [
                "analyze --reorder-window", "analyze --max-gap", "analyze --stall-after",
                "watch --reorder-window", "watch --max-gap", "watch --stall-after", "watch --metrics-interval",
                "watch --metrics-stale", "watch --lag-seconds-above", "watch --for",
                "capture --interval", "capture --timeout", "capture --flush-every", "simulate --interval",
            ])
    }

    /// The largest value is taken, however many zeros lead it; one millisecond more is not.
    @Test(arguments: [
        ("999999999999.999", 0), ("0000999999999999.9999", 0), ("1000000000000", 2), ("999999999999.9999", 0),
    ])
    func theLargestDurationIsTaken(_ given: String, _ status: Int32) throws {
        let dir = try TemporaryDirectory()
        let run = try Replstat.run(
            ["analyze", "--format", "csv", "--out", dir.url.path, "--max-gap", given, "-"], stdin: Data())
        #expect(run.status == status, "\(given): \(run.stderr)")
    }

    /// A pipeline file's durations are checked in the same words, at their place in the file.
    @Test(arguments: [
        ("analysis: {max-gap: 1000000000000}\nsinks: {csv: out}\n", "2:21", "max-gap", "between 0 and"),
        (
            "analysis: {reorder-window: \"1.5.5\"}\nsinks: {csv: out}\n", "2:28", "reorder-window",
            "between 0 and"
        ),
        ("sinks:\n  watch: {lag-above: 1, for: -3}\n", "3:30", "for", "between 0 and"),
        (
            "sinks:\n  watch: {metrics-file: m.prom, metrics-stale: 1e9}\n", "3:48", "metrics-stale",
            "between 0 and"
        ),
    ])
    func aPipelineFileNamesTheRangeToo(_ yaml: String, _ place: String, _ key: String, _ bounds: String) throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("p.yaml", "sources: [a.jsonl]\n" + yaml)
        let run = try Replstat.run(["run", "--check", file.path], in: dir.url)
        #expect(run.status == 2, "\(run.stderr)")
        let given = yaml.firstMatch(of: /(?:max-gap|reorder-window|for|metrics-stale): "?([^,}"]+)/)!.1
        #expect(
            run.stderr.hasPrefix(
                "\(file.path):\(place): '\(key)' must be seconds \(bounds) 999999999999.999 (a decimal such as "
                    + "300 or 0.5, taken to the millisecond), not '\(given)'\n"),
            "\(run.stderr)")
    }

    @Test func aCaptureSourceWantsItsTimeoutAboveZero() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write(
            "p.yaml", "sources:\n  - capture: {url: \"http://h\", indices: [a], timeout: 0}\nsinks: {csv: out}\n")
        let run = try Replstat.run(["run", "--check", file.path], in: dir.url)
        #expect(run.status == 2, "\(run.stderr)")
        #expect(
            run.stderr.hasPrefix(
                "\(file.path):2:55: 'timeout' must be seconds above 0 and at most 999999999999.999 (a decimal such as "
                    + "300 or 0.5, taken to the millisecond), not '0'\n"),
            "\(run.stderr)")
    }
}
