import ReplStatCore
import ReplStatPipelineFile
import Testing

@testable import ReplStatPipelines

/// `replstat run --out-dir DIR`: DIR takes the place of the pipeline's own output folder, the
/// deepest folder that holds every relative path it writes.
@Suite struct OutDirTests {
    private func rerooted(_ yaml: String, under directory: String = "D") throws -> Pipeline {
        try PipelineFile.parse(yaml, file: "p.yaml").rerooted(under: directory)
    }

    /// nightly-report.yaml: `reports/nightly/report.md` goes to `D/report.md`, not to
    /// `D/reports/nightly/report.md`.
    @Test func theSinksFolderIsReplaced() throws {
        let moved = try rerooted(
            """
            sources: [a.jsonl]
            sinks:
              markdown: reports/nightly/report.md
              openmetrics: reports/nightly/metrics.prom
              csv: reports/nightly/csv
              rejects: reports/nightly/rejects.jsonl
            """)
        #expect(moved.reports.markdown == .file("D/report.md"))
        #expect(moved.reports.openMetrics == .file("D/metrics.prom"))
        #expect(moved.reports.csv?.directory == "D/csv")
        #expect(moved.rejects == "D/rejects.jsonl")
    }

    /// quality-audit.yaml: the CSV folder is the output folder itself.
    @Test func aCSVFolderThatIsTheOutputFolderBecomesDIR() throws {
        let moved = try rerooted(
            """
            sources: [a.jsonl]
            sinks:
              csv: {dir: reports/quality, tables: [quality]}
              rejects: reports/quality/rejects.jsonl
            """)
        #expect(moved.reports.csv?.directory == "D")
        #expect(moved.rejects == "D/rejects.jsonl")
        let alone = try rerooted("sources: [a.jsonl]\nsinks: {csv: reports/csv}\n", under: "D/")
        #expect(alone.reports.csv?.directory == "D")
    }

    /// capture-and-alert.yaml: the kept capture is what it writes; events go to standard output.
    @Test func theKeptCaptureCounts() throws {
        let moved = try rerooted(
            """
            sources:
              - capture: {url: "https://h:9200", indices: [a], out: captures/ccr.jsonl.gz}
            sinks:
              watch: {to: "-"}
            """)
        guard case .capture(let capture) = moved.sources.first?.kind else {
            Issue.record("no capture source")
            return
        }
        #expect(capture.out == "D/ccr.jsonl.gz")
        #expect(moved.watch?.to == .standardOutput)
    }

    /// Paths in different folders keep what tells them apart; absolute paths and standard output
    /// stay where they are and do not count.
    @Test func onlyTheSharedFolderIsReplaced() throws {
        let moved = try rerooted(
            """
            sources: [a.jsonl]
            sinks:
              markdown: out/day/report.md
              json: "-"
              csv: /abs/csv
              rejects: out/rejects/r.jsonl
              watch: {to: ./out//day/events.jsonl}
            """)
        #expect(moved.reports.markdown == .file("D/day/report.md"))
        #expect(moved.reports.json == .standardOutput)
        #expect(moved.reports.csv?.directory == "/abs/csv")
        #expect(moved.rejects == "D/rejects/r.jsonl")
        #expect(moved.watch?.to == .file("D/day/events.jsonl"))
        let flat = try rerooted("sources: [a.jsonl]\nsinks: {markdown: r.md, rejects: x/rej.jsonl}\n")
        #expect(flat.reports.markdown == .file("D/r.md"))
        #expect(flat.rejects == "D/x/rej.jsonl")
    }

    /// A shared folder is never cut right before a `..`, which would send the path out of DIR:
    /// `a/../b/x.md` stays under `D/a`.
    @Test func parentStepsStayWhereTheyWere() throws {
        let moved = try rerooted("sources: [a.jsonl]\nsinks: {markdown: a/../b/x.md, json: a/y.json}\n")
        #expect(moved.reports.markdown == .file("D/a/../b/x.md"))
        #expect(moved.reports.json == .file("D/a/y.json"))
        let above = try rerooted("sources: [a.jsonl]\nsinks: {markdown: ../out/x.md, json: ../out/y.json}\n")
        #expect(above.reports.markdown == .file("D/x.md"))
        #expect(above.reports.json == .file("D/y.json"))
    }

    /// A path that climbs out of the folder `--out-dir` replaces (`../x.md` beside
    /// `reports/y.json`) would climb out of DIR too (`D/../x.md`): refused, the path named.
    @Test(arguments: ["../x.md", "reports/../../x.md", "./../../x.md"])
    func aPathThatClimbsOutOfTheFolderIsRefused(_ markdown: String) throws {
        let pipeline = try PipelineFile.parse(
            "sources: [a.jsonl]\nsinks: {markdown: \(markdown), json: reports/y.json}\n", file: "p.yaml")
        #expect {
            try pipeline.rerooted(under: "D")
        } throws: { error in
            "\(error)"
                == "--out-dir D cannot hold \(markdown): it climbs out of the pipeline's output folder; "
                + "write it under that folder, or give it as an absolute path"
        }
    }
}
