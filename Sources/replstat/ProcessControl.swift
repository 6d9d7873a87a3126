import Dispatch
import ReplStatCapture
import ReplStatCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// What concerns the process as a whole, in one place: the stop signals, SIGPIPE, and the ways
/// out. The library keeps a registry of the temporary files it has open (`TemporaryFiles`) and
/// leaves signals and exits to this.
///
/// - SIGINT, SIGTERM and SIGHUP remove the temporary files and end the process with 128 + the
///   signal's number (130 for Ctrl-C), as a shell reports a process a signal ended, so that an
///   interrupted run leaves the previous files or the new complete ones, and no debris.
/// - While a capture runs (`stoppingOnSignals`), the first of them stops the capture cleanly
///   instead (its gzip member finished; an analysis reading it then reports), and a second one
///   ends the process.
/// - `exit` ends the process from the middle of a run (an output that cannot be written, the
///   events' reader gone): a capture under way is stopped and its files closed first (a member
///   left open would make the file damaged, and refused the next time), and the temporary files
///   are removed.
enum ProcessControl {
    static let stopSignals = [SIGINT, SIGTERM, SIGHUP]

    /// The capture under way, if any.
    private static let running = Mutex<CaptureRun?>(nil)

    /// Installs the stop signals' handler; first thing in `main`.
    static func start() {
        TemporaryFiles.prepareForSignalHandler()
        // A parent may have started us with these signals blocked (a blocked mask is inherited
        // across exec): unblock them, or Ctrl-C would wait for the end of the input.
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        for number in stopSignals { sigaddset(&unblocked, number) }
        pthread_sigmask(SIG_UNBLOCK, &unblocked, nil)
        for number in stopSignals { signal(number, endOnSignal) }
    }

    /// Removes the temporary files and ends the process as the signal would have; only
    /// async-signal-safe calls.
    private static let endOnSignal: @convention(c) (Int32) -> Void = { received in
        TemporaryFiles.removeAllInSignalHandler()
        _exit(128 + received)
    }

    /// A reader that goes away (`| head`) must show up as EPIPE, so that the run ends on its
    /// terms (quietly, its files closed), not as a signal that ends the process.
    static func ignoreBrokenPipe() {
        signal(SIGPIPE, SIG_IGN)
    }

    /// Runs `body` while `capture` polls: the first stop signal stops the capture, a second one
    /// ends the process. The process's own handling is back when `body` returns.
    static func stoppingOnSignals<Result>(_ capture: CaptureRun, _ body: () throws -> Result) rethrows -> Result {
        running.withLock { $0 = capture }
        let sources = stopSignals.map { number in
            // Delivered to the source, not to the handler, while it exists.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if capture.isStopping {
                    TemporaryFiles.removeAll()
                    _exit(128 + number)
                }
                capture.stop()
            }
            source.resume()
            return source
        }
        defer {
            for source in sources { source.cancel() }
            for number in stopSignals { signal(number, endOnSignal) }
            running.withLock { $0 = nil }
        }
        return try body()
    }

    /// Runs `executable`, from the folder this program was started from, in place of this
    /// process (the same process id, so signals and the exit status reach the caller as they
    /// would ours), with `arguments` after the program's name.
    static func replace(with executable: String, arguments: [String]) -> Never {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        let me = length > 0 ? String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
        let folder = me.lastIndex(of: "/").map { String(me[...$0]) } ?? "./"
        let path = folder + executable
        let argv = (["replstat"] + arguments).map { strdup($0) } + [nil]
        execv(path, argv)
        fail(
            "cannot start \(path): \(String(cString: strerror(errno))); it is built and installed beside replstat "
                + "(swift build builds both)")
    }

    /// Says `message` on standard error (`replstat: message`) and ends the process with
    /// `status` (`exit`): the way out of a run that cannot go on.
    static func fail(_ message: String, status: Int32 = ExitStatus.sourceFailed) -> Never {
        FileOutput.standardError("replstat: \(message)\n")
        exit(status)
    }

    /// Ends the process now, with `status`, after stopping a capture under way (waiting up to
    /// 3 s for its files to close) and removing the temporary files.
    static func exit(_ status: Int32) -> Never {
        if let capture = running.withLock({ $0 }) {
            capture.stop()
            _ = capture.wait(seconds: 3)
        }
        TemporaryFiles.removeAll()
        Glibc.exit(status)
    }
}
