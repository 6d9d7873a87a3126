/// The statuses the replication plugin reports (docs/format.md).
public enum ReplicationStatus: UInt8, CaseIterable, Sendable {
    case bootstrapping, syncing, running, paused, failed, stopped, notInProgress

    /// The status string as the API returns it.
    public var apiName: String {
        switch self {
        case .bootstrapping: "BOOTSTRAPPING"
        case .syncing: "SYNCING"
        case .running: "RUNNING"
        case .paused: "PAUSED"
        case .failed: "FAILED"
        case .stopped: "STOPPED"
        case .notInProgress: "REPLICATION NOT IN PROGRESS"
        }
    }

    /// The suffix of the `seconds_*` column in `summary.csv`.
    public var columnName: String {
        switch self {
        case .notInProgress: "not_in_progress"
        default: apiName.lowercased()
        }
    }

    /// Statuses whose `syncing_details` give the follower's lag behind the leader.
    public var carriesLag: Bool { self == .syncing || self == .running }

    private static let apiNames: [[UInt8]] = allCases.map { Array($0.apiName.utf8) }

    init?(bytes: UnsafeBufferPointer<UInt8>) {
        for status in Self.allCases {
            let name = Self.apiNames[Int(status.rawValue)]
            if name.count == bytes.count
                && name.withUnsafeBufferPointer({ sameBytes($0.baseAddress!, bytes.baseAddress!, name.count) })
            {
                self = status
                return
            }
        }
        return nil
    }
}
