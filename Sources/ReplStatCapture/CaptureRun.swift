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
    }

    /// SIGINT, SIGTERM and SIGHUP end the capture cleanly: the polls in flight are dropped and
    /// the open gzip member is finished, so the file is complete. A second signal while closing
    /// ends the process at once.
    public static func untilStopped(
        poller: StatusPoller, schedule: CaptureSchedule, output: sending any CaptureOutput,
        onRound: (@Sendable (CaptureStats) -> Void)? = nil, onWarning: (@Sendable (String) -> Void)? = nil
    ) -> Outcome {
        // A reader that goes away (`| head`, or an analysis done with the pipe) must show up as
        // EPIPE, which ends the capture cleanly, not as a signal that ends the process.
        signal(SIGPIPE, SIG_IGN)
        let result = ResultBox()
        let closed = DispatchGroup()
        closed.enter()
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
            closed.leave()
            await poller.shutdown()
        }
        let registration = running.add(stop: { task.cancel() }, closed: closed)
        var previousHandlers: [(Int32, sighandler_t?)] = []
        let sources = stopSignals.map { number in
            let previous = signal(number, SIG_IGN)
            previousHandlers.append((number, previous))
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if task.isCancelled {
                    // A second signal while closing: end now, as the process would have ended on it
                    // (the reports' handler removes their temporary files first).
                    signal(number, previous)
                    raise(number)
                    _exit(128 + number)
                }
                task.cancel()
            }
            source.resume()
            return source
        }
        closed.wait()
        running.remove(registration)
        for source in sources { source.cancel() }
        // What runs after the capture (an analysis writing its reports) gets its own handling back.
        for (number, handler) in previousHandlers { signal(number, handler) }
        return result.get()
    }

    static let stopSignals = [SIGINT, SIGTERM, SIGHUP]

    /// Captures under way. When the program exits while one runs (`replstat run ... | head`,
    /// whose event printer then exits), it is stopped and its files closed first: a gzip member
    /// left open would make the file damaged, and refused the next time.
    private static let running = RunningCaptures()

    private final class RunningCaptures: @unchecked Sendable {
        private let queue = DispatchQueue(label: "replstat.running-captures")
        private var captures: [Int: (stop: @Sendable () -> Void, closed: DispatchGroup)] = [:]
        private var next = 0

        init() {
            atexit { CaptureRun.running.stopAll() }
        }

        func add(stop: @escaping @Sendable () -> Void, closed: DispatchGroup) -> Int {
            queue.sync {
                next += 1
                captures[next] = (stop, closed)
                return next
            }
        }

        func remove(_ id: Int) {
            _ = queue.sync { captures.removeValue(forKey: id) }
        }

        func stopAll() {
            let all = queue.sync { Array(captures.values) }
            for capture in all { capture.stop() }
            for capture in all { _ = capture.closed.wait(timeout: .now() + .seconds(3)) }
        }
    }

    /// Hands the outcome from the capture's task to the waiting thread; the semaphore orders
    /// the write before the read.
    private final class ResultBox: @unchecked Sendable {
        private var outcome: Outcome?
        func set(_ value: Outcome) { outcome = value }
        func get() -> Outcome { outcome! }
    }

    /// Starts a capture on a thread of its own, writing plain lines into a pipe, and returns the
    /// pipe's reading end as a source for an analysis. The source ends when the capture does
    /// (its rounds are done, or a stop signal); `also` receives the same lines (a gzip file).
    public static func intoPipe(
        name: String, poller: StatusPoller, schedule: CaptureSchedule, also: (any CaptureOutput)? = nil,
        onWarning: (@Sendable (String) -> Void)? = nil
    ) throws(CaptureSetupError) -> (source: InputSource, finished: @Sendable () -> Outcome) {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else {
            throw CaptureSetupError("cannot make a pipe: \(String(cString: strerror(errno)))")
        }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        let lines = PlainLines.pipe(descriptor: ends[1], name: name)
        // The kept file first: a reader that stops reading must not stop the capture being kept.
        let output: any CaptureOutput = also.map { TeeOutput([$0, lines]) } ?? lines
        let result = ResultBox()
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) let handedOver = output
        // Its own thread: the capture blocks it until done, while the caller runs the analysis.
        DispatchQueue(label: "replstat.capture").async {
            result.set(untilStopped(poller: poller, schedule: schedule, output: handedOver, onWarning: onWarning))
            done.signal()
        }
        return (
            InputSource(name: name, descriptor: ends[0]),
            {
                done.wait()
                return result.get()
            }
        )
    }
}
