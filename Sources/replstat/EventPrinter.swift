import ReplStatCore

#if canImport(Glibc)
    import Glibc
#endif

/// Writes each event the moment it is emitted, unbuffered, to standard output or a file, so
/// that a pipeline downstream (or `tail -f`) sees it at once. A reader that goes away ends the
/// program (`readerWentAway`), and so does any other failure to write (a full disk), which
/// would lose events.
final class EventPrinter: LiveEventSink {
    let format: EventFormat.Style
    let showRejects: Bool
    /// The names of the ids the events carry, as the run knows them when each event comes.
    private let names: NameResolver
    private(set) var printed = 0
    /// Ends the program when the reader went away (`| head`): nothing more can be shown.
    var readerWentAway: () -> Never = { ProcessControl.exit(ExitStatus.done) }
    private let descriptor: Int32
    private let path: String

    /// Opens the destination; a file is created or emptied, and written as events come.
    init(
        format: EventFormat.Style, showRejects: Bool, names: NameResolver, to destination: ReportOutputs.Destination
    ) throws(OutputError) {
        self.format = format
        self.showRejects = showRejects
        self.names = names
        switch destination {
        case .standardOutput:
            descriptor = 1
            path = "standard output"
        case .file(let file):
            descriptor = try OutputFile.create(file)
            path = file
        }
    }

    deinit {
        if descriptor != 1 { close(descriptor) }
    }

    func start() {
        if format == .csv { write(CSVTable(header: EventFormat.csvHeader).bytes) }
    }

    func emit(_ event: LiveEvent) {
        if case .reject = event, !showRejects { return }
        let fields = EventFormat.fields(event, name: names.indexName, text: names.text)
        write(format == .csv ? EventFormat.csvLine(fields) : EventFormat.jsonLine(fields))
        printed += 1
    }

    private func write(_ bytes: [UInt8]) {
        do {
            try OutputFile.writeAll(descriptor, bytes, path: path)
        } catch  where error.code == EPIPE {
            readerWentAway()
        } catch {
            ProcessControl.fail("\(error)")
        }
    }
}
