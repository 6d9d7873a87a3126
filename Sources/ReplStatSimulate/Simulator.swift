import ReplStatCore

/// Generates a realistic capture of replication status polls (docs/format.md) for a
/// scenario: deterministic (the same options give the same bytes, whatever the chunk size) and
/// fast enough for captures of millions of lines.
///
/// The poller works in rounds: every interval it polls each index in turn, so the lines of
/// different indices interleave in time, each a little late by the poll's own jitter.
public struct Simulator {
    public let options: SimulationOptions

    /// What was written, before any compression.
    public struct Tally: Sendable, Equatable {
        public var lines = 0
        public var bytes = 0
    }

    public init(options: SimulationOptions) {
        self.options = options
    }

    /// Writes the whole capture to `sink` in chunks of about `chunkBytes`, then finishes it.
    @discardableResult
    public func run(into sink: any ByteSink, chunkBytes: Int = 1 << 20) throws(OutputError) -> Tally {
        var plan = FleetPlan(options: options)
        var writer = ChunkWriter(sink: sink, chunkBytes: max(1, chunkBytes))
        var line = CaptureLineBuilder()
        var dirt = DirtyLines(seed: options.seed)
        /// Late lines held back, per index: the bytes and when they may go out.
        var heldBack = [(bytes: [UInt8], releaseAt: Int64)?](repeating: nil, count: plan.followers.count)

        let interval = options.intervalMillis
        let count = plan.followers.count
        // Each index has its slot in the round; the jitter stays inside the slot.
        let slot = interval / Int64(count)
        let jitterRange = Int(max(1, slot * 8 / 10))
        var jitterRandom = SimulationRandom(seed: options.seed, stream: FleetPlan.jitterStream)
        let sharedErrors = plan.sharedErrors
        let strayErrorProbability = plan.strayErrorProbability

        for round in 0..<options.polls {
            let roundStart = options.startMillis + Int64(round) * interval
            for index in 0..<count {
                let time = roundStart + Int64(index) * slot + Int64(jitterRandom.below(jitterRange))
                let poll = plan.followers[index].poll(
                    at: time, sharedErrors: sharedErrors, strayErrorProbability: strayErrorProbability)
                if plan.isPollerDown(at: time) { continue }
                let profile = plan.followers[index].profile

                guard options.dirty else {
                    line.build(time: time, profile: profile, poll: poll)
                    try writer.writeLine(line.bytes)
                    continue
                }
                if let stray = dirt.strayLine() { try writer.writeLine(stray) }
                let action = dirt.action(forStatusBody: poll.isStatus)
                line.build(time: time, profile: profile, poll: poll, layout: dirt.layout(for: action))
                dirt.damage(&line, as: action)
                switch action {
                case .late where heldBack[index] == nil:
                    heldBack[index] = (line.bytes, time + dirt.lateDelay(interval: interval))
                case .duplicate:
                    try writer.writeLine(line.bytes)
                    try writer.writeLine(line.bytes)
                case .crlf:
                    try writer.writeLine(line.bytes, crlf: true)
                default:
                    try writer.writeLine(line.bytes)
                }
                // A held line goes out once a newer accepted sample of its index puts it beyond the window.
                if poll.isStatus && action.keepsSample, let held = heldBack[index], time >= held.releaseAt {
                    try writer.writeLine(held.bytes)
                    heldBack[index] = nil
                }
            }
        }
        // Whatever is still held goes out at the end: nothing generated is dropped.
        for held in heldBack {
            if let held { try writer.writeLine(held.bytes) }
        }
        try writer.flush()
        try sink.finish()
        return writer.tally
    }

    /// The whole capture in memory (small captures, tests).
    public func generate() -> [UInt8] {
        let sink = MemorySink()
        do {
            try run(into: sink)
        } catch {
            preconditionFailure("a memory sink does not fail: \(error)")
        }
        return sink.bytes
    }
}

/// Collects lines into one big buffer and hands it to the sink when full.
private struct ChunkWriter {
    let sink: any ByteSink
    let chunkBytes: Int
    var chunk: [UInt8] = []
    var tally = Simulator.Tally()

    init(sink: any ByteSink, chunkBytes: Int) {
        self.sink = sink
        self.chunkBytes = chunkBytes
        chunk.reserveCapacity(min(chunkBytes, 1 << 24) + 4096)
    }

    mutating func writeLine(_ bytes: [UInt8], crlf: Bool = false) throws(OutputError) {
        chunk.append(contentsOf: bytes)
        if crlf { chunk.append(UInt8(ascii: "\r")) }
        chunk.append(UInt8(ascii: "\n"))
        tally.lines += 1
        tally.bytes += bytes.count + (crlf ? 2 : 1)
        if chunk.count >= chunkBytes { try flush() }
    }

    mutating func flush() throws(OutputError) {
        guard !chunk.isEmpty else { return }
        let sink = self.sink
        var failure: OutputError?
        chunk.withUnsafeBytes { buffer in
            do throws(OutputError) {
                try sink.write(buffer)
            } catch {
                failure = error
            }
        }
        chunk.removeAll(keepingCapacity: true)
        if let failure { throw failure }
    }
}
