import ReplStatCore

/// The damage and oddities of real captures (docs/format.md), mixed into a clean capture at
/// a small rate. Some are accepted by the analyzer (other timestamp forms, the flat layout,
/// CRLF line ends); the others are rejected, each kind with its own outcome.
struct DirtyLines {
    enum Action: CaseIterable {
        case clean
        // Accepted as they are.
        case otherTimestamp, flat, crlf
        // Rejected.
        case truncated, invalidJSON, invalidTimestamp, missingTimestamp, invalidField, missingIndex
        case missingStatus, unknownStatus, duplicate, late

        /// Share of polls that get this action.
        var share: Double {
            switch self {
            case .clean: 0
            case .otherTimestamp: 0.04
            case .flat: 0.02
            case .crlf: 0.01
            case .truncated: 0.004
            case .invalidJSON: 0.002
            case .invalidTimestamp: 0.0025
            case .missingTimestamp: 0.0015
            case .invalidField: 0.0015
            case .missingIndex: 0.001
            case .missingStatus: 0.001
            case .unknownStatus: 0.002
            case .duplicate: 0.003
            case .late: 0.002
            }
        }

        /// Whether the analyzer still accepts the poll's sample.
        var keepsSample: Bool {
            switch self {
            case .clean, .otherTimestamp, .flat, .crlf, .duplicate: true
            default: false
            }
        }

        /// Actions that only make sense for a status body (an error has no status to garble
        /// and is never a duplicate or late).
        var needsStatusBody: Bool {
            self == .unknownStatus || self == .duplicate || self == .late
        }
    }

    /// The analyzer's default reorder window: a late line is held back longer than this.
    static let reorderWindow: Int64 = 300_000

    private var random: SimulationRandom

    init(seed: UInt64) {
        random = SimulationRandom(seed: seed, stream: FleetPlan.dirtStream)
    }

    /// Now and then a line that is no poll at all: blank, not an object, or garbage.
    mutating func strayLine() -> [UInt8]? {
        guard random.chance(0.004) else { return nil }
        return Array(random.pick(["", "   ", "\t", "null", "42", "[1,2,3]", "\"ok\"", "{not json", "}{"]).utf8)
    }

    mutating func action(forStatusBody isStatus: Bool) -> Action {
        var roll = random.unit()
        for action in Action.allCases where action != .clean {
            roll -= action.share
            if roll < 0 { return action.needsStatusBody && !isStatus ? .clean : action }
        }
        return .clean
    }

    /// The envelope layout a line with `action` is built in.
    mutating func layout(for action: Action) -> CaptureLineBuilder.Layout {
        var layout = CaptureLineBuilder.Layout.standard
        switch action {
        case .otherTimestamp:
            layout.key = random.pick([.atTimestamp, .atTimestamp, .timestamp, .ts, .time])
            layout.form = random.pick([.micros, .spaceAndOffset, .epochMillis, .epochSeconds])
        case .flat:
            layout.flat = true
        default:
            break
        }
        return layout
    }

    /// Damages a line built in the standard layout as `action` says.
    mutating func damage(_ line: inout CaptureLineBuilder, as action: Action) {
        switch action {
        case .clean, .otherTimestamp, .flat, .crlf, .duplicate, .late:
            return
        case .truncated:
            // A writer killed mid-line: any strict prefix of an object is invalid JSON.
            line.truncate(to: 1 + random.below(line.bytes.count - 2))
        case .invalidJSON:
            if !line.leaderCheckpointValue.isEmpty && random.chance(0.5) {
                line.replace(line.leaderCheckpointValue, with: Array("NaN".utf8))
            } else {
                line.replace((line.bytes.count - 1)..<(line.bytes.count - 1), with: [UInt8(ascii: ",")])
            }
        case .invalidTimestamp:
            line.replace(line.timestampValue, with: invalidTimestamp(Array(line.bytes[line.timestampValue])))
        case .missingTimestamp:
            // A poller that names the field its own way.
            line.replace(1..<13, with: Array(random.pick(["\"event_time\"", "\"date\""]).utf8))
        case .invalidField:
            damageField(&line)
        case .missingIndex:
            // Written without the index, by a poller that trusted the body to name it.
            if let member = Self.find(Array(",\"follower_index\":\"".utf8), in: line.bytes, from: line.body.lowerBound),
                let end = line.bytes[(member + 19)...].firstIndex(of: UInt8(ascii: "\""))
            {
                line.replace(member..<(end + 1), with: [])
            }
            line.replace(line.indexMember.lowerBound..<(line.indexMember.upperBound + 1), with: [])
        case .missingStatus:
            line.replace(line.body, with: Array(random.pick(["{}", "{\"acknowledged\":true}"]).utf8))
        case .unknownStatus:
            let word = random.pick(["\"RESTORING\"", "\"SYNCNG\"", "\"syncing\"", "\"INIT_FOLLOW\"", "\"MONITORING\""])
            line.replace(line.statusValue, with: Array(word.utf8))
        }
    }

    /// How long a late line is held back: past the reorder window by more than a poll or two.
    mutating func lateDelay(interval: Int64) -> Int64 {
        Self.reorderWindow + 2 * interval + Int64(random.uniform(1, 300) * 1000)
    }

    private mutating func invalidTimestamp(_ valid: [UInt8]) -> [UInt8] {
        // `valid` is "YYYY-MM-DDTHH:MM:SS.mmmZ" with its quotes.
        var text = valid
        switch random.below(6) {
        case 0:
            text.remove(at: text.count - 2)  // no offset
        case 1:
            text.replaceSubrange((text.count - 2)..<(text.count - 1), with: Array("+0000".utf8))
        case 2:
            text = Array("\"1795824000\"".utf8)  // a number inside a string is not a timestamp
        case 3:
            text[5] = UInt8(ascii: "/")
            text[8] = UInt8(ascii: "/")
        case 4:
            text.replaceSubrange(12..<14, with: Array("24".utf8))  // hour 24
        default:
            text = Array("\"\"".utf8)
        }
        return text
    }

    private mutating func damageField(_ line: inout CaptureLineBuilder) {
        switch random.below(4) {
        case 0 where !line.leaderCheckpointValue.isEmpty:
            let digits = Array(line.bytes[line.leaderCheckpointValue])
            line.replace(line.leaderCheckpointValue, with: [UInt8(ascii: "\"")] + digits + [UInt8(ascii: "\"")])
        case 1:
            line.replace(line.body, with: Array("\"SYNCING\"".utf8))
        case 2:
            line.replace(line.indexMember, with: Array("\"index\":42".utf8))
        default:
            line.replace(line.indexMember, with: Array("\"index\":\"\"".utf8))
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        var position = start
        while position + needle.count <= haystack.count {
            if haystack[position] == needle[0] && haystack[position..<(position + needle.count)].elementsEqual(needle) {
                return position
            }
            position += 1
        }
        return nil
    }
}
