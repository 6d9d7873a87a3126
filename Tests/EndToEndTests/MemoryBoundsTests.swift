import Foundation
import Testing

/// The memory bounds of docs/robustness.md ("Memory and time bounds"), measured on the built
/// binary with GNU time: peak RSS, the child's own `ru_maxrss`.
@Suite(.timeLimit(.minutes(10))) struct MemoryBoundsTests {
    static let time = "/usr/bin/time"

    /// Runs `command` (a shell command line whose last step is replstat) and returns its peak
    /// RSS in KiB.
    private func peakKilobytes(_ command: String, in dir: TemporaryDirectory) throws -> Int {
        let run = try Replstat.bash(
            "\(command.replacingOccurrences(of: "REPLSTAT", with: "\(Self.time) -f %M -o \"\(dir.file("rss").path)\" \"\(Replstat.binary.path)\""))"
        )
        #expect(run.status == 0, "\(command): \(run.stderr)")
        let text = try String(contentsOf: dir.file("rss"), encoding: .utf8)
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    /// More per index, from 20,000 to 60,000 indices of 2 polls each: under 1,000 bytes for
    /// `watch`, `analyze --format csv` and the Markdown report, issue 10's target (2.6 KiB before
    /// the layout was made compact; 1.7 KiB for the Markdown report while each index kept a lag
    /// timeline of 48-byte buckets for its sparkline and the report copied the figures of every
    /// index with a status sample). From 20,000 on, what does not grow with the indices (the
    /// pieces of input under way, the decoding lanes' names, which they forget past 16,384) has
    /// its full size.
    @Test func eachIndexCostsAboutAKilobyte() throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.time), "GNU time is needed (apt-get install time)")
        let dir = try TemporaryDirectory()
        let (few, many) = (20_000, 60_000)
        for indices in [few, many] {
            let run = try Replstat.run([
                "simulate", "--indices", String(indices), "--polls", "2", "--output",
                dir.file("\(indices).jsonl.gz").path,
            ])
            try #require(run.status == 0, "\(run.stderr)")
        }
        for (name, command, bound) in [
            ("analyze", "REPLSTAT analyze CAPTURE > /dev/null", 1000.0),
            ("analyze --format csv", "REPLSTAT analyze --format csv --out \"\(dir.url.path)/csv\" CAPTURE", 1000.0),
            ("watch", "REPLSTAT watch CAPTURE > /dev/null", 1000.0),
        ] {
            let peaks = try [few, many].map { indices in
                try peakKilobytes(
                    command.replacingOccurrences(of: "CAPTURE", with: "\"\(dir.file("\(indices).jsonl.gz").path)\""),
                    in: dir)
            }
            let perIndex = Double(peaks[1] - peaks[0]) * 1024 / Double(many - few)
            #expect(peaks[0] > 0 && perIndex < bound, "\(name): \(peaks) KiB, \(Int(perIndex)) bytes per index")
        }
    }

    /// 12 MiB of lines of a byte or two, blank or not JSON, decoded by 8 jobs: a piece of 512 KiB
    /// of them is 512K decoded lines, so the pieces under way took about 600 MB (under 50 MB with
    /// one job) before pieces were cut by lines too (`LineFramer.linesPerPiece`). The JSON
    /// report is the same as with one job.
    @Test(arguments: ["blank", "x"]) func piecesOfTinyLinesTakeBoundedMemory(lines: String) throws {
        let (command, count) =
            lines == "blank"
            ? ("head -c 12M /dev/zero | tr '\\0' '\\n'", 12 << 20) : ("{ yes x || true; } | head -c 12M", 6 << 20)
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.time), "GNU time is needed (apt-get install time)")
        let dir = try TemporaryDirectory()
        let capture = dir.file("\(lines).jsonl.gz").path
        try #require(try Replstat.bash("\(command) | gzip -1 > \"\(capture)\"").status == 0)
        var reports: [String] = []
        for jobs in [8, 1] {
            let report = dir.file("\(jobs).json").path
            let peak = try peakKilobytes(
                "REPLSTAT analyze --jobs \(jobs) --format json \"\(capture)\" > \"\(report)\"", in: dir)
            #expect(peak > 0 && peak < 128 * 1024, "\(lines), --jobs \(jobs): peak RSS \(peak) KiB")
            reports.append(try String(contentsOfFile: report, encoding: .utf8))
        }
        #expect(reports[0] == reports[1] && reports[0].contains("\"totals\": {\"lines\":\(count),"))
    }

    /// 80 distinct reasons of 900 KB each (72 MB, each line under the 1 MiB limit), each
    /// ending a status: the reasons come out whole in transitions.csv while the run's memory
    /// stays far below what holding them would take (about 220 MB before).
    @Test func distinctLongReasonsComeOutWholeWithoutFillingTheMemory() throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.time), "GNU time is needed (apt-get install time)")
        let dir = try TemporaryDirectory()
        let filler = String(repeating: "x", count: 900 * 1024)
        var capture = Data()
        for number in 0..<80 {
            let status = number % 2 == 0 ? "PAUSED" : "FAILED"
            let line =
                "{\"@timestamp\":\"2026-11-28T00:\(String(format: "%02d", number / 6)):\(String(format: "%02d", number % 6 * 10)).000Z\","
                + "\"index\":\"follower\",\"response\":{\"status\":\"\(status)\",\"reason\":\"\(number) \(filler)\"}}\n"
            capture.append(Data(line.utf8))
        }
        try capture.write(to: dir.file("texts.jsonl"))
        let peak = try peakKilobytes(
            "REPLSTAT analyze --format csv --out \"\(dir.url.path)/csv\" \"\(dir.file("texts.jsonl").path)\"", in: dir)
        #expect(peak > 0 && peak < 128 * 1024, "peak RSS \(peak) KiB")
        let transitions = try String(contentsOf: dir.url.appendingPathComponent("csv/transitions.csv"), encoding: .utf8)
        let reasons = CSV.parse(transitions).dropFirst().map { $0[4] }
        #expect(reasons == (1..<80).map { "\($0) \(filler)" })
    }
}
