import Dispatch
import ReplStatCore

#if canImport(Glibc)
    import Glibc
#endif

/// A capture under way, for synchronous code (the commands): it polls on Swift's concurrency
/// threads until its rounds are done or `stop` is called. What stops it (Ctrl-C, a reader gone)
/// is the program's business, not the library's: the executable handles signals and exits.
///
/// The program must ignore SIGPIPE while it runs: a reader that goes away (`| head`, or an
/// analysis done with the pipe) must show up as EPIPE, which ends the capture cleanly.
public final class CaptureRun: Sendable {
    public struct Outcome: Sendable {
        public var stats: CaptureStats
        /// The output could not be written (the capture stopped there).
        public var failure: OutputError?
    }

    private let task: Task<Void, Never>
    private let closed: DispatchSemaphore
    private let result: ResultBox

    /// Starts polling. The output is opened by the capture, before its first poll.
    public static func start(
        poller: StatusPoller, schedule: CaptureSchedule, output: sending any CaptureOutput,
        onRound: (@Sendable (CaptureStats) -> Void)? = nil, onWarning: (@Sendable (String) -> Void)? = nil
    ) -> CaptureRun {
        let result = ResultBox()
        let closed = DispatchSemaphore(value: 0)
        let task = Task {
            let session = CaptureSession(poller: poller, schedule: schedule, output: output)
            session.onRound = onRound
            session.onWarning = onWarning
            var failure: OutputError?
            do throws(OutputError) {
                try await session.run()
            } catch  where error.code == ECANCELED {
                // Stopped while waiting for a reader: a stop like any other.
            } catch {
                failure = error
            }
            result.set(Outcome(stats: session.stats, failure: failure))
            closed.signal()
            await poller.shutdown()
        }
        return CaptureRun(task: task, closed: closed, result: result)
    }

    private init(task: Task<Void, Never>, closed: DispatchSemaphore, result: ResultBox) {
        self.task = task
        self.closed = closed
        self.result = result
    }

    /// Ends the capture cleanly: the polls in flight are dropped and the output is closed (an
    /// open gzip member is finished, so the file is complete).
    public func stop() {
        task.cancel()
    }

    /// Whether `stop` was called.
    public var isStopping: Bool { task.isCancelled }

    /// Waits until the output is closed.
    public func wait() -> Outcome {
        closed.wait()
        closed.signal()
        return result.get()
    }

    /// Waits until the output is closed, at most `seconds`; false when it is not closed by then.
    public func wait(seconds: Int) -> Bool {
        guard closed.wait(timeout: .now() + .seconds(seconds)) == .success else { return false }
        closed.signal()
        return true
    }

    /// Hands the outcome from the capture's task to the waiting thread; the semaphore orders
    /// the write before the read.
    private final class ResultBox: @unchecked Sendable {
        private var outcome: Outcome?
        func set(_ value: Outcome) { outcome = value }
        func get() -> Outcome { outcome! }
    }

    /// Starts a capture that writes plain lines into a pipe, and returns the pipe's reading end
    /// as a source for an analysis. The source ends when the capture does (its rounds are done,
    /// or `stop`); `also` receives the same lines (a gzip file).
    public static func intoPipe(
        name: String, poller: StatusPoller, schedule: CaptureSchedule, also: sending (any CaptureOutput)? = nil,
        onWarning: (@Sendable (String) -> Void)? = nil
    ) throws(CaptureSetupError) -> (source: InputSource, capture: CaptureRun) {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else {
            throw CaptureSetupError("cannot make a pipe: \(String(cString: strerror(errno)))")
        }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        let lines = PlainLines.pipe(descriptor: ends[1], name: name)
        // The kept file first: a reader that stops reading must not stop the capture being kept.
        let output: any CaptureOutput = also.map { TeeOutput([$0, lines]) } ?? lines
        let capture = start(poller: poller, schedule: schedule, output: output, onWarning: onWarning)
        return (InputSource(name: name, descriptor: ends[0]), capture)
    }
}
