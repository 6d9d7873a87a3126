import Foundation
import Testing

/// A run that the system refuses memory ends with a message and exit status 1, not a crash.
@Suite(.timeLimit(.minutes(10))) struct OutOfMemoryTests {
    static let message =
        "replstat: out of memory: no room for the state of more indices; run it where more memory is free "
        + "(ulimit -v, a container's limit), or spread the indices over a distributed analysis (docs/distributed.md)\n"

    /// 60,000 indices under address-space limits from 32 to 80 MiB: the blocks of the indices'
    /// state (2 MiB each, mapped on their own) are what most of those limits refuse first. That
    /// refusal crashed the run (a fatal error and its backtrace); now it is said in words. The
    /// runtime's own allocations may still be refused first under some limits, and end the
    /// process as the Swift runtime ends it: what is checked is that every run that reached the
    /// blocks' refusal said it, and that some did.
    @Test func aRefusedBlockOfIndexStateIsSaidInWords() throws {
        let dir = try TemporaryDirectory()
        let capture = dir.file("many.jsonl")
        let simulated = try Replstat.run(["simulate", "--indices", "60000", "--polls", "1", "--output", capture.path])
        #expect(simulated.status == 0, "\(simulated.stderr)")
        var said = 0
        for megabytes in stride(from: 32, through: 80, by: 8) {
            let run = try Replstat.bash(
                "ulimit -v \(megabytes * 1024) && exec \(DistributedTests.quote(Replstat.binary.path)) analyze "
                    + "--jobs 1 --format csv --out \(DistributedTests.quote(dir.file("out").path)) "
                    + DistributedTests.quote(capture.path))
            #expect(!run.stderr.contains("ChunkedArray"), "\(megabytes) MiB: \(run.stderr.prefix(300))")
            if run.stderr.contains("no room for the state") {
                #expect(run.status == 1 && run.stderr == Self.message, "\(megabytes) MiB: \(run.stderr.prefix(300))")
                said += 1
            }
        }
        #expect(said > 0)
        // Nothing written, and no temporary file left.
        let left = (try? FileManager.default.contentsOfDirectory(atPath: dir.file("out").path)) ?? []
        #expect(left.isEmpty, "\(left)")
    }
}
