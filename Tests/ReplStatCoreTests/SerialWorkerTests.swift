import Dispatch
import Synchronization
import Testing

@testable import ReplStatCore

@Suite struct SerialWorkerTests {
    @Test func runsTheJobsOneAfterAnotherInTheOrderGivenAndSyncWaitsForThem() {
        let worker = SerialWorker(label: "test.worker")
        let ran = Mutex<[Int]>([])
        let running = Atomic<Int>(0)
        let overlapped = Atomic<Bool>(false)
        for job in 0..<1000 {
            worker.async {
                if running.add(1, ordering: .sequentiallyConsistent).newValue > 1 {
                    overlapped.store(true, ordering: .sequentiallyConsistent)
                }
                ran.withLock { $0.append(job) }
                running.subtract(1, ordering: .sequentiallyConsistent)
            }
        }
        worker.sync()
        let didOverlap = overlapped.load(ordering: .sequentiallyConsistent)
        #expect(ran.withLock { $0 } == Array(0..<1000))
        #expect(!didOverlap)
    }

    @Test func jobsGivenBeforeTheWorkerIsLetGoStillRun() {
        let gate = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        let ran = Mutex<[Int]>([])
        do {
            let worker = SerialWorker(label: "test.worker")
            worker.async {
                gate.wait()
                ran.withLock { $0.append(1) }
            }
            worker.async {
                ran.withLock { $0.append(2) }
                done.signal()
            }
        }
        gate.signal()
        // A generous bound, only so that a lost job fails the test instead of hanging it.
        #expect(done.wait(timeout: .now() + 60) == .success)
        #expect(ran.withLock { $0 } == [1, 2])
    }

    /// `--jobs 256` has 511 workers. Workers whose blocks waited for jobs as long as they lived
    /// held a thread each, used up libdispatch's threads and hung the run: a lingering block gives
    /// its thread back, so a job given to each of more workers than there are threads still runs.
    @Test func moreWorkersThanThreadsStillRunEveryJob() {
        let workers = (0..<1_500).map { SerialWorker(label: "test.worker.\($0)") }
        let group = DispatchGroup()
        let ran = Atomic<Int>(0)
        for worker in workers {
            group.enter()
            worker.async {
                ran.add(1, ordering: .relaxed)
                group.leave()
            }
        }
        // A generous bound, only so that a hang fails the test instead of stopping the suite.
        #expect(group.wait(timeout: .now() + 120) == .success)
        #expect(ran.load(ordering: .relaxed) == 1_500)
    }
}
