/// What became of one input line. Every line gets exactly one outcome (docs/format.md, Outcomes).
public enum Outcome: Int, CaseIterable, Sendable {
    case blank, status, error
    case lineTooLong, invalidJSON, notObject, missingTimestamp, invalidTimestamp, invalidField
    case missingIndex, missingStatus, unknownStatus, late, duplicate

    /// The name used in `quality.csv` and in the rejects file.
    public var name: String {
        switch self {
        case .blank: "blank"
        case .status: "status"
        case .error: "error"
        case .lineTooLong: "line_too_long"
        case .invalidJSON: "invalid_json"
        case .notObject: "not_object"
        case .missingTimestamp: "missing_timestamp"
        case .invalidTimestamp: "invalid_timestamp"
        case .invalidField: "invalid_field"
        case .missingIndex: "missing_index"
        case .missingStatus: "missing_status"
        case .unknownStatus: "unknown_status"
        case .late: "late"
        case .duplicate: "duplicate"
        }
    }

    /// A rejected line is one that is neither blank nor accepted as a sample.
    public var isReject: Bool {
        switch self {
        case .blank, .status, .error: false
        default: true
        }
    }
}

/// Lines per outcome, for one source or for all of them.
public struct OutcomeCounts: Sendable, Equatable {
    public private(set) var counts = [Int](repeating: 0, count: Outcome.allCases.count)

    public init() {}

    public subscript(outcome: Outcome) -> Int { counts[outcome.rawValue] }

    public var lines: Int { counts.reduce(0, +) }
    public var rejected: Int { Outcome.allCases.filter(\.isReject).reduce(0) { $0 + self[$1] } }

    public mutating func add(_ outcome: Outcome, _ count: Int = 1) {
        counts[outcome.rawValue] += count
    }

    public mutating func add(_ other: OutcomeCounts) {
        for index in counts.indices { counts[index] += other.counts[index] }
    }
}
