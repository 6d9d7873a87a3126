import Foundation
import Testing

/// Every conformance case of `shared/conformance`, run on the built binary exactly as
/// `run.py` runs it: `replstat analyze --format csv --out TMP ARGS...` inside the case folder.
@Suite struct ConformanceTests {
    static let reportFiles = [
        "summary.csv", "transitions.csv", "stalls.csv", "gaps.csv", "errors.csv", "shards.csv", "quality.csv",
    ]

    @Test func theCasesAreThere() {
        #expect(Conformance.caseNames.count >= 10)
    }

    @Test(arguments: Conformance.caseNames)
    func conformanceCase(_ name: String) throws {
        let folder = Conformance.casesDirectory.appendingPathComponent(name)
        let expected = folder.appendingPathComponent("expected")
        let out = try TemporaryDirectory()
        let run = try Replstat.run(
            ["analyze", "--format", "csv", "--out", out.url.path] + Conformance.arguments(of: name), in: folder)
        let wantedStatus = try String(contentsOf: expected.appendingPathComponent("exit_code"), encoding: .utf8)
        #expect(run.status == Int32(wantedStatus.trimmingCharacters(in: .whitespacesAndNewlines)), "\(run.stderr)")
        for file in Self.reportFiles {
            let want = CSV.parse(try String(contentsOf: expected.appendingPathComponent(file), encoding: .utf8))
            let got = CSV.parse(try String(contentsOf: out.file(file), encoding: .utf8))
            let problems = CSV.differences(got: got, expected: want, file: file)
            #expect(problems.isEmpty, "\(name): \(problems.prefix(8).joined(separator: "; "))")
        }
    }

    /// Reports are byte-identical from run to run and do not depend on how the input is chunked,
    /// on the number of jobs, nor on a rejects file (which makes the shards answer line by line).
    @Test(arguments: ["fleet", "sources", "truncated-gzip", "shards", "time-dimension"])
    func deterministic(_ name: String) throws {
        let folder = Conformance.casesDirectory.appendingPathComponent(name)
        var outputs: [[Data]] = []
        for extra in [[], [], ["--jobs", "1"], ["--jobs", "3", "--rejects", "rejects.jsonl"]] {
            let out = try TemporaryDirectory()
            let rejects = extra.map { $0 == "rejects.jsonl" ? out.file($0).path : $0 }
            _ = try Replstat.run(
                ["analyze", "--format", "csv", "--out", out.url.path] + rejects + Conformance.arguments(of: name),
                in: folder)
            outputs.append(try Self.reportFiles.map { try Data(contentsOf: out.file($0)) })
        }
        for output in outputs.dropFirst() { #expect(output == outputs[0]) }
    }
}
