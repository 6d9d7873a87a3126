import ReplStatCore
import Testing

/// The limits of every setting, checked once for the command line and pipeline files alike.
@Suite struct SettingsTests {
    @Test func theDefaultsAreValid() throws {
        try AnalysisOptions().validate()
        var capture = CaptureOptions(url: "https://h")
        capture.indices = ["a"]
        try capture.validate()
    }

    @Test(arguments: [
        (0, "jobs"), (257, "jobs"),
    ])
    func jobsOutOfRangeIsRefused(jobs: Int, name: String) {
        var options = AnalysisOptions()
        options.jobs = jobs
        let expected = SettingError(
            name, "must be a number of threads, a whole number from 1 to 256, not '\(jobs)'", range: 1...256)
        #expect(throws: expected) { try options.validate() }
    }

    @Test func aLineLimitOver1GiBIsRefused() {
        var options = AnalysisOptions()
        options.maxLineBytes = (1 << 30) + 1
        #expect(throws: SettingError.self) { try options.validate() }
        options.maxLineBytes = 1 << 30
        #expect(throws: Never.self) { try options.validate() }
    }

    /// Each capture setting out of its limits, and the name it is reported under.
    @Test func captureSettingsOutOfLimitsAreRefused() {
        let changes: [(String, (inout CaptureOptions) -> Void)] = [
            ("interval", { $0.intervalMillis = 99 }),
            ("timeout", { $0.timeoutMillis = 0 }),
            ("polls", { $0.polls = 0 }),
            ("polls", { $0.polls = Int(Int32.max) + 1 }),
            ("parallel", { $0.parallel = 257 }),
            ("flush-every", { $0.flushEveryMillis = 0 }),
            ("rotate-daily", { $0.rotation.daily = true }),
            ("rotate-size", { $0.rotation.maxBytes = 1 << 20 }),
            ("indices", { $0.indices = [] }),
        ]
        for (name, change) in changes {
            var options = CaptureOptions(url: "https://h")
            options.indices = ["a"]
            change(&options)
            do {
                try options.validate()
                Issue.record("\(name): accepted")
            } catch {
                #expect(error.name == name)
            }
        }
    }

    @Test func rotationNeedsAnOutFile() throws {
        var options = CaptureOptions(url: "https://h")
        options.indexFile = "indices.txt"
        options.rotation.daily = true
        #expect(throws: SettingError("rotate-daily", "rotates the capture file: give it with", needs: "out")) {
            try options.validate()
        }
        options.out = "ccr.jsonl.gz"
        try options.validate()
    }
}
