import Testing

@testable import ReplStatCore

private func bytes(of known: KnownKey) -> [UInt8] {
    Array(UnsafeBufferPointer(start: known.text.utf8Start, count: known.text.utf8CodeUnitCount))
}

/// The scanner's key matching by 8-byte words (`ScannedKey`, `KeyHead`): every known key where
/// it counts, and nothing that only looks like one.
@Suite struct ScannedKeyTests {
    /// Each known key is found as itself, read both ways: 8 bytes loaded past a short key, and
    /// byte by byte at the end of a buffer.
    @Test(arguments: KnownKey.allCases)
    func everyKnownKeyIsFound(known: KnownKey) {
        let table = KnownKeyTable()
        defer { table.deallocate() }
        let key = bytes(of: known)
        var expectedHead: UInt64 = 0
        for (offset, byte) in key.prefix(8).enumerated() { expectedHead |= UInt64(byte) << (8 * UInt64(offset)) }
        let padded = key + Array(#"":1}xxxxxxxx"#.utf8)
        padded.withUnsafeBufferPointer {
            let loaded = ScannedKey($0.baseAddress!, count: key.count, readable: $0.count)
            let bytewise = ScannedKey($0.baseAddress!, count: key.count, readable: key.count)
            #expect(loaded.head == expectedHead && bytewise.head == expectedHead)
            #expect(table.find(loaded) == known.rawValue && table.find(bytewise) == known.rawValue)
        }
    }

    /// A key that differs from a known one in any single byte, or is one byte longer or
    /// shorter, is none of them.
    @Test(arguments: KnownKey.allCases)
    func everyChangeOfAKnownKeyIsUnknown(known: KnownKey) {
        let table = KnownKeyTable()
        defer { table.deallocate() }
        let key = bytes(of: known)
        var variants = [Array(key.dropLast()), key + [UInt8(ascii: "s")], key + [0]]
        for place in key.indices {
            for byte: UInt8 in [0, UInt8(ascii: "_"), key[place] ^ 0x20, key[place] &+ 1, 0xFF] where byte != key[place]
            {
                var changed = key
                changed[place] = byte
                variants.append(changed)
            }
        }
        for variant in variants {
            let padded = variant + Array(#"":1}xxxxxxxx"#.utf8)
            padded.withUnsafeBufferPointer {
                let found = table.find(ScannedKey($0.baseAddress!, count: variant.count, readable: $0.count))
                // Unknown, or (by chance) another known key spelled exactly so.
                let other = KnownKey(rawValue: found).map(bytes(of:))
                #expect(found == -1 || other == variant, "\(String(decoding: variant, as: UTF8.self).debugDescription)")
            }
        }
    }

    /// Each known key's pattern, `"key":`, is found where it stands whole, followed by anything;
    /// not where any of its bytes differs, nor where fewer bytes than it (or than the 8 loaded at
    /// once) can be read. The empty pattern matches nothing.
    @Test(arguments: KnownKey.allCases)
    func everyKnownKeyPatternMatchesOnlyItself(known: KnownKey) {
        let pattern = KeyPattern(known)
        let text = Array("\"".utf8) + bytes(of: known) + Array("\":".utf8)
        func matched(_ bytes: [UInt8], readable: Int? = nil, _ pattern: KeyPattern = pattern) -> Int {
            bytes.withUnsafeBufferPointer {
                pattern.matchedLength(at: $0.baseAddress!, readable: readable ?? $0.count)
            }
        }
        let padded = text + Array(#"7,"padding":"xxxxxxxx"}"#.utf8)
        #expect(pattern.count == text.count)
        #expect(matched(padded) == text.count)
        #expect(matched(padded, .none) == 0)
        #expect(matched(text) == (text.count >= 8 ? text.count : 0))
        #expect(matched(padded, readable: max(text.count, 8) - 1) == 0)
        for place in text.indices {
            for byte: UInt8 in [0, UInt8(ascii: " "), text[place] ^ 0x20, text[place] &+ 1, 0xFF] {
                var changed = padded
                changed[place] = byte
                #expect(matched(changed) == 0, "\(place) \(byte)")
            }
        }
    }

    /// Where each field's key is found: (field, a line holding it with the value 7).
    static let placed: [(Field, String)] = [
        (.atTimestamp, #"{"@timestamp":7}"#), (.timestamp, #"{"timestamp":7}"#), (.ts, #"{"ts":7}"#),
        (.time, #"{"time":7}"#), (.index, #"{"index":7}"#),
        (.flatStatus, #"{"status":7}"#), (.flatReason, #"{"reason":7}"#), (.flatLeaderAlias, #"{"leader_alias":7}"#),
        (.flatLeaderIndex, #"{"leader_index":7}"#), (.flatFollowerIndex, #"{"follower_index":7}"#),
        (.status, #"{"response":{"status":7}}"#), (.reason, #"{"response":{"reason":7}}"#),
        (.leaderAlias, #"{"response":{"leader_alias":7}}"#), (.leaderIndex, #"{"response":{"leader_index":7}}"#),
        (.followerIndex, #"{"response":{"follower_index":7}}"#),
        (.flatLeaderCheckpoint, #"{"syncing_details":{"leader_checkpoint":7}}"#),
        (.flatFollowerCheckpoint, #"{"syncing_details":{"follower_checkpoint":7}}"#),
        (.flatSeqNo, #"{"syncing_details":{"seq_no":7}}"#),
        (.leaderCheckpoint, #"{"response":{"syncing_details":{"leader_checkpoint":7}}}"#),
        (.followerCheckpoint, #"{"response":{"syncing_details":{"follower_checkpoint":7}}}"#),
        (.seqNo, #"{"response":{"syncing_details":{"seq_no":7}}}"#),
        (.flatErrorType, #"{"error":{"type":7}}"#), (.flatErrorReason, #"{"error":{"reason":7}}"#),
        (.errorType, #"{"response":{"error":{"type":7}}}"#), (.errorReason, #"{"response":{"error":{"reason":7}}}"#),
    ]

    /// Keys that share a prefix, a length or a first word with a known key, or differ from one
    /// in its last byte or in a middle one.
    static let nearMisses = [
        "t", "tss", "tz", "tim", "times", "timE", "inde", "indexx", "Index", "respons", "responsee", "timestam",
        "timestamps", "@timestamP", "@timestamp_", "statu", "status_", "statuses", "reaso", "reasons", "leader_",
        "leader_aliaS", "leader_alia", "leader_aliases", "leader_indeX", "leader_index_", "follower_indeX",
        "follower_inde", "follower_index_x", "syncing_detailS", "syncing_details_", "syncing_detail",
        "shard_replication_detailX", "shard_replicatioN_details", "typ", "types", "seq_n", "seq_no_", "seq_nO",
        "leader_checkpoinT", "leader_checkpoints", "leader_chEckpoint", "follower_checkpoinT",
        "follower_checkpoint_", "follower_chEckpoint", "erro", "errors", "", "\u{0}", "ts\u{0}", "status\u{0}",
    ]

    private static func value(_ field: Field, _ line: String) -> String? {
        let bytes = Array(line.utf8)
        let scanner = JSONLineScanner()
        // An exact-size buffer: a key near its end is read byte by byte, never past it.
        let result = bytes.withUnsafeBytes { scanner.scan($0) }
        guard result == .object, !scanner[field].isMissing else { return nil }
        return String(decoding: bytes[Int(scanner[field].start)..<Int(scanner[field].end)], as: UTF8.self)
    }

    @Test(arguments: placed)
    func knownKeysMatchWhereTheyCount(field: Field, line: String) {
        #expect(Self.value(field, line) == "7")
        // Followed by more of the line, so that 8 bytes are loaded past short keys.
        let longer = String(line.dropLast()) + #","padding":"xxxxxxxxxxxxxxxx"}"#
        #expect(Self.value(field, longer) == "7")
    }

    @Test(arguments: placed)
    func nearMissesMatchNothing(field: Field, line: String) {
        let key = Self.keyName(of: field, in: line)
        for miss in Self.nearMisses where miss != key {
            let changed = line.replacing("\"\(key)\":7", with: "\"\(miss)\":7")
            #expect(Self.value(field, changed) == nil, "\(miss.debugDescription) in \(changed)")
            #expect(Self.value(field, String(changed.dropLast()) + #","padding":"xxxxxxxxxxxxxxxx"}"#) == nil)
        }
    }

    /// The key holding 7 in a line of `placed`.
    private static func keyName(of field: Field, in line: String) -> String {
        let before = line[..<line.firstRange(of: "\":7")!.lowerBound]
        return String(before[before.index(after: before.lastIndex(of: "\"")!)...])
    }

    /// A key split at the very end of the buffer: the line is invalid, and nothing is read past it.
    @Test(arguments: ["{\"ts", "{\"ts\"", "{\"ts\":", "{\"response\":{\"status", "{\"status\""])
    func keysAtTheEndOfTheBuffer(line: String) {
        let bytes = Array(line.utf8)
        let result = bytes.withUnsafeBytes { JSONLineScanner().scan($0) }
        #expect(result == .invalid)
    }

    @Test func linesWithoutTheFieldsHaveNone() {
        let scanner = JSONLineScanner()
        let bytes = Array(
            #"{"a":1,"b":{"status":"S","syncing_details":{"leader_checkpoint":1}},"c":[{"index":"i"}]}"#.utf8)
        #expect(bytes.withUnsafeBytes { scanner.scan($0) } == .object)
        for field in Field.allCases { #expect(scanner[field].isMissing, "\(field)") }
    }

    /// Keys with escapes match by what they stand for, also when the escape is in the first 8 bytes.
    @Test func escapedKeysMatchByTheirBytes() {
        #expect(Self.value(.leaderAlias, #"{"response":{"\u006ceader_alias":7}}"#) == "7")
        #expect(Self.value(.followerCheckpoint, #"{"syncing_details":{"follower_checkpoin\u0074":7}}"#) == nil)
        #expect(Self.value(.flatFollowerCheckpoint, #"{"syncing_details":{"follower_checkpoin\u0074":7}}"#) == "7")
        #expect(Self.value(.ts, #"{"t\u0073":7}"#) == "7")
        #expect(Self.value(.ts, #"{"t\u0073\u0000":7}"#) == nil)
    }
}
