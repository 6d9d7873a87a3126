import Foundation
import ReplStatTestSupport
import Testing

@testable import ReplStatCore

/// The Markdown report fitted to a terminal's width: tables narrowed (text cut with `…`) or split
/// with their first column repeated, prose wrapped between words; without a width, unchanged.
@Suite struct MarkdownWidthTests {
    static let fleetDay = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("samples/fleet-day.jsonl.gz").path

    /// samples/fleet-day.jsonl.gz: 12 indices over a day, a 19-column index table, transitions
    /// whose change reads up to `REPLICATION NOT IN PROGRESS → BOOTSTRAPPING`.
    static let result: AnalysisResult = {
        let run = Analysis(options: AnalysisOptions())
        run.consume(InputSource(fleetDay))
        return run.finish()
    }()

    @Test func aWidthThatHoldsEverythingChangesNothing() {
        let report = MarkdownReport.render(Self.result)
        let widest = report.split(separator: "\n").map(\.count).max() ?? 0
        #expect(widest > 200)  // the index table
        #expect(MarkdownReport.render(Self.result, width: widest) == report)
        #expect(MarkdownReport.render(Self.result, width: widest - 1) != report)
    }

    @Test(arguments: [80, 100, 120, 160]) func everyLineFits(_ width: Int) {
        let report = MarkdownReport.render(Self.result, width: width)
        for line in report.split(separator: "\n") {
            #expect(line.count <= width, "\(line)")
        }
    }

    /// Every column of every table is still there, in order, each cell whole or cut with `…`
    /// from its start (a reason) or from both ends (a name), and each part of a split table
    /// starts with the first column, so that each row can be told.
    @Test(arguments: [1, 30, 60, 80, 120]) func splitTablesKeepEveryCell(_ width: Int) throws {
        let whole = Tables(MarkdownReport.render(Self.result))
        let fitted = Tables(MarkdownReport.render(Self.result, width: width))
        #expect(fitted.sections.keys.sorted() == whole.sections.keys.sorted())
        for (heading, original) in whole.sections {
            let parts = try #require(fitted.sections[heading])
            let table = try #require(original.first)
            #expect(parts.allSatisfy { $0.header.first == table.header.first }, "\(heading)")
            let columns = parts.first!.header + parts.dropFirst().flatMap { $0.header.dropFirst() }
            #expect(columns == table.header, "\(heading)")
            for (part, index) in zip(parts, parts.indices) {
                let positions = [0] + part.header.dropFirst().map { title in table.header.firstIndex(of: title)! }
                #expect(part.rows.count == table.rows.count)
                for (row, originalRow) in zip(part.rows, table.rows) {
                    for (cell, position) in zip(row, positions) {
                        let full = originalRow[position]
                        guard cell != full else { continue }
                        let pieces = cell.components(separatedBy: "…")
                        #expect(pieces.count == 2, "part \(index): \(cell)")
                        #expect(full.hasPrefix(pieces[0]) && full.hasSuffix(pieces[1]), "\(cell) from \(full)")
                    }
                }
            }
        }
    }

    /// At 120 columns the transitions split in two: the reasons go with the time in the previous
    /// state, where they have room, rather than cut short beside the change.
    @Test func aSplitShowsAsMuchTextAsItCan() throws {
        let parts = try #require(Tables(MarkdownReport.render(Self.result, width: 120)).sections["## Transitions"])
        #expect(parts.map(\.header) == [["Time", "Index", "Change"], ["Time", "Reason", "Time in previous"]])
    }

    /// Cut on the text, then escaped: an escape or a code span is never cut in two.
    @Test func cuttingKeepsEscapesWhole() {
        #expect(MarkdownTable.cut("a|b|c|d|e", to: 6, .end) == #"a\|b…"#)
        #expect(MarkdownTable.cut("ab\u{1B}cd", to: 5, .end) == "ab…")
        #expect(MarkdownTable.cut("ab\u{1B}cd", to: 12, .end) == "ab`\\u{1B}`c…")
        #expect(MarkdownTable.cut("follower-invoices-0010", to: 12, .middle) == "follow…-0010")
        #expect(MarkdownTable.cut("https://x.example/a", to: 12, .end) == "https[:]//x…")
        #expect(MarkdownTable.cut("abcdef", to: 3, .end) == "ab…")
    }

    /// Markdown cells (`**all sources**`, figures) are never cut, only text from the data.
    @Test func markdownCellsStayWhole() {
        var table = MarkdownTable([.name("Source", narrowest: 3), .number("Lines")])
        table.append([.text("captures/a-very-long-name.jsonl.gz"), .markdown("1")])
        table.append([.markdown("**all sources**"), .markdown("1")])
        // 46 columns wide; at 24 the name column gives up 22 of its 34 characters.
        #expect(
            table.render(fittingIn: 24) == """
                | Source       | Lines |
                | :----------- | ----: |
                | captur…nl.gz |     1 |
                | **all sources** |     1 |

                """)
    }

    /// Columns as a terminal shows them: CJK and fullwidth characters and emoji take two, combining
    /// marks and zero-width characters none.
    @Test func widthsCountATerminalsColumns() {
        #expect(TerminalWidth.columns(of: "orders-1") == 8)
        #expect(TerminalWidth.columns(of: "注文") == 4)
        #expect(TerminalWidth.columns(of: "한국") == 4)
        #expect(TerminalWidth.columns(of: "ＡＢ") == 4)  // fullwidth
        #expect(TerminalWidth.columns(of: "ｱｲ") == 2)  // halfwidth katakana
        #expect(TerminalWidth.columns(of: "e\u{301}\u{301}") == 1)
        #expect(TerminalWidth.columns(of: "a\u{200B}b") == 2)
        #expect(TerminalWidth.columns(of: "🚀") == 2)
        #expect(TerminalWidth.columns(of: "…→▁█·—é") == 7)
    }

    /// A cut counts columns too, and never splits a character from its combining marks.
    @Test func cuttingCountsColumns() {
        #expect(MarkdownTable.cut("注文注文注文", to: 7, .end) == "注文注…")
        #expect(MarkdownTable.cut("注文注文注文", to: 8, .end) == "注文注…")
        #expect(MarkdownTable.cut("注文-0001-注文", to: 9, .middle) == "注文…注文")
        #expect(MarkdownTable.cut("e\u{301}e\u{301}e\u{301}e\u{301}", to: 3, .end) == "e\u{301}e\u{301}…")
    }

    /// Wide and combining names in a table: every line as wide as the others, in columns.
    @Test(arguments: [200, 60, 40]) func tablesWithWideNamesFitAndAlign(_ width: Int) {
        var table = MarkdownTable([.name("Index", narrowest: 8), .number("Lag"), .sentence("Reason", narrowest: 8)])
        table.append([.text("フォロワー-注文-0001"), .markdown("5"), .text("一時停止: ユーザーが停止しました")])
        table.append([.text("follower-e\u{301}\u{301}-orders"), .markdown("12"), .text("paused by the user")])
        table.append([.text("follower-" + String(repeating: "x", count: 120)), .markdown("1"), .text("ok")])
        let lines = table.render(fittingIn: width).split(separator: "\n")
        let widths = Set(lines.map { TerminalWidth.columns(of: $0) })
        #expect(widths.count == 1, "\(lines)")
        #expect(widths.allSatisfy { $0 <= width }, "\(lines)")
        // Each column's separators at the same columns on every line.
        let bars = Set(
            lines.map { line in line.indices.filter { line[$0] == "|" }.map { TerminalWidth.columns(of: line[..<$0]) } }
        )
        #expect(bars.count == 1, "\(lines)")
    }

    /// An index name as wide as the terminal, in the overview's lists: cut in the middle as in
    /// the tables, so that the line fits; a CJK name counted by its columns.
    @Test func longNamesInTheOverviewAreCutLikeInTables() throws {
        let long = "follower-" + String(repeating: "x", count: 181) + "-0001"
        let wide = String(repeating: "フォロワー-注文-", count: 4) + "0001"  // 68 columns
        var lines: [String] = []
        for name in [long, wide] {
            lines.append(
                #"{"@timestamp":"2026-11-28T00:00:00Z","index":"\#(name)","response":{"status":"PAUSED","#
                    + #""reason":"paused by the user"}}"#)
        }
        let path = try ScratchFile.write(lines.joined(separator: "\n") + "\n")
        defer { ScratchFile.remove(path) }
        let run = Analysis(options: AnalysisOptions())
        run.consume(InputSource(path))
        let result = run.finish()

        let whole = MarkdownReport.render(result)
        #expect(whole.contains(long) && whole.contains(wide))
        let fitted = MarkdownReport.render(result, width: 60)
        for line in fitted.split(separator: "\n") where !line.hasPrefix("|") {
            #expect(TerminalWidth.columns(of: line) <= 60, "\(line)")
        }
        let overview = try #require(fitted.firstRange(of: "- Not replicating now:").map { fitted[$0.lowerBound...] })
        // 55 columns each (60 less an indent and the punctuation around a name), on lines of their own.
        #expect(overview.contains("follower-xxxxxxxxxxxxxxxxxx…xxxxxxxxxxxxxxxxxxxxxx-0001\n  (PAUSED)"), "\(overview)")
        #expect(overview.contains("フォロワー-注文-フォロワー-注…注文-フォロワー-注文-0001\n  (PAUSED)"), "\(overview)")
    }

    @Test func proseWrapsBetweenWordsUnderItsBlock() {
        #expect(MarkdownProse.wrapped("- one two three four", width: 10) == "- one two\n  three\n  four")
        #expect(MarkdownProse.wrapped("> - one two three", width: 10) == "> - one\n>   two\n>   three")
        #expect(MarkdownProse.wrapped("> **one two** three", width: 10) == "> **one\n> two**\n> three")
        #expect(MarkdownProse.wrapped("one two three", width: 7) == "one two\nthree")
        // A word longer than the width stays whole; short lines, tables and headings stay.
        #expect(
            MarkdownProse.wrapped("- a samples/fleet-day.jsonl.gz", width: 10) == "- a\n  samples/fleet-day.jsonl.gz")
        #expect(MarkdownProse.wrapped("| a | b |\n## A heading\nok", width: 4) == "| a | b |\n## A heading\nok")
        // Two spaces are kept, and never broken at.
        #expect(MarkdownProse.wrapped("aa  bb cc", width: 6) == "aa  bb\ncc")
    }

    /// A continuation line must not begin a block: `- x` would be a list item, `> x` a quote,
    /// `1. x` an ordered list, `#` a heading, `---` a rule.
    @Test(arguments: ["-", "+", "*", "#", "##", "---", "===", ">", ">x", "1.", "12)", "<br>", "```"])
    func noLineStartsABlock(_ word: String) {
        #expect(MarkdownProse.wrapped("- aaaa \(word) b", width: 7) == "- aaaa \(word)\n  b")
    }

    @Test(arguments: ["-x", "1.5", "a.", "(1)", "x>"]) func otherWordsMayStartALine(_ word: String) {
        #expect(MarkdownProse.wrapped("- aaaa \(word)", width: 7) == "- aaaa\n  \(word)")
    }
}

/// The tables of a report by section heading: a section's tables in order, each a header and
/// rows of cells (as they are written, escapes included).
private struct Tables {
    struct Table {
        var header: [String]
        var rows: [[String]]
    }

    var sections: [String: [Table]] = [:]

    init(_ report: String) {
        var heading = ""
        var current: Table?
        func close() {
            if let table = current { sections[heading, default: []].append(table) }
            current = nil
        }
        for line in report.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("## ") {
                close()
                heading = String(line)
            } else if line.hasPrefix("| ") {
                // Cells never contain " | ": an escaped pipe is written `\|`.
                let cells = line.dropFirst(2).dropLast(2).components(separatedBy: " | ").map {
                    $0.trimmingCharacters(in: .whitespaces)
                }
                if current == nil {
                    current = Table(header: cells, rows: [])
                } else if !cells.allSatisfy({ $0.allSatisfy { "-:".contains($0) } }) {
                    current!.rows.append(cells)
                }
            } else {
                close()
            }
        }
        close()
    }
}
