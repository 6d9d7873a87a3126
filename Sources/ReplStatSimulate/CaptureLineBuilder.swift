import ReplStatCore

/// Writes one capture line (without its line end) as bytes into a reused buffer: no encoder,
/// no string per field. It remembers where the parts of the standard layout lie, so that
/// dirty lines can be made by patching a few bytes.
struct CaptureLineBuilder {
    /// How the envelope is written. The standard layout is
    /// `{"@timestamp":"2026-11-28T00:00:00.000Z","index":"...","response":{...}}`.
    struct Layout {
        enum TimestampKey {
            case atTimestamp, timestamp, ts, time
        }

        enum TimestampForm {
            /// `"2026-11-28T00:00:00.000Z"`
            case millis
            /// `"2026-11-28T00:00:00.000123Z"`
            case micros
            /// `"2026-11-28 02:00:00.000+02:00"`
            case spaceAndOffset
            /// `1795824000000`
            case epochMillis
            /// `1795824000.5`
            case epochSeconds
        }

        var key = TimestampKey.atTimestamp
        var form = TimestampForm.millis
        /// Response keys beside the timestamp instead of under `response`.
        var flat = false

        static let standard = Layout()
    }

    private(set) var bytes: [UInt8] = []
    /// The timestamp's value, quotes included (standard layout).
    private(set) var timestampValue = 0..<0
    /// `"index":"..."`
    private(set) var indexMember = 0..<0
    /// The response object (standard layout), or the flat members.
    private(set) var body = 0..<0
    /// The status string, quotes included, for status bodies.
    private(set) var statusValue = 0..<0
    /// The leader checkpoint's digits, when the body has `syncing_details`.
    private(set) var leaderCheckpointValue = 0..<0

    /// The date part of the last timestamp written, which changes once a day.
    private var cachedDay = Int64.min
    private var cachedDate: [UInt8] = []

    init() {
        bytes.reserveCapacity(1024)
    }

    mutating func build(time: Int64, profile: FollowerProfile, poll: PollResult, layout: Layout = .standard) {
        bytes.removeAll(keepingCapacity: true)
        leaderCheckpointValue = 0..<0
        statusValue = 0..<0
        switch layout.key {
        case .atTimestamp: append("{\"@timestamp\":")
        case .timestamp: append("{\"timestamp\":")
        case .ts: append("{\"ts\":")
        case .time: append("{\"time\":")
        }
        let timestampStart = bytes.count
        appendTimestamp(time, form: layout.form)
        timestampValue = timestampStart..<bytes.count
        append(",")
        let indexStart = bytes.count
        append("\"index\":")
        bytes.append(contentsOf: profile.nameJSON)
        indexMember = indexStart..<bytes.count
        if layout.flat {
            append(",")
            let bodyStart = bytes.count
            appendMembers(profile: profile, poll: poll)
            body = bodyStart..<bytes.count
            append("}")
        } else {
            append(",\"response\":")
            let bodyStart = bytes.count
            append("{")
            appendMembers(profile: profile, poll: poll)
            append("}")
            body = bodyStart..<bytes.count
            append("}")
        }
    }

    /// Replaces part of the line (to make a dirty one).
    mutating func replace(_ range: Range<Int>, with replacement: [UInt8]) {
        bytes.replaceSubrange(range, with: replacement)
    }

    mutating func truncate(to count: Int) {
        bytes.removeSubrange(count...)
    }

    // MARK: - Bodies

    private mutating func appendMembers(profile: FollowerProfile, poll: PollResult) {
        switch poll.body {
        case .error(.unavailable):
            bytes.append(contentsOf: Self.unavailableMembers)
        case .error(.forbidden):
            bytes.append(contentsOf: Self.forbiddenMembers)
        case .status(let status):
            append("\"status\":")
            let statusStart = bytes.count
            appendStatus(status)
            statusValue = statusStart..<bytes.count
            if let reason = poll.reason {
                append(",\"reason\":")
                bytes.append(contentsOf: profile.reasons[reason])
            }
            if poll.names {
                append(",")
                bytes.append(contentsOf: profile.namesMembers)
            }
            if let syncing = poll.syncing {
                append(",\"syncing_details\":{\"leader_checkpoint\":")
                let leaderStart = bytes.count
                appendInteger(syncing.leaderCheckpoint)
                leaderCheckpointValue = leaderStart..<bytes.count
                append(",\"follower_checkpoint\":")
                appendInteger(syncing.followerCheckpoint)
                append(",\"seq_no\":")
                appendInteger(syncing.seqNo)
                append("}")
                if let operations = syncing.shards, let layout = profile.shardLayout {
                    appendShardDetails(operations, layout: layout)
                }
            }
            if let restore = poll.bootstrap {
                append(",\"bootstrap_details\":{\"bytes_total\":")
                appendInteger(restore.bytesTotal)
                append(",\"bytes_recovered\":")
                appendInteger(restore.bytesRecovered)
                append(",\"bytes_percent\":")
                appendPercent(restore.bytesRecovered, of: restore.bytesTotal)
                append(",\"files_total\":")
                appendInteger(restore.filesTotal)
                append(",\"files_recovered\":")
                appendInteger(restore.filesRecovered)
                append(",\"files_percent\":")
                appendPercent(restore.filesRecovered, of: restore.filesTotal)
                append(",\"start_time\":")
                appendInteger(restore.startTime)
                append(",\"running_time\":")
                appendInteger(restore.runningTime)
                append("}")
            }
        }
    }

    /// `shard_replication_details` as `?verbose=true` gets them: each shard's checkpoints.
    private mutating func appendShardDetails(_ operations: PollResult.ShardOperations, layout: ShardLayout) {
        append(",\"shard_replication_details\":[")
        for shard in 0..<layout.count {
            if shard > 0 { append(",") }
            if shard >= layout.count - operations.restoring {
                bytes.append(contentsOf: layout.restoringOpenings[shard])
                append("\"bytes_percent\":")
                let tenths = Int64(operations.restoredPercent * 10)
                appendInteger(tenths / 10)
                bytes.append(UInt8(ascii: "."))
                bytes.append(UInt8(ascii: "0") + UInt8(tenths % 10))
                append("}}")
                continue
            }
            bytes.append(contentsOf: layout.openings[shard])
            appendInteger(layout.share(operations.leader, of: shard) - 1)
            append(",\"follower_checkpoint\":")
            let follower =
                (shard == layout.hot ? operations.hotFollower : layout.share(operations.follower, of: shard)) - 1
            appendInteger(follower)
            append(",\"seq_no\":")
            appendInteger(follower)
            append("}}")
        }
        append("]")
    }

    /// OpenSearch's error envelope as the plugin's status action fails it.
    private static let unavailableMembers = Array(
        ("\"error\":{\"root_cause\":[{\"type\":\"replication_exception\",\"reason\":\"failed to fetch "
            + "replication status\"}],\"type\":\"replication_exception\",\"reason\":\"failed to fetch "
            + "replication status\"},\"status\":500").utf8)

    /// The security plugin's answer when the poller's user lacks the status permission.
    private static let forbiddenMembers = Array(
        ("\"error\":{\"root_cause\":[{\"type\":\"security_exception\",\"reason\":\"no permissions for "
            + "[indices:admin/plugins/replication/index/status_check] and User [name=monitor, "
            + "backend_roles=[], requestedTenant=null]\"}],\"type\":\"security_exception\",\"reason\":"
            + "\"no permissions for [indices:admin/plugins/replication/index/status_check] and User "
            + "[name=monitor, backend_roles=[], requestedTenant=null]\"},\"status\":403").utf8)

    private mutating func appendStatus(_ status: PollResult.Status) {
        switch status {
        case .bootstrapping: append("\"BOOTSTRAPPING\"")
        case .syncing: append("\"SYNCING\"")
        case .running: append("\"RUNNING\"")
        case .paused: append("\"PAUSED\"")
        case .failed: append("\"FAILED\"")
        case .stopped: append("\"STOPPED\"")
        case .notInProgress: append("\"REPLICATION NOT IN PROGRESS\"")
        }
    }

    // MARK: - Scalars

    mutating func append(_ literal: StaticString) {
        literal.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func appendInteger(_ value: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        appendDigits(value.magnitude, minimumWidth: 1)
    }

    /// `magnitude` in decimal, zero-padded to `minimumWidth`.
    private mutating func appendDigits(_ magnitude: UInt64, minimumWidth: Int) {
        let start = bytes.count
        var rest = magnitude
        var written = 0
        repeat {
            bytes.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
            written += 1
        } while rest > 0 || written < minimumWidth
        bytes[start...].reverse()
    }

    /// A percentage with one decimal, as the plugin's floats usually print (`77.8`).
    private mutating func appendPercent(_ part: Int64, of whole: Int64) {
        let tenths = whole > 0 ? Int64((Double(part) / Double(whole) * 1000).rounded(.down)) : 0
        appendInteger(tenths / 10)
        bytes.append(UInt8(ascii: "."))
        bytes.append(UInt8(ascii: "0") + UInt8(tenths % 10))
    }

    // MARK: - Timestamps

    private mutating func appendTimestamp(_ millis: Int64, form: Layout.TimestampForm) {
        switch form {
        case .epochMillis:
            appendInteger(millis)
        case .epochSeconds:
            appendInteger(millis / 1000)
            var fraction = millis % 1000
            if fraction != 0 {
                bytes.append(UInt8(ascii: "."))
                var width = 3
                while fraction % 10 == 0 {
                    fraction /= 10
                    width -= 1
                }
                appendDigits(UInt64(fraction), minimumWidth: width)
            }
        case .millis:
            bytes.append(UInt8(ascii: "\""))
            appendDateTime(millis, separator: UInt8(ascii: "T"))
            append("Z\"")
        case .micros:
            bytes.append(UInt8(ascii: "\""))
            appendDateTime(millis, separator: UInt8(ascii: "T"))
            // A clock with finer ticks: the microseconds are below what the analyzer keeps.
            appendDigits(UInt64(millis.magnitude * 7_919 % 1000), minimumWidth: 3)
            append("Z\"")
        case .spaceAndOffset:
            bytes.append(UInt8(ascii: "\""))
            appendDateTime(millis + 2 * 3_600_000, separator: UInt8(ascii: " "))
            append("+02:00\"")
        }
    }

    /// `YYYY-MM-DD?HH:MM:SS.mmm` for an instant at or after 1970 (the options guarantee it).
    private mutating func appendDateTime(_ millis: Int64, separator: UInt8) {
        let day = millis / 86_400_000
        if day != cachedDay {
            cachedDay = day
            let (year, month, dayOfMonth) = Timestamp.civilFromDays(Int(day))
            let saved = bytes.count
            appendDigits(UInt64(year), minimumWidth: 4)
            bytes.append(UInt8(ascii: "-"))
            appendDigits(UInt64(month), minimumWidth: 2)
            bytes.append(UInt8(ascii: "-"))
            appendDigits(UInt64(dayOfMonth), minimumWidth: 2)
            cachedDate = Array(bytes[saved...])
            bytes.removeSubrange(saved...)
        }
        bytes.append(contentsOf: cachedDate)
        bytes.append(separator)
        let ofDay = millis - day * 86_400_000
        appendDigits(UInt64(ofDay / 3_600_000), minimumWidth: 2)
        bytes.append(UInt8(ascii: ":"))
        appendDigits(UInt64(ofDay / 60_000 % 60), minimumWidth: 2)
        bytes.append(UInt8(ascii: ":"))
        appendDigits(UInt64(ofDay / 1000 % 60), minimumWidth: 2)
        bytes.append(UInt8(ascii: "."))
        appendDigits(UInt64(ofDay % 1000), minimumWidth: 3)
    }
}
