/// Text from a capture made safe to show to a person: characters that act instead of showing
/// become a visible notation, `\u{1B}` (the scalar's hex value, as Swift writes it).
///
/// Which characters: the C0 controls, DEL and the C1 controls (U+0080-U+009F, which some
/// terminals obey when they come as UTF-8), since a terminal runs them as commands (`ESC[2J`
/// clears the screen, `ESC]0;...BEL` sets the window title); the line and paragraph separators
/// U+2028 and U+2029, which editors and viewers show as line breaks inside one line of output;
/// and the bidirectional controls (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069), which
/// reorder the text around them so that a name or reason shows as something it is not.
/// Other invisible characters (zero-width spaces, joiners) are left alone: they cannot hide or
/// reorder other text, and emoji and scripts need some of them.
public enum VisibleText {
    /// Whether `scalar` is shown as its notation rather than as itself.
    public static func isHidden(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x061C, 0x200E, 0x200F, 0x2028...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    /// `\u{1B}` for ESC: uppercase hex, no leading zeros.
    public static func notation(_ scalar: Unicode.Scalar) -> String {
        "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
    }

    /// `text` for a line of plain text (a CSV field of `watch`): every hidden character as its
    /// notation, and a backslash doubled, so that a `\u{1B}` in the data (written `\\u{1B}`)
    /// cannot pass for an escape.
    public static func escaped(_ text: String) -> String {
        replacing(text) { $0 == "\\" ? "\\\\" : isHidden($0) ? notation($0) : nil }
    }

    /// `text` for a terminal, line by line: every hidden character but the line end as its
    /// notation, backslashes as they are (a message or a machine format shown to a person, where
    /// a notation in the data passing for an escape misleads no program).
    public static func lines(_ text: String) -> String {
        replacing(text) { $0 != "\n" && isHidden($0) ? notation($0) : nil }
    }

    /// `text` with each scalar that `replacement` gives a text for replaced by it; `text` itself
    /// when there is none.
    private static func replacing(_ text: String, _ replacement: (Unicode.Scalar) -> String?) -> String {
        guard text.unicodeScalars.contains(where: { replacement($0) != nil }) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if let replaced = replacement(scalar) {
                out += replaced
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
