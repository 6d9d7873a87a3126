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

    /// The status whose `apiName` the bytes are, or nil. By length first, then by compare with
    /// each name of that length: every status line asks it.
    init?(bytes: UnsafeBufferPointer<UInt8>) {
        @inline(__always) func isName(_ name: StaticString) -> Bool {
            sameBytes(name.utf8Start, bytes.baseAddress!, name.utf8CodeUnitCount)
        }
        let status: ReplicationStatus? =
            switch bytes.count {
            case 7: isName("SYNCING") ? .syncing : isName("RUNNING") ? .running : isName("STOPPED") ? .stopped : nil
            case 6: isName("PAUSED") ? .paused : isName("FAILED") ? .failed : nil
            case 13: isName("BOOTSTRAPPING") ? .bootstrapping : nil
            case 27: isName("REPLICATION NOT IN PROGRESS") ? .notInProgress : nil
            default: nil
            }
        guard let status else { return nil }
        self = status
    }
}
