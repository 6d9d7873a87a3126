import Foundation
import Testing

/// The command as a user meets it: exit statuses, messages, standard input, the rejects file.
@Suite(.timeLimit(.minutes(10))) struct CommandLineTests {
    static let outcomesCase = Conformance.casesDirectory.appendingPathComponent("outcomes")
    static let lifecycleCapture = Conformance.casesDirectory.appendingPathComponent("lifecycle/capture.jsonl")
    static let truncatedGzip = Conformance.casesDirectory.appendingPathComponent("truncated-gzip/cut.jsonl.gz")

    static let goodLine = #"{"@timestamp":"2026-11-28T00:00:00Z","index":"a","response":{"status":"PAUSED"}}"#

    private func quality(_ out: TemporaryDirectory) throws -> [[String]] {
        CSV.parse(try String(contentsOf: out.file("quality.csv"), encoding: .utf8))
    }

    @Test func rejectsFileGivesBackEveryRejectedLineByteForByte() throws {
        let out = try TemporaryDirectory()
        let rejectsPath = out.file("rejects.jsonl").path
        let run = try Replstat.run(
            [
                "analyze", "--format", "csv", "--out", out.url.path, "--rejects", rejectsPath, "--max-line-bytes",
                "400",
                "capture.jsonl",
            ], in: Self.outcomesCase)
        #expect(run.status == 0, "\(run.stderr)")

        let input = try Data(contentsOf: Self.outcomesCase.appendingPathComponent("capture.jsonl"))
        let inputLines = input.split(separator: 0x0A, omittingEmptySubsequences: false).map { Data($0) }
        let rejectLines = try Data(contentsOf: URL(fileURLWithPath: rejectsPath))
            .split(separator: 0x0A).map { Data($0) }
        // outcomes has 18 lines: 2 blank, 2 status, 1 error and 13 rejects (docs/format.md, by hand).
        #expect(rejectLines.count == 13)
        var reasons: [String: Int] = [:]
        for line in rejectLines {
            let object = try #require(try JSONSerialization.jsonObject(with: line) as? [String: Any])
            #expect(object["source"] as? String == "capture.jsonl")
            let number = try #require(object["line"] as? Int)
            let reason = try #require(object["reason"] as? String)
            reasons[reason, default: 0] += 1
            let recovered: Data
            if let text = object["text"] as? String {
                recovered = Data(text.utf8)
            } else {
                let encoded = try #require(object["base64"] as? String)
                recovered = try #require(Data(base64Encoded: encoded))
            }
            #expect(recovered == inputLines[number - 1], "line \(number)")
        }
        #expect(reasons["line_too_long"] == 1)
        #expect(reasons["invalid_json"] == 2)
        #expect(reasons["invalid_field"] == 2)
        #expect(reasons["late"] == 1)
        #expect(reasons["duplicate"] == 1)
    }

    @Test func invalidUTF8IsRecoveredFromBase64() throws {
        let dir = try TemporaryDirectory()
        let capture = dir.file("bad.jsonl")
        let bad: [UInt8] = Array(#"{"x":""#.utf8) + [0xC0, 0x80] + Array("\"}\r".utf8)
        try Data(bad + [0x0A]).write(to: capture)
        let rejects = dir.file("rejects.jsonl")
        let run = try Replstat.run([
            "analyze", "--format", "csv", "--out", dir.url.path, "--rejects", rejects.path, capture.path,
        ])
        #expect(run.status == 0)
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: rejects)) as? [String: Any])
        #expect(object["reason"] as? String == "invalid_json")
        #expect(object["text"] == nil)
        let encoded = try #require(object["base64"] as? String)
        #expect(Data(base64Encoded: encoded) == Data(bad))
    }

    @Test func strictExitsThreeOnRejects() throws {
        let out = try TemporaryDirectory()
        let run = try Replstat.run(
            ["analyze", "--strict", "--format", "csv", "--out", out.url.path, "capture.jsonl"], in: Self.outcomesCase)
        #expect(run.status == 3)
        #expect(run.stderr.contains("--strict"))
        let clean = try Replstat.run([
            "analyze", "--strict", "--format", "csv", "--out", out.url.path, Self.lifecycleCapture.path,
        ])
        #expect(clean.status == 0)
    }

    @Test func damageWinsOverStrict() throws {
        let out = try TemporaryDirectory()
        let run = try Replstat.run(
            ["analyze", "--strict", "--format", "csv", "--out", out.url.path, Self.truncatedGzip.path])
        #expect(run.status == 1)
        #expect(run.stderr.contains("cut.jsonl.gz"))
        #expect(run.stderr.contains("at byte 2815"))
    }

    @Test(arguments: [
        ["analyze", "--max-gap", "-1"], ["analyze", "--max-gap", "abc"], ["analyze", "--stall-after", "1e3"],
        ["analyze", "--reorder-window", ""], ["analyze", "--format", "csv"], ["analyze", "--format", "xml"],
        ["analyze", "--no-such-option"], ["analyze", "--max-line-bytes", "-5"], ["frobnicate"],
        // The limits a pipeline file has too (AnalysisOptions, CaptureOptions).
        ["analyze", "--jobs", "257"], ["capture", "--url", "http://127.0.0.1:9", "--index", "a", "--flush-every", "0"],
        ["capture", "--url", "http://127.0.0.1:9", "--index", "a", "--polls", "2147483648"],
    ])
    func usageErrorsExitTwo(_ arguments: [String]) throws {
        let run = try Replstat.run(arguments, stdin: Data())
        #expect(run.status == 2, "\(arguments): \(run.stderr)")
        #expect(run.stderr.contains("Usage") || run.stderr.contains("Error") || run.stderr.contains("error"))
    }

    /// `--out ""` would put `report.md` at the root of the file system ("" + "/report.md").
    @Test(arguments: [["analyze", "--out", ""], ["analyze", "--format", "csv", "--out", ""], ["merge", "--out", ""]])
    func anEmptyOutIsAUsageError(_ arguments: [String]) throws {
        let run = try Replstat.run(arguments + ["-"], stdin: Data())
        #expect(run.status == 2, "\(arguments): \(run.stderr)")
        #expect(run.stderr.contains("--out needs a folder's name, not an empty one."), "\(run.stderr)")
    }

    @Test func helpExitsZero() throws {
        let run = try Replstat.run(["analyze", "--help"])
        #expect(run.status == 0)
        #expect(run.stdoutText.contains("--reorder-window"))
    }

    @Test func secondsAreTakenToTheMillisecond() throws {
        // Two samples 0.5 s apart; with --max-gap 0.4999 the pair is a gap, with 0.5 it is not.
        let dir = try TemporaryDirectory()
        let capture = try dir.write(
            "c.jsonl",
            """
            {"@timestamp":"2026-11-28T00:00:00.000Z","index":"a","response":{"status":"PAUSED"}}
            {"@timestamp":"2026-11-28T00:00:00.500Z","index":"a","response":{"status":"PAUSED"}}

            """)
        for (gap, gaps) in [("0.4999", "1"), ("0.5", "0")] {
            let run = try Replstat.run([
                "analyze", "--format", "csv", "--out", dir.url.path, "--max-gap", gap, capture.path,
            ])
            #expect(run.status == 0)
            let summary = CSV.parse(try String(contentsOf: dir.file("summary.csv"), encoding: .utf8))
            let column = try #require(summary[0].firstIndex(of: "gaps"))
            #expect(summary[1][column] == gaps, "--max-gap \(gap)")
        }
    }

    @Test func standardInputIsNamedDash() throws {
        let out = try TemporaryDirectory()
        let bytes = try Data(contentsOf: Self.lifecycleCapture)
        let run = try Replstat.run(["analyze", "--format", "csv", "--out", out.url.path], stdin: bytes)
        #expect(run.status == 0)
        let rows = try quality(out)
        #expect(rows[1] == ["-", "lines", "15"])
        #expect(rows.last == ["*", "duplicate", "0"])
    }

    /// Foundation and ICU come with Yams, which only `replstat-run` links: `analyze` and the
    /// other commands start without them (README, Start-up).
    @Test func replstatLoadsNeitherFoundationNorICU() throws {
        let libraries = try Replstat.shell("ldd '\(Replstat.binary.path)'").stdoutText
        #expect(!libraries.contains("libFoundation.so"), "\(libraries)")
        #expect(!libraries.contains("ICU"), "\(libraries)")
    }

    @Test func gzipOnStandardInputIsDetectedByContent() throws {
        let out = try TemporaryDirectory()
        let bytes = try Data(contentsOf: Conformance.casesDirectory.appendingPathComponent("fleet/fleet.jsonl.gz"))
        let viaStdin = try Replstat.run(["analyze", "--format", "csv", "--out", out.url.path, "-"], stdin: bytes)
        #expect(viaStdin.status == 0)
        let summaryViaStdin = try Data(contentsOf: out.file("summary.csv"))
        let expected = try Data(
            contentsOf: Conformance.casesDirectory.appendingPathComponent("fleet/expected/summary.csv"))
        #expect(
            CSV.differences(
                got: CSV.parse(String(decoding: summaryViaStdin, as: UTF8.self)),
                expected: CSV.parse(String(decoding: expected, as: UTF8.self)), file: "summary.csv"
            ).isEmpty)
    }

    @Test func unreadableSourcesAreReportedAndTheOthersStillRun() throws {
        let dir = try TemporaryDirectory()
        let out = dir.file("out")
        let missing = dir.file("missing.jsonl").path
        let run = try Replstat.run(
            ["analyze", "--format", "csv", "--out", out.path, missing, dir.url.path, Self.lifecycleCapture.path])
        #expect(run.status == 1)
        #expect(run.stderr.contains(missing))
        #expect(run.stderr.contains("is a directory"))
        let rows = CSV.parse(try String(contentsOf: out.appendingPathComponent("quality.csv"), encoding: .utf8))
        #expect(rows.contains([missing, "lines", "0"]))
        #expect(rows.contains([dir.url.path, "lines", "0"]))
        #expect(rows.contains(["*", "lines", "15"]))
        let summary = CSV.parse(try String(contentsOf: out.appendingPathComponent("summary.csv"), encoding: .utf8))
        #expect(summary.count == 3)
    }

    @Test func anOutputFolderThatCannotBeWrittenFailsBeforeReading() throws {
        let dir = try TemporaryDirectory()
        let notAFolder = try dir.write("file", "x")
        // Standard input is never closed: a run that read it would hang, so reaching exit 1 shows it did not.
        let run = try Replstat.run(["analyze", "--format", "csv", "--out", notAFolder.path + "/sub"])
        #expect(run.status == 1)
        #expect(run.stderr.contains(notAFolder.path))
    }

    @Test func aSourceNamedTwiceIsReadTwice() throws {
        let out = try TemporaryDirectory()
        let run = try Replstat.run(
            [
                "analyze", "--format", "csv", "--out", out.url.path, Self.lifecycleCapture.path,
                Self.lifecycleCapture.path,
            ])
        #expect(run.status == 0)
        let rows = try quality(out)
        #expect(rows.contains(["*", "lines", "30"]))
        // The second reading repeats every sample. Its newest is 00:17:10, so within the 300 s window only
        // those at or after 00:12:10 are duplicates (00:16:40, 00:17:00, 00:17:10); the 10 older are late.
        #expect(rows.contains(["*", "duplicate", "3"]))
        #expect(rows.contains(["*", "late", "10"]))
        #expect(rows.contains(["*", "status", "13"]))
        #expect(rows.contains(["*", "error", "4"]))
    }

    @Test func markdownGoesToStandardOutputByDefault() throws {
        let run = try Replstat.run(["analyze", Self.lifecycleCapture.path])
        #expect(run.status == 0)
        #expect(run.stdoutText.contains("follower-01"))
        #expect(run.stdoutText.hasPrefix("#"))
    }

    @Test func reportFilesAreReplacedWholeAndNoTemporaryIsLeft() throws {
        let out = try TemporaryDirectory()
        try Data("stale".utf8).write(to: out.file("summary.csv"))
        let run = try Replstat.run(["analyze", "--format", "csv", "--out", out.url.path, Self.lifecycleCapture.path])
        #expect(run.status == 0)
        let names = try FileManager.default.contentsOfDirectory(atPath: out.url.path).sorted()
        #expect(
            names == [
                "errors.csv", "gaps.csv", "quality.csv", "shards.csv", "stalls.csv", "summary.csv", "transitions.csv",
            ])
        #expect(try String(contentsOf: out.file("summary.csv"), encoding: .utf8).hasPrefix("index,leader_alias"))
    }
}

/// An interrupted run leaves the previous reports, or the new complete ones, and no debris.
@Suite(.timeLimit(.minutes(10))) struct InterruptTests {
    @Test(arguments: [SIGINT, SIGTERM])
    func anInterruptedRunLeavesThePreviousReportsAndNoTemporaryFiles(signal: Int32) throws {
        let out = try TemporaryDirectory()
        try Data("previous\n".utf8).write(to: out.file("summary.csv"))
        let process = Process()
        process.executableURL = Replstat.binary
        process.arguments = [
            "analyze", "--format", "csv", "--out", out.url.path, "--rejects", out.file("rejects.jsonl").path, "-",
        ]
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Some input, a rejected line among it, and the pipe left open: the run is mid-way.
        input.fileHandleForWriting.write(Data("not json\n".utf8))
        var temporaryExists = false
        for _ in 0..<200 where !temporaryExists {
            Thread.sleep(forTimeInterval: 0.02)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: out.url.path)) ?? []
            temporaryExists = names.contains { $0.hasPrefix("rejects.jsonl.tmp-") }
        }
        #expect(temporaryExists)
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 128 + signal)
        let names = try FileManager.default.contentsOfDirectory(atPath: out.url.path)
        #expect(names == ["summary.csv"])
        #expect(try String(contentsOf: out.file("summary.csv"), encoding: .utf8) == "previous\n")
    }
}
