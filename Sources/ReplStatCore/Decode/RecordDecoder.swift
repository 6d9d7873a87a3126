/// An accepted status sample. `index` is an id in the decoder's `indexNames`; `reason`,
/// `leaderAlias` and `leaderIndex` are ids in its `texts`.
public struct StatusSample: Sendable, Equatable {
    public static let none: Int32 = -1

    public var timestamp: Int64
    public var index: Int32
    public var status: ReplicationStatus
    /// Ids in the string table, or `StatusSample.none` when the body lacks the field.
    public var reason: Int32
    public var leaderAlias: Int32
    public var leaderIndex: Int32
    /// Whether the body has `syncing_details` (and so both checkpoints).
    public var hasCheckpoints: Bool
    public var leaderCheckpoint: Int64
    public var followerCheckpoint: Int64

    public init(
        timestamp: Int64, index: Int32, status: ReplicationStatus, reason: Int32 = none,
        leaderAlias: Int32 = none, leaderIndex: Int32 = none, checkpoints: (leader: Int64, follower: Int64)? = nil
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
    }

    /// A sample that counts towards lag: SYNCING or RUNNING with `syncing_details`.
    public var isLagSample: Bool { hasCheckpoints && status.carriesLag }
}

/// What one line decodes to, before the ordering stage decides on `late` and `duplicate`.
public enum DecodedLine: Sendable, Equatable {
    /// Blank, or rejected with the given outcome.
    case rejected(Outcome)
    case error(index: Int32, timestamp: Int64)
    case status(StatusSample)
}

/// Turns one framed line into a decoded line: the checks of SPEC.md section 2 in their order.
public struct RecordDecoder {
    private let scanner = JSONLineScanner()
    /// Index names seen so far: their ids are dense, so per-index state can be an array.
    public var indexNames = StringTable()
    /// Reasons, leader aliases and leader index names seen so far.
    public var texts = StringTable()

    public init() {}

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
        let index = intern(indexSlot, line, into: &indexNames)

        if !body(.error).isMissing { return .error(index: index, timestamp: timestamp) }

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
                let leader = parseInteger(syncing(.leaderCheckpoint), line),
                let follower = parseInteger(syncing(.followerCheckpoint), line)
            else { return .rejected(.invalidField) }
            let seqNo = syncing(.seqNo)
            if !seqNo.isMissing && parseInteger(seqNo, line) == nil { return .rejected(.invalidField) }
            checkpoints = (leader, follower)
        }
        guard let replicationStatus = withStringBytes(status, line, { ReplicationStatus(bytes: $0) }) else {
            return .rejected(.unknownStatus)
        }
        return .status(
            StatusSample(
                timestamp: timestamp, index: index, status: replicationStatus,
                reason: internIfPresent(body(.reason), line),
                leaderAlias: internIfPresent(body(.leaderAlias), line),
                leaderIndex: internIfPresent(body(.leaderIndex), line),
                checkpoints: checkpoints))
    }

    private func isNonEmptyString(_ slot: FieldSlot) -> Bool {
        slot.kind == .string && slot.end > slot.start
    }

    private func withStringBytes<R>(
        _ slot: FieldSlot, _ line: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> R
    ) -> R {
        let content = UnsafeBufferPointer(rebasing: line[Int(slot.start)..<Int(slot.end)])
        if slot.hasEscapes {
            return JSONString.decode(content).withUnsafeBufferPointer(body)
        }
        return body(content)
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

    private mutating func internIfPresent(_ slot: FieldSlot, _ line: UnsafeBufferPointer<UInt8>) -> Int32 {
        slot.isMissing ? StatusSample.none : intern(slot, line, into: &texts)
    }

    private func parseTimestamp(_ slot: FieldSlot, _ line: UnsafeBufferPointer<UInt8>) -> Int64? {
        switch slot.kind {
        case .string:
            return withStringBytes(slot, line) { Timestamp.parseRFC3339($0) }
        case .number:
            return Timestamp.parseEpochNumber(UnsafeBufferPointer(rebasing: line[Int(slot.start)..<Int(slot.end)]))
        default:
            return nil
        }
    }

    /// A JSON integer without fraction or exponent that fits in Int64 (`-0` is 0).
    private func parseInteger(_ slot: FieldSlot, _ line: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard slot.kind == .number, slot.isInteger else { return nil }
        var i = Int(slot.start)
        let end = Int(slot.end)
        let negative = line[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        // Accumulate on the negative side, which holds Int64.min.
        var value: Int64 = 0
        while i < end {
            let digit = Int64(line[i] - UInt8(ascii: "0"))
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = shifted.subtractingReportingOverflow(digit)
            if overflow1 || overflow2 { return nil }
            value = next
            i += 1
        }
        if negative { return value }
        return value == .min ? nil : -value
    }
}
