import Foundation
import Testing

/// Every conformance case of `shared/conformance`, run on the built binary exactly as
/// `run.py` runs it: `replstat analyze --format csv --out TMP ARGS...` inside the case folder.
@Suite struct ConformanceTests {
    static let reportFiles = ["summary.csv", "transitions.csv", "stalls.csv", "quality.csv"]

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

    /// Reports are byte-identical from run to run and do not depend on how the input is chunked.
    @Test(arguments: ["fleet", "sources", "truncated-gzip"])
    func deterministic(_ name: String) throws {
        let folder = Conformance.casesDirectory.appendingPathComponent(name)
        var outputs: [[Data]] = []
        for _ in 0..<2 {
            let out = try TemporaryDirectory()
            _ = try Replstat.run(
                ["analyze", "--format", "csv", "--out", out.url.path] + Conformance.arguments(of: name), in: folder)
            outputs.append(try Self.reportFiles.map { try Data(contentsOf: out.file($0)) })
        }
        #expect(outputs[0] == outputs[1])
    }
}
