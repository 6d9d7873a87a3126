/// Options of a capture: what to poll, how often, and where to keep it; each default and limit
/// written here once. `replstat capture`'s flags and a pipeline file's `capture` source fill it
/// under the same names (`url`, `index-file`, `interval`, `timeout`, `polls`, `parallel`,
/// `ca-file`, `out`, `rotate-size`, `rotate-daily`, `flush-every`, `verbose`; the flag for `indices` is
/// `--index`), and `validate` checks it for both. Credentials never come from here but from
/// the environment (REPLSTAT_USER and REPLSTAT_PASSWORD, or REPLSTAT_API_KEY). Durations in
/// milliseconds.
public struct CaptureOptions: Sendable, Equatable {
    /// The cluster, `http://` or `https://` (checked when the capture is set up, `ClusterURL`).
    public var url = ""
    /// Follower indices to poll (with `indexFile`, both).
    public var indices: [String] = []
    /// A file that lists follower indices, one per line.
    public var indexFile: String?
    /// From the start of one round of polls to the start of the next.
    public var intervalMillis: Int64 = 30_000
    /// Bounds each poll, from connecting to the last byte of the answer.
    public var timeoutMillis: Int64 = 10_000
    /// Stop after this many rounds; nil: until stopped.
    public var polls: Int?
    /// Polls in flight at once, each on a connection of its own.
    public var parallel = 8
    /// Certificate authorities to trust instead of the system's, PEM.
    public var caFile: String?
    /// Keep the capture in this gzip file (instead of, or besides, plain lines).
    public var out: String?
    /// When `out` moves on to a new file.
    public var rotation = Rotation()
    /// Close the gzip member at least this often, making its lines readable.
    public var flushEveryMillis: Int64 = 60_000
    /// Ask for `?verbose=true`: every answer then carries each shard's checkpoints
    /// (`shard_replication_details`), which costs the cluster one task-status call per shard.
    public var verbose = false

    /// Faster polling only loads the cluster.
    public static let minimumIntervalMillis: Int64 = 100
    public static let pollsLimit = CountLimit(
        "polls", meaning: "a number of rounds of polls", range: 1...Int(Int32.max))
    public static let parallelLimit = CountLimit(
        "parallel", meaning: "a number of polls in flight at once", range: 1...256)

    public init(url: String = "") {
        self.url = url
    }

    /// Throws at the first setting out of its limits, or missing.
    public func validate() throws(SettingError) {
        guard intervalMillis >= Self.minimumIntervalMillis else {
            throw SettingError("interval", "must be at least 0.1 seconds")
        }
        guard timeoutMillis > 0 else { throw SettingError("timeout", "must be more than 0 seconds") }
        if let polls { try Self.pollsLimit.check(polls) }
        try Self.parallelLimit.check(parallel)
        guard flushEveryMillis > 0 else { throw SettingError("flush-every", "must be more than 0 seconds") }
        if out == nil && rotation.isEnabled {
            throw SettingError(
                rotation.maxBytes != nil ? "rotate-size" : "rotate-daily", "rotates the capture file: give it with",
                needs: "out")
        }
        if let out, rotation.isEnabled, Rotation.stem(of: out).name.hasSuffix("/") || out.isEmpty {
            throw SettingError(
                "out",
                "names no file, only its folder: rotated files are named after it and their first poll "
                    + "(captures/ccr.jsonl.gz gives captures/ccr-20261130T120000Z.jsonl.gz)")
        }
        guard !indices.isEmpty || indexFile != nil else {
            throw SettingError("indices", "names no follower index to poll", needs: "index-file")
        }
    }
}

/// When a gzip capture moves on to a new file.
public struct Rotation: Sendable, Equatable {
    /// Start a new file once this many compressed bytes were written to the current one.
    public var maxBytes: Int64?
    /// Start a new file when the UTC date of the polls changes.
    public var daily = false

    public init(maxBytes: Int64? = nil, daily: Bool = false) {
        self.maxBytes = maxBytes
        self.daily = daily
    }

    public var isEnabled: Bool { maxBytes != nil || daily }

    /// `captures/ccr.jsonl.gz` as `captures/ccr` and `.jsonl.gz`: the part of the name a rotated
    /// file's time goes after, and the extension that follows it.
    public static func stem(of path: String) -> (name: String, suffix: String) {
        let suffix = [".jsonl.gz", ".json.gz", ".gz"].first { path.hasSuffix($0) && path.count > $0.count } ?? ""
        return (String(path.dropLast(suffix.count)), suffix)
    }
}
