import Dispatch
import ReplStatCore

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a capture from synchronous code (the commands) until its rounds are done or the
/// process is asked to stop.
public enum CaptureRun {
    public struct Outcome: Sendable {
        public var stats: CaptureStats
        /// The output could not be written (the capture stopped there).
        public var failure: OutputError?
        /// Stopped by SIGINT, SIGTERM or SIGHUP (rather than by running out of rounds).
        public var interrupted: Bool
    }

    /// SIGINT, SIGTERM and SIGHUP end the capture cleanly: the polls in flight are dropped and
    /// the open gzip member is finished, so the file is complete. A second signal while closing
    /// ends the process at once.
    public static func untilStopped(
        poller: StatusPoller, schedule: CaptureSchedule, output: sending any CaptureOutput,
        onRound: (@Sendable (CaptureStats) -> Void)? = nil
    ) -> Outcome {
        let result = ResultBox()
        let done = DispatchSemaphore(value: 0)
        let task = Task {
            let session = CaptureSession(poller: poller, schedule: schedule, output: output)
            session.onRound = onRound
            var failure: OutputError?
            do throws(OutputError) {
                try await session.run()
            } catch {
                failure = error
            }
            await poller.shutdown()
            result.set(Outcome(stats: session.stats, failure: failure, interrupted: Task.isCancelled))
            done.signal()
        }
        let sources = stopSignals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if task.isCancelled { _exit(128 + number) }
                task.cancel()
            }
            source.resume()
            return source
        }
        done.wait()
        for source in sources { source.cancel() }
        return result.get()
    }

    static let stopSignals = [SIGINT, SIGTERM, SIGHUP]

    /// Hands the outcome from the capture's task to the waiting thread; the semaphore orders
    /// the write before the read.
    private final class ResultBox: @unchecked Sendable {
        private var outcome: Outcome?
        func set(_ value: Outcome) { outcome = value }
        func get() -> Outcome { outcome! }
    }
}
