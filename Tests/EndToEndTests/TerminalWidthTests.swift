import Foundation
import Testing

/// The Markdown report at a terminal fits its width (COLUMNS, else the terminal's own size);
/// piped or written to a file, it stays as it is. The terminal is a pseudo-terminal that
/// `script` (util-linux) opens.
@Suite(.timeLimit(.minutes(10))) struct TerminalWidthTests {
    static let fleetDay = PipelineRunTests.root.appendingPathComponent("samples/fleet-day.jsonl.gz").path

    /// Runs `command` (a shell command line) with its standard output on a pseudo-terminal and its
    /// standard error dropped; what it printed, with the terminal's CR LF line ends made LF.
    private func atTerminal(_ command: String, columns: String? = nil) throws -> (status: Int32, output: String) {
        var environment = ["PATH": "/usr/bin:/bin"]
        if let columns { environment["COLUMNS"] = columns }
        let run = try Replstat.bash(
            "python3 -c \(quoted(Self.underATerminal)) \(quoted(command + " 2>/dev/null"))", environment: environment)
        return (run.status, run.stdoutText.replacingOccurrences(of: "\r\n", with: "\n"))
    }

    /// Runs a shell command with a pseudo-terminal as its standard output and reads every byte it
    /// writes until it ends. `script -qec` (util-linux) lost the end of the output now and then on
    /// a loaded machine, its standard input being at its end from the start.
    private static let underATerminal = """
        import os, pty, sys
        pid, fd = pty.fork()
        if pid == 0:
            os.execv("/bin/bash", ["bash", "-c", sys.argv[1]])
        output = bytearray()
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the terminal's other side is closed, all was read
                break
            if not chunk:
                break
            output += chunk
        status = os.waitpid(pid, 0)[1]
        sys.stdout.buffer.write(output)
        sys.exit(os.waitstatus_to_exitcode(status))
        """

    private func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: #"'\''"#) + "'" }

    private var analyze: String { quoted(Replstat.binary.path) + " analyze " }

    private func longestLine(_ text: String) -> Int { text.split(separator: "\n").map(\.count).max() ?? 0 }

    /// The lines wider than `width`, but for rows of a table of two columns: the first column and
    /// one that does not fit beside it (a time and `REPLICATION NOT IN PROGRESS → BOOTSTRAPPING`
    /// need 74), which no cut can narrow.
    private func overflowing(_ text: String, _ width: Int) -> [Substring] {
        text.split(separator: "\n").filter { line in
            line.count > width && !(line.hasPrefix("| ") && line.components(separatedBy: " | ").count == 2)
        }
    }

    @Test func atATerminalTheReportFitsCOLUMNS() throws {
        let piped = try Replstat.run(["analyze", Self.fleetDay]).stdoutText
        #expect(longestLine(piped) > 200)
        for columns in [60, 80, 132] {
            let terminal = try atTerminal(analyze + quoted(Self.fleetDay), columns: String(columns))
            #expect(terminal.status == 0)
            #expect(overflowing(terminal.output, columns).isEmpty, "\(columns)")
            #expect(longestLine(terminal.output) <= max(columns, 74), "\(columns)")
            #expect(terminal.output.contains("…"), "\(columns)")  // the leaders or reasons were cut
            #expect(terminal.output.hasPrefix("# Replication report\n\n## Overview\n"))
        }
        // Wide enough for everything: the same bytes as through a pipe.
        let wide = try atTerminal(analyze + quoted(Self.fleetDay), columns: "1000")
        #expect(wide.output == piped)
    }

    /// The columns each line of `text` takes at a terminal, as Python's Unicode database tells
    /// (East Asian Wide and Fullwidth: two, combining marks: none): an oracle apart from replstat's.
    private func columns(_ text: String, in dir: TemporaryDirectory) throws -> [(line: Substring, columns: Int)] {
        let file = try dir.write("measured.txt", text)
        let script = """
            import sys, unicodedata
            for line in open(sys.argv[1], encoding="utf-8").read().split("\\n"):
                print(sum(0 if unicodedata.combining(c) or unicodedata.category(c) == "Cf" else
                          2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line))
            """
        let run = try Replstat.bash("python3 -c \(quoted(script)) \(quoted(file.path))")
        #expect(run.status == 0, "\(run.stderr)")
        let counts = run.stdoutText.split(separator: "\n").compactMap { Int($0) }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(counts.count == lines.count)
        return Array(zip(lines, counts))
    }

    /// Names a fleet may have: 200 bytes long, in CJK (two columns a character), with combining
    /// marks (none), and an error type longer than a line: every line fits 60 columns, names cut
    /// with `…` in the overview's lists as in the tables.
    @Test func longWideAndCombiningNamesFit() throws {
        let dir = try TemporaryDirectory()
        let long = "follower-" + String(repeating: "x", count: 186) + "-0001"
        let names = [long, "フォロワー-注文-0001", "follower-e\u{301}\u{301}-orders", "follower-ok"]
        var lines: [String] = []
        for name in names {
            lines.append(
                #"{"@timestamp":"2026-11-28T00:00:00Z","index":"\#(name)","response":{"status":"SYNCING","#
                    + #""leader_alias":"us-east-1","leader_index":"leader-\#(name)","#
                    + #""syncing_details":{"leader_checkpoint":10,"follower_checkpoint":5}}}"#)
            lines.append(
                #"{"@timestamp":"2026-11-28T00:00:10Z","index":"\#(name)","response":{"status":"PAUSED","#
                    + #""reason":"paused by the user, \#(name) needed a look"}}"#)
            lines.append(
                #"{"@timestamp":"2026-11-28T00:00:20Z","index":"\#(name)","response":{"status":404,"#
                    + #""error":{"type":"index_not_found_exception_of_a_rather_long_type","reason":"no \#(name)"}}}"#)
        }
        let capture = try dir.write("capture.jsonl", lines.joined(separator: "\n") + "\n")
        let terminal = try atTerminal(analyze + quoted(capture.path), columns: "60")
        #expect(terminal.status == 0)
        let measured = try columns(terminal.output, in: dir)
        let over = measured.filter { $0.columns > 60 }
        #expect(over.isEmpty, "\(over)")
        #expect(terminal.output.contains("- Not replicating now: follower-"))
        #expect(!terminal.output.contains(long))
        #expect(terminal.output.contains("フォロワー-注文-0001"))
        #expect(terminal.output.contains("follower-e\u{301}\u{301}-orders"))
    }

    /// Without COLUMNS, the terminal's own size (TIOCGWINSZ), as `stty` set it.
    @Test func withoutCOLUMNSTheTerminalsOwnWidth() throws {
        let terminal = try atTerminal("stty cols 100 && " + analyze + quoted(Self.fleetDay))
        #expect(terminal.status == 0)
        #expect(longestLine(terminal.output) <= 100)
        #expect(longestLine(terminal.output) > 80)
        let overwritten = try atTerminal("stty cols 100 && " + analyze + quoted(Self.fleetDay), columns: "70")
        #expect(overflowing(overwritten.output, 70).isEmpty)
    }

    /// COLUMNS alone does not make a pipe or a file a terminal: the report stays whole there.
    /// OpenMetrics keeps index names as they are for Prometheus; at a terminal, a person sees
    /// their controls as notation instead of a terminal obeying them.
    @Test func openMetricsAtATerminalShowsControls() throws {
        let dir = try TemporaryDirectory()
        let capture = try dir.write("capture.jsonl", HostileTextTests.capture)
        let piped = try Replstat.run(["analyze", "--format", "openmetrics", capture.path])
        #expect(piped.status == 0)
        #expect(piped.stdout.contains(0x1B))  // for Prometheus, the names as they are
        let terminal = try atTerminal(analyze + "--format openmetrics " + quoted(capture.path))
        #expect(terminal.status == 0)
        #expect(!terminal.output.unicodeScalars.contains { $0 != "\n" && $0.value < 0x20 }, "\(terminal.output)")
        #expect(terminal.output.contains(#"\u{1B}[2J\u{1B}]0;pwned\u{7}follower"#), "\(terminal.output)")
    }

    @Test func pipedOrWrittenTheReportStaysAsItIs() throws {
        let dir = try TemporaryDirectory()
        let piped = try Replstat.run(["analyze", Self.fleetDay], environment: ["COLUMNS": "60"])
        #expect(piped.status == 0)
        #expect(longestLine(piped.stdoutText) > 200)
        let written = try atTerminal(
            analyze + "--out " + quoted(dir.url.path) + " " + quoted(Self.fleetDay), columns: "60")
        #expect(written.status == 0)
        #expect(written.output.isEmpty)
        #expect(try Data(contentsOf: dir.file("report.md")) == piped.stdout)
        // Standard error aside (atTerminal's own redirection would go to `cat`): on a busy machine
        // the run may last the second after which it shows a progress line there.
        let pipedAtATerminal = try atTerminal(analyze + quoted(Self.fleetDay) + " 2>/dev/null | cat", columns: "60")
        #expect(pipedAtATerminal.output == piped.stdoutText)
    }

    /// Rendered as GitHub would (cmark-gfm), the fitted report says what the whole one says:
    /// the same text outside the tables (wrapping only turned spaces into soft breaks, no line
    /// began a list, a quote or a heading), but for the words of names too wide for a line, cut
    /// in the middle with `…` as in the tables (a name as wide as the terminal would overflow it:
    /// a person at a terminal reads on, and the CSV and JSON reports have the names whole); and
    /// still no link or image from the capture. With the hostile capture and a damaged source
    /// whose name is full of Markdown's block markers.
    @Test func fittingChangesNoRenderedText() throws {
        let cmarkGFM = try #require(HostileTextTests.cmarkGFM, "cmark-gfm is missing: run scripts/setup --tests")
        let dir = try TemporaryDirectory()
        let hostile = try dir.write("capture.jsonl", HostileTextTests.capture)
        let damaged = dir.file("a name - with + marks 1. and > signs # and --- rules and many words to wrap.jsonl.gz")
        try FileManager.default.copyItem(at: CommandLineTests.truncatedGzip, to: damaged)
        let sources = quoted(hostile.path) + " " + quoted(damaged.path)

        let whole = try Replstat.bash(analyze + sources)
        #expect(whole.status == 1)  // the damaged source
        let fitted = try atTerminal(analyze + sources, columns: "40")
        #expect(fitted.status == 1)
        #expect(fitted.output != whole.stdoutText)
        #expect(fitted.output.contains("\n>   "))  // the damaged source's line in the warning, wrapped

        func rendered(_ markdown: String, _ name: String) throws -> String {
            let file = try dir.write(name, markdown)
            let html = try Replstat.bash("\(cmarkGFM) -e table -e autolink -e strikethrough \(quoted(file.path))")
            #expect(html.status == 0)
            return html.stdoutText
        }
        let wholeHTML = try rendered(whole.stdoutText, "whole.md")
        let fittedHTML = try rendered(fitted.output, "fitted.md")
        func prose(_ html: String) -> String {
            // A split table is several tables in a row.
            html.replacing(/<table>.*?<\/table>/.dotMatchesNewlines(), with: "<table/>")
                .replacing(/\s+/, with: " ").replacing(/(<table\/> )+/, with: "<table/> ")
        }
        // Each `…` of the fitted prose stands for what a cut left out of a name.
        let cutNames = try Regex(
            "^"
                + prose(fittedHTML).split(separator: "…", omittingEmptySubsequences: false).map {
                    NSRegularExpression.escapedPattern(for: String($0))
                }.joined(separator: "\\S+?") + "$")
        #expect(prose(wholeHTML).wholeMatch(of: cutNames) != nil, "\(prose(fittedHTML))")
        #expect(prose(fittedHTML).contains("…"))  // the hostile names and the folder of the damaged source
        #expect(fittedHTML.contains("<table>"))
        #expect(!fittedHTML.contains("<a ") && !fittedHTML.contains("<img") && !fittedHTML.contains("<em>"))
    }
}
