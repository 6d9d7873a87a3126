import ReplStatCore

#if canImport(Glibc)
    import Glibc
#endif

/// What to poll, and how often.
public struct CaptureSchedule: Sendable {
    public var indices: [String]
    /// From the start of one round of polls to the start of the next.
    public var intervalMillis = CaptureOptions().intervalMillis
    /// Stop after this many rounds; nil: until stopped.
    public var rounds: Int?
    /// Polls in flight at once within a round.
    public var parallel = CaptureOptions().parallel

    public init(indices: [String]) { self.indices = indices }
}

/// Counts for the summary line.
public struct CaptureStats: Sendable, Equatable {
    public var rounds = 0
    public var lines = 0
    /// Lines that hold an error sample: OpenSearch's error answers and failed polls.
    public var errors = 0
    /// Polls that got no answer (timeouts, refused connections, TLS, unreadable answers).
    public var failedPolls = 0
    /// The time of the last line written.
    public var lastPoll: Int64?

    public init() {}
}

/// Polls every index once per round and writes one line per answer, in the order the answers
/// arrive, stamped with the time each arrived. A round starts every interval; one that runs
/// over (slow answers) is followed at once by the next, without a burst of catch-up rounds.
/// Cancelling the task that runs it ends it cleanly: polls in flight are dropped, the output is
/// closed.
public final class CaptureSession {
    private let poller: StatusPoller
    private let schedule: CaptureSchedule
    private let output: any CaptureOutput
    private let builder = EnvelopeLineBuilder()
    private let clock: @Sendable () -> Int64
    public private(set) var stats = CaptureStats()
    /// Called after every round (for a progress line).
    public var onRound: ((CaptureStats) -> Void)?
    /// Called with what a person should know about the capture as a whole, once each.
    public var onWarning: ((String) -> Void)?
    private var warnedDenied = false

    public init(
        poller: StatusPoller, schedule: CaptureSchedule, output: any CaptureOutput,
        clock: @escaping @Sendable () -> Int64 = CaptureSession.now
    ) {
        self.poller = poller
        self.schedule = schedule
        self.output = output
        self.clock = clock
    }

    /// Runs until the rounds are done or the task is cancelled. Throws only when the output
    /// cannot be written, which is found before the first poll when it can be; the output is
    /// closed either way.
    public func run() async throws(OutputError) {
        do throws(OutputError) {
            try output.open()
            try await pollRounds()
        } catch {
            try? output.close()
            throw error
        }
        try output.close()
    }

    private func pollRounds() async throws(OutputError) {
        let start = ContinuousClock.now
        var next = start
        let interval = Duration.milliseconds(schedule.intervalMillis)
        while !Task.isCancelled {
            try await pollRound()
            if Task.isCancelled { break }
            stats.rounds += 1
            try output.checkpoint()
            onRound?(stats)
            if let rounds = schedule.rounds, stats.rounds >= rounds { break }
            next += interval
            let now = ContinuousClock.now
            if next < now {
                next = now
            } else {
                try? await Task.sleep(until: next, clock: .continuous)
            }
        }
    }

    private func pollRound() async throws(OutputError) {
        let poller = self.poller
        let clock = self.clock
        var failure: OutputError?
        var answers = 0
        var denied = 0
        await withTaskGroup(of: (String, Int64, PollAnswer).self) { group in
            var pending = schedule.indices[...]
            func startNext() {
                guard let index = pending.popFirst() else { return }
                group.addTask {
                    let answer = await poller.poll(index)
                    return (index, clock(), answer)
                }
            }
            for _ in 0..<max(1, schedule.parallel) { startNext() }
            while let (index, timestamp, answer) = await group.next() {
                // A poll cut off by the stop has nothing to say about the cluster.
                if Task.isCancelled { continue }
                answers += 1
                if case .answered(let status, _) = answer, status == 401 || status == 403 { denied += 1 }
                do throws(OutputError) {
                    try record(index, timestamp, answer)
                } catch {
                    failure = error
                    group.cancelAll()
                    continue
                }
                startNext()
            }
        }
        if let failure { throw failure }
        if answers > 0, denied == answers, !warnedDenied {
            warnedDenied = true
            onWarning?(
                "every answer of round \(stats.rounds + 1) was HTTP 401 or 403: the cluster refuses these credentials "
                    + "(\(Credentials.userVariable)/\(Credentials.passwordVariable) or \(Credentials.apiKeyVariable)) "
                    + "or their user may not read replication status; the capture goes on recording the refusals")
        }
    }

    private func record(_ index: String, _ timestamp: Int64, _ answer: PollAnswer) throws(OutputError) {
        let (line, isError) = builder.line(timestamp: timestamp, index: index, answer: answer)
        try output.write(line, timestamp: timestamp)
        stats.lines += 1
        if isError { stats.errors += 1 }
        if case .failed = answer { stats.failedPolls += 1 }
        stats.lastPoll = timestamp
    }

    /// Wall-clock time in milliseconds since the Unix epoch.
    @Sendable public static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
    }
}
