import ReplStatCore
import ReplStatPipelines
import Testing

@testable import ReplStatPipelineFile

/// Pipeline files: the model a valid file gives, and the message and place of each mistake.
@Suite struct PipelineFileTests {
    private func parse(_ text: String) throws -> Pipeline {
        try PipelineFile.parse(text, file: "p.yaml")
    }

    /// The one-line message of a file that must be rejected.
    private func failure(_ text: String) -> String {
        do {
            _ = try PipelineFile.parse(text, file: "p.yaml")
            return "accepted"
        } catch {
            return error.description
        }
    }

    @Test func everyKeyIsReadIntoTheModel() throws {
        let pipeline = try parse(
            """
            sources:
              - captures/*.jsonl.gz
              - day.jsonl
              - stdin
            analysis:
              reorder-window: 0.5
              max-gap: 120
              stall-after: 30.25
              max-line-bytes: 4096
              jobs: 3
              strict: true
            sinks:
              markdown: reports/r.md
              html: reports/r.html
              json: "-"
              openmetrics: reports/metrics.prom
              csv: {dir: reports/csv/, tables: [quality, summary]}
              rejects: reports/rejects.jsonl
              watch:
                to: events.csv
                format: csv
                lag-above: 100000
                for: 300
                show-rejects: true
                summary: yes
            """)
        #expect(pipeline.sources.map(\.kind) == [.glob("captures/*.jsonl.gz"), .path("day.jsonl"), .standardInput])
        #expect(pipeline.sources[1].location == FileLocation(file: "p.yaml", line: 3, column: 5))
        #expect(pipeline.options.reorderWindow == 500)
        #expect(pipeline.options.maxGap == 120_000)
        #expect(pipeline.options.stallAfter == 30_250)
        #expect(pipeline.options.maxLineBytes == 4096)
        #expect(pipeline.options.jobs == 3)
        #expect(pipeline.strict)
        #expect(pipeline.reports.markdown == .file("reports/r.md"))
        #expect(pipeline.reports.html == .file("reports/r.html"))
        #expect(pipeline.reports.json == .standardOutput)
        #expect(pipeline.reports.openMetrics == .file("reports/metrics.prom"))
        #expect(
            pipeline.reports.csv == ReportOutputs.CSVOutput(directory: "reports/csv", tables: [.quality, .summary]))
        #expect(pipeline.rejects == "reports/rejects.jsonl")
        var watch = WatchSink()
        watch.to = .file("events.csv")
        watch.format = .csv
        watch.lagAlert = LagAlert(threshold: 100_000, millis: 300_000)
        watch.showRejects = true
        watch.summary = true
        #expect(pipeline.watch == watch)
    }

    @Test func defaultsAreTheCommandLineDefaults() throws {
        let pipeline = try parse("sources: [a.jsonl]\nsinks:\n  csv: out\n  watch:\n")
        #expect(pipeline.options.reorderWindow == 300_000 && pipeline.options.maxGap == 300_000)
        #expect(pipeline.options.stallAfter == 60_000 && pipeline.options.maxLineBytes == 1_048_576)
        #expect(!pipeline.strict && pipeline.rejects == nil)
        #expect(pipeline.reports.csv?.tables == [.summary, .transitions, .stalls, .gaps, .errors, .shards, .quality])
        #expect(pipeline.watch == WatchSink())
    }

    @Test func captureSource() throws {
        let pipeline = try parse(
            """
            sources:
              - capture:
                  url: https://search.example:9200
                  indices: [follower-01, follower-02]
                  index-file: indices.txt
                  timeout: 5
                  ca-file: ca.pem
                  polls: 10
                  parallel: 64
                  out: raw.jsonl.gz
                  rotate-size: 100M
                  rotate-daily: true
                  flush-every: 2.5
                  verbose: true
            sinks: {csv: out}
            """)
        var expected = CaptureOptions(url: "https://search.example:9200")
        expected.indices = ["follower-01", "follower-02"]
        expected.indexFile = "indices.txt"
        expected.timeoutMillis = 5000
        expected.caFile = "ca.pem"
        expected.polls = 10
        expected.parallel = 64
        expected.out = "raw.jsonl.gz"
        expected.rotation = Rotation(maxBytes: 100 * 1024 * 1024, daily: true)
        expected.flushEveryMillis = 2500
        expected.verbose = true
        #expect(pipeline.capture == expected)
        #expect(pipeline.capture?.intervalMillis == 30_000)
        // What no sink may replace (the run adds the pipeline file).
        #expect(pipeline.otherInputs.map(\.path) == ["indices.txt", "ca.pem"])
        #expect(pipeline.otherInputs.map(\.role) == ["the capture's index-file", "the capture's ca-file"])
        #expect(pipeline.replacingSources(with: ["a.jsonl"]).otherInputs.isEmpty)
        // As `replstat capture --parallel`.
        #expect(CaptureOptions(url: "https://h").parallel == 8)
    }

    /// As `replstat watch --lag-seconds-above S --for S`: a threshold in seconds, alone or beside
    /// one in operations, shares the one duration.
    @Test func aLagAlertInSecondsIsReadAsWatchTakesIt() throws {
        let seconds = try parse("sources: [a]\nsinks:\n  watch: {lag-seconds-above: 90, for: 300}\n")
        #expect(seconds.watch?.lagAlert == LagAlert(thresholdMillis: 90_000, millis: 300_000))
        let both = try parse("sources: [a]\nsinks:\n  watch: {lag-above: 5, lag-seconds-above: 0.5, for: 2}\n")
        #expect(both.watch?.lagAlert == LagAlert(threshold: 5, thresholdMillis: 500, millis: 2000))
        #expect(
            failure("sources: [a]\nsinks:\n  watch: {lag-seconds-above: 90}\n")
                == "p.yaml:3:11: 'lag-seconds-above' and 'for' go together: an alert needs a threshold and a duration")
        #expect(
            failure("sources: [a]\nsinks:\n  watch: {lag-seconds-above: soon, for: 1}\n")
                == "p.yaml:3:30: 'lag-seconds-above' must be seconds between 0 and 999999999999.999 "
                + "(a decimal such as 300 or 0.5, taken to the millisecond), not 'soon'")
    }

    /// `replstat watch --lag-above` takes any 64-bit count of operations, and so does the file.
    @Test func aLagAlertTakesTheWholeUnsignedRange() throws {
        let pipeline = try parse("sources: [a]\nsinks:\n  watch: {lag-above: 18446744073709551615, for: 1}\n")
        #expect(pipeline.watch?.lagAlert == LagAlert(threshold: UInt64.max, millis: 1000))
        #expect(
            failure("sources: [a]\nsinks:\n  watch: {lag-above: 18446744073709551616, for: 1}\n")
                == "p.yaml:3:22: 'lag-above' must be a number of operations, a whole number from 0 up, "
                + "not '18446744073709551616'")
    }

    @Test func theCheckPlanShowsAParallelOtherThanTheDefault() throws {
        func plan(_ extra: String) throws -> String {
            try parse("sources:\n  - capture: {url: \"https://h\", indices: [a]\(extra)}\nsinks: {csv: out}\n")
                .plan(file: "p.yaml", sourceNames: [])
        }
        #expect(try plan(", parallel: 64").contains("  capture https://h; every 30 s; indices a; 64 in flight\n"))
        #expect(try !plan("").contains("in flight"))
    }

    /// Each mistake, with its message and place checked by hand against the text.
    @Test(
        arguments: [
            (
                "sources: [a]\nanalysis:\n  reorder_window: 300\nsinks: {csv: out}\n",
                "p.yaml:3:3: unknown key 'reorder_window' in analysis; did you mean 'reorder-window'? "
                    + "(known: reorder-window, max-gap, stall-after, max-line-bytes, jobs, strict)"
            ),
            (
                "sources: [a]\nsink: {csv: out}\n",
                "p.yaml:2:1: unknown key 'sink' at the top level; did you mean 'sinks'? (known: sources, analysis, sinks)"
            ),
            (
                "sources: [a]\nsinks: {csv: out, xml: x}\n",
                "p.yaml:2:19: unknown key 'xml' in sinks; did you mean 'html'? (known: markdown, html, csv, json, openmetrics, rejects, watch)"
            ),
            (
                "sources: [a]\nanalysis:\n  max-gap: -5\nsinks: {csv: out}\n",
                "p.yaml:3:12: 'max-gap' must be seconds between 0 and 999999999999.999 (a decimal such as 300 or 0.5, "
                    + "taken to the millisecond), not '-5'"
            ),
            (
                "sources: [a]\nanalysis: {jobs: 0}\nsinks: {csv: out}\n",
                "p.yaml:2:18: 'jobs' must be a number of threads, a whole number from 1 to 256, not '0'"
            ),
            (
                "sources: [a]\nanalysis: {strict: \"yes\"}\nsinks: {csv: out}\n",
                "p.yaml:2:20: 'strict' must be true or false, not 'yes'"
            ),
            (
                "sources: [a]\nanalysis:\n  - jobs: 2\nsinks: {csv: out}\n",
                "p.yaml:3:3: 'analysis' must be a mapping (key: value lines), not a list"
            ),
            (
                "sources: []\nsinks: {csv: out}\n",
                "p.yaml:1:10: 'sources' is empty: list at least one capture (a path, a glob, or - for standard input)"
            ),
            (
                "sources: a.jsonl\nsinks: {csv: out}\n",
                "p.yaml:1:10: 'sources' must be a list, one '- ' item per line, not 'a.jsonl'"
            ),
            (
                "sources: [a]\nsinks: {}\n",
                "p.yaml:2:1: 'sinks' is empty: name at least one of markdown, html, csv, json, openmetrics, rejects, watch"
            ),
            (
                "sources: [a]\n",
                "p.yaml:1:1: missing key 'sinks': name at least one of markdown, html, csv, json, openmetrics, rejects, watch"
            ),
            (
                "sources: [a]\nsinks:\n  watch: {format: xml}\n",
                "p.yaml:3:19: unknown format 'xml' (known: jsonl, csv)"
            ),
            (
                "sources: [a]\nsinks:\n  csv: {dir: out, tables: [summary, stals]}\n",
                "p.yaml:3:37: unknown table 'stals'; did you mean 'stalls'? (known: summary, transitions, stalls, gaps, errors, shards, quality)"
            ),
            (
                "sources: [a]\nsinks:\n  markdown: out/summary.csv\n  csv: out\n",
                "p.yaml:4:3: 'csv' writes out/summary.csv, as 'markdown' does (line 3); give each sink its own file"
            ),
            (
                "sources: [a]\nsinks:\n  markdown: \"-\"\n  watch:\n    format: csv\n",
                "p.yaml:4:3: 'watch' and 'markdown' (line 3) both write to standard output ('-'); send one of them to a file"
            ),
            (
                "sources: [a]\nsinks:\n  watch: {lag-above: 10}\n",
                "p.yaml:3:11: 'lag-above' and 'for' go together: an alert needs a threshold and a duration"
            ),
            (
                "sources: [a]\nsinks: {rejects: \"-\"}\n",
                "p.yaml:2:18: 'rejects' needs a file name; to see rejected lines live, use the watch sink's show-rejects"
            ),
            (
                "sources:\n  - capture: {url: \"https://h\", indices: [a]}\n  - \"-\"\nsinks: {csv: out}\n",
                "p.yaml:3:5: standard input cannot go with a capture source (at p.yaml:2:5)"
            ),
            (
                "sources:\n  - capture: {url: \"ftp://h\", indices: [a]}\nsinks: {csv: out}\n",
                "p.yaml:2:20: 'url' must start with http:// or https:// (got 'ftp://h')"
            ),
            (
                "sources:\n  - capture: {url: \"https://h\", indices: [a], interval: 0.05}\nsinks: {csv: out}\n",
                "p.yaml:2:57: 'interval' must be at least 0.1 seconds"
            ),
            (
                "sources:\n  - capture: {url: \"https://h\"}\nsinks: {csv: out}\n",
                "p.yaml:2:5: capture needs 'indices' (a list of follower index names) or 'index-file'"
            ),
            (
                "sources: [a]\nanalysis: {jobs: 2}\nanalysis: {jobs: 3}\nsinks: {csv: out}\n",
                "p.yaml:2:1: duplicate key 'analysis': a key may appear once in a mapping"
            ),
            (
                "sources: [a\nsinks: {csv: out}\n",
                "p.yaml:2:6: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence at line 1, column 10)"
            ),
            ("# nothing\n", "p.yaml: the file is empty; a pipeline needs 'sources' and 'sinks'"),
            // Control characters: one line still, the place given, nothing echoed raw.
            (
                "sources: [a]\nsinks: {markdown: a\u{01}b}\n",
                "p.yaml:2:20: invalid YAML: control characters are not allowed"
            ),
            (
                "sources: [a]\nsinks: {open-metrics: m.prom}\n",
                "p.yaml:2:9: unknown key 'open-metrics' in sinks; did you mean 'openmetrics'? "
                    + "(known: markdown, html, csv, json, openmetrics, rejects, watch)"
            ),
            (
                "sources: [a]\nsinks: {openmetrics: m.prom, markdown: ./m.prom}\n",
                "p.yaml:2:30: 'markdown' writes ./m.prom, as 'openmetrics' does (line 2); give each sink its own file"
            ),
            (
                "sources: [a]\nsinks: {openmetrics: \"-\", json: \"-\"}\n",
                "p.yaml:2:27: 'json' and 'openmetrics' (line 2) both write to standard output ('-'); "
                    + "send one of them to a file"
            ),
            (
                "sources: [a]\nsinks: {\"mark\\ndown\": x}\n",
                #"p.yaml:2:9: unknown key 'mark\ndown' in sinks; did you mean 'markdown'? (known: markdown, html, csv, json, openmetrics, rejects, watch)"#
            ),
            (
                "sources: [a]\nsinks: {markdown: \"nul.md\\0x\", json: nul.md}\n",
                "p.yaml:2:19: 'markdown' holds a control character"
            ),
            // A malformed address is echoed without what may be a password.
            (
                "sources:\n  - capture: {url: \"htps://ops:S3cret@h\", indices: [a]}\nsinks: {csv: o}\n",
                "p.yaml:2:20: 'url' must start with http:// or https:// (got 'htps://h')"
            ),
            (
                "sources:\n  - capture: {url: \"https://h/#x\", indices: [a]}\nsinks: {csv: o}\n",
                "p.yaml:2:20: 'url' cannot have a query (?...) or a fragment (#...): the status path goes after it; "
                    + "give the cluster's address alone, such as https://host:9200"
            ),
            (
                "sources:\n  - capture: {url: \"https://h\", indices: [a, ..]}\nsinks: {csv: o}\n",
                "p.yaml:2:46: '..' is not an index name"
            ),
            (
                "sources:\n  - capture: {url: \"https://h\", indices: [a, \(String(repeating: "i", count: 256))]}\n"
                    + "sinks: {csv: o}\n",
                "p.yaml:2:46: the index name 'iiiiiiiiiiiiiiiiiiiiiiii...' is 256 bytes long: OpenSearch's limit is "
                    + "255 bytes, and the analysis rejects longer ones (invalid_field)"
            ),
            (
                "sources:\n  - capture: {url: \"https://h\", indices: [a], parallel: 0}\nsinks: {csv: o}\n",
                "p.yaml:2:57: 'parallel' must be a number of polls in flight at once, a whole number from 1 to 256, not '0'"
            ),
        ])
    func mistakes(_ text: String, _ message: String) {
        #expect(failure(text) == message)
    }

    @Test(arguments: ["password", "user", "api-key", "token"])
    func credentialsAreRejectedWithTheEnvironmentVariables(_ key: String) {
        let text =
            "sources:\n  - capture:\n      url: https://h\n      indices: [a]\n      \(key): x\nsinks: {csv: out}\n"
        #expect(
            failure(text)
                == "p.yaml:5:7: '\(key)' is not accepted: credentials never go in a pipeline file: set REPLSTAT_USER "
                + "and REPLSTAT_PASSWORD, or REPLSTAT_API_KEY, in the environment")
    }

    @Test func credentialsInTheURLAreRejected() {
        let text = "sources:\n  - capture: {url: \"https://me:secret@h\", indices: [a]}\nsinks: {csv: out}\n"
        #expect(
            failure(text)
                == "p.yaml:2:20: 'url' holds a user name or password, which would show in the process list and in "
                + "messages; set REPLSTAT_USER and REPLSTAT_PASSWORD, or REPLSTAT_API_KEY, in the environment")
    }

    @Test func didYouMeanOnlyForNearNames() {
        #expect(KeySuggestion.closest(to: "max_gap", among: PipelineFile.analysisKeys) == "max-gap")
        #expect(KeySuggestion.closest(to: "stal-after", among: PipelineFile.analysisKeys) == "stall-after")
        #expect(KeySuggestion.closest(to: "Jobs", among: PipelineFile.analysisKeys) == "jobs")
        #expect(KeySuggestion.closest(to: "colour", among: PipelineFile.analysisKeys) == nil)
        #expect(KeySuggestion.distance("kitten", "sitting") == 3)
        #expect(KeySuggestion.distance("", "abc") == 3)
    }

    @Test func commandLineSourcesAndOutDir() throws {
        let pipeline = try parse(
            "sources: [a]\nsinks:\n  markdown: r.md\n  html: r.html\n  csv: /abs/csv\n  rejects: x/rej.jsonl\n"
                + "  watch: {to: \"-\"}\n")
        let moved = try pipeline.replacingSources(with: ["b.jsonl", "-"]).rerooted(under: "out")
        #expect(moved.sources.map(\.kind) == [.path("b.jsonl"), .standardInput])
        #expect(moved.reports.markdown == .file("out/r.md"))
        #expect(moved.reports.html == .file("out/r.html"))
        #expect(moved.reports.csv?.directory == "/abs/csv")
        #expect(moved.rejects == "out/x/rej.jsonl")
        #expect(moved.watch?.to == .standardOutput)
    }
}

@Suite struct ByteSizeTests {
    @Test func sizesAreBytesOrPowersOf1024() {
        let expected: [(String, Int64)] = [
            ("1", 1), ("512K", 524_288), ("100m", 104_857_600), ("2G", 2_147_483_648), ("1024G", 1_099_511_627_776),
        ]
        for (text, bytes) in expected { #expect(ByteSize.parse(text) == bytes, "\(text)") }
    }

    @Test(arguments: ["", "0", "-1", "1.5M", "10T", "M", "1025G", "999999999999G", "9999999999999999999"])
    func anythingElseIsRefusedWithoutOverflow(_ text: String) {
        #expect(ByteSize.parse(text) == nil)
    }
}
