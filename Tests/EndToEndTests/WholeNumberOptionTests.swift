import Foundation
import Testing

/// Every whole-number option says what it counts and its range when given anything else, as the
/// options in seconds do (`SecondsOptionTests`): ArgumentParser alone would only call the value
/// invalid, and would take `-1` after a space for a missing value.
@Suite(.timeLimit(.minutes(10))) struct WholeNumberOptionTests {
    /// What each command needs besides the option under test to get as far as checking it; the
    /// option under test comes after, and the last of a repeated option wins.
    static let commands: [(command: String, needs: [String], source: [String])] = [
        ("analyze", [], []), ("watch", [], []), ("capture", ["--url", "http://127.0.0.1:9", "--index", "a"], []),
        ("simulate", [], []), ("split", ["--partitions", "2", "--source-ordinal", "0"], ["x"]), ("merge", [], ["x"]),
    ]

    /// The value names of whole numbers in the help.
    static let valueNames = ["n", "k", "count", "bytes", "ops", "number"]

    /// The flags whose value is a whole number in `command`'s help (`--jobs <n>`): a new one is
    /// tested without being listed here.
    private func wholeNumberFlags(_ command: String) throws -> [String] {
        let help = try Replstat.run([command, "--help"]).stdoutText
        return help.split(separator: "\n").compactMap { line -> String? in
            guard let match = line.firstMatch(of: /^  --([a-z-]+) <([a-z]+)>/),
                Self.valueNames.contains(String(match.2))
            else { return nil }
            return String(match.1)
        }
    }

    @Test func everyWholeNumberOptionNamesWhatItTakes() throws {
        var tested: [String] = []
        for (command, needs, source) in Self.commands {
            for flag in try wholeNumberFlags(command) {
                tested.append("\(command) --\(flag)")
                for given in ["soon", "1.5", "-1", "", "99999999999999999999999", "1e3", "0x10"] {
                    // After `=` and after a space: `-1` is a value either way.
                    for option in [["--\(flag)=\(given)"], ["--\(flag)", given]]
                    where !(given.isEmpty && option.count == 1) {
                        let run = try Replstat.run([command] + needs + option + source, stdin: Data())
                        let what = "\(command) \(option.joined(separator: " "))"
                        #expect(run.status == 2, "\(what): \(run.stderr)")
                        let firstLine = run.stderr.prefix { $0 != "\n" }
                        #expect(
                            firstLine.hasPrefix("Error: --\(flag) must be ")
                                && firstLine.contains(", a whole number from ")
                                && firstLine.hasSuffix(", not '\(given)'."), "\(what): \(run.stderr)")
                    }
                }
            }
        }
        // The help lists them all (so that the loop above is not empty by a change of its layout).
        #expect(
            tested == [
                "analyze --max-line-bytes", "analyze --jobs", "watch --max-line-bytes", "watch --lag-above",
                "capture --polls", "capture --parallel", "simulate --indices", "simulate --polls", "simulate --seed",
                "simulate --shards", "split --max-line-bytes", "split --partitions", "split --source-ordinal",
                "merge --max-line-bytes",
            ])
    }

    /// The messages in full, their ranges checked by hand against the limits.
    @Test(arguments: [
        (["analyze", "--jobs", "0"], "--jobs must be a number of threads, a whole number from 1 to 256, not '0'."),
        (
            ["analyze", "--max-line-bytes", "1073741825"],
            "--max-line-bytes must be a number of bytes, a whole number from 0 to 1073741824, not '1073741825'."
        ),
        (
            ["watch", "--lag-above", "-1", "--for", "1"],
            "--lag-above must be a number of operations, a whole number from 0 up, not '-1'."
        ),
        (
            ["simulate", "--seed", "18446744073709551616"],
            "--seed must be a seed, a whole number from 0 up, not '18446744073709551616'."
        ),
        (
            ["split", "--partitions", "1000001", "--source-ordinal", "0", "x"],
            "--partitions must be a number of partitions, a whole number from 1 to 1000000, not '1000001'."
        ),
        (
            ["split", "--partitions", "2", "--source-ordinal", "2147483648", "x"],
            "--source-ordinal must be the source's place among the sources, a whole number from 0 to 2147483647, "
                + "not '2147483648'."
        ),
    ])
    func theMessageInFull(_ arguments: [String], _ says: String) throws {
        let run = try Replstat.run(arguments, stdin: Data())
        #expect(run.status == 2)
        #expect(run.stderr.hasPrefix("Error: \(says)\n"), "\(run.stderr)")
    }

    /// The largest values are taken.
    @Test(arguments: [
        ["simulate", "--seed", "18446744073709551615", "--indices", "1", "--polls", "1"],
        ["analyze", "--jobs", "256", "--max-line-bytes", "1073741824", "-"],
        ["watch", "--lag-above", "18446744073709551615", "--for", "1", "-"],
    ])
    func theLargestValuesAreTaken(_ arguments: [String]) throws {
        let run = try Replstat.run(arguments, stdin: Data())
        #expect(run.status == 0, "\(run.stderr)")
    }
}
