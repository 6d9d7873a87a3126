import ReplStatCore

/// What one follower index goes through during the capture: a list of phases, each from an
/// instant on, and windows in which its status polls fail.
struct FollowerTimeline {
    /// What the index is doing, in the plugin's terms.
    enum Phase {
        /// `{"status":"REPLICATION NOT IN PROGRESS"}`: never started, or stopped.
        case notReplicating
        /// Just started: BOOTSTRAPPING before the restore reports progress.
        case starting
        /// The follower restores the leader's files (BOOTSTRAPPING with `bootstrap_details`).
        case bootstrapping(Restore)
        /// Following the leader (SYNCING).
        case syncing
        /// SYNCING, but the follower's checkpoint does not move while the leader's does.
        case stalled
        /// RUNNING: the overall state is running but no shard reports yet (after a resume, while
        /// a shard relocates); the seed documentation's example shows `syncing_details` too.
        case running(withDetails: Bool)
        case paused(reason: Int)
        case failed(reason: Int)
        /// STOPPED: the plugin's overall state while a stop is under way.
        case stopped

        /// Whether the follower replays operations in this phase.
        var replays: Bool {
            switch self {
            case .syncing, .running: true
            default: false
            }
        }
    }

    /// A restore of the leader's files onto the follower.
    struct Restore {
        let start: Int64
        /// Until every shard has its files, in milliseconds.
        let duration: Int64
        let bytesTotal: Int64
        let filesTotal: Int64
        /// Near the end, some shards already sync: the plugin then mixes both kinds of details.
        let mixesDetails: Bool
    }

    struct Segment {
        let start: Int64
        let phase: Phase
    }

    enum PollError {
        /// 500 `replication_exception` "failed to fetch replication status".
        case unavailable
        /// 403 `security_exception`: the poller's user may not read the status.
        case forbidden
    }

    /// Polls at instants in `from..<to` fail with `error`, each with `probability`.
    struct ErrorWindow {
        let from: Int64
        let to: Int64
        let error: PollError
        let probability: Double

        func covers(_ time: Int64) -> Bool { time >= from && time < to }
    }

    private(set) var segments: [Segment] = []
    private(set) var errorWindows: [ErrorWindow] = []

    /// Starts a phase at `time` (never before the previous one, so the list stays ordered).
    mutating func begin(_ phase: Phase, at time: Int64) {
        let start = max(time, (segments.last?.start ?? .min) + 1)
        segments.append(Segment(start: start, phase: phase))
    }

    mutating func failPolls(from: Int64, to: Int64, with error: PollError, probability: Double = 1) {
        errorWindows.append(ErrorWindow(from: from, to: to, error: error, probability: probability))
    }

    var lastStart: Int64 { segments.last?.start ?? .min }
}

/// A part an index plays in a scenario's story.
enum FollowerRole: CaseIterable {
    /// Syncs all along.
    case healthy
    /// Stalls, loses its retention lease on the leader, is auto-paused, then stopped, started
    /// again and bootstrapped anew.
    case leaseLost
    /// Paused by a user for a while, then resumed: RUNNING, then SYNCING while it catches up.
    case userPause
    /// Started during the capture; its leader already holds data.
    case newFollower
    /// Started during the capture on a new, empty leader: checkpoints -shards until writes begin.
    case newEmptyFollower
    /// The restore cannot be started (FAILED); stopped, started again, and then it works.
    case restoreCallFails
    /// The restore dies part-way (FAILED with an empty reason) and nobody fixes it.
    case restoreDies
    /// A shard relocates once or twice: RUNNING for a poll or three.
    case relocating
    /// Stalls for minutes, then catches up by itself.
    case stallRecovers
    /// Stopped by a user: STOPPED briefly, then REPLICATION NOT IN PROGRESS.
    case stopped
    /// Its index task is cancelled (a node left): auto-paused, then resumed.
    case taskCancelled
    /// Its leader index is deleted: auto-paused with IndexNotFoundException to the end.
    case leaderDeleted
    /// The poller's role does not cover it for a while: 403s.
    case forbidden
}

/// Places the phases of one index's story on the capture's time line.
struct TimelinePlanner {
    let start: Int64
    let duration: Int64
    let interval: Int64
    /// Where the follower cluster names its retention leases on the leader.
    let leaseSource: String

    /// An instant at `fraction` of the capture, moved by up to `spread` either way.
    func instant(_ fraction: Double, spread: Double, _ random: inout SimulationRandom) -> Int64 {
        start + Int64(Double(duration) * (fraction + random.uniform(-spread, spread)))
    }

    /// About `fraction` of the capture, kept within bounds (in milliseconds) so short and long
    /// captures both show the story.
    func span(_ fraction: Double, min low: Int64, max high: Int64, _ random: inout SimulationRandom) -> Int64 {
        let wanted = Int64(Double(duration) * fraction * random.uniform(0.8, 1.2))
        return Swift.min(Swift.max(wanted, low), Swift.max(low, high))
    }

    /// Builds the timeline of `role`; `pause` places a user pause and its resume (the outage story).
    func plan(
        _ role: FollowerRole, profile: inout FollowerProfile, random: inout SimulationRandom,
        pause: Range<Int64>? = nil
    ) -> FollowerTimeline {
        var timeline = FollowerTimeline()
        let minute: Int64 = 60_000
        let beforeCapture = start - interval
        switch role {
        case .healthy:
            timeline.begin(.syncing, at: beforeCapture)

        case .forbidden:
            timeline.begin(.syncing, at: beforeCapture)
            let from = instant(0.3, spread: 0.1, &random)
            timeline.failPolls(
                from: from, to: from + span(0.08, min: 2 * minute, max: 120 * minute, &random),
                with: .forbidden)

        case .leaseLost:
            timeline.begin(.syncing, at: beforeCapture)
            let stallAt = instant(0.22, spread: 0.04, &random)
            let pauseAt = stallAt + span(0.08, min: 4 * minute, max: 40 * minute, &random)
            timeline.begin(.stalled, at: stallAt)
            // The leader cluster is hard to reach: some status calls fail as well.
            timeline.failPolls(from: stallAt, to: pauseAt, with: .unavailable, probability: 0.3)
            let shard = "[\(profile.followerName)][\(random.below(Int(profile.shards)))]"
            let reason = profile.addReason(
                "AutoPaused:  + [\(shard) - org.opensearch.index.seqno.RetentionLeaseNotFoundException - "
                    + "\"retention lease with ID [\(leaseSource):\(shard)] not found\"], ")
            timeline.begin(.paused(reason: reason), at: pauseAt)
            // Resuming fails ("Retention lease doesn't exist"): the operator stops and starts again.
            let stopAt = pauseAt + span(0.12, min: 5 * minute, max: 180 * minute, &random)
            stop(&timeline, at: stopAt, showingStopped: random.chance(0.5))
            let restartAt = stopAt + span(0.04, min: 2 * minute, max: 30 * minute, &random)
            startReplication(&timeline, at: restartAt, profile: profile, emptyLeader: false, random: &random)

        case .userPause:
            timeline.begin(.syncing, at: beforeCapture)
            let pausedAt = pause?.lowerBound ?? instant(0.45, spread: 0.1, &random)
            timeline.begin(.paused(reason: FollowerProfile.userInitiated), at: pausedAt)
            let resumeAt = pause?.upperBound ?? pausedAt + span(0.1, min: 4 * minute, max: 240 * minute, &random)
            resume(&timeline, at: resumeAt, random: &random)

        case .newFollower, .newEmptyFollower:
            timeline.begin(.notReplicating, at: beforeCapture)
            let empty = role == .newEmptyFollower
            if empty { profile.initialLeaderCheckpoint = -profile.shards }
            let syncingAt = startReplication(
                &timeline, at: instant(0.15, spread: 0.05, &random), profile: profile, emptyLeader: empty,
                random: &random)
            if empty { profile.writesStartAt = syncingAt + span(0.08, min: 2 * minute, max: 120 * minute, &random) }

        case .restoreCallFails:
            timeline.begin(.notReplicating, at: beforeCapture)
            let startAt = instant(0.12, spread: 0.04, &random)
            timeline.begin(.starting, at: startAt)
            let reason = profile.addReason(
                "Unable to initiate restore call for \(profile.followerName) from "
                    + "\(profile.leaderAlias):\(profile.leaderName)")
            timeline.begin(.failed(reason: reason), at: startAt + interval)
            let stopAt = timeline.lastStart + span(0.12, min: 4 * minute, max: 180 * minute, &random)
            stop(&timeline, at: stopAt, showingStopped: false)
            let restartAt = stopAt + span(0.03, min: 2 * minute, max: 20 * minute, &random)
            startReplication(&timeline, at: restartAt, profile: profile, emptyLeader: false, random: &random)

        case .restoreDies:
            timeline.begin(.notReplicating, at: beforeCapture)
            let startAt = instant(0.3, spread: 0.08, &random)
            timeline.begin(.starting, at: startAt)
            let restore = makeRestore(at: startAt + interval, profile: profile, emptyLeader: false, random: &random)
            timeline.begin(.bootstrapping(restore), at: restore.start)
            let diesAfter = max(interval, Int64(Double(restore.duration) * random.uniform(0.35, 0.75)))
            timeline.begin(.failed(reason: FollowerProfile.emptyReason), at: restore.start + diesAfter)

        case .relocating:
            timeline.begin(.syncing, at: beforeCapture)
            for center in [0.3, 0.65].prefix(1 + random.below(2)) {
                let at = instant(center, spread: 0.1, &random)
                timeline.begin(.running(withDetails: random.chance(0.5)), at: at)
                timeline.begin(.syncing, at: at + interval / 2 + interval * Int64(1 + random.below(3)))
            }

        case .stallRecovers:
            timeline.begin(.syncing, at: beforeCapture)
            let at = instant(0.6, spread: 0.1, &random)
            timeline.begin(.stalled, at: at)
            timeline.begin(.syncing, at: at + span(0.03, min: 2 * minute, max: 20 * minute, &random))

        case .stopped:
            timeline.begin(.syncing, at: beforeCapture)
            stop(&timeline, at: instant(0.55, spread: 0.1, &random), showingStopped: true)

        case .taskCancelled:
            timeline.begin(.syncing, at: beforeCapture)
            let at = instant(0.35, spread: 0.1, &random)
            let reason = profile.addReason("AutoPaused: Index replication task was cancelled by user")
            timeline.begin(.paused(reason: reason), at: at)
            resume(&timeline, at: at + span(0.05, min: 3 * minute, max: 120 * minute, &random), random: &random)

        case .leaderDeleted:
            timeline.begin(.syncing, at: beforeCapture)
            let shard = "[\(profile.followerName)][\(random.below(Int(profile.shards)))]"
            let reason = profile.addReason(
                "AutoPaused:  + [\(shard) - org.opensearch.index.IndexNotFoundException - "
                    + "\"no such index [\(profile.leaderName)]\"], ")
            timeline.begin(.paused(reason: reason), at: instant(0.7, spread: 0.1, &random))
        }
        return timeline
    }

    /// Stops replication: the plugin shows STOPPED while the stop runs, then nothing. Brief
    /// phases last one and a half intervals, so that a poll falls into them despite the jitter.
    private func stop(_ timeline: inout FollowerTimeline, at time: Int64, showingStopped: Bool) {
        if showingStopped {
            timeline.begin(.stopped, at: time)
            timeline.begin(.notReplicating, at: time + interval + interval / 2)
        } else {
            timeline.begin(.notReplicating, at: time)
        }
    }

    /// Resumes a paused index: RUNNING until its shard tasks report, then SYNCING.
    private func resume(_ timeline: inout FollowerTimeline, at time: Int64, random: inout SimulationRandom) {
        timeline.begin(.running(withDetails: false), at: time)
        timeline.begin(.syncing, at: time + interval / 2 + interval * Int64(1 + random.below(2)))
    }

    /// Starts replication: a moment with nothing to show (the follower index does not exist
    /// yet, so status calls may fail), a restore, then SYNCING. Returns when SYNCING begins.
    @discardableResult
    private func startReplication(
        _ timeline: inout FollowerTimeline, at time: Int64, profile: FollowerProfile, emptyLeader: Bool,
        random: inout SimulationRandom
    ) -> Int64 {
        timeline.begin(.starting, at: time)
        timeline.failPolls(from: time, to: time + interval, with: .unavailable, probability: 0.5)
        let restore = makeRestore(
            at: time + interval / 2 + Int64(random.below(Int(interval))),
            profile: profile, emptyLeader: emptyLeader, random: &random)
        timeline.begin(.bootstrapping(restore), at: restore.start)
        timeline.begin(.syncing, at: restore.start + restore.duration)
        return timeline.lastStart
    }

    private func makeRestore(
        at time: Int64, profile: FollowerProfile, emptyLeader: Bool, random: inout SimulationRandom
    ) -> FollowerTimeline.Restore {
        if emptyLeader {
            // An empty index restores a few small files per shard in a moment.
            return FollowerTimeline.Restore(
                start: time, duration: interval + Int64(random.below(Int(interval))),
                bytesTotal: profile.shards * Int64(200 + random.below(700)), filesTotal: profile.shards,
                mixesDetails: false)
        }
        let bytesTotal = Int64(random.uniform(0.4, 40) * 1e9)
        let bytesPerSecond = random.uniform(60e6, 400e6)
        let wanted = Int64(Double(bytesTotal) / bytesPerSecond * 1000)
        // Long enough to show progress over a few polls, short enough to finish in the capture.
        let restoreDuration = min(max(wanted, 3 * interval), max(3 * interval, duration / 5))
        return FollowerTimeline.Restore(
            start: time, duration: restoreDuration, bytesTotal: bytesTotal,
            filesTotal: profile.shards * Int64(4 + random.below(40)), mixesDetails: random.chance(0.7))
    }
}
