import ReplStatCore

#if canImport(Glibc)
    import Glibc
#endif

/// Where capture lines go.
public protocol CaptureOutput: AnyObject {
    /// Called before the first poll: a file that cannot be written is found before anything
    /// (credentials included) goes to the cluster.
    func open() throws(OutputError)
    /// Writes one line (given without its LF) polled at `timestamp`.
    func write(_ line: [UInt8], timestamp: Int64) throws(OutputError)
    /// Called between rounds of polls: a moment to make what was written readable.
    func checkpoint() throws(OutputError)
    /// The last line was written.
    func close() throws(OutputError)
}

/// Plain lines, each written at once so that a reader (`| replstat watch`) sees it live: on
/// standard output, or into a pipe that an analysis in the same process reads.
public final class PlainLines: CaptureOutput {
    private let descriptor: Int32
    private let name: String
    private let ownsDescriptor: Bool

    /// Standard output, written with blocking writes and left open: a stalled reader there
    /// shares our terminal's Ctrl-C.
    public static func standardOutput() -> PlainLines {
        PlainLines(descriptor: 1, name: "standard output", ownsDescriptor: false)
    }

    /// Writes to a pipe of our own and closes it at the end, so that the reader sees the end of
    /// input. Its writes wait for room without blocking a stop: a reader that stopped reading
    /// would otherwise hold the capture in `write` past Ctrl-C.
    public static func pipe(descriptor: Int32, name: String) -> PlainLines {
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        return PlainLines(descriptor: descriptor, name: name, ownsDescriptor: true)
    }

    private init(descriptor: Int32, name: String, ownsDescriptor: Bool) {
        self.descriptor = descriptor
        self.name = name
        self.ownsDescriptor = ownsDescriptor
    }

    public func open() throws(OutputError) {}

    public func write(_ line: [UInt8], timestamp: Int64) throws(OutputError) {
        try OutputFile.writeAll(descriptor, line + [0x0A], path: name, whenFull: ownsDescriptor ? waitForRoom : nil)
    }

    /// The pipe is full: wait a moment for the reader, unless the capture was stopped meanwhile.
    private func waitForRoom() throws(OutputError) {
        if Task.isCancelled {
            throw OutputError(path: name, detail: "stopped while its reader was not reading", code: ECANCELED)
        }
        var ready = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
        _ = poll(&ready, 1, 100)
    }

    public func checkpoint() throws(OutputError) {}

    public func close() throws(OutputError) {
        if ownsDescriptor && Glibc.close(descriptor) != 0 { throw OutputError.system(path: name) }
    }
}

/// The same lines to several outputs: a live reader and a gzip file kept for later.
public final class TeeOutput: CaptureOutput {
    private let outputs: [any CaptureOutput]

    public init(_ outputs: [any CaptureOutput]) { self.outputs = outputs }

    public func open() throws(OutputError) {
        for output in outputs { try output.open() }
    }

    public func write(_ line: [UInt8], timestamp: Int64) throws(OutputError) {
        for output in outputs { try output.write(line, timestamp: timestamp) }
    }

    public func checkpoint() throws(OutputError) {
        for output in outputs { try output.checkpoint() }
    }

    /// Closes every output, even after one failed to close; reports the first failure.
    public func close() throws(OutputError) {
        var first: OutputError?
        for output in outputs {
            do throws(OutputError) {
                try output.close()
            } catch {
                first = first ?? error
            }
        }
        if let first { throw first }
    }
}

/// Gzip capture files. Lines are compressed into a gzip member that is closed every
/// `flushEveryMillis` (at the end of a round of polls), at rotation and at the end: the file is
/// then a complete multi-member gzip that analyze reads without damage, and a crash loses at
/// most the open member.
///
/// Without rotation the members are appended to `path`, so a restarted capture continues the
/// same file. With rotation each file is named after its first poll:
/// `captures/ccr.jsonl.gz` becomes `captures/ccr-20261130T120000Z.jsonl.gz`, ... (sorted by name =
/// sorted by time, up to 99 files started within one second).
public final class GzipCaptureFiles: CaptureOutput {
    private let path: String
    private let rotation: Rotation
    private let flushEveryMillis: Int64
    private var file: AppendingFile?
    private var member: GzipWriter?
    private var memberOpened: Int64 = 0
    private var fileDay: Int64 = 0
    /// Every file written to, in order.
    public private(set) var paths: [String] = []

    /// A steady clock in milliseconds, for the age of a member: the wall clock can step back.
    private let uptimeMillis: () -> Int64

    public init(
        path: String, rotation: Rotation = Rotation(), flushEveryMillis: Int64 = 60_000,
        uptimeMillis: @escaping () -> Int64 = GzipCaptureFiles.monotonicMillis
    ) {
        self.path = path
        self.rotation = rotation
        self.flushEveryMillis = flushEveryMillis
        self.uptimeMillis = uptimeMillis
    }

    /// Without rotation the file is opened now. With rotation its folder is checked; each file
    /// is created at its first poll, to be named after it.
    public func open() throws(OutputError) {
        if rotation.isEnabled {
            try OutputFile.prepareParentDirectory(of: path)
            if !path.contains("/"), access(".", W_OK | X_OK) != 0 { throw OutputError.system(path: path) }
        } else if file == nil {
            try openFile(firstPoll: 0)
        }
    }

    public func write(_ line: [UInt8], timestamp: Int64) throws(OutputError) {
        // Forward only: answers of one round can arrive a few milliseconds out of order, and one
        // stamped just before midnight after one just past it belongs in the new day's file.
        if file != nil, rotation.daily, Self.day(of: timestamp) > fileDay {
            try closeFile()
        }
        if file == nil { try openFile(firstPoll: timestamp) }
        if member == nil {
            member = GzipWriter(downstream: file!)
            memberOpened = uptimeMillis()
        }
        var bytes = line
        bytes.append(0x0A)
        let open = member!
        let failure: OutputError? = bytes.withUnsafeBytes { buffer in
            do throws(OutputError) {
                try open.write(buffer)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw droppingUnfinishedMember(failure) }
        if let maxBytes = rotation.maxBytes, file!.bytesWritten >= maxBytes { try closeFile() }
    }

    /// `failure` of a write to the file, once the member it cut short is gone: a member cut in
    /// the middle (a full disk) would make the file damaged, which no restart may append to.
    private func droppingUnfinishedMember(_ failure: OutputError) -> OutputError {
        member = nil
        guard let file else { return failure }
        let advice =
            file.dropUnfinished()
            ? "the file ends with its last whole gzip member: make room and capture again"
            : "its last gzip member is cut short: move it away (analyze reads it up to the cut) and capture "
                + "into a new file"
        return OutputError(path: failure.path, detail: failure.detail + "; " + advice, code: failure.code)
    }

    public func checkpoint() throws(OutputError) {
        if member != nil && uptimeMillis() - memberOpened >= flushEveryMillis { try closeMember() }
    }

    public static func monotonicMillis() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
    }

    public func close() throws(OutputError) {
        try closeFile()
    }

    private func closeMember() throws(OutputError) {
        guard let open = member else { return }
        member = nil
        do {
            try open.finish()
        } catch {
            throw droppingUnfinishedMember(error)
        }
    }

    private func closeFile() throws(OutputError) {
        try closeMember()
        guard let open = file else { return }
        file = nil
        try open.close()
    }

    private func openFile(firstPoll: Int64) throws(OutputError) {
        try OutputFile.prepareParentDirectory(of: path)
        let opened: AppendingFile
        if rotation.isEnabled {
            opened = try AppendingFile.createNew(candidates: Self.rotatedNames(path, firstPoll: firstPoll))
        } else {
            opened = try AppendingFile.append(to: path)
            do throws(OutputError) {
                try Self.checkAppendable(path, reading: opened.reopenPath)
            } catch {
                try? opened.close()
                throw error
            }
        }
        file = opened
        fileDay = Self.day(of: firstPoll)
        paths.append(opened.path)
    }

    static func day(of instant: Int64) -> Int64 {
        let millisPerDay: Int64 = 86_400_000
        return instant >= 0 ? instant / millisPerDay : (instant - millisPerDay + 1) / millisPerDay
    }

    /// Members appended after a damaged one (a capture that was killed mid-member) could never be
    /// read: reading stops at damage. So an existing file must be intact gzip to be continued.
    /// `reading` names the file opened for appending, so the file checked is the one written.
    static func checkAppendable(_ path: String, reading opened: String) throws(OutputError) {
        var status = stat()
        guard stat(opened, &status) == 0, status.st_size > 0 else { return }
        var magic: [UInt8] = [0, 0]
        let descriptor = Glibc.open(opened, O_RDONLY | O_CLOEXEC)
        if descriptor >= 0 {
            _ = read(descriptor, &magic, 2)
            Glibc.close(descriptor)
        }
        guard magic == [0x1f, 0x8b] else {
            throw OutputError(
                path: path, detail: "it is not a gzip file: appending gzip to it would mix formats; give another --out")
        }
        let again = Glibc.open(opened, O_RDONLY | O_CLOEXEC)
        guard again >= 0 else { throw OutputError.system(path: path) }
        do {
            try SourceReader().read(InputSource(name: path, descriptor: again)) { _ in }
        } catch  where error.kind == .unreadable || error.kind == .readError {
            throw OutputError(path: path, detail: error.detail)
        } catch {
            throw OutputError(
                path: path,
                detail: "it ends in damage (\(error.kind.rawValue)), so lines appended to it could not be read; "
                    + "move it away, or give another --out")
        }
    }

    /// `dir/name-20261130T120000Z.jsonl.gz`, then `..._02.jsonl.gz`, `_03`, ... should that name be taken.
    static func rotatedNames(_ path: String, firstPoll: Int64) -> some Sequence<String> {
        let (stem, suffix) = Rotation.stem(of: path)
        // 2026-11-30T12:00:00.000Z -> 20261130T120000Z: no colons, which some tools take for a host.
        let stamp = Timestamp.format(firstPoll).filter { $0 != "-" && $0 != ":" }.prefix(15) + "Z"
        let base = stem + "-" + stamp
        // `_` sorts after `.`, so a second file of the same second sorts after the first.
        return (1...).lazy.map { $0 == 1 ? base + suffix : base + ($0 < 10 ? "_0" : "_") + String($0) + suffix }
    }
}
