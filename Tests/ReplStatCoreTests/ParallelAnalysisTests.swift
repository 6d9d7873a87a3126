import Foundation
import ReplStatSimulate
import ReplStatTestSupport
import Testing

@testable import ReplStatCore

/// The parallel analysis must give the very same results as the single-threaded one, whatever
/// the number of jobs and however the input is cut into chunks.
@Suite struct ParallelAnalysisTests {
    /// A dirty, gzip-compressed capture, so that every stage and every outcome is exercised.
    static let capture: URL = {
        var options = SimulationOptions()
        options.indices = 20
        options.polls = 200
        options.scenario = .outage
        options.dirty = true
        let sink = MemorySink()
        _ = try? Simulator(options: options).run(into: GzipWriter(downstream: sink))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("replstat-pipeline-\(UUID()).jsonl.gz")
        try? Data(sink.bytes).write(to: url)
        return url
    }()

    /// The same capture uncompressed, after a byte-order mark: with more than one job, plain
    /// input is read straight into the blocks the lanes decode (`PieceBytes`).
    static let plainCapture: String = {
        var bytes: [UInt8] = [0xEF, 0xBB, 0xBF]
        try? SourceReader().read(InputSource(capture.path)) { bytes.append(contentsOf: $0) }
        return (try? ScratchFile.write(bytes)) ?? ""
    }()

    private func analyze(
        jobs: Int, chunkSize: Int, withRejects: Bool = true, plain: Bool = false
    ) -> (reports: [[UInt8]], rejects: [String]) {
        var options = AnalysisOptions()
        options.jobs = jobs
        options.chunkSize = chunkSize
        // Low enough that the longest lines are over it.
        options.maxLineBytes = 400
        let rejects = CollectedRejects()
        let run = Analysis(options: options, rejects: withRejects ? rejects : nil)
        let path = plain ? Self.plainCapture : Self.capture.path
        run.consume([InputSource(path), InputSource(path)])
        let result = run.finish()
        return (CSVReport.files(result).map(\.bytes) + [JSONReport.render(result)], rejects.records)
    }

    @Test func theCaptureIsDirtyEnoughToTellSomething() {
        let (reports, rejects) = analyze(jobs: 1, chunkSize: 1 << 18)
        let quality = String(decoding: reports[3], as: UTF8.self)
        #expect(rejects.count > 100)
        for outcome in ["invalid_json", "late", "duplicate", "line_too_long", "unknown_status"] {
            #expect(!quality.contains("*,\(outcome),0\n"), "\(outcome)")
        }
    }

    @Test(arguments: [(2, 1 << 18), (8, 1 << 18), (2, 4096), (3, 1000), (8, 61), (1, 7), (2, 333)])
    func sameBytesWhateverTheJobsAndChunks(jobs: Int, chunkSize: Int) {
        let reference = analyze(jobs: 1, chunkSize: 1 << 18)
        let other = analyze(jobs: jobs, chunkSize: chunkSize)
        #expect(other.reports == reference.reports)
        #expect(other.rejects == reference.rejects)
    }

    /// Plain input, read in place: a carried line is copied in front of the lines after it, or
    /// goes alone when it is longer than the room there (chunks of a few bytes carry lines over
    /// many reads, and the byte-order mark is cut between them).
    @Test(arguments: [(2, 1 << 18), (8, 1 << 18), (2, 4096), (3, 1000), (8, 61), (2, 2), (2, 3), (2, 333)])
    func samePlainBytesWhateverTheJobsAndChunks(jobs: Int, chunkSize: Int) {
        let reference = analyze(jobs: 1, chunkSize: 1 << 18, plain: true)
        let other = analyze(jobs: jobs, chunkSize: chunkSize, plain: true)
        #expect(reference.rejects.count > 100)
        #expect(other.reports == reference.reports)
        #expect(other.rejects == reference.rejects)
    }

    /// Without a rejects file the shards decide late and duplicate lines in the background;
    /// the reports must not change.
    @Test(arguments: [1, 2, 8])
    func sameReportsWithoutARejectsFile(jobs: Int) {
        let reference = analyze(jobs: 1, chunkSize: 1 << 18)
        let other = analyze(jobs: jobs, chunkSize: 4096, withRejects: false)
        #expect(other.reports == reference.reports)
        #expect(other.rejects.isEmpty)
    }

    /// With more than one job, the line that straddles two chunks goes out with the lines after
    /// it: one piece per chunk for the lanes, the handoff and the merge to pass on, not two.
    @Test func aCarriedLineGoesOutWithTheLinesAfterIt() throws {
        let chunkSize = 4096
        // Lines of 10 to 99 bytes: many straddle a chunk boundary, none is one by itself.
        let bytes = (0..<20_000).flatMap { Array("\"\(String(repeating: "x", count: $0 % 90))\"\n".utf8) }
        let path = try ScratchFile.write(bytes)
        defer { ScratchFile.remove(path) }
        let pieces = PieceCounter()
        DecodingLanes(jobs: 2, maxLineBytes: 1 << 20, chunkSize: chunkSize, keepLines: false)
            .read([InputSource(path)], into: pieces)
        #expect(pieces.lines == 20_000)
        let chunks = (bytes.count + chunkSize - 1) / chunkSize
        #expect(pieces.pieces <= chunks + 1, "\(pieces.pieces) pieces of \(chunks) chunks")
    }

    /// Lines longer than the room for a carried line in front of a chunk (`joinedLineBytes`)
    /// straddle many reads and go out alone; every line reaches the lanes whole and in order.
    @Test(arguments: [4096, 3000, 65536])
    func longCarriedLinesReachTheLanesWhole(chunkSize: Int) throws {
        let lengths = [10, 20_000, 5, 16 * 1024 - 3, 16 * 1024 + 1, 300, 40_000, 1, 7_000]
        let lines = (0..<60).map { line in
            Array("{\"x\":\"".utf8) + Array(repeating: UInt8(ascii: "a") + UInt8(line % 26), count: lengths[line % 9])
                + Array("\"}".utf8)
        }
        let path = try ScratchFile.write(lines.flatMap { $0 + [0x0A] })
        defer { ScratchFile.remove(path) }
        for jobs in [1, 2] {
            let collector = LineCollector()
            DecodingLanes(jobs: jobs, maxLineBytes: 1 << 20, chunkSize: chunkSize, keepLines: true)
                .read([InputSource(path)], into: collector)
            #expect(collector.lines == lines, "\(jobs) jobs")
        }
    }
}

/// Gathers the lines handed to the merge, in order, from the bytes kept for the rejects file.
private final class LineCollector: DecodedPieceConsumer {
    var lines: [[UInt8]] = []

    func beginSource(_ source: InputSource) {}
    func merge(_ piece: DecodedPiece) { lines += piece.lineRanges.map { Array(piece.bytes[$0]) } }
    func endSource(_ failure: SourceFailure?) {}
}

/// Counts the pieces and lines handed to the merge.
private final class PieceCounter: DecodedPieceConsumer {
    var pieces = 0
    var lines = 0

    func beginSource(_ source: InputSource) {}
    func merge(_ piece: DecodedPiece) {
        pieces += 1
        lines += piece.records.count
    }
    func endSource(_ failure: SourceFailure?) {}
}
