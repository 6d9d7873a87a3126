/// The Markdown report's sections as HTML, so that the HTML report carries the same tables and
/// words without a second copy of them. It reads only what `MarkdownReport` writes: headings,
/// paragraphs, list items, quotes, tables, and inline `**strong**`, `*emphasis*`, code spans,
/// `<br>` and backslash escapes. Everything else is text: the data's markup characters come
/// escaped with a backslash (`MarkdownText`), so they show as text here too (`HtmlText`).
enum HtmlMarkdown {
    static func html(_ markdown: String) -> String {
        var out = ""
        var paragraph: [Substring] = []
        var list: [Substring] = []
        var quote: [Substring] = []
        var table: [Substring] = []

        func flush() {
            if !paragraph.isEmpty {
                out += "<p>" + paragraph.map(inline).joined(separator: " ") + "</p>\n"
                paragraph = []
            }
            if !list.isEmpty {
                out += items(list)
                list = []
            }
            if !quote.isEmpty {
                out += "<blockquote>\n" + html(quote.joined(separator: "\n")) + "</blockquote>\n"
                quote = []
            }
            if !table.isEmpty {
                out += self.table(table)
                table = []
            }
        }

        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let kind = line.hasPrefix("> ") ? 1 : line.hasPrefix("- ") ? 2 : line.hasPrefix("|") ? 3 : 0
            if kind != 1 && !quote.isEmpty || kind != 2 && !list.isEmpty || kind != 3 && !table.isEmpty { flush() }
            if line.hasPrefix("## ") {
                flush()
                let title = line.dropFirst(3)
                out += "<h2 id=\"" + anchor(title) + "\">" + inline(title) + "</h2>\n"
            } else if line.hasPrefix("# ") {
                flush()
                out += "<h1>" + inline(line.dropFirst(2)) + "</h1>\n"
            } else if kind == 1 {
                quote.append(line.dropFirst(2))
            } else if kind == 2 {
                list.append(line.dropFirst(2))
            } else if kind == 3 {
                table.append(line)
            } else if line.isEmpty {
                flush()
            } else {
                paragraph.append(line)
            }
        }
        flush()
        return out
    }

    /// `Capture gaps` as `capture-gaps`.
    static func anchor<Text: StringProtocol>(_ title: Text) -> String {
        String(title.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" })
    }

    private static func items(_ lines: [Substring]) -> String {
        "<ul>\n" + lines.map { "<li>" + inline($0) + "</li>\n" }.joined() + "</ul>\n"
    }

    /// A Markdown table: a header row, the alignment row, body rows.
    private static func table(_ lines: [Substring]) -> String {
        let rows = lines.map(cells)
        guard rows.count >= 2 else { return "<p>" + lines.map(inline).joined(separator: " ") + "</p>\n" }
        let right = rows[1].map { $0.hasSuffix(":") && !$0.hasPrefix(":") }
        func row(_ cells: [Substring], _ tag: String) -> String {
            var text = "<tr>"
            for (position, cell) in cells.enumerated() {
                let aligned = position < right.count && right[position] ? " class=\"number\"" : ""
                text += "<\(tag)\(aligned)>" + inline(cell) + "</\(tag)>"
            }
            return text + "</tr>\n"
        }
        var out = "<div class=\"table\"><table>\n<thead>\n" + row(rows[0], "th") + "</thead>\n<tbody>\n"
        for cells in rows.dropFirst(2) { out += row(cells, "td") }
        return out + "</tbody>\n</table></div>\n"
    }

    /// The cells of a table line, trimmed: split at each `|` that is neither escaped nor in a code span.
    private static func cells(_ line: Substring) -> [Substring] {
        var cells: [Substring] = []
        var start = line.startIndex
        var position = line.startIndex
        var inCode = false
        while position < line.endIndex {
            let character = line[position]
            if character == "\\" && !inCode {
                position = line.index(after: position)
                if position < line.endIndex { position = line.index(after: position) }
                continue
            }
            if character == "`" { inCode.toggle() }
            if character == "|" && !inCode {
                cells.append(line[start..<position])
                start = line.index(after: position)
            }
            position = line.index(after: position)
        }
        cells.append(line[start...])
        // The text before the first bar and after the last one is no cell.
        return cells.dropFirst().dropLast().map { $0.trimmingSpaces }
    }

    /// One line of Markdown text as HTML.
    static func inline<Text: StringProtocol>(_ text: Text) -> String {
        let characters = Array(text)
        var out = ""
        var strong = false
        var emphasis = false
        var position = 0
        func starts(_ word: String) -> Bool {
            let word = Array(word)
            return position + word.count <= characters.count
                && Array(characters[position..<position + word.count]) == word
        }
        while position < characters.count {
            let character = characters[position]
            if character == "\\" && position + 1 < characters.count {
                out += HtmlText.escaped(String(characters[position + 1]))
                position += 2
            } else if character == "`", let end = characters[(position + 1)...].firstIndex(of: "`") {
                out += "<code>" + HtmlText.escaped(String(characters[(position + 1)..<end])) + "</code>"
                position = end + 1
            } else if starts("**") {
                out += strong ? "</strong>" : "<strong>"
                strong.toggle()
                position += 2
            } else if character == "*" {
                out += emphasis ? "</em>" : "<em>"
                emphasis.toggle()
                position += 1
            } else if starts("<br>") {
                out += "<br>"
                position += 4
            } else {
                out += HtmlText.escaped(String(character))
                position += 1
            }
        }
        if emphasis { out += "</em>" }
        if strong { out += "</strong>" }
        return out
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var text = self
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return text
    }
}
