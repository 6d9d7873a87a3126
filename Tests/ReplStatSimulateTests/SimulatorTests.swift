import Foundation
import ReplStatCore
import ReplStatSimulate
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Simulator")
struct SimulatorTests {
    // MARK: - Determinism and output

    @Test func sameSeedGivesTheSameBytes() {
        let options = Self.options(.mixed, dirty: true)
        let first = Simulator(options: options).generate()
        let second = Simulator(options: options).generate()
        #expect(!first.isEmpty)
        #expect(first == second)
    }

    @Test func anotherSeedGivesOtherBytes() {
        var options = Self.options(.mixed)
        let first = Simulator(options: options).generate()
        options.seed = 2
        #expect(first != Simulator(options: options).generate())
    }

    @Test func chunkSizeDoesNotChangeTheBytes() throws {
        let simulator = Simulator(options: Self.options(.outage, polls: 60, dirty: true))
        let whole = MemorySink()
        let tally = try simulator.run(into: whole, chunkBytes: 1 << 20)
        let tiny = MemorySink()
        try simulator.run(into: tiny, chunkBytes: 7)
        #expect(whole.isFinished && tiny.isFinished)
        #expect(whole.bytes == tiny.bytes)
        #expect(tally.bytes == whole.bytes.count)
        #expect(tally.lines == whole.bytes.filter { $0 == UInt8(ascii: "\n") }.count)

        let gzipWhole = MemorySink()
        try simulator.run(into: GzipWriter(downstream: gzipWhole), chunkBytes: 1 << 20)
        let gzipTiny = MemorySink()
        try simulator.run(into: GzipWriter(downstream: gzipTiny), chunkBytes: 7)
        #expect(gzipWhole.isFinished)
        #expect(gzipWhole.bytes == gzipTiny.bytes)
    }

    @Test func gzipOutputReadsBackAsThePlainOutput() throws {
        let simulator = Simulator(options: Self.options(.mixed, dirty: true))
        let plain = simulator.generate()
        let compressed = MemorySink()
        try simulator.run(into: GzipWriter(downstream: compressed, level: 9))
        #expect(compressed.bytes.starts(with: [0x1f, 0x8b]))
        #expect(compressed.bytes.count < plain.count / 5)

        let readBack = try Self.withTemporaryFile(compressed.bytes) { path in
            var bytes: [UInt8] = []
            try SourceReader(chunkSize: 4096).read(InputSource(path)) { bytes.append(contentsOf: $0) }
            return bytes
        }
        #expect(readBack == plain)
    }

    @Test func pollsOfAllIndicesInterleaveInTimeOrder() throws {
        let options = Self.options(.healthy, polls: 30)
        let lines = Self.lines(Simulator(options: options).generate())
        #expect(lines.count == options.indices * options.polls)
        // A round polls every index once, in turn.
        let firstRound = Set(lines.prefix(options.indices).map { Self.field("index", in: $0) })
        #expect(firstRound.count == options.indices)
        let times = lines.map { Self.field("@timestamp", in: $0) }
        #expect(times.first?.hasPrefix("2026-11-28T00:00:0") == true)
        // Fixed-width RFC 3339 in UTC: text order is time order.
        #expect(zip(times, times.dropFirst()).allSatisfy { $0 < $1 })
        #expect(times.allSatisfy { $0.count == 24 && $0.hasSuffix("Z") })
    }

    // MARK: - Clean and dirty captures

    @Test(arguments: SimulationScenario.allCases)
    func everyLineOfACleanCaptureIsAccepted(scenario: SimulationScenario) throws {
        let options = Self.options(scenario)
        let bytes = Simulator(options: options).generate()
        let result = try Self.analyze(bytes)
        let totals = result.totals
        #expect(totals.lines == Self.lines(bytes).count)
        #expect(totals[.status] + totals[.error] == totals.lines)
        #expect(totals.rejected == 0)
        #expect(totals[.blank] == 0)
        #expect(result.indices.count == options.indices)
        #expect(!bytes.contains(UInt8(ascii: "\r")))
    }

    @Test func dirtyCapturesHaveRejectsOfEveryKind() throws {
        let bytes = Simulator(options: Self.options(.mixed, polls: 720, dirty: true)).generate()
        let totals = try Self.analyze(bytes).totals
        let kinds: [Outcome] = [
            .blank, .invalidJSON, .notObject, .missingTimestamp, .invalidTimestamp, .invalidField, .missingIndex,
            .missingStatus, .unknownStatus, .late, .duplicate,
        ]
        for kind in kinds {
            #expect(totals[kind] > 0, "no \(kind.name) lines")
        }
        // A small share: the capture stays mostly usable.
        #expect(totals.rejected * 100 < totals.lines * 4)
        #expect(totals[.status] * 10 > totals.lines * 9)
        #expect(totals[.lineTooLong] == 0)

        // Odd but accepted: CRLF line ends, numbers as timestamps, other timestamp keys, the flat layout.
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("}\r\n"))
        #expect(text.contains("{\"@timestamp\":17958"))
        #expect(text.contains("{\"ts\":") || text.contains("{\"time\":") || text.contains("{\"timestamp\":"))
        #expect(text.contains("\",\"status\":\""))
    }

    @Test func dirtLeavesTheStoryAlone() throws {
        let clean = try Self.analyze(Simulator(options: Self.options(.autopause)).generate())
        let dirty = try Self.analyze(Simulator(options: Self.options(.autopause, dirty: true)).generate())
        #expect(dirty.totals.rejected > 0)
        #expect(Self.autoPauses(clean).map(\.index) == Self.autoPauses(dirty).map(\.index))
    }

    // MARK: - Scenarios tell their stories

    @Test func healthyFleetHasNoIncidents() throws {
        let result = try Self.analyze(Simulator(options: Self.options(.healthy)).generate())
        #expect(result.transitions.isEmpty)
        #expect(result.stalls.isEmpty)
        for index in result.indices {
            #expect(index.gaps == 0)
            #expect(index.lastStatus == .syncing)
            #expect(index.lag?.count == index.samples)
            #expect(index.rates != nil)
        }
        // The plugin's artefact: now and then the follower appears a little ahead.
        #expect(result.indices.contains { $0.aheadSamples > 0 })
        // Bursts on the leader build lag the follower then works off.
        #expect(result.indices.contains { ($0.lag?.max ?? 0) > 1_000 })
    }

    @Test func autopauseFollowsAStallAndEndsInAFreshBootstrap() throws {
        let result = try Self.analyze(Simulator(options: Self.options(.autopause)).generate())
        let pauses = Self.autoPauses(result)
        try #require(pauses.count == 1)
        let pause = pauses[0]
        let reason = try #require(result.text(pause.reason))
        #expect(reason.hasPrefix("AutoPaused:  + [[" + result.indexName(pause.index) + "]["))
        #expect(reason.contains("org.opensearch.index.seqno.RetentionLeaseNotFoundException"))
        #expect(reason.contains("retention lease with ID [replication:"))

        // The follower stalled before the plugin gave up on it.
        #expect(result.stalls.contains { $0.index == pause.index && $0.end <= pause.timestamp && $0.millis >= 60_000 })
        // Then: stopped, started again, bootstrapped, syncing.
        let after = result.transitions.filter { $0.index == pause.index && $0.timestamp > pause.timestamp }
        #expect(after.contains { $0.to == .notInProgress })
        #expect(after.contains { $0.from == .notInProgress && $0.to == .bootstrapping })
        #expect(after.last?.from == .bootstrapping && after.last?.to == .syncing)
    }

    @Test func bootstrapFailHasARestoreThatCannotStartAndOneThatDies() throws {
        let result = try Self.analyze(Simulator(options: Self.options(.bootstrapFail)).generate())
        let failures = result.transitions.filter { $0.to == .failed }
        let cannotStart = try #require(
            failures.first { result.text($0.reason)?.hasPrefix("Unable to initiate restore call for ") == true })
        let dies = try #require(failures.first { result.text($0.reason) == "" })
        #expect(cannotStart.index != dies.index)
        #expect(dies.from == .bootstrapping)

        // The first is stopped, started again, and syncs in the end; the second stays failed.
        let summaries = Dictionary(uniqueKeysWithValues: result.indices.map { ($0.index, $0) })
        #expect(summaries[cannotStart.index]?.lastStatus == .syncing)
        #expect(summaries[dies.index]?.lastStatus == .failed)
        #expect(summaries[cannotStart.index]?.firstStatus == .notInProgress)

        // A new, empty leader: checkpoints are sums of -1 per shard.
        #expect(
            result.transitions.contains {
                $0.from == .bootstrapping && $0.to == .syncing
                    && $0.checkpoints.map { $0.leader < 0 && $0.leader == $0.follower } == true
            })
    }

    /// A short capture has every poll of its first and last round: an outage longer than the
    /// capture (at least 6 minutes) left `--polls 1` of the outage story empty, and cut mixed
    /// short at its end, where no gap shows.
    @Test(arguments: SimulationScenario.allCases, [1, 2, 3])
    func theFirstAndLastRoundsAreAlwaysPolled(scenario: SimulationScenario, polls: Int) throws {
        let options = Self.options(scenario, polls: polls)
        let lines = Self.lines(Simulator(options: options).generate())
        let stamps = lines.map { Self.field("@timestamp", in: $0) }
        let rounds = try stamps.map { stamp in
            let millis = try #require(Array(stamp.utf8).withUnsafeBufferPointer { Timestamp.parseRFC3339($0) })
            return Int((millis - options.startMillis) / options.intervalMillis)
        }
        #expect(rounds.count { $0 == 0 } == options.indices, "\(scenario) \(polls)")
        #expect(rounds.count { $0 == polls - 1 } == options.indices, "\(scenario) \(polls)")
    }

    @Test func outageLeavesAGapForEveryIndex() throws {
        let bytes = Simulator(options: Self.options(.outage)).generate()
        let result = try Self.analyze(bytes)
        for index in result.indices {
            #expect(index.gaps == 1)
            #expect(index.millisUnknown > 300_000)
        }
        // The poller comes back without permission: every index gets 403s.
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("\"type\":\"security_exception\""))
        #expect(result.indices.allSatisfy { $0.errorSamples > 0 })
        // A user pause that happened while the poller was down shows once polling resumes.
        #expect(
            result.transitions.contains {
                $0.from == .syncing && $0.to == .paused && result.text($0.reason) == "User initiated"
                    && $0.millisInPrevious > 300_000
            })
    }

    @Test func mixedFleetShowsEveryStatus() throws {
        let result = try Self.analyze(Simulator(options: Self.options(.mixed)).generate())
        let seen = Set(result.transitions.flatMap { [$0.from, $0.to] })
        #expect(seen == Set(ReplicationStatus.allCases))
        #expect(result.indices.contains { $0.gaps > 0 })
        #expect(!result.stalls.isEmpty)
        #expect(result.indices.contains { $0.errorSamples > 0 })
    }

    // MARK: - Helpers

    static func options(
        _ scenario: SimulationScenario, polls: Int = 360, dirty: Bool = false, seed: UInt64 = 1
    ) -> SimulationOptions {
        var options = SimulationOptions()
        options.scenario = scenario
        options.polls = polls
        options.dirty = dirty
        options.seed = seed
        return options
    }

    /// SYNCING -> PAUSED transitions whose reason is the plugin's auto-pause.
    static func autoPauses(_ result: AnalysisResult) -> [TransitionRow] {
        result.transitions.filter {
            $0.from == .syncing && $0.to == .paused && result.text($0.reason)?.hasPrefix("AutoPaused:  + ") == true
        }
    }

    static func analyze(_ bytes: [UInt8]) throws -> AnalysisResult {
        try withTemporaryFile(bytes) { path in
            let analysis = Analysis(options: AnalysisOptions())
            analysis.consume(InputSource(path))
            let result = analysis.finish()
            #expect(result.failures.isEmpty)
            return result
        }
    }

    static func withTemporaryFile<Result>(_ bytes: [UInt8], _ body: (String) throws -> Result) throws -> Result {
        var template = Array("/tmp/replstat-simulator-test-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        try #require(descriptor >= 0)
        close(descriptor)
        let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { unlink(path) }
        let file = try FileSink(path: path)
        try bytes.withUnsafeBytes { try file.write($0) }
        try file.finish()
        return try body(path)
    }

    static func lines(_ bytes: [UInt8]) -> [String] {
        String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// The string value of `key` in a clean line (good enough for the simulator's own output).
    static func field(_ key: String, in line: String) -> String {
        guard let keyRange = line.range(of: "\"\(key)\":\"") else { return "" }
        let rest = line[keyRange.upperBound...]
        return String(rest.prefix { $0 != "\"" })
    }
}
