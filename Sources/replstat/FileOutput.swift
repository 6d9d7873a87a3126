import ReplStatCore

#if canImport(Glibc)
    import Glibc
#endif

/// Unbuffered writes to the standard streams (stdio's globals are not concurrency-safe).
enum FileOutput {
    /// A message for a person. Paths, index names and texts in it come from files anyone may
    /// have named (`caps/x<ESC>]2;...gz`): every character a terminal would obey instead of
    /// showing is written as its notation (`VisibleText`), line ends excepted.
    static func standardError(_ text: String) {
        try? OutputFile.writeAll(2, Array(VisibleText.lines(text).utf8), path: "standard error")
    }

    /// A status line that rewrites itself at a terminal: back to its start, cleared, then `text`.
    static func statusLine(_ text: String) {
        try? OutputFile.writeAll(2, Array(("\r\u{1B}[K" + VisibleText.lines(text)).utf8), path: "standard error")
    }

    /// Someone who typed the command without a file would otherwise wait at a silent prompt.
    static func hintWhenReadingATerminal(_ sources: [InputSource]) {
        if sources.contains(where: \.isStandardInput) && isatty(0) == 1 {
            standardError("replstat: reading standard input (end it with Ctrl-D); name a capture file to read that\n")
        }
    }

    /// `1 line`, `2 lines`: for the summary lines people read.
    static func count(_ number: Int, _ one: String, _ many: String) -> String {
        "\(number) \(number == 1 ? one : many)"
    }

    static func standardOutput(_ bytes: [UInt8]) throws(OutputError) {
        try OutputFile.writeAll(1, bytes, path: "standard output")
    }
}
