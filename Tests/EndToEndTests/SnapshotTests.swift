import Foundation
import Testing

/// What people read, compared byte for byte with golden files in `Snapshots/`: the help of
/// every command, and the Markdown and JSON reports of a shipped sample. A change to any of them
/// shows up here as a diff to look at. To accept a change on purpose, run
/// `REPLSTAT_UPDATE_SNAPSHOTS=1 swift test --filter SnapshotTests`, read the diff of
/// `Tests/EndToEndTests/Snapshots`, and commit it.
@Suite struct SnapshotTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let updating = ProcessInfo.processInfo.environment["REPLSTAT_UPDATE_SNAPSHOTS"] == "1"

    @Test(arguments: ["", "analyze", "watch", "capture", "run", "simulate", "split", "merge"])
    func help(_ command: String) throws {
        let run = try Replstat.run(command.isEmpty ? ["--help"] : [command, "--help"])
        #expect(run.status == 0, "\(run.stderr)")
        try Self.compare(Self.withoutCommit(run.stdout), with: "help-\(command.isEmpty ? "replstat" : command).txt")
    }

    /// The root help ends its description with `replstat 0.1.0 (commit 5f525f29d3fa)`, which
    /// changes with every commit: the golden file holds `(commit …)` in its place
    /// (`HelpAndVersionTests` checks the line itself).
    static func withoutCommit(_ help: Data) -> Data {
        let lines = String(decoding: help, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        return Data(
            lines.map { line in
                guard line.hasPrefix("replstat "), let open = line.firstIndex(of: "("), line.hasSuffix(")") else {
                    return String(line)
                }
                return line[..<open] + "(commit …)"
            }.joined(separator: "\n").utf8)
    }

    @Test(arguments: [("markdown", "md"), ("json", "json"), ("openmetrics", "prom")])
    func reportOfASample(format: String, suffix: String) throws {
        // From the repository, so that the source is named as a user names it.
        let run = try Replstat.run(
            ["analyze", "--format", format, "samples/autopause.jsonl.gz"], in: Self.repository)
        #expect(run.status == 0, "\(run.stderr)")
        try Self.compare(run.stdout, with: "autopause.\(suffix)")
    }

    static func compare(_ output: Data, with name: String) throws {
        let golden = folder.appendingPathComponent(name)
        if updating {
            try output.write(to: golden)
            return
        }
        let expected = try Data(contentsOf: golden)
        guard output != expected else { return }
        let got = String(decoding: output, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let want = String(decoding: expected, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let line =
            zip(got, want).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(got.count, want.count)
        Issue.record(
            """
            \(name) differs from line \(line + 1): got
              \(line < got.count ? got[line] : "(end)")
            expected
              \(line < want.count ? want[line] : "(end)")
            (REPLSTAT_UPDATE_SNAPSHOTS=1 swift test --filter SnapshotTests rewrites the golden files)
            """)
    }
}
