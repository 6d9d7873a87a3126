import Foundation
import Testing

/// A long list of sources on the command line (`analyze captures/*` over a year of rotated
/// files) is taken in time that grows with its length, in the command line's order.
@Suite(.timeLimit(.minutes(10))) struct LongSourceListTests {
    /// Runs `analyze --format csv` in `dir` on `count` sources, `a.jsonl` and `b.jsonl` in turn,
    /// and returns its CPU time (user + system) and the sources of its quality table, in order.
    private func analyze(_ count: Int, in dir: TemporaryDirectory) throws -> (seconds: Double, sources: [String]) {
        let out = "out\(count)"
        let report = dir.file("\(count).cpu")
        let run = try Replstat.bash(
            "cd \"\(dir.url.path)\" && files=() && for ((i = 0; i < \(count); i++)); do "
                + "if ((i % 2)); then files+=(b.jsonl); else files+=(a.jsonl); fi; done && TIMEFORMAT='%3U %3S' && "
                + "{ time \"\(Replstat.binary.path)\" analyze --format csv --out \(out) \"${files[@]}\" 2> /dev/null; } "
                + "2> \"\(report.path)\"")
        #expect(run.status == 0, "\(run.stderr)")
        let times = try String(contentsOf: report, encoding: .utf8).split(separator: " ").compactMap {
            Double($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        try #require(times.count == 2, "no CPU times in \(report.path)")
        let quality = try String(contentsOf: dir.file("\(out)/quality.csv"), encoding: .utf8)
        let sources = quality.split(separator: "\n").dropFirst().filter { $0.hasSuffix(",lines,1") }.map {
            String($0.prefix { $0 != "," })
        }
        return (times[0] + times[1], sources)
    }

    /// 40,000 sources took 33 s of CPU in ArgumentParser before the first was opened (each
    /// value of a list cost as much as the values before it); now within a small multiple of
    /// ten times what 4,000 take (not a wall-clock limit, which a loaded machine stretches).
    @Test func fortyThousandSourcesCostAboutTenTimesFourThousand() throws {
        let dir = try TemporaryDirectory()
        let line = #"{"@timestamp":"2026-11-28T00:00:00Z","index":"a","response":{"status":"PAUSED"}}"# + "\n"
        _ = try dir.write("a.jsonl", line)
        _ = try dir.write("b.jsonl", line)
        let few = try analyze(4_000, in: dir)
        let many = try analyze(40_000, in: dir)
        #expect(few.sources == (0..<4_000).map { $0 % 2 == 0 ? "a.jsonl" : "b.jsonl" })
        #expect(many.sources == (0..<40_000).map { $0 % 2 == 0 ? "a.jsonl" : "b.jsonl" })
        // Linear is 10 times; a floor for the few, whose time is mostly starting up.
        #expect(
            many.seconds <= 25 * max(few.seconds, 0.1),
            "40,000 sources: \(many.seconds) s of CPU, 4,000: \(few.seconds) s")
    }
}
