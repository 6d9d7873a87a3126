import Foundation
import Testing

/// The reorder window's time bound of docs/robustness.md: samples of one index newest first
/// within the window (a hostile capture's order) cost about what the same samples in order do.
@Suite(.timeLimit(.minutes(10))) struct ReorderTimeTests {
    /// Writes `lines` to `capture.jsonl` in the folder `name`, and returns the CPU time (user +
    /// system) of `analyze --format csv` run there on it, and the CSV tables it wrote, by name.
    private func analyze(_ lines: [String], in dir: TemporaryDirectory, folder name: String) throws -> (
        seconds: Double, tables: [String: Data]
    ) {
        let folder = dir.file(name)
        let out = folder.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(lines.joined().utf8).write(to: folder.appendingPathComponent("capture.jsonl"))
        let report = dir.file("\(name).cpu")
        let run = try Replstat.bash(
            "cd \"\(folder.path)\" && TIMEFORMAT='%3U %3S' && { time \"\(Replstat.binary.path)\" analyze "
                + "--format csv --out out capture.jsonl 2> /dev/null; } 2> \"\(report.path)\"")
        #expect(run.status == 0, "\(run.stderr)")
        let times = try String(contentsOf: report, encoding: .utf8).split(separator: " ").compactMap {
            Double($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        try #require(times.count == 2, "no CPU times in \(report.path)")
        var tables: [String: Data] = [:]
        for table in try FileManager.default.contentsOfDirectory(atPath: out.path) {
            tables[table] = try Data(contentsOf: out.appendingPathComponent(table))
        }
        return (times[0] + times[1], tables)
    }

    /// 200,000 samples of one index, a millisecond apart, all within the default window of 300 s:
    /// newest first, each was inserted before all those held, and the run took 89 s (a quadratic
    /// cost) against 0.5 s in order. Now within 5 times the CPU time of the same samples in order
    /// (not a wall-clock limit, which a loaded machine stretches), with the same tables.
    @Test func samplesNewestFirstCostAboutWhatTheyDoInOrder() throws {
        let dir = try TemporaryDirectory()
        let count = 200_000
        let base: Int64 = 1_764_288_300_000
        let lines = (0..<count).map {
            "{\"@timestamp\":\(base - Int64($0)),\"index\":\"a\",\"response\":{\"status\":\"PAUSED\"}}\n"
        }
        let inOrder = try analyze(lines.reversed(), in: dir, folder: "ascending")
        let newestFirst = try analyze(lines, in: dir, folder: "descending")
        #expect(!inOrder.tables.isEmpty)
        #expect(newestFirst.tables == inOrder.tables)
        // A floor for the run in order, whose time is mostly starting up on a fast machine.
        #expect(
            newestFirst.seconds <= 5 * max(inOrder.seconds, 0.2),
            "newest first: \(newestFirst.seconds) s of CPU, in order: \(inOrder.seconds) s")
    }
}
