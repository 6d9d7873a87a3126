import ReplStatCore

/// What a capture needs before its first poll, made from its options in one place for
/// `replstat capture` and a pipeline's capture source: the cluster's URL checked, the index
/// list read, the credentials taken from the environment, the CA file checked, the poller and
/// the schedule.
public struct CaptureSetup {
    public let poller: StatusPoller
    public let schedule: CaptureSchedule
    /// What to say once before the first poll (credentials about to go over http://).
    public let warning: String?

    /// - Parameters:
    ///   - urlSetting: how the URL's setting is named in messages (`--url`, `'url'`).
    public init(_ options: CaptureOptions, urlSetting: String) throws(CaptureSetupError) {
        let cluster = try ClusterURL(options.url, setting: urlSetting)
        var schedule = CaptureSchedule(indices: try IndexList.combine(named: options.indices, file: options.indexFile))
        let credentials = try Credentials.fromEnvironment()
        poller = try StatusPoller(
            cluster: cluster, timeoutMillis: options.timeoutMillis, caFile: options.caFile, credentials: credentials,
            connections: options.parallel, verbose: options.verbose)
        warning = credentials?.cleartextWarning(for: cluster)
        schedule.intervalMillis = options.intervalMillis
        schedule.rounds = options.polls
        schedule.parallel = options.parallel
        self.schedule = schedule
    }

    /// The gzip files of `options.out`, if it is set.
    public static func files(_ options: CaptureOptions) -> GzipCaptureFiles? {
        options.out.map {
            GzipCaptureFiles(path: $0, rotation: options.rotation, flushEveryMillis: options.flushEveryMillis)
        }
    }
}
