import Dispatch
import Synchronization

/// Runs the jobs it is given one after another, in order, on a thread of its own for as long as
/// it lives: a serial queue whose one block takes the jobs from an inbox.
///
/// A `DispatchQueue.async` per job would do the same, but each allocates a continuation that
/// the thread running the job then keeps in its cache, up to 1,024 per thread, while the threads
/// that give jobs allocate new ones: a run of many pieces ended with about half a megabyte more
/// than a short one, held by the caches of the threads that decode and process them.
final class SerialWorker: Sendable {
    private let inbox = Inbox()

    init(label: String) {
        let inbox = inbox
        DispatchQueue(label: label).async { inbox.runJobs() }
    }

    /// The thread is let go once the jobs given before have run.
    deinit {
        inbox.put(nil)
    }

    /// Runs `job` after the jobs given before.
    func async(_ job: @escaping @Sendable () -> Void) {
        inbox.put(job)
    }

    /// Returns once the jobs given before have run.
    func sync() {
        let done = DispatchSemaphore(value: 0)
        inbox.put { done.signal() }
        done.wait()
    }

    /// The jobs waiting, in order; nil asks the worker's block to return.
    private final class Inbox: Sendable {
        private let jobs = Mutex<[(@Sendable () -> Void)?]>([])
        /// Signaled once per job put.
        private let waiting = DispatchSemaphore(value: 0)

        func put(_ job: (@Sendable () -> Void)?) {
            jobs.withLock { $0.append(job) }
            waiting.signal()
        }

        func runJobs() {
            while true {
                waiting.wait()
                guard let job = jobs.withLock({ $0.removeFirst() }) else { return }
                job()
            }
        }
    }
}
