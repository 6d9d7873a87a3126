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
