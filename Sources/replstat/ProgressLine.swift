import ReplStatCore

#if canImport(Glibc)
    import Glibc
#endif

/// A one-line progress report on standard error, shown only when standard error is a
/// terminal and the run has lasted a moment: nothing when piped, and nothing for quick runs.
final class ProgressLine {
    private let enabled: Bool
    private let started = ProgressLine.now()
    private var lastShown: Double = 0
    private var shown = false

    init() {
        enabled = isatty(2) == 1
    }

    func update(_ analysis: Analysis) {
        guard enabled else { return }
        let now = Self.now()
        guard now - started >= 1, now - lastShown >= 0.25 else { return }
        lastShown = now
        shown = true
        let megabytes = Double(analysis.bytesRead) / 1_000_000
        let rate = megabytes / (now - started)
        FileOutput.statusLine("replstat: \(format(megabytes)) MB, \(analysis.linesRead) lines, \(format(rate)) MB/s")
    }

    /// Clears the line so that messages and the shell prompt start clean.
    func finish() {
        if shown { FileOutput.statusLine("") }
    }

    private func format(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
