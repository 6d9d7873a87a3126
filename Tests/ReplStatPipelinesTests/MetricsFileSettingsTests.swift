import ReplStatCore
import Testing

@testable import ReplStatPipelineFile
@testable import ReplStatPipelines

/// The watch sink's `metrics-file`, `metrics-interval` and `metrics-stale` (docs/metrics.md).
@Suite struct MetricsFileSettingsTests {
    private func parse(_ watch: String) throws(PipelineError) -> Pipeline {
        try PipelineFile.parse("sources: [a.jsonl]\nsinks:\n  watch:\n" + watch, file: "p.yaml")
    }

    private func failure(_ watch: String) -> String {
        do {
            _ = try parse(watch)
            return "accepted"
        } catch {
            return error.description
        }
    }

    @Test func theMetricsFileAndItsTiming() throws {
        let pipeline = try parse(
            "    metrics-file: m/replstat.prom\n    metrics-interval: 15\n    metrics-stale: 0.5\n")
        #expect(
            pipeline.watch?.metrics
                == MetricsFile.Settings(path: "m/replstat.prom", intervalMillis: 15_000, staleMillis: 500))
        let plain = try parse("    metrics-file: replstat.prom\n")
        #expect(
            plain.watch?.metrics
                == MetricsFile.Settings(path: "replstat.prom", intervalMillis: 60_000, staleMillis: 900_000))
        #expect(try parse("    to: \"-\"\n").watch?.metrics == nil)
    }

    @Test(arguments: [
        (
            "    metrics-interval: 15\n",
            "p.yaml:4:5: 'metrics-interval' shapes the metrics file: give 'metrics-file' too"
        ),
        ("    metrics-stale: 15\n", "p.yaml:4:5: 'metrics-stale' shapes the metrics file: give 'metrics-file' too"),
        ("    metrics-file: \"-\"\n", "p.yaml:4:19: 'metrics-file' needs a file name: it is replaced whole"),
        (
            "    metrics-file: m.prom\n    metrics-interval: soon\n",
            "p.yaml:5:23: 'metrics-interval' must be seconds between 0 and 999999999999.999 (a decimal such as 300 "
                + "or 0.5, taken to the millisecond), not 'soon'"
        ),
        (
            "    to: m.prom\n    metrics-file: m.prom\n",
            "p.yaml:3:3: 'watch's metrics-file' writes m.prom, as 'watch' does (line 3); give each sink its own file"
        ),
    ])
    func mistakesSayWhereAndWhat(watch: String, message: String) {
        #expect(failure(watch) == message)
    }

    @Test func theMetricsFileMovesWithTheOutputFolder() throws {
        let pipeline = try PipelineFile.parse(
            """
            sources:
              - capture: {url: "https://h:9200", indices: [a], out: captures/ccr.jsonl.gz}
            sinks:
              watch: {metrics-file: captures/replstat.prom}
            """, file: "p.yaml")
        let moved = try pipeline.rerooted(under: "D")
        #expect(moved.watch?.metrics?.path == "D/replstat.prom")
        guard case .capture(let capture) = moved.sources.first?.kind else {
            Issue.record("no capture source")
            return
        }
        #expect(capture.out == "D/ccr.jsonl.gz")
    }

    @Test func thePlanNamesTheMetricsFile() throws {
        let pipeline = try parse("    metrics-file: replstat.prom\n    metrics-interval: 30\n")
        #expect(
            pipeline.plan(file: "p.yaml", sourceNames: ["a.jsonl"]).contains(
                "  metrics     replstat.prom, every 30 s of capture time, stale after 900 s\n"))
    }
}
