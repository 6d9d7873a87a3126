// libFuzzer target: a whole source through the read, frame and pipeline stages.
//
// Built by scripts/fuzz together with the sources of ReplStatCore, as one module. The input is
// the raw bytes of one source file (plain, or gzip when it starts with 1f 8b). It is written to
// a scratch file and read back through SourceReader, LineFramer and the whole Analysis, with
// chunk sizes, line limits, options and job counts chosen from a hash of the input, and checked
// against references written here:
//
// - gzip: a one-shot inflate of the whole buffer with zlib (gzip-only window bits, one member
//   after another) says which bytes the source holds and whether and where it is damaged; the
//   reader must deliver exactly those bytes for every chunk size, fail exactly when it is
//   damaged, with the kind of damage and the byte offset; plain input is delivered unchanged and
//   never fails. The inflater (REPLSTAT_INFLATE) is drawn from the hash too, but for a corrupt
//   member, which is zlib's: ISA-L may read further in one case (Fuzz/Inflaters);
// - framing: the lines (BOM skipped, split at LF, a last line without LF) with their length
//   verdict, blankness and bytes are those of a plain split, whatever the chunking;
// - the pipeline: lines = blank + status + error + rejects equals the number of lines, blank and
//   line_too_long match the reference lines, every rejected line comes with its own bytes and
//   the outcome the decoder gives it, the failure is the reader's, and the reports are the same
//   bytes for 1 and 2 jobs; the live-event run (replstat watch) counts the same and emits the
//   batch run's transitions and gaps, and its stalls: each announced, and ended unless it still
//   went on at the end of the input (then it is listed as still open).
//
// Decompressed sizes over 256 KiB (a small gzip bomb) are only read and framed, with large chunks.

import CZlib

#if canImport(Glibc)
    import Glibc
#endif

// MARK: - Reference: what the source holds

enum Damage: Equatable {
    case none
    /// The input ends inside a member.
    case truncated
    /// zlib rejects the member that starts at this offset (header, deflate data, CRC, length).
    case corrupt(offset: Int)
    /// A member ended at this offset and what follows does not start another.
    case garbage(offset: Int)
}

/// Inflates the whole gzip buffer at once, member after member.
func referenceGunzip(_ data: [UInt8]) -> (bytes: [UInt8], damage: Damage) {
    var out: [UInt8] = []
    let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    stream.initialize(to: z_stream())
    // 15 + 16: gzip only.
    let status = inflateInit2_(stream, 31, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
    check(status == Z_OK, "inflateInit2 failed")
    defer {
        inflateEnd(stream)
        stream.deallocate()
    }
    let output = UnsafeMutablePointer<UInt8>.allocate(capacity: 1 << 16)
    defer { output.deallocate() }
    return data.withUnsafeBufferPointer { input -> ([UInt8], Damage) in
        var memberStart = 0
        while true {
            if memberStart > 0 {
                if memberStart == data.count { return (out, .none) }
                if data[memberStart] != 0x1F || (memberStart + 1 < data.count && data[memberStart + 1] != 0x8B) {
                    return (out, .garbage(offset: memberStart))
                }
                inflateReset(stream)
            }
            stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress! + memberStart)
            stream.pointee.avail_in = uInt(data.count - memberStart)
            while true {
                stream.pointee.next_out = output
                stream.pointee.avail_out = 1 << 16
                let status = inflate(stream, Z_NO_FLUSH)
                out.append(
                    contentsOf: UnsafeBufferPointer(start: output, count: (1 << 16) - Int(stream.pointee.avail_out)))
                if status == Z_STREAM_END {
                    memberStart = data.count - Int(stream.pointee.avail_in)
                    break
                }
                if status == Z_OK { continue }
                if status == Z_BUF_ERROR { return (out, .truncated) }
                // A CRC or length that does not match is corrupt at that field of the trailer,
                // the 4 bytes zlib has just read; anything else where the member starts.
                let message = stream.pointee.msg.map { String(cString: $0) }
                if message == "incorrect data check" || message == "incorrect length check" {
                    return (out, .corrupt(offset: data.count - Int(stream.pointee.avail_in) - 4))
                }
                return (out, .corrupt(offset: memberStart))
            }
        }
    }
}

/// The lines of a decompressed stream as docs/format.md defines them.
struct ReferenceLine {
    /// Without the LF, a trailing CR kept.
    var raw: ArraySlice<UInt8>
    var content: ArraySlice<UInt8> { raw.last == 0x0D ? raw.dropLast() : raw }
    var isBlank: Bool { content.allSatisfy { $0 == 0x20 || $0 == 0x09 } }
}

func referenceLines(_ stream: [UInt8]) -> [ReferenceLine] {
    var bytes = stream[...]
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
    var parts = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
    if parts.last?.isEmpty == true { parts.removeLast() }
    return parts.map { ReferenceLine(raw: $0) }
}

// MARK: - Stages

struct ReadResult {
    var chunks: [[UInt8]] = []
    var bytes: [UInt8] { chunks.flatMap { $0 } }
    var failure: SourceFailure?
}

func readScratch(chunkSize: Int) -> ReadResult {
    var result = ReadResult()
    do {
        try SourceReader(chunkSize: chunkSize).read(InputSource(scratchPath)) { result.chunks.append(Array($0)) }
    } catch {
        result.failure = error
    }
    return result
}

/// Checks the reader's result against the reference, for one chunk size.
func checkRead(_ read: ReadResult, chunkSize: Int, input: [UInt8], expected: [UInt8], damage: Damage) {
    let context = "chunk size \(chunkSize)"
    check(read.bytes == expected, "\(context): delivered \(read.bytes.count) bytes, expected \(expected.count)")
    switch damage {
    case .none:
        check(read.failure == nil, "\(context): unexpected failure \(String(describing: read.failure))")
    case .truncated:
        check(
            read.failure?.kind == .truncatedGzip, "\(context): \(String(describing: read.failure)), expected truncated")
        check(
            read.failure?.byteOffset == Int64(input.count),
            "\(context): truncated at \(String(describing: read.failure?.byteOffset))")
    case .corrupt(let offset):
        check(read.failure?.kind == .corruptGzip, "\(context): \(String(describing: read.failure)), expected corrupt")
        check(
            read.failure?.byteOffset == Int64(offset),
            "\(context): corrupt at \(String(describing: read.failure?.byteOffset)), expected \(offset)")
    case .garbage(let offset):
        check(
            read.failure?.kind == .trailingGarbage, "\(context): \(String(describing: read.failure)), expected garbage")
        check(
            read.failure?.byteOffset == Int64(offset),
            "\(context): garbage at \(String(describing: read.failure?.byteOffset)), expected \(offset)")
    }
}

/// Frames `chunks` and checks every line against the reference lines.
func checkFraming(_ chunks: [[UInt8]], lines: [ReferenceLine], maxLineBytes: Int, keep: Bool, usePieces: Bool) {
    let context = "max \(maxLineBytes), keep \(keep), pieces \(usePieces), \(chunks.count) chunks"
    var framer = LineFramer(maxLineBytes: maxLineBytes, keepLongLines: keep)
    var framed: [(bytes: [UInt8], tooLong: Bool, blank: Bool)] = []
    let take: (FramedLine) -> Void = { line in
        // A kept line over the limit that straddled chunks is in a spool file.
        var bytes = Array(line.bytes)
        try? line.spool?.read { bytes += $0 }
        framed.append((bytes, line.isTooLong, line.isBlank))
    }
    var finished = false
    let takePiece: (FramedPiece) -> Void = { piece in
        if case .lines(let bytes) = piece {
            // Only whole lines, each ended by LF, but for the very last one of the stream.
            check(!bytes.isEmpty, "\(context): empty piece")
            check(finished || bytes.last == 0x0A, "\(context): piece without its LF")
        }
        LineFramer.forEachLine(in: piece, maxLineBytes: maxLineBytes, keepLongLines: keep, take)
    }
    for chunk in chunks {
        chunk.withUnsafeBytes { buffer in
            if usePieces { framer.cut(buffer, emit: takePiece) } else { framer.feed(buffer, emit: take) }
        }
    }
    finished = true
    if usePieces { framer.finishPieces(emit: takePiece) } else { framer.finish(emit: take) }

    check(framed.count == lines.count, "\(context): \(framed.count) lines framed, \(lines.count) expected")
    for (number, (line, reference)) in zip(framed, lines).enumerated() {
        let tooLong = reference.content.count > maxLineBytes
        check(line.tooLong == tooLong, "\(context): line \(number + 1) too long \(line.tooLong), expected \(tooLong)")
        if tooLong {
            check(line.blank == reference.isBlank, "\(context): line \(number + 1) blank \(line.blank)")
            check(line.bytes == (keep ? Array(reference.raw) : []), "\(context): line \(number + 1) bytes")
        } else {
            check(line.bytes == Array(reference.raw), "\(context): line \(number + 1) bytes differ")
        }
    }
}

/// Collects the rejects file's records.
final class Rejects: RejectSink {
    var records: [(line: Int, outcome: Outcome, bytes: [UInt8])] = []

    func reject(source: String, line: Int, outcome: Outcome, bytes: UnsafeRawBufferPointer) {
        records.append((line, outcome, Array(bytes)))
    }
}

/// Collects live events.
final class Events: LiveEventSink {
    var events: [LiveEvent] = []

    func emit(_ event: LiveEvent) { events.append(event) }
}

func analyze(_ options: AnalysisOptions, rejects: Rejects? = nil, events: Events? = nil) -> AnalysisResult {
    let run = Analysis(options: options, rejects: rejects, events: events)
    run.consume(InputSource(scratchPath))
    return run.finish()
}

func reports(_ result: AnalysisResult) -> [[UInt8]] {
    CSVReport.files(result).map(\.bytes) + [JSONReport.render(result), Array(MarkdownReport.render(result).utf8)]
}

func checkPipeline(
    options: AnalysisOptions, lines: [ReferenceLine], failure: SourceFailure?, damage: Damage, random: inout Random
) {
    let context = "chunk size \(options.chunkSize), max \(options.maxLineBytes)"
    var options = options
    options.jobs = 1
    let rejects = Rejects()
    let single = analyze(options, rejects: rejects)
    check(single.sources.count == 1, "\(context): \(single.sources.count) source reports")
    let counts = single.sources[0].counts
    check(counts.lines == lines.count, "\(context): \(counts.lines) lines counted, \(lines.count) expected")
    check(Outcome.allCases.allSatisfy { counts[$0] >= 0 }, "\(context): negative count")
    check(
        counts[.blank] + counts[.status] + counts[.error] + counts.rejected == counts.lines,
        "\(context): lines != blank + status + error + rejects")
    let blank = lines.filter(\.isBlank).count
    let tooLong = lines.filter { !$0.isBlank && $0.content.count > options.maxLineBytes }.count
    check(counts[.blank] == blank, "\(context): \(counts[.blank]) blank, expected \(blank)")
    check(counts[.lineTooLong] == tooLong, "\(context): \(counts[.lineTooLong]) too long, expected \(tooLong)")
    // The failure is the reader's (same chunk size).
    check(
        single.sources[0].failure?.kind == failure?.kind
            && single.sources[0].failure?.byteOffset == failure?.byteOffset,
        "\(context): analysis failure \(String(describing: single.sources[0].failure)), reader \(String(describing: failure))"
    )

    // Every rejected line, once, in order, with its own bytes and the decoder's outcome.
    check(
        rejects.records.count == counts.rejected,
        "\(context): \(rejects.records.count) rejects written of \(counts.rejected)")
    var previous = 0
    var decoder = RecordDecoder()
    for record in rejects.records {
        check(record.line > previous && record.line <= lines.count, "\(context): reject line \(record.line)")
        previous = record.line
        let reference = lines[record.line - 1]
        check(record.bytes == Array(reference.raw), "\(context): bytes of rejected line \(record.line)")
        let decoded = record.bytes.withUnsafeBytes {
            decoder.decode(FramedLine(bytes: $0, isTooLong: reference.content.count > options.maxLineBytes))
        }
        switch decoded {
        case .rejected(let outcome):
            check(
                outcome == record.outcome,
                "\(context): line \(record.line) is \(record.outcome.name), decoder says \(outcome.name)")
        case .status:
            check(
                record.outcome == .late || record.outcome == .duplicate,
                "\(context): line \(record.line) is \(record.outcome.name), decoder accepts it")
        case .error:
            check(false, "\(context): line \(record.line) is \(record.outcome.name), decoder says error")
        }
    }

    // Two jobs, without a rejects file: the same reports.
    options.jobs = 2
    let parallel = analyze(options)
    check(reports(parallel) == reports(single), "\(context): reports differ between 1 and 2 jobs")

    // Live events: the same counts, and as events the batch run's transitions, gaps and stalls.
    if random.below(2) == 0 {
        options.lagAlert = LagAlert(threshold: UInt64(random.below(100)), millis: Int64(random.below(600_000)))
    }
    let events = Events()
    let live = analyze(options, events: events)
    check(live.sources[0].counts == counts, "\(context): live counts differ")
    var transitions: [TransitionRow] = []
    var stalls: [StallRow] = []
    var stallStarts: [StallRow] = []
    var gaps: [GapRow] = []
    for event in events.events {
        switch event {
        case .transition(let row): transitions.append(row)
        case .stallEnd(let row, _): stalls.append(row)
        case .stallStart(let index, _, let start, let checkpoint, _, _):
            stallStarts.append(StallRow(index: index, start: start, end: 0, followerCheckpoint: checkpoint, maxLag: 0))
        case .gap(let index, let from, let to): gaps.append(GapRow(index: index, start: from, end: to))
        default: break
        }
    }
    // A stall still going on at the end has no end event: the batch run has its row, the live
    // run lists it as still open.
    let stillOpen = Set(live.stillOpen.filter { $0.kind == .stall }.map { "\($0.index)@\($0.start)" })
    stalls += single.stalls.filter { stillOpen.contains("\($0.index)@\($0.start)") }
    let announced = single.stalls.map {
        StallRow(index: $0.index, start: $0.start, end: 0, followerCheckpoint: $0.followerCheckpoint, maxLag: 0)
    }
    let byTime: (TransitionRow, TransitionRow) -> Bool = { ($0.timestamp, $0.index) < ($1.timestamp, $1.index) }
    let byStart: (StallRow, StallRow) -> Bool = { ($0.start, $0.index) < ($1.start, $1.index) }
    let byGapStart: (GapRow, GapRow) -> Bool = { ($0.start, $0.index) < ($1.start, $1.index) }
    check(
        transitions.sorted(by: byTime) == single.transitions.sorted(by: byTime),
        "\(context): live transitions differ (\(transitions.count) vs \(single.transitions.count))")
    check(
        stalls.sorted(by: byStart) == single.stalls.sorted(by: byStart),
        "\(context): live stalls differ (\(stalls.count) vs \(single.stalls.count))")
    check(
        stallStarts.sorted(by: byStart) == announced.sorted(by: byStart),
        "\(context): stall_start events differ (\(stallStarts.count) vs \(announced.count))")
    check(
        gaps.sorted(by: byGapStart) == single.gaps.sorted(by: byGapStart),
        "\(context): live gaps differ (\(gaps.count) vs \(single.gaps.count))")
    let rejectEvents = events.events.filter { if case .reject = $0 { true } else { false } }.count
    check(rejectEvents == counts.rejected, "\(context): \(rejectEvents) reject events of \(counts.rejected)")
}

// MARK: - Entry point

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: size > 0 ? data : nil, count: size))
    var random = Random(input)
    writeScratch(input)
    defer { unlink(scratchPath) }

    let isGzip = input.count >= 2 && input[0] == 0x1F && input[1] == 0x8B
    let (expected, damage) = isGzip ? referenceGunzip(input) : (input, Damage.none)
    var inflater = random.pick(Inflater.allCases)
    if case .corrupt = damage { inflater = .zlib }
    setenv(Inflater.environmentVariable, inflater.rawValue, 1)

    if expected.count > 256 << 10 {
        // A small gzip bomb: read and frame it, but spare the slow checks the many megabytes.
        let read = readScratch(chunkSize: 1 << 16)
        checkRead(read, chunkSize: 1 << 16, input: input, expected: expected, damage: damage)
        checkFraming(
            read.chunks, lines: referenceLines(expected), maxLineBytes: random.pick([0, 64, 1 << 20]), keep: false,
            usePieces: false)
        return 0
    }
    // Chunk sizes: odd, large, and tiny (only for small inputs: one byte at a time is slow).
    var chunkSizes = [random.below(4096) + 1, 1 << 16]
    if input.count <= 16 << 10 && expected.count <= 16 << 10 { chunkSizes.append(random.below(8) + 1) }
    var reads: [Int: ReadResult] = [:]
    for chunkSize in chunkSizes {
        let read = readScratch(chunkSize: chunkSize)
        checkRead(read, chunkSize: chunkSize, input: input, expected: expected, damage: damage)
        reads[chunkSize] = read
    }

    let lines = referenceLines(expected)
    let limits = [0, 1, 2, 3, 8, 64, 1 << 20]
    // The reader's own chunks, then random cuts of the stream.
    checkFraming(
        reads[chunkSizes.last!]!.chunks, lines: lines, maxLineBytes: random.pick(limits), keep: random.below(2) == 0,
        usePieces: false)
    var cuts: [[UInt8]] = []
    var start = 0
    while start < expected.count {
        let length = min(expected.count - start, random.pick([1, 2, 3, 5, 17, 100, 4096]))
        cuts.append(Array(expected[start..<start + length]))
        start += length
    }
    checkFraming(cuts, lines: lines, maxLineBytes: random.pick(limits), keep: random.below(2) == 0, usePieces: true)

    var options = AnalysisOptions()
    options.chunkSize = random.pick(chunkSizes)
    options.maxLineBytes = random.pick(limits)
    options.reorderWindow = Int64(random.pick([0, 1, 1000, 300_000]))
    options.maxGap = Int64(random.pick([0, 1000, 300_000]))
    options.stallAfter = Int64(random.pick([0, 1000, 60_000]))
    checkPipeline(
        options: options, lines: lines, failure: reads[options.chunkSize]!.failure, damage: damage, random: &random)
    return 0
}
