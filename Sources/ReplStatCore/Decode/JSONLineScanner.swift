#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The kind of JSON value found for a field of interest.
public enum JSONKind: UInt8, Sendable {
    case absent = 0, null, string, number, object, array, boolean
}

/// Where a field's value lies in the line. For a string, `start..<end` excludes the quotes.
public struct FieldSlot: Sendable, Equatable {
    public var kind: JSONKind = .absent
    /// A string value that contains escapes and must be decoded before use.
    public var hasEscapes = false
    /// A number without fraction or exponent.
    public var isInteger = false
    public var start: Int32 = 0
    public var end: Int32 = 0

    /// Absent, or present with the value `null`: both mean "not there".
    public var isMissing: Bool {
        @inline(__always) get { kind == .absent || kind == .null }
    }
}

/// The fields the decoder needs, located during the single validating pass over a line.
///
/// An envelope's own keys; the status body's keys twice (the flat layout, where the body is
/// the envelope itself, and the body under `response`); the checkpoints of each
/// `syncing_details`; and the `type` and `reason` of each `error` object. (The elements of a
/// `shard_replication_details` array go to the scanner's `ShardDetailsCollector`, each as it
/// ends.) When an object repeats a key, the last occurrence wins, including everything that
/// was recorded inside the earlier one.
public enum Field: Int, CaseIterable, Sendable {
    case atTimestamp, timestamp, ts, time, index, response
    case flatStatus, flatError, flatReason, flatLeaderAlias, flatLeaderIndex, flatFollowerIndex, flatSyncing
    case flatShards
    case status, error, reason, leaderAlias, leaderIndex, followerIndex, syncing, shards
    case flatLeaderCheckpoint, flatFollowerCheckpoint, flatSeqNo
    case leaderCheckpoint, followerCheckpoint, seqNo
    case flatErrorType, flatErrorReason
    case errorType, errorReason

    /// Offset of a body key from the first body field.
    enum BodyKey: Int, CaseIterable {
        case status = 0, error, reason, leaderAlias, leaderIndex, followerIndex, syncing, shards
    }
    enum SyncingKey: Int, CaseIterable { case leaderCheckpoint = 0, followerCheckpoint, seqNo }
    enum ErrorKey: Int, CaseIterable { case type = 0, reason }

    static let flatBodyBase = Field.flatStatus.rawValue
    static let bodyBase = Field.status.rawValue
    static let flatSyncingBase = Field.flatLeaderCheckpoint.rawValue
    static let syncingBase = Field.leaderCheckpoint.rawValue
    static let flatErrorBase = Field.flatErrorType.rawValue
    static let errorBase = Field.errorType.rawValue
}

/// Validates one line as JSON (RFC 8259, UTF-8, at most 64 levels of nesting) in a single pass
/// without recursion and without allocating, and records where the fields of interest are.
///
/// A class over buffers allocated once: the scan writes its slots and stack for every byte of
/// interest, and arrays in a struct would check their uniqueness on each of those writes.
public final class JSONLineScanner {
    public enum Result: Equatable, Sendable {
        case invalid
        case notObject
        case object
    }

    public static let maxDepth = 64

    /// Which container a frame is, for matching its keys (or its elements) to fields.
    private enum Role: UInt8, CaseIterable {
        case envelope, response, flatSyncing, syncing, flatError, error
        /// The `shard_replication_details` array of the flat body or of `response` (arrays).
        case flatShards, shards
        /// An element of a shards array, and its `syncing_task_details`.
        case shard, shardTask
        case other

        var isShards: Bool { self == .flatShards || self == .shards }

        /// The role a container gets from the key it is the value of: the shards roles fit
        /// only an array, every other role only an object.
        func container(isObject: Bool) -> Role {
            isShards != isObject ? self : .other
        }
    }

    /// Slots past the fields: the element of a shards array being scanned, and its keys. They
    /// are cleared as each element starts, not for every line.
    private enum ShardSlot: Int, CaseIterable {
        case element = 0, shardID, task, leaderCheckpoint, followerCheckpoint, seqNo

        var slot: Int { Field.allCases.count + rawValue }
        static let taskBase = ShardSlot.leaderCheckpoint.slot
    }

    private static let fieldCount = Field.allCases.count
    private static let slotCount = fieldCount + ShardSlot.allCases.count
    private let slots: UnsafeMutablePointer<FieldSlot>
    private let frameIsObject: UnsafeMutablePointer<Bool>
    private let frameRole: UnsafeMutablePointer<Role>
    private let frameSlot: UnsafeMutablePointer<Int8>
    /// The elements of the shards arrays, checked as each one ends.
    /// Unchecked: every element of a verbose line modifies it, and only this scanner touches it.
    @exclusivity(unchecked) public private(set) var shardDetails = ShardDetailsCollector()
    /// Whether the line met a shards key: only then is there anything to forget (most lines
    /// have none, and touching the collector's arrays costs on every line).
    private var metShardDetails = false

    private let knownKeys = KnownKeyTable()
    /// For each role and known key (at `keyPlace`), the slot the key's value goes to (-1 for
    /// none) and the role it gets (`field(of:in:)`).
    private let keySlots: UnsafeMutablePointer<Int8>
    private let keyRoles: UnsafeMutablePointer<Role>

    /// Lines of a capture repeat their keys in the same order: in an object of a given role,
    /// the key that followed a given key (or the object's start) last time is checked first, by
    /// comparing its pattern in place (`KeyPattern`); only when it is not there is the key
    /// scanned and looked up. Which key came there is a guess: a wrong one costs the compare.
    private struct ExpectedKey {
        var pattern = KeyPattern.none
        /// What the key is (a `KnownKey` raw value), and its slot and value's role where expected.
        var known: Int8 = -1
        var slot: Int8 = -1
        var valueRole = Role.other
    }
    /// The key that followed, at `predictionPlace`.
    private let expectedKeys: UnsafeMutablePointer<ExpectedKey>
    /// Each known key's pattern, by `KnownKey` raw value.
    private let keyPatterns: UnsafeMutablePointer<KeyPattern>
    /// For each open object, its last key so far: a `KnownKey` raw value, `objectStart` or
    /// `afterUnknownKey`.
    private let framePreviousKey: UnsafeMutablePointer<Int8>
    private static let objectStart = Int8(KnownKey.allCases.count)
    private static let afterUnknownKey = Int8(KnownKey.allCases.count + 1)

    public init() {
        let places = Role.allCases.count * KnownKey.allCases.count
        keySlots = .allocate(capacity: places)
        keyRoles = .allocate(capacity: places)
        let predictionPlaces = Role.allCases.count * (KnownKey.allCases.count + 2)
        expectedKeys = .allocate(capacity: predictionPlaces)
        expectedKeys.initialize(repeating: ExpectedKey(), count: predictionPlaces)
        keyPatterns = .allocate(capacity: KnownKey.allCases.count)
        for key in KnownKey.allCases { (keyPatterns + key.rawValue).initialize(to: KeyPattern(key)) }
        framePreviousKey = .allocate(capacity: Self.maxDepth + 1)
        framePreviousKey.initialize(repeating: Self.objectStart, count: Self.maxDepth + 1)
        for role in Role.allCases {
            for key in KnownKey.allCases {
                let (slot, valueRole) = Self.field(of: key, in: role)
                let place = Self.keyPlace(role, key.rawValue)
                keySlots[place] = Int8(slot)
                (keyRoles + place).initialize(to: valueRole)
            }
        }
        slots = .allocate(capacity: Self.slotCount)
        slots.initialize(repeating: FieldSlot(), count: Self.slotCount)
        frameIsObject = .allocate(capacity: Self.maxDepth + 1)
        frameIsObject.initialize(repeating: false, count: Self.maxDepth + 1)
        frameRole = .allocate(capacity: Self.maxDepth + 1)
        frameRole.initialize(repeating: .other, count: Self.maxDepth + 1)
        frameSlot = .allocate(capacity: Self.maxDepth + 1)
        frameSlot.initialize(repeating: -1, count: Self.maxDepth + 1)
    }

    deinit {
        knownKeys.deallocate()
        keySlots.deallocate()
        keyRoles.deallocate()
        expectedKeys.deallocate()
        keyPatterns.deallocate()
        framePreviousKey.deallocate()
        slots.deallocate()
        frameIsObject.deallocate()
        frameRole.deallocate()
        frameSlot.deallocate()
    }

    public subscript(field: Field) -> FieldSlot { slots[field.rawValue] }

    /// The slot of a field by its raw value, for callers that compute it.
    public func slot(_ rawValue: Int) -> FieldSlot { slots[rawValue] }

    private enum State { case value, key, afterValue }

    public func scan(_ line: UnsafeRawBufferPointer) -> Result {
        // An absent slot is all zero bytes: one memset, where assigning `FieldSlot()` to each
        // slot stores its fields one by one (a fifth of the scan's time).
        memset(slots, 0, Self.fieldCount * MemoryLayout<FieldSlot>.stride)
        if metShardDetails {
            shardDetails.removeAll()
            metShardDetails = false
        }
        // Offsets are kept as Int32: a line past that is not one the framer lets through.
        guard let raw = line.baseAddress, line.count > 0, line.count <= Int32.max else { return .invalid }
        let base = raw.assumingMemoryBound(to: UInt8.self)
        let n = line.count
        // Locals, not the properties: read through `self` at each use, they are loaded again
        // after every store the compiler cannot tell apart from them.
        let frameIsObject = self.frameIsObject
        let frameRole = self.frameRole
        let framePreviousKey = self.framePreviousKey
        let expectedKeys = self.expectedKeys
        var i = skipWhitespace(base, n, 0)
        var depth = 0
        var topIsObject = false
        var pendingSlot = -1
        var pendingRole = Role.other
        var state = State.value

        while true {
            switch state {
            case .value:
                guard i < n else { return .invalid }
                let c = base[i]
                switch c {
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    guard depth < Self.maxDepth else { return .invalid }
                    let isObject = c == UInt8(ascii: "{")
                    if depth == 0 { topIsObject = isObject }
                    frameIsObject[depth] = isObject
                    if depth == 0 {
                        frameRole[depth] = isObject ? .envelope : .other
                    } else {
                        frameRole[depth] = pendingRole == .other ? .other : pendingRole.container(isObject: isObject)
                    }
                    frameSlot[depth] = Int8(pendingSlot)
                    framePreviousKey[depth] = Self.objectStart
                    if pendingSlot >= 0 {
                        slots[pendingSlot].kind = isObject ? .object : .array
                        slots[pendingSlot].start = Int32(truncatingIfNeeded: i)
                    }
                    depth += 1
                    i = skipWhitespace(base, n, i + 1)
                    guard i < n else { return .invalid }
                    if base[i] == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                        i += 1
                        depth -= 1
                        closeContainer(at: depth, end: i)
                        state = .afterValue
                    } else if isObject {
                        state = .key
                    } else {
                        (pendingSlot, pendingRole) = startElement(of: frameRole[depth &- 1])
                        state = .value
                    }
                    continue
                case UInt8(ascii: "\""):
                    guard let (end, escaped) = scanString(base, n, i + 1) else { return .invalid }
                    if pendingSlot >= 0 {
                        slots[pendingSlot] = FieldSlot(
                            kind: .string, hasEscapes: escaped, isInteger: false,
                            start: Int32(truncatingIfNeeded: i + 1), end: Int32(truncatingIfNeeded: end))
                    }
                    i = end + 1
                case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                    guard let (end, integer) = scanPlainInteger(base, n, i) ?? scanNumber(base, n, i) else {
                        return .invalid
                    }
                    if pendingSlot >= 0 {
                        slots[pendingSlot] = FieldSlot(
                            kind: .number, hasEscapes: false, isInteger: integer, start: Int32(truncatingIfNeeded: i),
                            end: Int32(truncatingIfNeeded: end))
                    }
                    i = end
                case UInt8(ascii: "t"):
                    guard matches(base, n, i, "true") else { return .invalid }
                    record(pendingSlot, .boolean, i, i + 4)
                    i += 4
                case UInt8(ascii: "f"):
                    guard matches(base, n, i, "false") else { return .invalid }
                    record(pendingSlot, .boolean, i, i + 5)
                    i += 5
                case UInt8(ascii: "n"):
                    guard matches(base, n, i, "null") else { return .invalid }
                    record(pendingSlot, .null, i, i + 4)
                    i += 4
                default:
                    return .invalid
                }
                state = .afterValue

            case .key:
                let role = frameRole[depth &- 1]
                if role == .other {
                    guard i < n, base[i] == UInt8(ascii: "\"") else { return .invalid }
                    guard let (end, _) = scanString(base, n, i + 1) else { return .invalid }
                    pendingSlot = -1
                    pendingRole = .other
                    i = skipWhitespace(base, n, end + 1)
                    guard i < n, base[i] == UInt8(ascii: ":") else { return .invalid }
                    i = skipWhitespace(base, n, i + 1)
                    state = .value
                    continue
                }
                let expected = expectedKeys + Self.predictionPlace(role, framePreviousKey[depth &- 1])
                // i <= n: no overflow to check.
                let matched = expected.pointee.pattern.matchedLength(at: base + i, readable: n &- i)
                let known: Int
                if matched > 0 {
                    i &+= matched
                    known = Int(expected.pointee.known)
                    pendingSlot = Int(expected.pointee.slot)
                    pendingRole = expected.pointee.valueRole
                } else {
                    guard i < n, base[i] == UInt8(ascii: "\"") else { return .invalid }
                    guard let (end, escaped) = scanString(base, n, i + 1) else { return .invalid }
                    // i < end <= n: no overflow to check.
                    let content = base + i + 1
                    let count = end &- i &- 1
                    known =
                        escaped
                        ? findEscapedKey(UnsafeBufferPointer(start: content, count: count))
                        : knownKeys.find(ScannedKey(content, count: count, readable: n &- i &- 1))
                    (pendingSlot, pendingRole) = field(ofKnown: known, in: role)
                    expected.pointee =
                        known >= 0
                        ? ExpectedKey(
                            pattern: keyPatterns[known], known: Int8(known), slot: Int8(pendingSlot),
                            valueRole: pendingRole)
                        : ExpectedKey()
                    i = skipWhitespace(base, n, end + 1)
                    guard i < n, base[i] == UInt8(ascii: ":") else { return .invalid }
                    i += 1
                }
                framePreviousKey[depth &- 1] = known >= 0 ? Int8(known) : Self.afterUnknownKey
                // The call only when there is something to do: a container key met the first
                // time in its object (most of them) has no earlier value to forget.
                if pendingRole != .other && (slots[pendingSlot].kind != .absent || pendingRole.isShards) {
                    forgetEarlierValue(pendingSlot, pendingRole)
                }
                i = skipWhitespace(base, n, i)
                state = .value

            case .afterValue:
                i = skipWhitespace(base, n, i)
                if depth == 0 {
                    guard i == n else { return .invalid }
                    return topIsObject ? .object : .notObject
                }
                guard i < n else { return .invalid }
                let c = base[i]
                let isObject = frameIsObject[depth &- 1]
                if c == UInt8(ascii: ",") {
                    i = skipWhitespace(base, n, i + 1)
                    if isObject {
                        state = .key
                    } else {
                        let role = frameRole[depth &- 1]
                        if role.isShards { finishShardElement(of: role, base) }
                        (pendingSlot, pendingRole) = startElement(of: role)
                        state = .value
                    }
                } else if c == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    if !isObject && frameRole[depth &- 1].isShards {
                        finishShardElement(of: frameRole[depth &- 1], base)
                    }
                    i += 1
                    depth -= 1
                    closeContainer(at: depth, end: i)
                } else {
                    return .invalid
                }
            }
        }
    }

    @inline(__always)
    private func record(_ slot: Int, _ kind: JSONKind, _ start: Int, _ end: Int) {
        if slot >= 0 {
            slots[slot] = FieldSlot(
                kind: kind, hasEscapes: false, isInteger: false, start: Int32(truncatingIfNeeded: start),
                end: Int32(truncatingIfNeeded: end))
        }
    }

    /// The field and role of the next element of an array: array elements are no field, and
    /// objects among them have no role, except in a shards array.
    @inline(__always)
    private func startElement(of arrayRole: Role) -> (Int, Role) {
        if !arrayRole.isShards { return (-1, .other) }
        clear(ShardSlot.element.slot..<Self.slotCount)
        return (ShardSlot.element.slot, .shard)
    }

    /// Hands the element of a shards array that just ended to the collector.
    private func finishShardElement(of arrayRole: Role, _ base: UnsafePointer<UInt8>) {
        let element = ShardElementSlots(
            element: slots[ShardSlot.element.slot], shardID: slots[ShardSlot.shardID.slot],
            task: slots[ShardSlot.task.slot], leaderCheckpoint: slots[ShardSlot.leaderCheckpoint.slot],
            followerCheckpoint: slots[ShardSlot.followerCheckpoint.slot], seqNo: slots[ShardSlot.seqNo.slot])
        shardDetails.add(element, in: base, flat: arrayRole == .flatShards)
        metShardDetails = true
    }

    @inline(__always)
    private func closeContainer(at depth: Int, end: Int) {
        let slot = Int(frameSlot[depth])
        if slot >= 0 { slots[slot].end = Int32(truncatingIfNeeded: end) }
    }

    /// The known key (a `KnownKey` raw value) that a key with escapes stands for, or -1: decoded
    /// first. Out of line: captures have none.
    @inline(never)
    private func findEscapedKey(_ content: UnsafeBufferPointer<UInt8>) -> Int {
        JSONString.decode(content).withUnsafeBufferPointer { decoded in
            // An escape stands for at least one byte: the decoded key is never empty.
            guard let start = decoded.baseAddress else { return -1 }
            return knownKeys.find(ScannedKey(start, count: decoded.count, readable: decoded.count))
        }
    }

    /// The field that known key `known` (-1 for a key that is none) names in an object of the
    /// given role, and the role its value gets if it is a container.
    @inline(__always)
    private func field(ofKnown known: Int, in role: Role) -> (Int, Role) {
        guard known >= 0 else { return (-1, .other) }
        let place = Self.keyPlace(role, known)
        return (Int(keySlots[place]), keyRoles[place])
    }

    /// Where `expectedKeys` holds the known key that followed `previous` (a `KnownKey` raw
    /// value, `objectStart` or `afterUnknownKey`) in an object of role `role`.
    @inline(__always)
    private static func predictionPlace(_ role: Role, _ previous: Int8) -> Int {
        Int(role.rawValue) &* (KnownKey.allCases.count &+ 2) &+ Int(previous)
    }

    /// Where `keySlots` and `keyRoles` hold what known key `known` (a `KnownKey` raw value) is in
    /// an object of role `role`.
    @inline(__always)
    private static func keyPlace(_ role: Role, _ known: Int) -> Int {
        Int(role.rawValue) * KnownKey.allCases.count + known
    }

    /// A container key seen again forgets what its earlier value held (the last occurrence
    /// counts); a shards key says the line has shard details to forget at the next line.
    @inline(never)
    private func forgetEarlierValue(_ slot: Int, _ valueRole: Role) {
        switch valueRole {
        case .response:
            if slots[slot].kind != .absent {
                clear(Field.bodyBase..<Field.bodyBase + Field.BodyKey.allCases.count)
                clear(Field.syncingBase..<Field.syncingBase + Field.SyncingKey.allCases.count)
                clear(Field.errorBase..<Field.errorBase + Field.ErrorKey.allCases.count)
                if metShardDetails { shardDetails.removeAll(flat: false) }
            }
        case .flatSyncing, .syncing:
            if slots[slot].kind != .absent {
                let base = valueRole == .flatSyncing ? Field.flatSyncingBase : Field.syncingBase
                clear(base..<base + Field.SyncingKey.allCases.count)
            }
        case .flatError, .error:
            if slots[slot].kind != .absent {
                let base = valueRole == .flatError ? Field.flatErrorBase : Field.errorBase
                clear(base..<base + Field.ErrorKey.allCases.count)
            }
        case .flatShards, .shards:
            if slots[slot].kind != .absent { shardDetails.removeAll(flat: valueRole == .flatShards) }
            metShardDetails = true
        case .shardTask:
            if slots[slot].kind != .absent { clear(ShardSlot.taskBase..<Self.slotCount) }
        case .envelope, .shard, .other:
            break
        }
    }

    private func clear(_ range: Range<Int>) {
        for index in range { slots[index] = FieldSlot() }
    }

    /// The slot a known key's value goes to in an object of the given role (-1 for none), and
    /// the role the value gets if it is a container (docs/format.md's shapes). The envelope is
    /// also the flat body.
    private static func field(of key: KnownKey, in role: Role) -> (Int, Role) {
        switch role {
        case .envelope:
            switch key {
            case .atTimestamp: return (Field.atTimestamp.rawValue, .other)
            case .timestamp: return (Field.timestamp.rawValue, .other)
            case .ts: return (Field.ts.rawValue, .other)
            case .time: return (Field.time.rawValue, .other)
            case .index: return (Field.index.rawValue, .other)
            case .response: return (Field.response.rawValue, .response)
            default: return bodyField(of: key, flat: true)
            }
        case .response:
            return bodyField(of: key, flat: false)
        case .flatSyncing, .syncing, .shardTask:
            let base =
                role == .flatSyncing ? Field.flatSyncingBase : role == .syncing ? Field.syncingBase : ShardSlot.taskBase
            switch key {
            case .leaderCheckpoint: return (base + Field.SyncingKey.leaderCheckpoint.rawValue, .other)
            case .followerCheckpoint: return (base + Field.SyncingKey.followerCheckpoint.rawValue, .other)
            case .seqNo: return (base + Field.SyncingKey.seqNo.rawValue, .other)
            default: return (-1, .other)
            }
        case .flatError, .error:
            let base = role == .flatError ? Field.flatErrorBase : Field.errorBase
            switch key {
            case .type: return (base + Field.ErrorKey.type.rawValue, .other)
            case .reason: return (base + Field.ErrorKey.reason.rawValue, .other)
            default: return (-1, .other)
            }
        case .shard:
            switch key {
            case .shardID: return (ShardSlot.shardID.slot, .other)
            case .syncingTaskDetails: return (ShardSlot.task.slot, .shardTask)
            default: return (-1, .other)
            }
        case .flatShards, .shards, .other:
            return (-1, .other)
        }
    }

    /// A key of the flat body (the envelope) or of `response`.
    private static func bodyField(of key: KnownKey, flat: Bool) -> (Int, Role) {
        let base = flat ? Field.flatBodyBase : Field.bodyBase
        switch key {
        case .status: return (base + Field.BodyKey.status.rawValue, .other)
        case .error: return (base + Field.BodyKey.error.rawValue, flat ? .flatError : .error)
        case .reason: return (base + Field.BodyKey.reason.rawValue, .other)
        case .leaderAlias: return (base + Field.BodyKey.leaderAlias.rawValue, .other)
        case .leaderIndex: return (base + Field.BodyKey.leaderIndex.rawValue, .other)
        case .followerIndex: return (base + Field.BodyKey.followerIndex.rawValue, .other)
        case .syncingDetails: return (base + Field.BodyKey.syncing.rawValue, flat ? .flatSyncing : .syncing)
        case .shardReplicationDetails: return (base + Field.BodyKey.shards.rawValue, flat ? .flatShards : .shards)
        default: return (-1, .other)
        }
    }
}

@inline(__always)
private func skipWhitespace(_ base: UnsafePointer<UInt8>, _ n: Int, _ from: Int) -> Int {
    var i = from
    while i < n {
        switch base[i] {
        case 0x20, 0x09, 0x0A, 0x0D: i += 1
        default: return i
        }
    }
    return i
}

@inline(__always)
private func matches(_ base: UnsafePointer<UInt8>, _ n: Int, _ i: Int, _ literal: StaticString) -> Bool {
    let count = literal.utf8CodeUnitCount
    guard n - i >= count else { return false }
    let expected = literal.utf8Start
    for offset in 0..<count where base[i + offset] != expected[offset] { return false }
    return true
}

@inline(__always)
private func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

/// The common number, inline: digits from 1 to 9 followed by more digits and then no fraction
/// or exponent. Returns the index after it, or nil for any other number (`scanNumber`).
@inline(__always)
private func scanPlainInteger(_ base: UnsafePointer<UInt8>, _ n: Int, _ start: Int) -> (Int, Bool)? {
    guard base[start] &- UInt8(ascii: "1") < 9 else { return nil }
    // From the first digit: an 8-digit checkpoint is then one word.
    let end = skipDigits(base, n, start)
    // `.`, `e` or `E` (0x45 | 0x20 is 0x65) go on as a fraction or an exponent.
    guard end == n || (base[end] != UInt8(ascii: ".") && base[end] | 0x20 != UInt8(ascii: "e")) else { return nil }
    return (end, true)
}

/// Scans a number starting at `i`; returns the index after it and whether it is an integer.
@inline(never)
private func scanNumber(_ base: UnsafePointer<UInt8>, _ n: Int, _ start: Int) -> (Int, Bool)? {
    var i = start
    if base[i] == UInt8(ascii: "-") { i += 1 }
    guard i < n, isDigit(base[i]) else { return nil }
    if base[i] == UInt8(ascii: "0") {
        i += 1
    } else {
        i = skipDigits(base, n, i)
    }
    var integer = true
    if i < n && base[i] == UInt8(ascii: ".") {
        i += 1
        guard i < n, isDigit(base[i]) else { return nil }
        while i < n && isDigit(base[i]) { i += 1 }
        integer = false
    }
    if i < n && (base[i] == UInt8(ascii: "e") || base[i] == UInt8(ascii: "E")) {
        i += 1
        if i < n && (base[i] == UInt8(ascii: "+") || base[i] == UInt8(ascii: "-")) { i += 1 }
        guard i < n, isDigit(base[i]) else { return nil }
        while i < n && isDigit(base[i]) { i += 1 }
        integer = false
    }
    return (i, integer)
}

/// The index of the first byte from `start` that is not a decimal digit: 8 bytes at a time
/// while they are all digits (checkpoints have 8 and more), then byte by byte.
@inline(__always)
private func skipDigits(_ base: UnsafePointer<UInt8>, _ n: Int, _ start: Int) -> Int {
    var i = start
    let high: UInt64 = 0xF0F0_F0F0_F0F0_F0F0
    let zeros: UInt64 = 0x3030_3030_3030_3030
    while i + 8 <= n {
        let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
        // 0x30...0x3F in each byte, then 0x30...0x39: adding 6 keeps the high nibble 3 only for
        // those (and carries into no other byte, as none is above 0x3F by then).
        guard word & high == zeros, (word &+ 0x0606_0606_0606_0606) & high == zeros else { break }
        i += 8
    }
    while i < n && isDigit(base[i]) { i += 1 }
    return i
}

@inline(__always)
private func hexValue(_ byte: UInt8) -> UInt32? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
    default: return nil
    }
}

/// Reads `\uXXXX` at `i` (pointing at the backslash).
@inline(__always)
private func unicodeEscape(_ base: UnsafePointer<UInt8>, _ n: Int, _ i: Int) -> UInt32? {
    guard n - i >= 6, base[i] == UInt8(ascii: "\\"), base[i + 1] == UInt8(ascii: "u"),
        let a = hexValue(base[i + 2]), let b = hexValue(base[i + 3]),
        let c = hexValue(base[i + 4]), let d = hexValue(base[i + 5])
    else { return nil }
    return a << 12 | b << 8 | c << 4 | d
}

@inline(__always)
private func isContinuation(_ byte: UInt8) -> Bool { byte & 0xC0 == 0x80 }

/// 0x80 in the lowest byte of `word` (the first in memory) that is a quote, a backslash, a
/// control or not ASCII; 0 when there is none. Bytes above it may be marked too (a borrow
/// carries into them), so only the lowest mark counts: this takes fewer operations than marking
/// exactly every such byte.
@inline(__always)
private func firstSpecialBytes(_ word: UInt64) -> UInt64 {
    let ones: UInt64 = 0x0101_0101_0101_0101
    // XORed with 0x02, a control stays below 0x20 and a quote becomes 0x20, and no other ASCII
    // byte lands below 0x21: subtracting 0x21 borrows, setting the top bit, for exactly those.
    // Subtracting 1 from a backslash XORed to 0 borrows too. A byte that is not ASCII has its top
    // bit set already. Only a borrowing byte carries a borrow into the next.
    let marks = ((word ^ (ones &* 0x02)) &- ones &* 0x21) | ((word ^ (ones &* 0x5C)) &- ones) | word
    return marks & (ones &* 0x80)
}

/// Scans string content from `start` (after the opening quote). Returns the index of the
/// closing quote and whether escapes occur, or nil when the string is not valid JSON/UTF-8.
///
/// Inline, the common case: plain ASCII up to a closing quote, skipped 8 bytes at a time
/// (little-endian: the first special byte is the lowest marked). Any other special byte, and
/// the last bytes of the line, go to `scanStringFrom`, which goes on from there.
@inline(__always)
private func scanString(_ base: UnsafePointer<UInt8>, _ n: Int, _ start: Int) -> (Int, Bool)? {
    var i = start
    while i + 8 <= n {
        let special = firstSpecialBytes(UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
        if special != 0 {
            i += special.trailingZeroBitCount >> 3
            if base[i] == UInt8(ascii: "\"") { return (i, false) }
            break
        }
        i += 8
    }
    return scanStringFrom(base, n, i)
}

/// `scanString` from `start`, where the bytes before it are plain ASCII (or none): escapes,
/// controls, UTF-8 sequences and the end of the line.
@inline(never)
private func scanStringFrom(_ base: UnsafePointer<UInt8>, _ n: Int, _ start: Int) -> (Int, Bool)? {
    var i = start
    var escaped = false
    while i < n {
        // Skip plain ASCII 8 bytes at a time, straight to the first byte that needs a look: a
        // quote, a backslash, a control or a non-ASCII byte (little-endian: the lowest set bit).
        while i + 8 <= n {
            let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            let special = firstSpecialBytes(word)
            if special != 0 {
                i += special.trailingZeroBitCount >> 3
                break
            }
            i += 8
        }
        guard i < n else { break }
        let byte = base[i]
        if byte == UInt8(ascii: "\"") { return (i, escaped) }
        if byte >= 0x20 && byte < 0x80 && byte != UInt8(ascii: "\\") {
            i += 1
            continue
        }
        if byte == UInt8(ascii: "\\") {
            escaped = true
            guard i + 1 < n else { return nil }
            switch base[i + 1] {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                i += 2
            case UInt8(ascii: "u"):
                guard let unit = unicodeEscape(base, n, i) else { return nil }
                i += 6
                if unit >= 0xD800 && unit <= 0xDBFF {
                    guard let low = unicodeEscape(base, n, i), low >= 0xDC00 && low <= 0xDFFF else { return nil }
                    i += 6
                } else if unit >= 0xDC00 && unit <= 0xDFFF {
                    return nil
                }
            default:
                return nil
            }
            continue
        }
        if byte < 0x20 { return nil }
        // A multi-byte UTF-8 sequence: reject overlong forms, surrogates and values past U+10FFFF.
        switch byte {
        case 0xC2...0xDF:
            guard i + 1 < n, isContinuation(base[i + 1]) else { return nil }
            i += 2
        case 0xE0...0xEF:
            guard i + 2 < n else { return nil }
            let second = base[i + 1]
            let low: UInt8 = byte == 0xE0 ? 0xA0 : 0x80
            let high: UInt8 = byte == 0xED ? 0x9F : 0xBF
            guard second >= low && second <= high, isContinuation(base[i + 2]) else { return nil }
            i += 3
        case 0xF0...0xF4:
            guard i + 3 < n else { return nil }
            let second = base[i + 1]
            let low: UInt8 = byte == 0xF0 ? 0x90 : 0x80
            let high: UInt8 = byte == 0xF4 ? 0x8F : 0xBF
            guard second >= low && second <= high, isContinuation(base[i + 2]), isContinuation(base[i + 3])
            else { return nil }
            i += 4
        default:
            return nil
        }
    }
    return nil
}

/// Decoding of JSON string contents that the scanner has already validated.
public enum JSONString {
    /// The UTF-8 bytes a validated string's contents (without quotes) stand for.
    public static func decode(_ content: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(content.count)
        guard let base = content.baseAddress else { return out }
        let n = content.count
        var i = 0
        while i < n {
            let byte = base[i]
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                i += 1
                continue
            }
            let kind = base[i + 1]
            switch kind {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = unicodeEscape(base, n, i) ?? 0xFFFD
                if scalar >= 0xD800 && scalar <= 0xDBFF, let low = unicodeEscape(base, n, i + 6) {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                }
                appendUTF8(scalar, to: &out)
                i += 6
                continue
            default: out.append(kind)
            }
            i += 2
        }
        return out
    }

    private static func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | (scalar >> 6)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | (scalar >> 12)))
            out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            out.append(UInt8(0xF0 | (scalar >> 18)))
            out.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }
}

/// Reading of JSON integers that the scanner has already validated.
public enum JSONInteger {
    /// The value of a number slot when it is an integer without fraction or exponent that fits
    /// in Int64 (`-0` is 0); nil otherwise.
    public static func int64(_ slot: FieldSlot, in line: UnsafePointer<UInt8>) -> Int64? {
        guard slot.kind == .number, slot.isInteger else { return nil }
        var i = Int(slot.start)
        let end = Int(slot.end)
        let negative = line[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        // Up to 18 digits cannot overflow: no checks (the digits of every checkpoint), 8 at a time.
        if end - i <= 18 {
            var value: Int64 = 0
            while end - i >= 8 {
                value = value &* 100_000_000 &+ Int64(eightDigits(line + i))
                i += 8
            }
            while i < end {
                value = value &* 10 &+ Int64(line[i] &- UInt8(ascii: "0"))
                i += 1
            }
            return negative ? -value : value
        }
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

    /// Whether a number slot is an integer that fits in Int64: `int64` without computing the
    /// value when it has at most 18 digits (`seq_no`, which is checked but not kept).
    public static func isInt64(_ slot: FieldSlot, in line: UnsafePointer<UInt8>) -> Bool {
        guard slot.kind == .number, slot.isInteger else { return false }
        return slot.end - slot.start <= 18 || int64(slot, in: line) != nil
    }

    /// The value of 8 ASCII decimal digits, the first at `digits` (the most significant): pairs,
    /// then quads, then the whole, each step one multiply (little-endian: the first digit is the
    /// lowest byte of the word).
    @inline(__always)
    private static func eightDigits(_ digits: UnsafePointer<UInt8>) -> UInt64 {
        var value = UnsafeRawPointer(digits).loadUnaligned(as: UInt64.self)
        value = ((value & 0x0F0F_0F0F_0F0F_0F0F) &* 2561) >> 8
        value = ((value & 0x00FF_00FF_00FF_00FF) &* 6_553_601) >> 16
        return ((value & 0x0000_FFFF_0000_FFFF) &* 42_949_672_960_001) >> 32
    }
}
