#if canImport(Glibc)
    import Glibc
#endif

/// The width a report for people is fitted to when it goes to a terminal.
enum TerminalWidth {
    /// nil when standard output is not a terminal: a report piped or redirected stays as it is.
    /// At a terminal: `COLUMNS` when it is a positive number (environ(7) lets it override the
    /// terminal's size, and `--help` reads it so too), else the terminal's width, else 80.
    static func ofStandardOutput() -> Int? {
        guard isatty(1) == 1 else { return nil }
        if let text = getenv("COLUMNS"), let columns = Int(String(cString: text)), columns > 0 { return columns }
        var size = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 { return Int(size.ws_col) }
        return 80
    }
}

extension TerminalWidth {
    /// The columns `text` takes at a terminal, as wcwidth(3) counts them: East Asian Wide and
    /// Fullwidth characters (CJK, Hangul, fullwidth forms, emoji shown as emoji) take two,
    /// combining marks and other zero-width characters none, the rest one. Swift's Unicode tables
    /// give the marks and the emoji; the wide ranges are those of Unicode's EastAsianWidth.txt.
    static func columns(of text: some StringProtocol) -> Int {
        text.unicodeScalars.reduce(0) { $0 + columns(of: $1) }
    }

    /// The columns of one scalar: 0, 1 or 2.
    static func columns(of scalar: Unicode.Scalar) -> Int {
        if scalar.isASCII { return 1 }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        // Hangul vowels and final consonants join the syllable before them.
        if (0x1160...0x11FF).contains(scalar.value) || (0xD7B0...0xD7FF).contains(scalar.value) { return 0 }
        if scalar.properties.isEmojiPresentation { return 2 }
        return wideRanges.contains { $0.contains(scalar.value) } ? 2 : 1
    }

    /// East Asian Wide (W) and Fullwidth (F) blocks, emoji aside.
    private static let wideRanges: [ClosedRange<UInt32>] = [
        0x1100...0x115F,  // Hangul leading consonants
        0x2329...0x232A,  // angle brackets
        0x2E80...0x303E,  // CJK radicals, symbols and punctuation, ideographic space
        0x3041...0x33FF,  // kana, bopomofo, Hangul compatibility jamo, CJK compatibility
        0x3400...0x4DBF,  // CJK extension A
        0x4E00...0x9FFF,  // CJK unified ideographs
        0xA000...0xA4CF,  // Yi
        0xA960...0xA97F,  // Hangul jamo extended A
        0xAC00...0xD7A3,  // Hangul syllables
        0xF900...0xFAFF,  // CJK compatibility ideographs
        0xFE10...0xFE19,  // vertical forms
        0xFE30...0xFE6F,  // CJK compatibility forms, small form variants
        0xFF00...0xFF60,  // fullwidth forms
        0xFFE0...0xFFE6,  // fullwidth signs
        0x16FE0...0x16FE4, 0x17000...0x18CFF,  // Tangut, Khitan
        0x1B000...0x1B2FF,  // kana supplement and extensions, Nushu
        0x1F200...0x1F2FF,  // enclosed ideographic supplement
        0x20000...0x2FFFD, 0x30000...0x3FFFD,  // CJK extensions B to H
    ]
}
