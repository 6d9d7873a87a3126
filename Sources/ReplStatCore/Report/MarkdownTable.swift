/// A GitHub-flavoured Markdown table whose columns are padded to a common width, so that the
/// raw text (the report goes to a terminal by default) reads as well as the rendered one.
///
/// Given a width (a terminal's), a table wider than that is made to fit: the columns that may be
/// cut narrow first, their text cut with `…`; when that is not enough, the table is split into
/// several, each repeating the first column so that every row can still be told. Widths count
/// a terminal's columns (`TerminalWidth.columns`): a CJK character takes two, a combining mark none.
struct MarkdownTable {
    struct Column {
        var title: String
        var alignRight: Bool
        /// How the column's text cells are cut when the table must narrow; nil: never.
        var cut: Cut?
        /// The narrowest the column gets by cutting (its title and at least 3 characters stay).
        var narrowest = 0

        static func text(_ title: String) -> Column { Column(title: title, alignRight: false) }
        static func number(_ title: String) -> Column { Column(title: title, alignRight: true) }
        /// Names (indices, sources): cut in the middle, where names that share a prefix and a
        /// numbered end (`follower-invoices-0010`) differ least.
        static func name(_ title: String, narrowest: Int = 24) -> Column {
            Column(title: title, alignRight: false, cut: .middle, narrowest: narrowest)
        }
        /// Sentences (reasons): cut at the end, as their start says the most.
        static func sentence(_ title: String, narrowest: Int = 24) -> Column {
            Column(title: title, alignRight: false, cut: .end, narrowest: narrowest)
        }
    }

    enum Cut { case end, middle }

    /// One cell: Markdown, shown whole; or text from the data, escaped here (`MarkdownText.cell`)
    /// and cut when its column narrows.
    enum Cell {
        case markdown(String)
        case text(String)
    }

    private let columns: [Column]
    private var rows: [[Cell]] = []

    init(_ columns: [Column]) { self.columns = columns }

    mutating func append(_ cells: [Cell]) {
        precondition(cells.count == columns.count, "a row needs one cell per column")
        rows.append(cells)
    }

    /// A row of Markdown cells.
    mutating func append(_ cells: [String]) { append(cells.map { .markdown($0) }) }

    /// The table, or, when it is wider than `width`, the tables it is split into (one blank line
    /// apart), each at most `width` wide where cutting and splitting can get it there.
    func render(fittingIn width: Int? = nil) -> String {
        let escaped = rows.map { row in
            row.map { cell in
                switch cell {
                case .markdown(let text): text
                case .text(let text): MarkdownText.cell(text)
                }
            }
        }
        var natural = columns.map { max(TerminalWidth.columns(of: $0.title), 3) }
        for row in escaped {
            for (position, cell) in row.enumerated() {
                natural[position] = max(natural[position], TerminalWidth.columns(of: cell))
            }
        }
        guard let width, Self.width(of: natural) > width else {
            return render(Array(columns.indices), widths: natural, escaped)
        }
        let narrowest = columns.indices.map { position in
            columns[position].cut == nil
                ? natural[position]
                : min(
                    natural[position],
                    max(columns[position].narrowest, TerminalWidth.columns(of: columns[position].title), 3))
        }
        let layout = Layout(natural: natural, narrowest: narrowest, width: width)
        return layout.parts().map { part in
            render(part, widths: layout.widths(of: part), escaped)
        }.joined(separator: "\n")
    }

    /// The width of a table line with these column widths: `| a | b |`.
    static func width(of widths: [Int]) -> Int { widths.reduce(1) { $0 + $1 + 3 } }

    private func render(_ part: [Int], widths: [Int], _ escaped: [[String]]) -> String {
        func line(_ cells: [String]) -> String {
            var text = "|"
            for (cell, position) in zip(cells, part) {
                let width = widths[position]
                let padding = String(repeating: " ", count: max(0, width - TerminalWidth.columns(of: cell)))
                text += " " + (columns[position].alignRight ? padding + cell : cell + padding) + " |"
            }
            return text + "\n"
        }
        var out = line(part.map { columns[$0].title })
        out += line(
            part.map { position in
                let dashes = String(repeating: "-", count: widths[position] - 1)
                return columns[position].alignRight ? dashes + ":" : ":" + dashes
            })
        for (row, cells) in zip(rows, escaped) {
            out += line(
                part.map { position in
                    guard case .text(let text) = row[position],
                        TerminalWidth.columns(of: cells[position]) > widths[position],
                        let cut = columns[position].cut
                    else { return cells[position] }
                    return Self.cut(text, to: widths[position], cut)
                })
        }
        return out
    }

    /// `text` escaped and cut to at most `width` columns, with `…` where it was cut: as much
    /// of the text as fits once escaped, so that no escape is cut in two, and no character either.
    static func cut(_ text: String, to width: Int, _ cut: Cut) -> String {
        MarkdownText.cell(unescapedCut(text, to: width, cut))
    }

    /// `cut`'s text before it is escaped.
    static func unescapedCut(_ text: String, to width: Int, _ cut: Cut) -> String {
        let characters = Array(text)
        var kept = max(0, min(characters.count, width) - 1)
        while true {
            let head = cut == .end ? kept : (kept + 1) / 2
            var candidate = String(characters[..<head]) + "…"
            if cut == .middle { candidate += String(characters[(characters.count - (kept - head))...]) }
            // Escaping only lengthens: text that does not fit as it is need not be escaped.
            if kept == 0
                || (TerminalWidth.columns(of: candidate) <= width
                    && TerminalWidth.columns(of: MarkdownText.cell(candidate)) <= width)
            {
                return candidate
            }
            kept -= 1
        }
    }
}

/// Which columns go in which part of a split table, and how wide each is.
private struct Layout {
    let natural: [Int]
    let narrowest: [Int]
    let width: Int

    /// The columns of each part: the first column, then a run of the others, in order. As few
    /// parts as fit `width` at the narrowest widths (a column that does not fit even alone with
    /// the first gets a part of its own); of those splits, the one that shows the most text.
    func parts() -> [[Int]] {
        let count = natural.count
        guard count > 1 else { return [[0]] }
        if MarkdownTable.width(of: narrowest) <= width { return [Array(0..<count)] }
        // best[end][parts]: the best split of columns 1..<end into that many parts.
        var best = [[(score: Int, parts: [[Int]])?]](repeating: [], count: count + 1)
        best[1] = [(0, [])]
        for end in 2...count {
            for start in 1..<end {
                let part = [0] + Array(start..<end)
                guard end - start == 1 || MarkdownTable.width(of: part.map { narrowest[$0] }) <= width else { continue }
                let shown = widths(of: part).reduce(0, +)
                for (used, previous) in best[start].enumerated() {
                    guard let previous else { continue }
                    let candidate = (score: previous.score + shown, parts: previous.parts + [part])
                    while best[end].count <= used + 1 { best[end].append(nil) }
                    if best[end][used + 1].map({ candidate.score > $0.score }) ?? true {
                        best[end][used + 1] = candidate
                    }
                }
            }
        }
        return best[count].compactMap { $0 }.first!.parts
    }

    /// The widths of the columns of `part` (indexed by column, others 0): natural, then the
    /// widest cuttable column narrowed a character at a time until the part fits or all are
    /// at their narrowest (the later column first among equals).
    func widths(of part: [Int]) -> [Int] {
        var widths = [Int](repeating: 0, count: natural.count)
        for position in part { widths[position] = natural[position] }
        var excess = MarkdownTable.width(of: part.map { widths[$0] }) - width
        while excess > 0 {
            let cuttable = part.filter { widths[$0] > narrowest[$0] }
            guard let widest = cuttable.max(by: { widths[$0] != widths[$1] ? widths[$0] < widths[$1] : $0 < $1 })
            else { break }
            widths[widest] -= 1
            excess -= 1
        }
        return widths
    }
}
