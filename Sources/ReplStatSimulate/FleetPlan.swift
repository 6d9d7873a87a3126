import ReplStatCore

/// A scenario's story for the whole fleet: which part each index plays, and what happens to
/// the poller itself (outages, lost permissions, stray failures).
struct FleetPlan {
    var followers: [SimulatedFollower]
    /// While the poller is down it writes nothing at all: a capture gap for every index.
    let outages: [Range<Int64>]
    /// Failures that hit every index alike.
    let sharedErrors: [FollowerTimeline.ErrorWindow]
    /// The odd 500 any poll may get.
    let strayErrorProbability: Double

    /// Random streams: one for the fleet, one per index (1 and up), one for the poller's
    /// jitter and one for dirty lines, so that `--dirty` leaves the story untouched.
    static let fleetStream: UInt64 = 0
    /// Shard layouts draw from streams of their own, far above the indices', so that shard
    /// details leave the rest of the capture as it is.
    static let shardStreamBase: UInt64 = 1 << 62
    static let jitterStream: UInt64 = .max - 1
    static let dirtStream: UInt64 = .max

    init(options: SimulationOptions) {
        var random = SimulationRandom(seed: options.seed, stream: Self.fleetStream)
        let start = options.startMillis
        let duration = options.durationMillis
        let interval = options.intervalMillis
        let minute: Int64 = 60_000
        func instant(_ fraction: Double, spread: Double) -> Int64 {
            start + Int64(Double(duration) * (fraction + random.uniform(-spread, spread)))
        }
        func span(_ fraction: Double, min low: Int64, max high: Int64) -> Int64 {
            Swift.min(
                Swift.max(Int64(Double(duration) * fraction * random.uniform(0.8, 1.2)), low), Swift.max(low, high))
        }

        var outages: [Range<Int64>] = []
        var sharedErrors: [FollowerTimeline.ErrorWindow] = []
        var pauseAcrossOutage: Range<Int64>?
        switch options.scenario {
        case .outage:
            // A hiccup shorter than the default gap limit, then the real outage; the poller
            // comes back with a user that lost its role mapping until someone fixes it.
            let hiccupAt = instant(0.2, spread: 0.03)
            outages.append(hiccupAt..<(hiccupAt + Int64(random.uniform(90, 160) * 1000)))
            let outageAt = instant(0.45, spread: 0.03)
            let outage = outageAt..<(outageAt + span(0.15, min: 8 * minute, max: 120 * minute))
            outages.append(outage)
            let forbiddenUntil = outage.upperBound + span(0.04, min: 2 * minute, max: 30 * minute)
            sharedErrors.append(
                FollowerTimeline.ErrorWindow(
                    from: outage.upperBound, to: forbiddenUntil, error: .forbidden, probability: 1))
            // Someone pauses an index while the poller is down and resumes it after it is back:
            // the capture only shows the pause when polling resumes.
            let pausedAt = outage.lowerBound + (outage.upperBound - outage.lowerBound) / 3
            pauseAcrossOutage = pausedAt..<(forbiddenUntil + span(0.05, min: 3 * minute, max: 60 * minute))
        case .mixed:
            let outageAt = instant(0.78, spread: 0.03)
            outages.append(outageAt..<(outageAt + span(0.08, min: 6 * minute, max: 45 * minute)))
        case .healthy, .autopause, .bootstrapFail:
            break
        }
        // The poller is up for the first and the last round: an outage shows as a gap between
        // samples, as analyze sees it, never as a capture that is empty or stops short (an
        // outage lasts at least 6 minutes, and `--polls 1` of the outage story wrote nothing).
        let firstRoundEnd = start + interval
        let lastRoundStart = start + duration - interval
        self.outages = outages.compactMap { outage in
            let from = max(outage.lowerBound, firstRoundEnd)
            let to = min(outage.upperBound, lastRoundStart)
            return from < to ? from..<to : nil
        }
        self.sharedErrors = sharedErrors
        strayErrorProbability = options.scenario == .healthy ? 0.0005 : 0.002

        let leaseSource = "replication:opensearch-dr:" + Self.clusterUUID(&random)
        let planner = TimelinePlanner(start: start, duration: duration, interval: interval, leaseSource: leaseSource)
        let roles = Self.roles(for: options.scenario, count: options.indices, random: &random)
        followers = []
        followers.reserveCapacity(options.indices)
        for (number, role) in roles.enumerated() {
            var indexRandom = SimulationRandom(seed: options.seed, stream: UInt64(number) + 1)
            var profile = FollowerProfile(number: number + 1, random: &indexRandom, shards: options.shards)
            if options.verbose || options.hotShard {
                var shardRandom = SimulationRandom(seed: options.seed, stream: Self.shardStreamBase + UInt64(number))
                profile.shardLayout = ShardLayout(
                    count: Int(profile.shards), followerName: profile.followerName,
                    hot: options.hotShard && number % 4 == 0, random: &shardRandom)
                profile.writesShardDetails = options.verbose
            }
            let pause = role == .userPause ? pauseAcrossOutage : nil
            let timeline = planner.plan(role, profile: &profile, random: &indexRandom, pause: pause)
            followers.append(SimulatedFollower(profile: profile, timeline: timeline, random: indexRandom, start: start))
        }
    }

    func isPollerDown(at time: Int64) -> Bool {
        outages.contains { $0.contains(time) }
    }

    /// The part each index plays. The first indices carry the story, so that the default
    /// fleet of 12 shows all of it; further indices of a mixed fleet draw parts at random.
    static func roles(for scenario: SimulationScenario, count: Int, random: inout SimulationRandom) -> [FollowerRole] {
        var roles = [FollowerRole](repeating: .healthy, count: count)
        func cast(_ story: [FollowerRole]) {
            for (number, role) in story.prefix(count).enumerated() { roles[number] = role }
        }
        switch scenario {
        case .healthy:
            break
        case .autopause:
            cast(count == 1 ? [.leaseLost] : [.healthy, .leaseLost, .healthy, .stallRecovers])
        case .bootstrapFail:
            cast([.restoreCallFails, .restoreDies, .newFollower, .newEmptyFollower])
        case .outage:
            cast(count < 3 ? [.userPause] : [.healthy, .healthy, .userPause])
        case .mixed:
            cast([
                .healthy, .leaseLost, .userPause, .newFollower, .relocating, .stallRecovers, .restoreCallFails,
                .taskCancelled, .forbidden, .stopped, .newEmptyFollower, .leaderDeleted,
            ])
            let incidents = FollowerRole.allCases.filter { $0 != .healthy }
            for number in min(12, count)..<count where random.chance(0.4) {
                roles[number] = random.pick(incidents)
            }
        }
        return roles
    }

    /// A cluster UUID as OpenSearch prints it: 22 characters of URL-safe base64.
    private static func clusterUUID(_ random: inout SimulationRandom) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        return String((0..<22).map { _ in alphabet[random.below(alphabet.count)] })
    }
}
