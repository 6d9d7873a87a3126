/// An accepted status sample. `index` is an id in the decoder's `indexNames`; `reason`,
/// `leaderAlias` and `leaderIndex` are ids in its `texts`.
///
/// A plain value of 48 bytes without references, so that the arrays of samples that each
/// line passes through copy without reference counting: a sample's shard details stay beside
/// it, and `shardDetails` says where.
public struct StatusSample: Sendable, Equatable {
    public static let none: Int32 = -1

    public var timestamp: Int64
    public var leaderCheckpoint: Int64
    public var followerCheckpoint: Int64
    public var index: Int32
    /// Ids in the string table, or `StatusSample.none` when the body lacks the field.
    public var reason: Int32
    public var leaderAlias: Int32
    public var leaderIndex: Int32
    /// Where the checkpoints of its shards are (an index in the list of shard lists of the
    /// stage holding the sample: the decoder's `shardLists`, then its piece's), or
    /// `StatusSample.none` when no shard has checkpoints.
    public var shardDetails: Int32
    public var status: ReplicationStatus
    /// Whether the body has `syncing_details` (and so both checkpoints).
    public var hasCheckpoints: Bool

    public init(
        timestamp: Int64, index: Int32, status: ReplicationStatus, reason: Int32 = none,
        leaderAlias: Int32 = none, leaderIndex: Int32 = none, checkpoints: (leader: Int64, follower: Int64)? = nil,
        shardDetails: Int32 = none
    ) {
        self.timestamp = timestamp
        self.index = index
        self.status = status
        self.reason = reason
        self.leaderAlias = leaderAlias
        self.leaderIndex = leaderIndex
        self.hasCheckpoints = checkpoints != nil
        self.leaderCheckpoint = checkpoints?.leader ?? 0
        self.followerCheckpoint = checkpoints?.follower ?? 0
        self.shardDetails = shardDetails
    }

    /// A sample that counts towards lag: SYNCING or RUNNING with `syncing_details`.
    public var isLagSample: Bool { hasCheckpoints && status.carriesLag }
}

/// An accepted error sample (docs/format.md, error episodes): `index` is an id in the
/// decoder's `indexNames`, `type` and `reason` ids in its `texts`.
public struct ErrorSample: Sendable, Equatable {
    public var timestamp: Int64
    /// The body's `status` when it is an integer, which `hasHTTPStatus` says.
    public var httpStatus: Int64
    public var index: Int32
    /// `error.type` when `error` is an object and `type` a non-empty string, else `StatusSample.none`.
    public var type: Int32
    /// `error.reason` when it is a string, or `error` itself when it is one, else `StatusSample.none`.
    public var reason: Int32
    public var hasHTTPStatus: Bool

    public init(
        timestamp: Int64, index: Int32, httpStatus: Int64? = nil, type: Int32 = StatusSample.none,
        reason: Int32 = StatusSample.none
    ) {
        self.timestamp = timestamp
        self.index = index
        self.httpStatus = httpStatus ?? 0
        self.hasHTTPStatus = httpStatus != nil
        self.type = type
        self.reason = reason
    }
}

/// What one line decodes to, before the ordering stage decides on `late` and `duplicate`.
public enum DecodedLine: Sendable, Equatable {
    /// Blank, or rejected with the given outcome.
    case rejected(Outcome)
    case error(ErrorSample)
    case status(StatusSample)
}

/// Turns one framed line into a decoded line: the checks of docs/format.md in their order.
public struct RecordDecoder {
    private let scanner = JSONLineScanner()
    /// Index names seen so far: their ids are dense, so per-index state can be an array.
    public var indexNames = StringTable()
    /// Reasons, leader aliases, leader index names and error types seen so far.
    public var texts = StringTable()
    /// The shard checkpoints of the status samples decoded since the last `takeShardLists()`,
    /// in the order of their samples' `shardDetails`.
    public private(set) var shardLists: [[ShardCheckpoints]] = []
    /// The last text of each optional string of a status body, and its id in `texts`.
    private var recentReason = RecentText()
    private var recentLeaderAlias = RecentText()
    private var recentLeaderIndex = RecentText()

    /// Forgets every name and text, and numbers them anew from 0 (a lane past its bounds,
    /// `DecodeLane`): the recent texts go too, as the ids they hold no longer exist.
    public mutating func restartIds() {
        indexNames = StringTable()
        texts = StringTable()
        recentReason = RecentText()
        recentLeaderAlias = RecentText()
        recentLeaderIndex = RecentText()
    }

    /// OpenSearch's limit on an index name, in bytes: a longer one is `invalid_field`.
    public static let maxIndexBytes = 255

    public init() {}

    /// The shard lists gathered so far, handed over with the samples that refer to them.
    public mutating func takeShardLists() -> [[ShardCheckpoints]] {
        defer { shardLists = [] }
        return shardLists
    }

    public mutating func decode(_ framed: FramedLine) -> DecodedLine {
        if framed.isTooLong {
            return .rejected(framed.isBlank ? .blank : .lineTooLong)
        }
        var line = framed.bytes
        if let last = line.last, last == UInt8(ascii: "\r") {
            line = UnsafeRawBufferPointer(rebasing: line[0..<line.count - 1])
        }
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return .rejected(.blank) }
        switch scanner.scan(line) {
        case .invalid: return .rejected(.invalidJSON)
        case .notObject: return .rejected(.notObject)
        case .object: break
        }
        let bytes = line.bindMemory(to: UInt8.self)
        return decodeObject(bytes)
    }

    /// The envelope keys that may hold the timestamp, in order of precedence.
    private static let timestampFields: [Field] = [.atTimestamp, .timestamp, .ts, .time]
    /// Body keys that must be strings when present.
    private static let optionalStringKeys: [Field.BodyKey] = [.reason, .leaderAlias, .leaderIndex, .followerIndex]

    private mutating func decodeObject(_ line: UnsafeBufferPointer<UInt8>) -> DecodedLine {
        guard let timestampField = Self.timestampFields.first(where: { !scanner[$0].isMissing })
        else { return .rejected(.missingTimestamp) }
        guard let timestamp = parseTimestamp(scanner[timestampField], line) else {
            return .rejected(.invalidTimestamp)
        }

        let response = scanner[.response]
        let envelopeIndex = scanner[.index]
        if !response.isMissing && response.kind != .object { return .rejected(.invalidField) }
        if !envelopeIndex.isMissing && !isNonEmptyString(envelopeIndex) { return .rejected(.invalidField) }

        let nested = !response.isMissing
        let bodyBase = nested ? Field.bodyBase : Field.flatBodyBase
        let syncingBase = nested ? Field.syncingBase : Field.flatSyncingBase
        func body(_ key: Field.BodyKey) -> FieldSlot { scanner.slot(bodyBase + key.rawValue) }
        func syncing(_ key: Field.SyncingKey) -> FieldSlot { scanner.slot(syncingBase + key.rawValue) }

        let indexSlot: FieldSlot
        if !envelopeIndex.isMissing {
            indexSlot = envelopeIndex
        } else if isNonEmptyString(body(.followerIndex)) {
            indexSlot = body(.followerIndex)
        } else {
            return .rejected(.missingIndex)
        }
        guard let index = internIndex(indexSlot, line) else { return .rejected(.invalidField) }

        if !body(.error).isMissing {
            return .error(errorSample(index: index, timestamp: timestamp, nested: nested, line))
        }

        let status = body(.status)
        if status.isMissing { return .rejected(.missingStatus) }
        if status.kind != .string { return .rejected(.invalidField) }
        for key in Self.optionalStringKeys {
            let slot = body(key)
            if !slot.isMissing && slot.kind != .string { return .rejected(.invalidField) }
        }
        var checkpoints: (leader: Int64, follower: Int64)?
        let details = body(.syncing)
        if !details.isMissing {
            guard details.kind == .object,
                let leader = JSONInteger.int64(syncing(.leaderCheckpoint), in: line.baseAddress!),
                let follower = JSONInteger.int64(syncing(.followerCheckpoint), in: line.baseAddress!)
            else { return .rejected(.invalidField) }
            let seqNo = syncing(.seqNo)
            if !seqNo.isMissing && JSONInteger.int64(seqNo, in: line.baseAddress!) == nil {
                return .rejected(.invalidField)
            }
            checkpoints = (leader, follower)
        }
        let knownStatus = Self.withStringBytes(status, line) { ReplicationStatus(bytes: $0) }
        var shardDetails = StatusSample.none
        if !body(.shards).isMissing {
            guard let id = keepShardDetails(body(.shards), nested: nested, keeping: knownStatus != nil) else {
                return .rejected(.invalidField)
            }
            shardDetails = id
        }
        guard let replicationStatus = knownStatus else { return .rejected(.unknownStatus) }
        let (reasonSlot, leaderAliasSlot, leaderIndexSlot) = (body(.reason), body(.leaderAlias), body(.leaderIndex))
        return .status(
            StatusSample(
                timestamp: timestamp, index: index, status: replicationStatus,
                reason: recentReason.intern(reasonSlot, line, into: &texts),
                leaderAlias: recentLeaderAlias.intern(leaderAliasSlot, line, into: &texts),
                leaderIndex: recentLeaderIndex.intern(leaderIndexSlot, line, into: &texts),
                checkpoints: checkpoints, shardDetails: shardDetails))
    }

    /// Checks a body's `shard_replication_details`; keeps the checkpoints of its shards when
    /// `keeping` and there are any. Returns their id in `shardLists`, `StatusSample.none` when
    /// no shard has checkpoints (or nothing was kept), or nil when the details are bad. Out of
    /// line, as only verbose captures have them.
    @inline(never)
    private mutating func keepShardDetails(_ slot: FieldSlot, nested: Bool, keeping: Bool) -> Int32? {
        guard slot.kind == .array, let shards = scanner.shardDetails.checkpoints(flat: !nested) else { return nil }
        guard keeping && !shards.isEmpty else { return StatusSample.none }
        shardLists.append(shards)
        return Int32(shardLists.count - 1)
    }

    /// The id of an index name, or nil when it is longer than OpenSearch allows.
    @inline(__always)
    private mutating func internIndex(_ slot: FieldSlot, _ line: UnsafeBufferPointer<UInt8>) -> Int32? {
        let content = UnsafeBufferPointer(rebasing: line[Int(slot.start)..<Int(slot.end)])
        if slot.hasEscapes {
            let name = JSONString.decode(content)
            return name.count > Self.maxIndexBytes ? nil : name.withUnsafeBufferPointer { indexNames.intern($0) }
        }
        return content.count > Self.maxIndexBytes ? nil : indexNames.intern(content)
    }

    /// What an error sample says of itself (docs/format.md, error episodes). Kept out of
    /// line: inlined, it slows every status line down.
    @inline(never)
    private mutating func errorSample(
        index: Int32, timestamp: Int64, nested: Bool, _ line: UnsafeBufferPointer<UInt8>
    ) -> ErrorSample {
        let error = scanner[nested ? .error : .flatError]
        let httpStatus = JSONInteger.int64(scanner[nested ? .status : .flatStatus], in: line.baseAddress!)
        var sample = ErrorSample(timestamp: timestamp, index: index, httpStatus: httpStatus)
        if error.kind == .object {
            let type = scanner[nested ? .errorType : .flatErrorType]
            if isNonEmptyString(type) { sample.type = intern(type, line, into: &texts) }
            let reason = scanner[nested ? .errorReason : .flatErrorReason]
            if reason.kind == .string { sample.reason = intern(reason, line, into: &texts) }
        } else if error.kind == .string {
            sample.reason = intern(error, line, into: &texts)
        }
        return sample
    }

    private func isNonEmptyString(_ slot: FieldSlot) -> Bool {
        slot.kind == .string && slot.end > slot.start
    }

    private func intern(
        _ slot: FieldSlot, _ line: UnsafeBufferPointer<UInt8>, into table: inout StringTable
    ) -> Int32 {
        let content = UnsafeBufferPointer(rebasing: line[Int(slot.start)..<Int(slot.end)])
        if slot.hasEscapes {
            return JSONString.decode(content).withUnsafeBufferPointer { table.intern($0) }
        }
        return table.intern(content)
    }

    fileprivate static func withStringBytes<R>(
        _ slot: FieldSlot, _ line: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> R
    ) -> R {
        let content = UnsafeBufferPointer(rebasing: line[Int(slot.start)..<Int(slot.end)])
        if slot.hasEscapes {
            return JSONString.decode(content).withUnsafeBufferPointer(body)
        }
        return body(content)
    }

    private func parseTimestamp(_ slot: FieldSlot, _ line: UnsafeBufferPointer<UInt8>) -> Int64? {
        switch slot.kind {
        case .string:
            return Self.withStringBytes(slot, line) { Timestamp.parseRFC3339($0) }
        case .number:
            return Timestamp.parseEpochNumber(UnsafeBufferPointer(rebasing: line[Int(slot.start)..<Int(slot.end)]))
        default:
            return nil
        }
    }
}

/// The text one field had on the last line that had it, when it was at most 16 bytes, and its
/// id in a string table: consecutive lines mostly repeat a field's short text (the same reason,
/// the same leader alias), and comparing two words costs less than hashing the text and probing
/// the table. The id is the one the table would give: the table is only ever added to.
private struct RecentText {
    private var words: (UInt64, UInt64) = (0, 0)
    private var count = -1
    private var id = StatusSample.none

    /// The id of the string in `slot`, `StatusSample.none` when it is missing.
    mutating func intern(_ slot: FieldSlot, _ line: UnsafeBufferPointer<UInt8>, into table: inout StringTable) -> Int32
    {
        if slot.isMissing { return StatusSample.none }
        return RecordDecoder.withStringBytes(slot, line) { intern($0, into: &table) }
    }

    private mutating func intern(_ content: UnsafeBufferPointer<UInt8>, into table: inout StringTable) -> Int32 {
        guard content.count <= 16 else { return table.intern(content) }
        // Zero-padded: with the count, the two words are the text.
        var padded: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &padded) { $0.copyMemory(from: UnsafeRawBufferPointer(content)) }
        if content.count == count && padded == words { return id }
        id = table.intern(content)
        words = padded
        count = content.count
        return id
    }
}
