/// Text from a capture, or a name from the command line, made safe to put in HTML, as element
/// content or as a quoted attribute value: it shows as it is and never becomes markup.
///
/// - `&` `<` `>` `"` `'` become character references.
/// - Characters that `VisibleText` hides show as its notation, `\u{1B}`.
/// - `://` shows as `[:]//`, as in the Markdown report, so that no text of the data reads as a
///   web address: the page names no `http://` or `https://` address at all (it loads nothing).
enum HtmlText {
    static func escaped(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var out = ""
        out.unicodeScalars.reserveCapacity(scalars.count)
        for (position, scalar) in scalars.enumerated() {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case ":" where position + 2 < scalars.count && scalars[position + 1] == "/" && scalars[position + 2] == "/":
                out += "[:]"
            default:
                if VisibleText.isHidden(scalar) {
                    out += VisibleText.notation(scalar)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
