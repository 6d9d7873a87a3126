import Foundation
import ReplStatTestSupport
import Testing

@testable import ReplStatCore

/// `watch --metrics-file`: when the file is rewritten (capture time, not wall time), which
/// indices it keeps, and that it is replaced whole and never through a link.
@Suite struct MetricsFileTests {
    /// Index ids 0, 1, 2 are named a, b, c.
    final class Names: NameResolver {
        func indexName(_ id: Int32) -> String { ["a", "b", "c"][Int(id)] }
        func text(_ id: Int32) -> String? { nil }
    }

    final class Recorder: LiveEventSink {
        var events: [LiveEvent] = []
        func emit(_ event: LiveEvent) { events.append(event) }
    }

    static func state(_ index: Int32, at seconds: Int64, samples: Int = 1, error: Bool = false) -> FollowerState {
        FollowerState(
            index: index, status: error ? nil : .syncing, samples: error ? 0 : samples, errorSamples: error ? 1 : 0,
            transitions: 0, stalls: 0, stalledSince: nil, lag: nil, lagMillis: nil,
            lastSample: error ? nil : seconds * 1000, lastErrorSample: error ? seconds * 1000 : nil)
    }

    /// The indices in the file, in its order, from the samples of `replstat_follower_samples_total`.
    static func indices(in path: String) throws -> [String] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return text.split(separator: "\n").filter { $0.hasPrefix("replstat_follower_error_samples_total{") }
            .map { String($0.split(separator: "\"")[1]) }
    }

    @Test func rewritesOncePerIntervalOfCaptureTimeAndAtTheEnd() throws {
        let folder = try TemporaryDirectory()
        let path = folder.file("replstat.prom").path
        let file = try MetricsFile(
            settings: .init(path: path, intervalMillis: 60_000), names: Names(), forwardingTo: nil)
        // Nothing seen yet: nothing to write.
        try file.pieceMerged(outcomes: OutcomeCounts())
        #expect(file.writes == 0 && !FileManager.default.fileExists(atPath: path))
        // The first sample: written at once.
        file.stateChanged(Self.state(0, at: 1000))
        try file.pieceMerged(outcomes: OutcomeCounts())
        #expect(file.writes == 1)
        #expect(try Self.indices(in: path) == ["a"])
        // 59.999 s of capture time later: not yet, whatever the pieces.
        file.stateChanged(Self.state(1, at: 1059))
        try file.pieceMerged(outcomes: OutcomeCounts())
        try file.pieceMerged(outcomes: OutcomeCounts())
        #expect(file.writes == 1)
        #expect(try Self.indices(in: path) == ["a"])
        // 60 s: due.
        file.stateChanged(Self.state(0, at: 1060, samples: 2))
        try file.pieceMerged(outcomes: OutcomeCounts())
        #expect(file.writes == 2)
        #expect(try Self.indices(in: path) == ["a", "b"])
        // The next one counts from that write, not from a grid.
        file.stateChanged(Self.state(1, at: 1119))
        try file.pieceMerged(outcomes: OutcomeCounts())
        #expect(file.writes == 2)
        // A sample older than the clock does not set it back.
        file.stateChanged(Self.state(2, at: 900))
        try file.pieceMerged(outcomes: OutcomeCounts())
        #expect(file.writes == 2)
        try file.finish(outcomes: OutcomeCounts())
        #expect(file.writes == 3)
        #expect(try Self.indices(in: path) == ["a", "b", "c"])
    }

    @Test func anIndexNotHeardOfForTheStaleLimitDropsOutAndComesBack() throws {
        let folder = try TemporaryDirectory()
        let path = folder.file("replstat.prom").path
        let file = try MetricsFile(
            settings: .init(path: path, intervalMillis: 0, staleMillis: 300_000), names: Names(), forwardingTo: nil)
        file.stateChanged(Self.state(0, at: 0))
        file.stateChanged(Self.state(1, at: 0, error: true))
        file.stateChanged(Self.state(2, at: 100))
        try file.pieceMerged(outcomes: OutcomeCounts())
        #expect(try Self.indices(in: path) == ["a", "b", "c"])
        // Exactly the limit: still in. An error sample keeps an index in as a status sample does.
        file.stateChanged(Self.state(2, at: 300))
        try file.pieceMerged(outcomes: OutcomeCounts())
        #expect(try Self.indices(in: path) == ["a", "b", "c"])
        file.stateChanged(Self.state(1, at: 300, error: true))
        file.stateChanged(Self.state(2, at: 301))
        try file.pieceMerged(outcomes: OutcomeCounts())
        #expect(try Self.indices(in: path) == ["b", "c"])
        // Back with its figures as the derivation has them.
        file.stateChanged(Self.state(0, at: 302, samples: 7))
        try file.finish(outcomes: OutcomeCounts())
        #expect(try Self.indices(in: path) == ["a", "b", "c"])
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("replstat_follower_samples_total{index=\"a\"} 7\n"))
    }

    @Test func eventsGoOnToTheNextSink() throws {
        let folder = try TemporaryDirectory()
        let recorder = Recorder()
        let file = try MetricsFile(
            settings: .init(path: folder.file("m.prom").path), names: Names(), forwardingTo: recorder)
        let event = LiveEvent.gap(index: 0, from: 1, to: 2)
        file.emit(event)
        #expect(recorder.events == [event])
    }

    @Test func writesTheTextfileDialectAndLeavesNoTemporaryFile() throws {
        let folder = try TemporaryDirectory()
        let path = folder.file("replstat.prom").path
        let file = try MetricsFile(settings: .init(path: path), names: Names(), forwardingTo: nil)
        file.stateChanged(Self.state(0, at: 5))
        var outcomes = OutcomeCounts()
        outcomes.add(.status, 3)
        try file.finish(outcomes: outcomes)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("# TYPE replstat_capture_lines_total counter\n"))
        #expect(text.contains("replstat_capture_lines_total{outcome=\"status\"} 3\n"))
        #expect(!text.contains("# EOF") && !text.contains("# UNIT"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["replstat.prom"])
    }

    @Test func refusesALinkAndWhatARenameCannotReplace() throws {
        let folder = try TemporaryDirectory()
        let victim = try folder.write("victim", "keep\n")
        let link = folder.file("link.prom").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: victim.path)
        #expect(throws: OutputError.self) {
            _ = try MetricsFile(settings: .init(path: link), names: Names(), forwardingTo: nil)
        }
        #expect(try String(contentsOf: victim, encoding: .utf8) == "keep\n")
        for path in ["/dev/null", "/dev/stdout", folder.path] {
            #expect(throws: OutputError.self) {
                _ = try MetricsFile(settings: .init(path: path), names: Names(), forwardingTo: nil)
            }
        }
    }

    @Test func aLinkPlantedAfterTheStartIsReplacedNotFollowed() throws {
        let folder = try TemporaryDirectory()
        let victim = try folder.write("victim", "keep\n")
        let path = folder.file("replstat.prom").path
        let file = try MetricsFile(settings: .init(path: path, intervalMillis: 0), names: Names(), forwardingTo: nil)
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: victim.path)
        file.stateChanged(Self.state(0, at: 5))
        // The rename replaces the link itself; what it pointed at stays as it was.
        try? file.finish(outcomes: OutcomeCounts())
        #expect(try String(contentsOf: victim, encoding: .utf8) == "keep\n")
    }
}
