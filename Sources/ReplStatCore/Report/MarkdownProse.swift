/// The lines of a Markdown report other than its tables and headings (paragraphs, list items,
/// quotes) wrapped between words to a terminal's width, so that a terminal does not break them
/// inside a word. Rendered, the text is the same: a line break inside a paragraph or a list item
/// is a soft break, and every continuation line carries the indent or `> ` of its block.
enum MarkdownProse {
    /// `report` with each long prose line wrapped at spaces to at most `width` characters (a
    /// word longer than that stays whole), counting a terminal's columns (`TerminalWidth.columns`).
    /// Table rows (`|`) and headings (`#`) stay as they are.
    static func wrapped(_ report: String, width: Int) -> String {
        report.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            TerminalWidth.columns(of: line) <= width || line.hasPrefix("|") || line.hasPrefix("#")
                ? String(line) : wrapped(line: line, width: width)
        }.joined(separator: "\n")
    }

    /// One line wrapped, its continuation lines under the text of its first: `- ` list items
    /// go on after two spaces, quotes after `> `, and list items in a quote after `>   `.
    private static func wrapped(line: Substring, width: Int) -> String {
        let marker = ["> - ", "> ", "- "].first { line.hasPrefix($0) } ?? ""
        let indent = marker == "> - " ? ">   " : marker == "> " ? "> " : String(repeating: " ", count: marker.count)
        // Words between single spaces; runs of spaces stay inside a line (as empty words).
        let words = line.dropFirst(marker.count).split(separator: " ", omittingEmptySubsequences: false)
        var out = marker
        var current = marker.count
        var lineHasWord = false
        for (position, word) in words.enumerated() {
            let breakable =
                lineHasWord && !word.isEmpty && !words[position - 1].isEmpty && !startsABlock(word)
            let columns = TerminalWidth.columns(of: word)
            if breakable && current + 1 + columns > width {
                out += "\n" + indent + word
                current = indent.count + columns
            } else {
                if position > 0 { out += " " }
                out += word
                current += (position > 0 ? 1 : 0) + columns
            }
            lineHasWord = lineHasWord || !word.isEmpty
        }
        return out
    }

    /// Whether `word` at the start of a line would begin a block of its own (a list item, a
    /// quote, a heading, a rule, a fence), which a continuation line must not.
    static func startsABlock(_ word: Substring) -> Bool {
        if word.hasPrefix(">") || word.hasPrefix("<") || word.hasPrefix("```") || word.hasPrefix("~~~") { return true }
        if word.allSatisfy({ "-+*=_#".contains($0) }) { return true }
        // `1.` or `1)` starts an ordered list.
        let digits = word.prefix { $0.isASCII && $0.isNumber }
        return (1...9).contains(digits.count) && digits.count + 1 == word.count
            && (word.last == "." || word.last == ")")
    }
}
