import Dispatch
import Synchronization

/// Runs the jobs it is given one after another, in order: a serial queue given one block when it
/// has jobs after having none; the block runs the jobs as they come and returns once none has come
/// for `linger`.
///
/// A `DispatchQueue.async` per job would do the same, but each allocates a continuation that
/// the thread running the job then keeps in its cache, up to 1,024 per thread, while the threads
/// that give jobs allocate new ones: a run of many pieces ended with about half a megabyte more
/// than a short one, held by the caches of the threads that decode and process them. A block
/// that waited for jobs as long as the worker lived would not return its thread: `--jobs 256`
/// has 511 workers, which used up libdispatch's threads, so jobs never ran and the run hung. A
/// block that lingers gives its thread back after a pause, whatever else runs.
final class SerialWorker: Sendable {
    private let queue: DispatchQueue
    private let inbox = Mutex(Inbox())
    /// Signaled once per job given while a block runs, to wake it if it waits.
    private let arrived = DispatchSemaphore(value: 0)

    /// How long a block waits for the next job before giving its thread back.
    static let linger = DispatchTimeInterval.milliseconds(50)

    private struct Inbox: ~Copyable {
        /// The jobs given; one taken to run is set to nil, so that what it holds (a piece's bytes,
        /// which go back to their pool) is let go as soon as it has run.
        var jobs: [(@Sendable () -> Void)?] = []
        /// The position of the next job to run in `jobs`.
        var next = 0
        /// A block is running the jobs (or is about to).
        var draining = false
    }

    init(label: String) {
        queue = DispatchQueue(label: label)
    }

    /// Runs `job` after the jobs given before.
    func async(_ job: @escaping @Sendable () -> Void) {
        let startsBlock = inbox.withLock { inbox in
            inbox.jobs.append(job)
            if inbox.draining { return false }
            inbox.draining = true
            return true
        }
        if startsBlock {
            queue.async { self.drain() }
        } else {
            arrived.signal()
        }
    }

    /// Returns once the jobs given before have run.
    func sync() {
        let done = DispatchSemaphore(value: 0)
        async { done.signal() }
        done.wait()
    }

    private func drain() {
        while true {
            while let job = takeNext() { job() }
            if arrived.wait(timeout: .now() + Self.linger) == .timedOut, stopsIfIdle() { return }
        }
    }

    /// The next job, or nil when there is none left.
    private func takeNext() -> (@Sendable () -> Void)? {
        inbox.withLock { inbox in
            guard inbox.next < inbox.jobs.count else {
                // Keeps the room: the inbox fills again with the next pieces.
                inbox.jobs.removeAll(keepingCapacity: true)
                inbox.next = 0
                return nil
            }
            defer {
                inbox.jobs[inbox.next] = nil
                inbox.next += 1
            }
            return inbox.jobs[inbox.next]
        }
    }

    /// Ends the block when no job is waiting: the next `async` starts another.
    private func stopsIfIdle() -> Bool {
        inbox.withLock { inbox in
            guard inbox.next == inbox.jobs.count else { return false }
            inbox.draining = false
            return true
        }
    }
}
