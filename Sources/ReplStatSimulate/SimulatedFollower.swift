import ReplStatCore

/// What one poll of the status API returned, before it becomes a line.
struct PollResult {
    enum Status {
        case bootstrapping, syncing, running, paused, failed, stopped, notInProgress
    }

    enum Body {
        case status(Status)
        case error(FollowerTimeline.PollError)
    }

    struct SyncingDetails {
        var leaderCheckpoint: Int64
        var followerCheckpoint: Int64
        var seqNo: Int64
        /// For shard details: the leader's and follower's operations, and those the hot shard replayed.
        var shards: ShardOperations?
    }

    struct ShardOperations {
        var leader: Int64
        var follower: Int64
        var hotFollower: Int64
        /// The last shards, which still restore: they carry no checkpoints, only their progress.
        var restoring = 0
        var restoredPercent = 0.0
    }

    struct BootstrapDetails {
        var bytesTotal: Int64
        var bytesRecovered: Int64
        var filesTotal: Int64
        var filesRecovered: Int64
        var startTime: Int64
        var runningTime: Int64
    }

    var body: Body
    /// Id of the reason in the index's profile, or nil.
    var reason: Int?
    /// Whether the body names the leader alias and both indices.
    var names = false
    var syncing: SyncingDetails?
    var bootstrap: BootstrapDetails?

    static func error(_ error: FollowerTimeline.PollError) -> PollResult {
        PollResult(body: .error(error))
    }

    var isStatus: Bool {
        if case .status = body { return true }
        return false
    }
}

/// One follower index over time: its leader takes writes (a daily curve with bursts), its
/// follower replays them as fast as it can while its phase lets it, and each poll reports
/// what the plugin would.
struct SimulatedFollower {
    let profile: FollowerProfile
    let timeline: FollowerTimeline
    private var random: SimulationRandom

    private var segment = 0
    private var now: Int64
    private var leaderCheckpoint: Int64
    private var followerCheckpoint: Int64
    /// The leader's checkpoint when the current restore began: where the follower starts from.
    private var restoredCheckpoint: Int64
    private var restoring = false
    /// Fractions of an operation carried from one step to the next.
    private var pendingOperations = 0.0
    private var burst: Range<Int64> = 0..<0
    private var burstFactor = 1.0
    private var nextBurstAt: Int64
    private let meanBurstGap: Double
    /// The operations the hot shard has replayed (`ShardLayout`), when there is one.
    private var hotReplayed: Int64 = 0

    init(profile: FollowerProfile, timeline: FollowerTimeline, random: SimulationRandom, start: Int64) {
        self.profile = profile
        self.timeline = timeline
        self.random = random
        now = timeline.segments[0].start
        leaderCheckpoint = profile.initialLeaderCheckpoint
        followerCheckpoint = profile.initialLeaderCheckpoint
        restoredCheckpoint = profile.initialLeaderCheckpoint
        meanBurstGap = self.random.uniform(30, 120) * 60_000
        nextBurstAt = start + Int64(self.random.uniform(0.1, 1.5) * meanBurstGap)
        hotReplayed = hotShardTarget
    }

    /// The operations the hot shard would have replayed if it kept up with the others.
    private var hotShardTarget: Int64 {
        guard let layout = profile.shardLayout, let hot = layout.hot else { return 0 }
        return layout.share(followerCheckpoint + profile.shards, of: hot)
    }

    /// Moves the index to `time` and polls its status.
    mutating func poll(
        at time: Int64, sharedErrors: [FollowerTimeline.ErrorWindow], strayErrorProbability: Double
    ) -> PollResult {
        advance(to: time)
        if let error = pollError(at: time, sharedErrors: sharedErrors, strayErrorProbability: strayErrorProbability) {
            return .error(error)
        }
        return status(at: time)
    }

    private var phase: FollowerTimeline.Phase { timeline.segments[segment].phase }

    private mutating func advance(to time: Int64) {
        while segment + 1 < timeline.segments.count && timeline.segments[segment + 1].start <= time {
            segment += 1
            enterPhase()
        }
        let elapsed = time - now
        guard elapsed > 0 else { return }
        now = time
        let seconds = Double(elapsed) / 1000
        let rate = leaderRate(at: time)
        let operations = rate * seconds * random.uniform(0.6, 1.4) + pendingOperations
        let written = Int64(operations)
        pendingOperations = operations - Double(written)
        leaderCheckpoint += written
        guard phase.replays else { return }
        // What was written in the last moment is still on its way; whatever the leader wrote,
        // at least one operation arrives, so a follower that keeps up never looks stalled.
        let inFlight = written > 0 ? min(written - 1, Int64(rate * profile.replicationDelaySeconds)) : 0
        let target = leaderCheckpoint - inFlight
        if followerCheckpoint < target {
            let replayable = max(1, Int64(profile.replayRate * seconds))
            followerCheckpoint += min(target - followerCheckpoint, replayable)
        }
        if let layout = profile.shardLayout, layout.hot != nil {
            let replayable = profile.replayRate * layout.hotWeight * ShardLayout.hotReplaySpeed * seconds
            hotReplayed = min(hotShardTarget, hotReplayed + max(1, Int64(replayable)))
        }
    }

    private mutating func enterPhase() {
        switch phase {
        case .bootstrapping:
            restoring = true
            restoredCheckpoint = leaderCheckpoint
        case .syncing, .running:
            // A finished restore leaves the follower where the leader was when it began.
            if restoring {
                followerCheckpoint = restoredCheckpoint
                hotReplayed = hotShardTarget
            }
            restoring = false
        case .failed, .notReplicating:
            restoring = false
        case .starting, .stalled, .paused, .stopped:
            break
        }
    }

    /// Leader writes per second: the region's daily curve, times a burst (a bulk load) now and then.
    private mutating func leaderRate(at time: Int64) -> Double {
        guard time >= profile.writesStartAt else { return 0 }
        while time >= nextBurstAt {
            let length = Int64(random.uniform(90, 600) * 1000)
            burst = nextBurstAt..<(nextBurstAt + length)
            burstFactor = random.uniform(3, 10)
            nextBurstAt = burst.upperBound + Int64(random.uniform(0.3, 1.7) * meanBurstGap)
        }
        let base = profile.peakRate * Self.dailyLoad(at: time, peakHour: profile.peakHourUTC)
        return burst.contains(time) ? base * burstFactor : base
    }

    /// From 0.15 at night to 1 at the region's peak hour: a smoothstep in place of a cosine,
    /// so that no libm function decides the bytes.
    static func dailyLoad(at time: Int64, peakHour: Double) -> Double {
        let day = 86_400_000.0
        let sincePeak = Double(time) / day - peakHour / 24
        let phase = sincePeak - sincePeak.rounded(.down)
        let closeness = 1 - 2 * min(phase, 1 - phase)
        return 0.15 + 0.85 * closeness * closeness * (3 - 2 * closeness)
    }

    private mutating func pollError(
        at time: Int64, sharedErrors: [FollowerTimeline.ErrorWindow], strayErrorProbability: Double
    ) -> FollowerTimeline.PollError? {
        for window in timeline.errorWindows where window.covers(time) {
            if random.chance(window.probability) { return window.error }
        }
        for window in sharedErrors where window.covers(time) {
            if random.chance(window.probability) { return window.error }
        }
        return random.chance(strayErrorProbability) ? .unavailable : nil
    }

    private mutating func status(at time: Int64) -> PollResult {
        let userInitiated = FollowerProfile.userInitiated
        switch phase {
        case .notReplicating:
            return PollResult(body: .status(.notInProgress))
        case .starting:
            return PollResult(body: .status(.bootstrapping), reason: userInitiated, names: true)
        case .bootstrapping(let restore):
            return restoring(restore, at: time)
        case .syncing, .stalled:
            return PollResult(
                body: .status(.syncing), reason: userInitiated, names: true, syncing: reportedCheckpoints())
        case .running(let withDetails):
            return PollResult(
                body: .status(.running), reason: userInitiated, names: true,
                syncing: withDetails ? reportedCheckpoints() : nil)
        case .paused(let reason):
            return PollResult(body: .status(.paused), reason: reason, names: true)
        case .failed(let reason):
            return PollResult(body: .status(.failed), reason: reason, names: true)
        case .stopped:
            return PollResult(body: .status(.stopped), reason: userInitiated, names: true)
        }
    }

    /// The checkpoints as the plugin reports them: `seq_no` mostly repeats the follower's
    /// checkpoint (the plugin serializes it so), and now and then the leader's checkpoint was
    /// read a moment before the follower's, so the follower appears a little ahead.
    private mutating func reportedCheckpoints() -> PollResult.SyncingDetails {
        // The index's checkpoint is the sum of its shards': what the hot shard lacks shows in it.
        let hotShardBehind = hotShardTarget - hotReplayed
        var follower = followerCheckpoint - hotShardBehind
        if leaderCheckpoint - follower <= 3 && leaderCheckpoint > -profile.shards && random.chance(0.02) {
            follower = leaderCheckpoint + 1 + Int64(random.below(3))
        }
        let seqNo = random.chance(0.05) ? follower + 1 + Int64(random.below(3)) : follower
        var details = PollResult.SyncingDetails(
            leaderCheckpoint: leaderCheckpoint, followerCheckpoint: follower, seqNo: seqNo)
        if profile.writesShardDetails {
            details.shards = PollResult.ShardOperations(
                leader: leaderCheckpoint + profile.shards, follower: followerCheckpoint + profile.shards,
                hotFollower: hotReplayed)
        }
        return details
    }

    private mutating func restoring(_ restore: FollowerTimeline.Restore, at time: Int64) -> PollResult {
        let elapsed = max(0, time - restore.start)
        let progress = min(0.999, Double(elapsed) / Double(restore.duration))
        let details = PollResult.BootstrapDetails(
            bytesTotal: restore.bytesTotal, bytesRecovered: Int64(Double(restore.bytesTotal) * progress),
            filesTotal: restore.filesTotal, filesRecovered: Int64(Double(restore.filesTotal) * progress),
            startTime: restore.start, runningTime: elapsed)
        var result = PollResult(body: .status(.bootstrapping), reason: FollowerProfile.userInitiated, names: true)
        result.bootstrap = details
        guard restore.mixesDetails && progress >= 0.75 else { return result }
        if progress >= 0.9 {
            // The first shard already syncs while another still restores.
            result.body = .status(.syncing)
            result.syncing = PollResult.SyncingDetails(
                leaderCheckpoint: leaderCheckpoint, followerCheckpoint: restoredCheckpoint, seqNo: restoredCheckpoint)
            if profile.writesShardDetails, let layout = profile.shardLayout, layout.count > 1 {
                // The first half of the shards sync, from where the restore began; the rest restore.
                let restored = restoredCheckpoint + profile.shards
                result.syncing?.shards = PollResult.ShardOperations(
                    leader: leaderCheckpoint + profile.shards, follower: restored,
                    hotFollower: layout.hot.map { layout.share(restored, of: $0) } ?? 0, restoring: layout.count / 2,
                    restoredPercent: progress * 100)
            }
        } else {
            // Some shard syncs, but the first still restores: its leader checkpoint is not the leader's.
            result.syncing = PollResult.SyncingDetails(
                leaderCheckpoint: restoredCheckpoint, followerCheckpoint: restoredCheckpoint,
                seqNo: restoredCheckpoint)
        }
        return result
    }
}
