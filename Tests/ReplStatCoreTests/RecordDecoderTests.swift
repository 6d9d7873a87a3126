import Testing

@testable import ReplStatCore

/// 2026-11-28T10:00:00.000Z
private let t0: Int64 = 1_795_860_000_000
private let ts = #""@timestamp":"2026-11-28T10:00:00.000Z""#

private func decode(_ text: String, decoder: inout RecordDecoder) -> DecodedLine {
    Array(text.utf8).withUnsafeBytes { decoder.decode(FramedLine(bytes: $0)) }
}

private func decode(_ text: String) -> DecodedLine {
    var decoder = RecordDecoder()
    return decode(text, decoder: &decoder)
}

private func outcome(_ text: String) -> Outcome {
    switch decode(text) {
    case .rejected(let outcome): outcome
    case .error: .error
    case .status: .status
    }
}

/// A decoded status sample with its ids resolved to text.
private struct Sample: Equatable {
    var timestamp: Int64
    var index: String
    var status: ReplicationStatus
    var reason: String? = nil
    var leaderAlias: String? = nil
    var leaderIndex: String? = nil
    var checkpoints: [Int64]? = nil
}

private func sample(_ text: String) -> Sample? {
    var decoder = RecordDecoder()
    guard case .status(let decoded) = decode(text, decoder: &decoder) else { return nil }
    func resolve(_ id: Int32) -> String? { id == StatusSample.none ? nil : decoder.texts.string(id) }
    return Sample(
        timestamp: decoded.timestamp, index: decoder.indexNames.string(decoded.index), status: decoded.status,
        reason: resolve(decoded.reason), leaderAlias: resolve(decoded.leaderAlias),
        leaderIndex: resolve(decoded.leaderIndex),
        checkpoints: decoded.hasCheckpoints ? [decoded.leaderCheckpoint, decoded.followerCheckpoint] : nil)
}

private func syncing(_ details: String) -> String {
    #"{"# + ts + #","index":"i","response":{"status":"SYNCING","syncing_details":"# + details + "}}"
}

@Suite struct RecordDecoderTests {
    /// After a restart of the ids (a lane past its bounds), a text seen just before is
    /// interned again, not given its old id: that id no longer exists (watch crashed on it).
    @Test func aRestartForgetsTheRecentTexts() {
        let line = #"{"# + ts + #","index":"i","response":{"status":"PAUSED","reason":"short"}}"#
        var decoder = RecordDecoder()
        _ = decode(#"{"# + ts + #","index":"j","response":{"status":"PAUSED","reason":"other"}}"#, decoder: &decoder)
        _ = decode(line, decoder: &decoder)
        decoder.restartIds()
        guard case .status(let sample) = decode(line, decoder: &decoder) else {
            Issue.record("not a status sample")
            return
        }
        #expect(decoder.texts.count == 1 && sample.reason == 0)
        #expect(decoder.texts.string(sample.reason) == "short")
        #expect(decoder.indexNames.string(sample.index) == "i")
    }

    /// A text with escapes is decoded once and then known by its bytes as they stand: every
    /// line gets the id of what it stands for, the same whether it came with escapes, with other
    /// escapes or without; a restart forgets them with the texts.
    @Test func textsWithEscapesKeepTheIdOfWhatTheyStandFor() {
        var decoder = RecordDecoder()
        func reason(_ text: String) -> String? {
            let line = #"{"# + ts + #","index":"i","response":{"status":"PAUSED","reason":""# + text + #""}}"#
            guard case .status(let sample) = decode(line, decoder: &decoder) else { return nil }
            return "\(sample.reason) " + decoder.texts.string(sample.reason)
        }
        let texts = [
            #"a \"b\""#, "plain", #"a \"b\""#, #"a \u0022b\u0022"#, #"a "#, #"a \u0022b\""#, #"c\n"#, #"a \"b\""#,
        ]
        #expect(
            texts.map(reason) == [
                "0 a \"b\"", "1 plain", "0 a \"b\"", "0 a \"b\"", "2 a ", "0 a \"b\"", "3 c\n", "0 a \"b\"",
            ])
        #expect(decoder.escapedTexts.count == 4)
        decoder.restartIds()
        #expect(decoder.escapedTexts.count == 0)
        #expect([#"c\n"#, #"a \"b\""#].map(reason) == ["0 c\n", "1 a \"b\""])
    }

    /// The ids guessed from what each index had on its last line (the next index, its texts)
    /// are the ids interning gives: names of one length that differ in one byte, texts that
    /// change, go missing and come back, escapes, indices in shuffled orders.
    @Test(arguments: [1, 2, 3])
    func guessedIdsAreTheInternedIds(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        // As written in the line, and as decoded.
        let names = [
            ("idx-a", "idx-a"), ("idx-b", "idx-b"), ("idx-c", "idx-c"), ("idx-d", "idx-d"), (#"idx-\u0061"#, "idx-a"),
        ]
        let texts: [(String, String)?] = [
            nil, ("AutoPaused x", "AutoPaused x"), ("AutoPaused y", "AutoPaused y"), ("", ""), (#"l\/1"#, "l/1"),
            ("leader-0001", "leader-0001"), ("leader-0002", "leader-0002"), (#"leader-000\u0031"#, "leader-0001"),
        ]
        var decoder = RecordDecoder()
        var indexIds: [String: Int32] = [:]
        var textIds: [String: Int32] = [:]
        var order = Array(0..<names.count)
        for round in 0..<60 {
            if round % 7 == 0 { order.shuffle(using: &random) }
            for position in order where Int.random(in: 0..<10, using: &random) > 0 {
                let picked = (0..<3).map { _ in texts.randomElement(using: &random)! }
                var line = #"{"# + ts + #","index":""# + names[position].0 + #"","response":{"status":"PAUSED""#
                for (key, text) in zip(["reason", "leader_alias", "leader_index"], picked) {
                    if let text { line += #",""# + key + #"":""# + text.0 + #"""# }
                }
                line += "}}"
                guard case .status(let sample) = decode(line, decoder: &decoder) else {
                    Issue.record("not a status sample: \(line)")
                    return
                }
                let name = names[position].1
                let expectedIndex = indexIds[name] ?? Int32(indexIds.count)
                indexIds[name] = expectedIndex
                #expect(sample.index == expectedIndex)
                for (id, text) in zip([sample.reason, sample.leaderAlias, sample.leaderIndex], picked) {
                    guard let text else {
                        #expect(id == StatusSample.none)
                        continue
                    }
                    let expected = textIds[text.1] ?? Int32(textIds.count)
                    textIds[text.1] = expected
                    #expect(id == expected && decoder.texts.string(id) == text.1)
                }
            }
        }
        #expect(decoder.indexNames.count == indexIds.count)
    }

    /// After a restart of the ids, the guess of the next index is gone too: it named an id of
    /// the forgotten table.
    @Test func aRestartForgetsTheGuessedIndices() {
        var decoder = RecordDecoder()
        func index(_ name: String) -> String? {
            let line = #"{"# + ts + #","index":""# + name + #"","status":"PAUSED"}"#
            guard case .status(let sample) = decode(line, decoder: &decoder) else { return nil }
            return "\(sample.index) " + decoder.indexNames.string(sample.index)
        }
        #expect([index("a"), index("b"), index("a")] == ["0 a", "1 b", "0 a"])
        decoder.restartIds()
        #expect([index("a"), index("c"), index("b")] == ["0 a", "1 c", "2 b"])
    }

    @Test func referenceTimestamp() {
        #expect(Timestamp.format(t0) == "2026-11-28T10:00:00.000Z")
    }

    /// One minimal line per outcome of docs/format.md.
    @Test(
        arguments: [
            ("", Outcome.blank), (" \t ", .blank), ("\r", .blank), (" \t\r", .blank),
            ("\r\r", .invalidJSON), ("{", .invalidJSON), ("NaN", .invalidJSON), (#"{"a":1,}"#, .invalidJSON),
            ("{} // c", .invalidJSON), ("\u{FEFF}{}", .invalidJSON),
            ("[]", .notObject), ("1", .notObject), (#""{}""#, .notObject), ("null", .notObject),
            ("{}", .missingTimestamp), (#"{"index":"i","response":{"status":"SYNCING"}}"#, .missingTimestamp),
            (#"{"@timestamp":null,"timestamp":null,"ts":null,"time":null,"index":"i"}"#, .missingTimestamp),
            (#"{"Timestamp":"2026-11-28T10:00:00Z","index":"i","status":"SYNCING"}"#, .missingTimestamp),
            (#"{"@timestamp":"yesterday","index":"i","status":"SYNCING"}"#, .invalidTimestamp),
            (#"{"@timestamp":"1700000000","index":"i","status":"SYNCING"}"#, .invalidTimestamp),
            (#"{"@timestamp":true,"index":"i","status":"SYNCING"}"#, .invalidTimestamp),
            (#"{"@timestamp":{},"index":"i","status":"SYNCING"}"#, .invalidTimestamp),
            (#"{"@timestamp":[1],"index":"i","status":"SYNCING"}"#, .invalidTimestamp),
            (#"{"@timestamp":1e300,"index":"i","status":"SYNCING"}"#, .invalidTimestamp),
            (#"{"# + ts + #","response":"SYNCING","index":"i"}"#, .invalidField),
            (#"{"# + ts + #","response":[],"index":"i"}"#, .invalidField),
            (#"{"# + ts + #","index":"","status":"SYNCING"}"#, .invalidField),
            (#"{"# + ts + #","index":7,"status":"SYNCING"}"#, .invalidField),
            (#"{"# + ts + #","index":["i"],"status":"SYNCING"}"#, .invalidField),
            (#"{"# + ts + #","response":{"status":"SYNCING"}}"#, .missingIndex),
            (#"{"# + ts + #","response":{"status":"SYNCING","follower_index":""}}"#, .missingIndex),
            (#"{"# + ts + #","response":{"status":"SYNCING","follower_index":7}}"#, .missingIndex),
            (#"{"# + ts + #","follower_index":"f","response":{"status":"SYNCING"}}"#, .missingIndex),
            (#"{"# + ts + #","index":"i","response":{"error":{"type":"x"},"status":500}}"#, .error),
            (#"{"# + ts + #","index":"i","response":{"error":"boom"}}"#, .error),
            (#"{"# + ts + #","index":"i","response":{}}"#, .missingStatus),
            (#"{"# + ts + #","index":"i","response":{"status":null}}"#, .missingStatus),
            (#"{"# + ts + #","index":"i","response":{"status":500}}"#, .invalidField),
            (#"{"# + ts + #","index":"i","response":{"status":["SYNCING"]}}"#, .invalidField),
            (#"{"# + ts + #","index":"i","response":{"status":"SYNCING","reason":5}}"#, .invalidField),
            (#"{"# + ts + #","index":"i","response":{"status":"PAUSED","leader_alias":{}}}"#, .invalidField),
            (#"{"# + ts + #","index":"i","response":{"status":"PAUSED","leader_index":false}}"#, .invalidField),
            (#"{"# + ts + #","index":"i","response":{"status":"PAUSED","follower_index":1}}"#, .invalidField),
            (#"{"# + ts + #","index":"i","response":{"status":"SYNCING","syncing_details":"x"}}"#, .invalidField),
            (#"{"# + ts + #","index":"i","response":{"status":"SYNCING","syncing_details":[]}}"#, .invalidField),
            (#"{"# + ts + #","index":"i","response":{"status":"syncing"}}"#, .unknownStatus),
            (#"{"# + ts + #","index":"i","response":{"status":"SYNCING "}}"#, .unknownStatus),
            (#"{"# + ts + #","index":"i","response":{"status":""}}"#, .unknownStatus),
            (#"{"# + ts + #","index":"i","response":{"status":"REPLICATION_NOT_IN_PROGRESS"}}"#, .unknownStatus),
            (#"{"# + ts + #","index":"i","response":{"status":"SYNCING"}}"#, .status),
        ] as [(String, Outcome)])
    func outcomeOfMinimalLine(text: String, expected: Outcome) {
        #expect(outcome(text) == expected)
    }

    @Test func framerFlagsComeFirst() {
        var decoder = RecordDecoder()
        let invalid = Array("not json".utf8)
        invalid.withUnsafeBytes { bytes in
            #expect(decoder.decode(FramedLine(bytes: bytes, isTooLong: true)) == .rejected(.lineTooLong))
            #expect(decoder.decode(FramedLine(bytes: bytes, isTooLong: true, isBlank: true)) == .rejected(.blank))
        }
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)
        #expect(decoder.decode(FramedLine(bytes: empty, isTooLong: true)) == .rejected(.lineTooLong))
        #expect(decoder.decode(FramedLine(bytes: empty)) == .rejected(.blank))
    }

    /// Lines that qualify for several outcomes get the first in the order of docs/format.md.
    @Test(
        arguments: [
            (#"{"response":"x","index":""}"#, Outcome.missingTimestamp),
            (#"{"@timestamp":"x","response":"x"}"#, .invalidTimestamp),
            (#"{"@timestamp":"x","index":"","response":{"status":"BOGUS"}}"#, .invalidTimestamp),
            (#"{"# + ts + #","response":5}"#, .invalidField),
            (#"{"# + ts + #","index":"","response":{"status":"BOGUS"}}"#, .invalidField),
            (#"{"# + ts + #","response":{"status":"BOGUS"}}"#, .missingIndex),
            (#"{"# + ts + #","response":{"status":5,"error":{}}}"#, .missingIndex),
            (#"{"# + ts + #","index":"i","response":{"error":{},"status":"BOGUS","reason":5}}"#, .error),
            (#"{"# + ts + #","index":"i","response":{"error":{},"syncing_details":"x","leader_alias":1}}"#, .error),
            (#"{"# + ts + #","index":"i","response":{"error":{},"status":500}}"#, .error),
            (#"{"# + ts + #","index":"i","response":{"error":null,"status":500}}"#, .invalidField),
            (#"{"# + ts + #","index":"i","response":{"reason":5}}"#, .missingStatus),
            (#"{"# + ts + #","index":"i","response":{"status":"BOGUS","reason":5}}"#, .invalidField),
            (
                #"{"# + ts + #","index":"i","response":{"status":"BOGUS","syncing_details":{"leader_checkpoint":1}}}"#,
                .invalidField
            ),
            (#"{"# + ts + #","index":"i","response":{"status":"PAUSED","syncing_details":{}}}"#, .invalidField),
        ] as [(String, Outcome)])
    func orderOfChecks(text: String, expected: Outcome) {
        #expect(outcome(text) == expected)
    }

    @Test func firstPresentTimestampKeyCounts() {
        let later = #","index":"i","status":"RUNNING"}"#
        #expect(sample(#"{"time":1700000000,"ts":"2026-11-28T10:00:00Z""# + later)?.timestamp == t0)
        #expect(sample(#"{"@timestamp":null,"ts":1700000000.5"# + later)?.timestamp == 1_700_000_000_500)
        #expect(sample(#"{"ts":1,"timestamp":2"# + later)?.timestamp == 2000)
        // The first present one is invalid: a valid later one does not rescue the line.
        #expect(outcome(#"{"@timestamp":"bad","ts":1700000000"# + later) == .invalidTimestamp)
        #expect(outcome(#"{"timestamp":false,"time":1700000000"# + later) == .invalidTimestamp)
        // Escapes in the string are decoded before parsing.
        #expect(sample(#"{"@timestamp":"2026-11-28\u005410:00:00Z""# + later)?.timestamp == t0)
        // The last of a repeated key counts.
        #expect(sample(#"{"ts":"bad","ts":1700000000"# + later)?.timestamp == 1_700_000_000_000)
    }

    @Test func statusSampleFields() {
        let line =
            #"{"# + ts + #","index":"follower-01","response":{"status":"SYNCING","reason":"User initiated","#
            + #""leader_alias":"leader-cluster","leader_index":"leader-01","follower_index":"other","#
            + #""syncing_details":{"leader_checkpoint":-5,"follower_checkpoint":-7,"seq_no":3}}}"#
        #expect(
            sample(line)
                == Sample(
                    timestamp: t0, index: "follower-01", status: .syncing, reason: "User initiated",
                    leaderAlias: "leader-cluster", leaderIndex: "leader-01", checkpoints: [-5, -7]))
    }

    @Test func everyStatusOfTheTable() {
        for status in ReplicationStatus.allCases {
            let line = #"{"# + ts + #","index":"i","response":{"status":""# + status.apiName + #""}}"#
            #expect(sample(line)?.status == status)
        }
        let escaped = #"{"# + ts + #","index":"i","response":{"status":"SYNC\u0049NG"}}"#
        #expect(sample(escaped)?.status == .syncing)
        #expect(sample(#"{"# + ts + #","index":"i","status":"REPLICATION NOT IN PROGRESS"}"#)?.status == .notInProgress)
    }

    /// A status name with any byte changed, one more or one fewer, is no status: the names are
    /// told apart by length, then by their bytes.
    @Test(arguments: ReplicationStatus.allCases)
    func statusNamesMatchExactly(status: ReplicationStatus) {
        let name = Array(status.apiName.utf8)
        #expect(name.withUnsafeBufferPointer { ReplicationStatus(bytes: $0) } == status)
        var variants = [Array(name.dropLast()), name + [UInt8(ascii: "S")], Array(name.dropFirst())]
        for place in name.indices {
            for byte: UInt8 in [0, name[place] ^ 0x20, name[place] &+ 1] {
                var changed = name
                changed[place] = byte
                variants.append(changed)
            }
        }
        for variant in variants {
            #expect(variant.withUnsafeBufferPointer { ReplicationStatus(bytes: $0) } == nil, "\(variant)")
        }
    }

    @Test func flatLayout() {
        let line =
            #"{"# + ts + #","index":"i","status":"RUNNING","reason":"","#
            + #""syncing_details":{"leader_checkpoint":10,"follower_checkpoint":4}}"#
        #expect(sample(line) == Sample(timestamp: t0, index: "i", status: .running, reason: "", checkpoints: [10, 4]))
        #expect(sample(#"{"# + ts + #","follower_index":"f","status":"PAUSED"}"#)?.index == "f")
        #expect(outcome(#"{"# + ts + #","index":"i","error":{"reason":"x"},"status":403}"#) == .error)
        // With a `response` key, keys beside it are not the body.
        #expect(outcome(#"{"# + ts + #","index":"i","status":"SYNCING","response":{}}"#) == .missingStatus)
        #expect(outcome(#"{"# + ts + #","index":"i","error":{},"response":{"status":"PAUSED"}}"#) == .status)
        // A null `response` is absent: the envelope is the body.
        #expect(sample(#"{"# + ts + #","index":"i","status":"FAILED","response":null}"#)?.status == .failed)
    }

    @Test func indexComesFromTheEnvelopeThenFollowerIndex() {
        let body = #""response":{"status":"STOPPED","follower_index":"f"}}"#
        #expect(sample(#"{"# + ts + #",\#(body)"#)?.index == "f")
        #expect(sample(#"{"# + ts + #","index":"e",\#(body)"#)?.index == "e")
        #expect(sample(#"{"# + ts + #","index":null,\#(body)"#)?.index == "f")
        #expect(sample(#"{"# + ts + #","index":"a\u0062",\#(body)"#)?.index == "ab")
        #expect(
            sample(#"{"# + ts + #","response":{"status":"STOPPED","follower_index":"f\u00e9"}}"#)?.index
                == "f\u{e9}")
    }

    /// OpenSearch's 255-byte limit, in bytes of the decoded name, wherever the index comes from;
    /// checked before the line is an error sample.
    @Test func indexNamesOver255BytesAreInvalidField() {
        let longest = String(repeating: "x", count: 255)
        func line(_ envelope: String, follower: String = "f") -> String {
            #"{"# + ts + envelope + #","response":{"status":"PAUSED","follower_index":"\#(follower)"}}"#
        }
        #expect(sample(line(#","index":"\#(longest)""#))?.index == longest)
        #expect(outcome(line(#","index":"\#(longest)y""#)) == .invalidField)
        #expect(sample(line("", follower: longest))?.index == longest)
        #expect(outcome(line("", follower: longest + "y")) == .invalidField)
        // 128 two-byte characters are 256 bytes; escapes count as the bytes they stand for.
        #expect(outcome(line(#","index":"\#(String(repeating: "é", count: 128))""#)) == .invalidField)
        #expect(sample(line(#","index":"\#(String(repeating: "é", count: 127))x""#)) != nil)
        let escaped = String(repeating: #"x"#, count: 255)
        #expect(sample(line(#","index":"\#(escaped)""#))?.index == longest)
        #expect(outcome(line(#","index":"\#(escaped)y""#)) == .invalidField)
        // With an envelope index, a long follower_index is just a string.
        #expect(sample(line(#","index":"i""#, follower: longest + "y"))?.index == "i")
        // Before the error check, and after the missing index one.
        let error = #"{"# + ts + #","index":"\#(longest)y","response":{"error":{}}}"#
        #expect(outcome(error) == .invalidField)
        #expect(outcome(#"{"# + ts + #","response":{"status":"PAUSED"}}"#) == .missingIndex)
        // A 900 KB name is refused without being kept.
        var decoder = RecordDecoder()
        let huge = #"{"# + ts + #","index":"\#(String(repeating: "n", count: 900_000))","status":"PAUSED"}"#
        #expect(decode(huge, decoder: &decoder) == .rejected(.invalidField))
        #expect(decoder.indexNames.count == 0)
    }

    @Test func errorSamplesCarryTheirIndex() {
        var decoder = RecordDecoder()
        let line =
            #"{"# + ts + #","response":{"follower_index":"f","#
            + #""error":{"type":"security_exception"},"status":403}}"#
        guard case .error(let sample) = decode(line, decoder: &decoder) else {
            Issue.record("not an error sample")
            return
        }
        #expect(decoder.indexNames.string(sample.index) == "f")
    }

    @Test func indexIdsAreDenseAndStable() {
        var decoder = RecordDecoder()
        var ids: [Int32] = []
        for name in ["b", "a", "b", "c", "a"] {
            let line = #"{"# + ts + #","index":"\#(name)","status":"PAUSED"}"#
            if case .status(let decoded) = decode(line, decoder: &decoder) { ids.append(decoded.index) }
        }
        #expect(ids == [0, 1, 0, 2, 1])
    }

    @Test(
        arguments: [
            ("-9223372036854775808", Int64.min), ("9223372036854775807", .max), ("-0", 0), ("0", 0), ("-5", -5),
            ("1234567890123", 1_234_567_890_123),
        ] as [(String, Int64)])
    func checkpointIntegers(text: String, expected: Int64) {
        let leader = syncing(#"{"leader_checkpoint":\#(text),"follower_checkpoint":1}"#)
        #expect(sample(leader)?.checkpoints == [expected, 1])
        let follower = syncing(#"{"leader_checkpoint":1,"follower_checkpoint":\#(text)}"#)
        #expect(sample(follower)?.checkpoints == [1, expected])
        let seqNo = syncing(#"{"leader_checkpoint":1,"follower_checkpoint":2,"seq_no":\#(text)}"#)
        #expect(sample(seqNo)?.checkpoints == [1, 2])
    }

    @Test(arguments: [
        "9223372036854775808", "-9223372036854775809", "18446744073709551616", "99999999999999999999",
        "1.0", "1e2", "0e0", "-0.0", "1E0", "\"1\"", "true", "{}", "[1]",
    ])
    func checkpointNotAnInt64(text: String) {
        #expect(outcome(syncing(#"{"leader_checkpoint":\#(text),"follower_checkpoint":1}"#)) == .invalidField)
        #expect(outcome(syncing(#"{"leader_checkpoint":1,"follower_checkpoint":\#(text)}"#)) == .invalidField)
        #expect(
            outcome(syncing(#"{"leader_checkpoint":1,"follower_checkpoint":1,"seq_no":\#(text)}"#))
                == .invalidField)
    }

    @Test func checkpointsRequiredSeqNoOptional() {
        #expect(outcome(syncing(#"{"leader_checkpoint":1}"#)) == .invalidField)
        #expect(outcome(syncing(#"{"follower_checkpoint":1}"#)) == .invalidField)
        #expect(outcome(syncing(#"{}"#)) == .invalidField)
        #expect(outcome(syncing(#"{"leader_checkpoint":null,"follower_checkpoint":1}"#)) == .invalidField)
        #expect(
            sample(syncing(#"{"leader_checkpoint":1,"follower_checkpoint":2,"seq_no":null}"#))?.checkpoints
                == [1, 2])
        #expect(
            sample(syncing(#"{"leader_checkpoint":1,"follower_checkpoint":2,"extra":[1.5]}"#))?.checkpoints
                == [1, 2])
        // Checkpoints elsewhere in the body do not count.
        let outside =
            #"{"# + ts + #","index":"i","response":{"status":"SYNCING","leader_checkpoint":1,"#
            + #""follower_checkpoint":2}}"#
        #expect(sample(outside)?.checkpoints == nil)
        // The last syncing_details counts, with nothing of the earlier one.
        let twice =
            #"{"# + ts + #","index":"i","response":{"status":"SYNCING","#
            + #""syncing_details":{"leader_checkpoint":1,"follower_checkpoint":2},"#
            + #""syncing_details":{"leader_checkpoint":3}}}"#
        #expect(outcome(twice) == .invalidField)
    }

    @Test func nullFieldsCountAsAbsent() {
        let line =
            #"{"# + ts + #","index":"i","response":{"status":"PAUSED","reason":null,"leader_alias":null,"#
            + #""leader_index":null,"follower_index":null,"syncing_details":null,"error":null}}"#
        #expect(sample(line) == Sample(timestamp: t0, index: "i", status: .paused))
    }

    @Test func checkpointsOnAnyStatus() {
        // syncing_details is validated and kept whatever the status; lag uses it only for SYNCING and RUNNING.
        let line =
            #"{"# + ts + #","index":"i","response":{"status":"BOOTSTRAPPING","#
            + #""syncing_details":{"leader_checkpoint":9,"follower_checkpoint":3}}}"#
        #expect(sample(line)?.checkpoints == [9, 3])
        var decoder = RecordDecoder()
        if case .status(let decoded) = decode(line, decoder: &decoder) { #expect(!decoded.isLagSample) }
    }

    @Test func repeatedResponseEndingInNullMeansFlat() {
        let line = #"{"# + ts + #","index":"i","status":"PAUSED","response":{"status":"RUNNING"},"response":null}"#
        #expect(sample(line)?.status == .paused)
        let again = #"{"# + ts + #","index":"i","response":null,"response":{"status":"RUNNING"}}"#
        #expect(sample(again)?.status == .running)
    }

    @Test func textFieldsAreDecoded() {
        let line =
            #"{"# + ts + #","index":"i","response":{"status":"PAUSED","#
            + #""reason":"AutoPaused: [i][0] \"x\"\n\u00e9","#
            + #""leader_alias":"","leader_index":"l\/1"}}"#
        #expect(
            sample(line)
                == Sample(
                    timestamp: t0, index: "i", status: .paused, reason: "AutoPaused: [i][0] \"x\"\n\u{e9}",
                    leaderAlias: "",
                    leaderIndex: "l/1"))
    }

    @Test func stringTableKeepsIdsThroughGrowth() {
        var table = StringTable()
        let names = (0..<5_000).map { "index-\($0 * 7919 % 5_000)" } + ["", "é", "index-0"]
        var ids: [String: Int32] = [:]
        for name in names {
            let id = table.intern(name)
            if let earlier = ids[name] { #expect(id == earlier, "\(name)") }
            ids[name] = ids[name] ?? id
        }
        #expect(table.count == 5_002)
        for (name, id) in ids { #expect(table.string(id) == name) }
        #expect(Set(ids.values).count == ids.count)
    }

    /// The word-at-a-time compare of names and texts finds a difference at any offset, for
    /// every length around its word sizes and past its switch to `memcmp`.
    @Test func sameBytesFindsEveryDifference() {
        for count in 0...80 {
            let first = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            for offset in -1..<count {
                var second = first
                if offset >= 0 { second[offset] ^= 0x80 }
                let same = first.withUnsafeBufferPointer { a in
                    second.withUnsafeBufferPointer { b in sameBytes(a.baseAddress!, b.baseAddress!, count) }
                }
                #expect(same == (offset < 0), "count \(count), offset \(offset)")
            }
        }
    }

    @Test func trailingCRIsStripped() {
        #expect(outcome(#"{"# + ts + #","index":"i","status":"PAUSED"}"# + "\r") == .status)
        // Only one: a second CR is JSON whitespace here, so still valid.
        #expect(outcome(#"{"# + ts + #","index":"i","status":"PAUSED"}"# + "\r\r") == .status)
        #expect(outcome("  \r") == .blank)
    }
}
