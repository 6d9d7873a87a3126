import Foundation
import Synchronization
import Testing

/// `replstat watch`: events as they happen, the same engine as `analyze`.
@Suite(.timeLimit(.minutes(2))) struct WatchTests {
    /// A status line of a tiny capture, `seconds` after 2026-11-28T00:00:00Z.
    static func line(
        _ seconds: Int, _ index: String = "f", status: String = "SYNCING", leader: Int? = nil, follower: Int? = nil
    ) -> String {
        let time = String(format: "2026-11-28T00:%02d:%02d.000Z", seconds / 60, seconds % 60)
        var body = #""status":"\#(status)""#
        if let leader, let follower {
            body += #","syncing_details":{"leader_checkpoint":\#(leader),"follower_checkpoint":\#(follower)}"#
        }
        return #"{"@timestamp":"\#(time)","index":"\#(index)","response":{\#(body)}}"#
    }

    static func errorLine(_ seconds: Int, _ index: String = "f") -> String {
        let time = String(format: "2026-11-28T00:%02d:%02d.000Z", seconds / 60, seconds % 60)
        return #"{"@timestamp":"\#(time)","index":"\#(index)","response":{"error":{"type":"x"},"status":500}}"#
    }

    private func events(_ arguments: [String], input: [String]) throws -> [[String: Any]] {
        let run = try Replstat.run(["watch"] + arguments, stdin: Data((input.joined(separator: "\n") + "\n").utf8))
        #expect(run.status == 0, "\(run.stderr)")
        return try run.stdout.split(separator: 0x0A).map {
            try #require(try JSONSerialization.jsonObject(with: Data($0)) as? [String: Any])
        }
    }

    private func kinds(_ events: [[String: Any]]) -> [String] { events.map { $0["event"] as? String ?? "?" } }

    @Test func transitionsGapsAndErrorsOncePerRun() throws {
        let got = try events(
            ["--reorder-window", "0", "--max-gap", "60"],
            input: [
                Self.line(0), Self.errorLine(5), Self.errorLine(6), Self.line(10, status: "PAUSED"),
                Self.errorLine(15), Self.line(100, status: "PAUSED"),
            ])
        #expect(kinds(got) == ["error", "transition", "error", "gap"])
        #expect(got[1]["from_status"] as? String == "SYNCING" && got[1]["to_status"] as? String == "PAUSED")
        #expect(got[1]["time"] as? String == "2026-11-28T00:00:10.000Z")
        #expect(got[3]["start"] as? String == "2026-11-28T00:00:10.000Z")
        #expect(got[3]["seconds"] as? Double == 90)
    }

    @Test func stallAndLagBreachStartAndEnd() throws {
        // Behind at checkpoint 5 from 0 s to 40 s, then moving: a 40 s stall (stall-after 30) and a
        // lag over 100 for 40 s (alert after 20 s).
        let got = try events(
            ["--reorder-window", "0", "--stall-after", "30", "--lag-above", "100", "--for", "20"],
            input: [
                Self.line(0, leader: 200, follower: 5), Self.line(10, leader: 300, follower: 5),
                Self.line(20, leader: 400, follower: 5), Self.line(30, leader: 500, follower: 5),
                Self.line(40, leader: 600, follower: 5), Self.line(50, leader: 600, follower: 600),
            ])
        #expect(kinds(got) == ["lag_breach_start", "stall_start", "stall_end", "lag_breach_end"])
        #expect(got[0]["time"] as? String == "2026-11-28T00:00:20.000Z" && got[0]["lag"] as? Int == 395)
        #expect(got[1]["time"] as? String == "2026-11-28T00:00:30.000Z")
        #expect(got[2]["seconds"] as? Double == 40 && got[2]["max_lag"] as? Int == 595)
        #expect(got[3]["end"] as? String == "2026-11-28T00:00:40.000Z")
        #expect(got[3]["time"] as? String == "2026-11-28T00:00:50.000Z")
    }

    @Test func rejectsOnlyWhenAsked() throws {
        let input = [Self.line(0), "not json", Self.line(0)]
        #expect(try events([], input: input).isEmpty)
        let got = try events(["--show-rejects"], input: input)
        #expect(kinds(got) == ["reject", "reject"])
        #expect(got[0]["line"] as? Int == 2 && got[0]["reason"] as? String == "invalid_json")
        #expect(got[1]["line"] as? Int == 3 && got[1]["reason"] as? String == "duplicate")
    }

    @Test func eventsWaitForTheReorderWindow() throws {
        // With a 30 s window the transition at 10 s is final only once a sample 30 s newer arrives;
        // the late-arriving 5 s sample still lands before it.
        let got = try events(
            ["--reorder-window", "30", "--max-gap", "600"],
            input: [Self.line(0), Self.line(10, status: "PAUSED"), Self.line(5), Self.line(40, status: "PAUSED")])
        #expect(kinds(got) == ["transition"])
        #expect(got[0]["seconds"] as? Double == 10)
    }

    @Test func summaryOnRequest() throws {
        let input = Data(([Self.line(0), "x", Self.line(10, status: "PAUSED")].joined(separator: "\n") + "\n").utf8)
        let run = try Replstat.run(["watch", "--summary", "--reorder-window", "0"], stdin: input)
        #expect(run.status == 0)
        #expect(run.stderr == "replstat watch: 3 lines, 1 event, 1 rejected, 1 index\n")
        #expect(try Replstat.run(["watch"], stdin: input).stderr.isEmpty)
    }

    @Test func usageErrors() throws {
        #expect(try Replstat.run(["watch", "--lag-above", "5"], stdin: Data()).status == 2)
        #expect(try Replstat.run(["watch", "--format", "xml"], stdin: Data()).status == 2)
    }

    /// The transitions and stalls `watch` prints for a capture are the rows of `analyze`'s
    /// transitions.csv and stalls.csv, on every single-source conformance input.
    @Test(arguments: Conformance.caseNames.filter { $0 != "sources" })
    func sameTransitionsAndStallsAsAnalyze(_ name: String) throws {
        let folder = Conformance.casesDirectory.appendingPathComponent(name)
        let arguments = try Conformance.arguments(of: name)
        let out = try TemporaryDirectory()
        _ = try Replstat.run(["analyze", "--format", "csv", "--out", out.url.path] + arguments, in: folder)
        let watch = try Replstat.run(["watch", "--format", "csv"] + arguments, in: folder)
        let rows = CSV.parse(watch.stdoutText)
        let header = try #require(rows.first)
        func column(_ row: [String], _ name: String) -> String { row[header.firstIndex(of: name)!] }
        let transitions = rows.dropFirst().filter { $0[0] == "transition" }.map { row in
            [
                column(row, "time"), column(row, "index"), column(row, "from_status"), column(row, "to_status"),
                column(row, "reason"), column(row, "seconds"), column(row, "leader_checkpoint"),
                column(row, "follower_checkpoint"),
            ]
        }
        let stalls = rows.dropFirst().filter { $0[0] == "stall_end" }.map { row in
            [
                column(row, "index"), column(row, "start"), column(row, "end"), column(row, "seconds"),
                column(row, "follower_checkpoint"), column(row, "max_lag"),
            ]
        }
        let analyzed = CSV.parse(try String(contentsOf: out.file("transitions.csv"), encoding: .utf8)).dropFirst()
        let analyzedStalls = CSV.parse(try String(contentsOf: out.file("stalls.csv"), encoding: .utf8)).dropFirst()
        let byTimeAndIndex: ([String], [String]) -> Bool = { ($0[0], $0[1]) < ($1[0], $1[1]) }
        #expect(transitions.sorted(by: byTimeAndIndex) == Array(analyzed))
        #expect(stalls.sorted { ($0[1], $0[0]) < ($1[1], $1[0]) } == Array(analyzedStalls))
        #expect(watch.status == (name == "truncated-gzip" ? 1 : 0))
    }

    /// Lines written one at a time, with pauses: each event is on standard output before the
    /// next line is written, long before the input ends.
    @Test func eventsComeOutWhileTheInputIsStillOpen() throws {
        let process = Process()
        process.executableURL = Replstat.binary
        process.arguments = ["watch", "--reorder-window", "0"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let received = Mutex(Data())
        let reading = Thread {
            while true {
                let data = output.fileHandleForReading.availableData
                if data.isEmpty { return }
                received.withLock { $0.append(data) }
            }
        }
        reading.start()
        func waitForLines(_ count: Int) -> Bool {
            for _ in 0..<400 {
                if received.withLock({ $0.split(separator: 0x0A).count }) >= count { return true }
                Thread.sleep(forTimeInterval: 0.025)
            }
            return false
        }
        let writer = input.fileHandleForWriting
        let statuses = ["SYNCING", "PAUSED", "SYNCING", "FAILED"]
        for (step, status) in statuses.enumerated() {
            writer.write(Data((Self.line(step * 10, status: status) + "\n").utf8))
            // The first line makes no event; each later one makes one transition, at once.
            #expect(waitForLines(step), "event \(step) did not come while the input was open")
            Thread.sleep(forTimeInterval: 0.1)
        }
        try writer.close()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let lines = received.withLock { $0 }.split(separator: 0x0A).map { String(decoding: $0, as: UTF8.self) }
        #expect(lines.count == 3)
        #expect(Set(lines).count == lines.count)
    }

    /// Events that cannot be written (a full disk) are not lost silently.
    @Test func aFullDiskFailsLoudly() throws {
        let capture = Conformance.casesDirectory.appendingPathComponent("lifecycle/capture.jsonl").path
        let run = try Replstat.shell("\"\(Replstat.binary.path)\" watch --reorder-window 0 \"\(capture)\" > /dev/full")
        #expect(run.status == 1)
        #expect(run.stderr.contains("No space left on device"))
    }

    /// A reader that goes away ends `watch` at once and quietly.
    @Test func aReaderThatGoesAwayEndsItQuietly() throws {
        let dir = try TemporaryDirectory()
        let script = """
            "\(Replstat.binary.path)" simulate --indices 50 --polls 2000 --output "\(dir.file("c.jsonl").path)" &&
            "\(Replstat.binary.path)" watch --reorder-window 0 "\(dir.file("c.jsonl").path)" | head -3
            """
        let run = try Replstat.shell(script)
        #expect(run.stdout.split(separator: 0x0A).count == 3)
        #expect(run.stderr.isEmpty, "\(run.stderr)")
    }
}
