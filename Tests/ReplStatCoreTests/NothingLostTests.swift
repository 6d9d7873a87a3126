import Foundation
import ReplStatSimulate
import ReplStatTestSupport
import Testing

@testable import ReplStatCore

/// Every line read is accounted for: the rejects file gives back every rejected line byte for
/// byte at its place, and the lines it does not hold are exactly the blank and accepted ones.
@Suite struct NothingLostTests {
    /// A dirty capture, further damaged at random: bytes flipped, lines cut, CRs and NULs added,
    /// invalid UTF-8, long lines.
    static func dirtyCapture(seed: UInt64) -> [UInt8] {
        var options = SimulationOptions()
        options.indices = 6
        options.polls = 60
        options.seed = seed
        options.scenario = .outage
        options.dirty = true
        var bytes = Simulator(options: options).generate()
        var random = SplitMix64(seed: seed)
        for _ in 0..<40 {
            let at = Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<6, using: &random) {
            case 0: bytes[at] ^= UInt8(1 << Int.random(in: 0..<8, using: &random))
            case 1: bytes.insert(0x0A, at: at)
            case 2: bytes.insert(0x0D, at: at)
            case 3: bytes.insert(contentsOf: [0xC3, 0x28], at: at)
            case 4: bytes.insert(0x00, at: at)
            default: bytes.insert(contentsOf: Array(repeating: UInt8(ascii: "x"), count: 700), at: at)
            }
        }
        return bytes
    }

    @Test(arguments: 0..<12)
    func rejectsAndAcceptedLinesGiveBackTheInput(seed: Int) throws {
        let bytes = Self.dirtyCapture(seed: UInt64(seed))
        let path = try ScratchFile.write(bytes)
        defer { ScratchFile.remove(path) }

        var options = AnalysisOptions()
        options.maxLineBytes = 600
        options.jobs = 1 + seed % 3
        options.chunkSize = [7, 4096, 1 << 16][seed % 3]
        let rejects = CollectedRejects()
        let run = Analysis(options: options, rejects: rejects)
        run.consume(InputSource(path))
        let counts = run.finish().sources[0].counts

        // The input's lines, split the obvious way (no BOM here; a final line without LF counts).
        var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map { Array($0) }
        if lines.last?.isEmpty == true { lines.removeLast() }

        #expect(counts.lines == lines.count)
        let order = rejects.rejects.map(\.line)
        #expect(order == order.sorted(), "rejects come in input order")
        let byLine = Dictionary(uniqueKeysWithValues: rejects.rejects.map { ($0.line, $0) })
        #expect(byLine.count == counts.rejected)
        for (number, reject) in byLine {
            #expect(reject.bytes == lines[number - 1], "line \(number) (\(reject.outcome.name))")
            #expect(counts[reject.outcome] > 0)
        }
        // The other lines are the blank ones and the samples.
        let kept = lines.enumerated().filter { byLine[$0.offset + 1] == nil }
        #expect(kept.count == counts[.blank] + counts[.status] + counts[.error])
        let blank = kept.filter { line in
            let content = line.element.last == 0x0D ? line.element.dropLast() : line.element[...]
            return content.allSatisfy { $0 == 0x20 || $0 == 0x09 }
        }
        #expect(blank.count == counts[.blank])
        // Every outcome is one of the counted ones: the reasons of the rejects add up.
        for outcome in Outcome.allCases where outcome.isReject {
            #expect(byLine.values.filter { $0.outcome == outcome }.count == counts[outcome], "\(outcome.name)")
        }
    }
}
