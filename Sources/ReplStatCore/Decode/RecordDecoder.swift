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
    /// The status texts with escapes seen so far, as they stand in the lines, each decoded once:
    /// captures repeat them at every poll (a pause's reason quoting an exception), and decoding
    /// one costs far more than looking it up. `escapedTextIds` holds, by id here, the id in
    /// `texts` of what each stands for.
    public private(set) var escapedTexts = StringTable()
    private var escapedTextIds: [Int32] = []
    /// The shard checkpoints of the status samples decoded since the last `takeShardLists()`,
    /// in the order of their samples' `shardDetails`.
    public private(set) var shardLists: [[ShardCheckpoints]] = []
    /// What each index (by id) had on its last line, as guesses for its next one.
    private var memories: [IndexMemory] = []
    /// The index of the last line that had one, or `StatusSample.none`.
    private var previousIndex = StatusSample.none
    /// The date of the last RFC 3339 timestamp.
    private var recentDate = Timestamp.RecentDate()

    /// Forgets every name and text, and numbers them anew from 0 (a lane past its bounds,
    /// `DecodeLane`): the guesses go too, as the ids they hold no longer exist.
    public mutating func restartIds() {
        indexNames = StringTable()
        texts = StringTable()
        escapedTexts = StringTable()
        escapedTextIds = []
        memories = []
        previousIndex = StatusSample.none
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

    private mutating func decodeObject(_ line: UnsafeBufferPointer<UInt8>) -> DecodedLine {
        // The envelope keys that may hold the timestamp, in order of precedence (not a loop over
        // an array of them: that costs more than the checks, for every line).
        let timestampSlot: FieldSlot
        if !scanner[.atTimestamp].isMissing {
            timestampSlot = scanner[.atTimestamp]
        } else if !scanner[.timestamp].isMissing {
            timestampSlot = scanner[.timestamp]
        } else if !scanner[.ts].isMissing {
            timestampSlot = scanner[.ts]
        } else if !scanner[.time].isMissing {
            timestampSlot = scanner[.time]
        } else {
            return .rejected(.missingTimestamp)
        }
        guard let timestamp = parseTimestamp(timestampSlot, line) else {
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
        // Body keys that must be strings when present.
        for key in [Field.BodyKey.reason, .leaderAlias, .leaderIndex, .followerIndex] {
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
            if !seqNo.isMissing && !JSONInteger.isInt64(seqNo, in: line.baseAddress!) {
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
        let remembered = memories[Int(index)]
        var memory = remembered
        let reason = internText(body(.reason), line, guess: &memory.reason)
        let leaderAlias = internText(body(.leaderAlias), line, guess: &memory.leaderAlias)
        let leaderIndex = internText(body(.leaderIndex), line, guess: &memory.leaderIndex)
        if memory != remembered { memories[Int(index)] = memory }
        return .status(
            StatusSample(
                timestamp: timestamp, index: index, status: replicationStatus, reason: reason,
                leaderAlias: leaderAlias, leaderIndex: leaderIndex, checkpoints: checkpoints,
                shardDetails: shardDetails))
    }

    /// The id of an optional text of a status body, `StatusSample.none` when it is missing.
    /// `guess` is the id the index's last line had there: most lines repeat it, and a compare
    /// costs less than hashing and probing. It becomes the id of this line's text.
    @inline(__always)
    private mutating func internText(
        _ slot: FieldSlot, _ line: UnsafeBufferPointer<UInt8>, guess: inout Int32
    ) -> Int32 {
        if slot.isMissing { return StatusSample.none }
        let content = UnsafeBufferPointer(rebasing: line[Int(slot.start)..<Int(slot.end)])
        if slot.hasEscapes {
            guess = textId(escaped: content)
            return guess
        }
        return internText(content, guess: &guess)
    }

    /// The id in `texts` of what a text with escapes stands for, decoded only the first time.
    @inline(never)
    private mutating func textId(escaped content: UnsafeBufferPointer<UInt8>) -> Int32 {
        let raw = Int(escapedTexts.intern(content))
        if raw == escapedTextIds.count {
            escapedTextIds.append(JSONString.decode(content).withUnsafeBufferPointer { texts.intern($0) })
        }
        return escapedTextIds[raw]
    }

    @inline(__always)
    private mutating func internText(_ bytes: UnsafeBufferPointer<UInt8>, guess: inout Int32) -> Int32 {
        if guess != StatusSample.none && texts.holds(guess, bytes) { return guess }
        guess = texts.intern(bytes)
        return guess
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
            return name.count > Self.maxIndexBytes ? nil : name.withUnsafeBufferPointer { internIndex($0) }
        }
        return content.count > Self.maxIndexBytes ? nil : internIndex(content)
    }

    /// The id of an index name. Captures list their indices in the same order at every poll, so
    /// the index that followed the previous line's index last time is checked first, by a
    /// compare, before hashing and probing.
    @inline(__always)
    private mutating func internIndex(_ name: UnsafeBufferPointer<UInt8>) -> Int32 {
        let previous = previousIndex
        if previous != StatusSample.none {
            let guess = memories[Int(previous)].next
            if guess != StatusSample.none && indexNames.holds(guess, name) {
                previousIndex = guess
                return guess
            }
        }
        let id = indexNames.intern(name)
        if Int(id) == memories.count { memories.append(IndexMemory()) }
        if previous != StatusSample.none { memories[Int(previous)].next = id }
        previousIndex = id
        return id
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

    private static func withStringBytes<R>(
        _ slot: FieldSlot, _ line: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> R
    ) -> R {
        let content = UnsafeBufferPointer(rebasing: line[Int(slot.start)..<Int(slot.end)])
        if slot.hasEscapes {
            return JSONString.decode(content).withUnsafeBufferPointer(body)
        }
        return body(content)
    }

    private mutating func parseTimestamp(_ slot: FieldSlot, _ line: UnsafeBufferPointer<UInt8>) -> Int64? {
        switch slot.kind {
        case .string:
            if !slot.hasEscapes {
                let content = UnsafeBufferPointer(rebasing: line[Int(slot.start)..<Int(slot.end)])
                return Timestamp.parseRFC3339(content, recentDate: &recentDate)
            }
            return Self.withStringBytes(slot, line) { Timestamp.parseRFC3339($0) }
        case .number:
            return Timestamp.parseEpochNumber(UnsafeBufferPointer(rebasing: line[Int(slot.start)..<Int(slot.end)]))
        default:
            return nil
        }
    }
}

/// What the decoder remembers of one index from its last line: guesses of ids, each checked
/// by a compare before use (`StringTable.holds`), so a wrong one costs only that compare.
private struct IndexMemory: Equatable {
    /// The index of the line that followed.
    var next = StatusSample.none
    /// The ids of its texts in the decoder's `texts`.
    var reason = StatusSample.none
    var leaderAlias = StatusSample.none
    var leaderIndex = StatusSample.none
}
