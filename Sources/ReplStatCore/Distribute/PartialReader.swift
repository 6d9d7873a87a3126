/// A document read from a file given to `merge`.
public enum PartialItem: Sendable {
    case source(SourceDocument)
    case partition(PartitionDocument)
}

/// Why `merge` cannot use its inputs. A damaged or unreadable file fails the merge with
/// status 1; documents of another format version, of other settings, or that do not make one
/// whole analysis together are refused with status 2 (docs/distributed.md).
public struct PartialInputError: Error, CustomStringConvertible {
    public var message: String
    /// The documents are whole but cannot go together (status 2), rather than damaged (1).
    public var isRefusal: Bool

    public var description: String { message }
}

/// Reads the documents of one file given to `merge`: any number of source records (`S` lines,
/// or source documents alone) and partition documents, one after the other.
public enum PartialReader {
    private static let damaged =
        "not a partial document of replstat, or damaged; make it again with `replstat split` or "
        + "`replstat analyze --format partial`"

    /// The longest line outside a partition's rows: a source record names its source as given on
    /// split's command line, where Linux allows an argument of 128 KiB, percent-encoded to three
    /// times that; a shorter limit refused what analyze reports.
    static let lineLimit = 3 * 128 * 1024 + 64 * 1024

    /// Reads the documents of `input`, refusing those of an analysis with a `--max-line-bytes`
    /// above `maxLineBytes` before any of their rows: a partition's lines may be three times that
    /// long, and the header that says so is the partial's own word, so the bound on what merge
    /// holds in memory must come from merge.
    public static func read(_ input: InputSource, maxLineBytes: Int) throws(PartialInputError) -> [PartialItem] {
        let lines: BoundedLineReader
        do {
            lines = try BoundedLineReader(input, limit: lineLimit)
        } catch {
            throw PartialInputError(message: "\(error)", isRefusal: false)
        }
        func fail(_ message: String, isRefusal: Bool = false) -> PartialInputError {
            PartialInputError(message: "\(input.name): line \(lines.lineNumber): \(message)", isRefusal: isRefusal)
        }
        var items: [PartialItem] = []
        while let line = try next(lines) {
            let isRecord = line.starts(with: SplitRecord.sourceTag)
            var fields = PartialFields(isRecord ? line.dropFirst(2) : line)
            guard fields.tag == PartialFormat.magic else {
                if line.first.map({ (0x30...0x39).contains($0) }) == true {
                    throw fail("is a record of `replstat split`: give merge the partial documents and the S lines")
                }
                throw fail(damaged)
            }
            let version = try? fields.number("version", as: Int.self)
            guard version == PartialFormat.version else {
                throw fail(
                    "made by a replstat of partial format version \(version.map(String.init) ?? "unknown"); this one "
                        + "reads version \(PartialFormat.version): run split, the partial analyses and merge with the "
                        + "same replstat",
                    isRefusal: true)
            }
            let kind = (try? fields.word("kind")) ?? ""
            let settings: PartialSettings
            do throws(PartialFields.Problem) {
                settings = try PartialSettings.read(&fields)
                switch kind {
                case SourceDocument.kind:
                    items.append(.source(try SourceDocument.read(&fields, settings: settings)))
                    continue
                case PartitionDocument.kind where !isRecord:
                    try fields.end()
                default:
                    throw PartialFields.Problem(
                        message: "a document of the unknown kind '\(VisibleText.escaped(kind))'")
                }
            } catch {
                throw fail("\(error.message): \(damaged)")
            }
            guard settings.maxLineBytes <= maxLineBytes else {
                throw fail(
                    "made with --max-line-bytes \(settings.maxLineBytes), more than merge takes (--max-line-bytes "
                        + "\(maxLineBytes)): give merge the --max-line-bytes of the analysis",
                    isRefusal: true)
            }
            var reading = PartitionReading(lines: lines, settings: settings)
            items.append(.partition(try reading.read { fail($0) }))
        }
        return items
    }

    fileprivate static func next(
        _ lines: BoundedLineReader
    ) throws(PartialInputError) -> ArraySlice<UInt8>? {
        do {
            return try lines.nextLine()
        } catch {
            switch error {
            case .source(let failure): throw PartialInputError(message: "\(failure)", isRefusal: false)
            // The line is the one that failed, which may come after the last line returned.
            case .tooLong(let line, let limit):
                throw PartialInputError(
                    message: "\(lines.name): line \(line): longer than \(limit) bytes: \(damaged)", isRefusal: false)
            case .unterminated(let line):
                throw PartialInputError(
                    message: "\(lines.name): line \(line): ends without LF: the file was cut short", isRefusal: false)
            }
        }
    }
}

/// Reads the lines of a partition document after its header, up to its `end` line: sections in
/// their order (sources, names, texts, then rows), every row's index with its summary.
private struct PartitionReading {
    let lines: BoundedLineReader
    let settings: PartialSettings
    private var document: PartitionDocument
    private var section = 0
    private var lineCount = 1
    private var indexNames = StringTable()
    private var texts = StringTable(memoryBudget: 16 << 20)
    /// Per name id, the position of its summary; -1 before it.
    private var summaryOf: [Int] = []
    private var shardKeys = Set<UInt64>()

    init(lines: BoundedLineReader, settings: PartialSettings) {
        self.lines = lines
        self.settings = settings
        document = PartitionDocument(
            settings: settings, sources: [],
            result: AnalysisResult(sources: [], indexNames: StringTable(), texts: StringTable()))
        // A text may be a whole line of a capture, percent-encoded.
        lines.limit = max(PartialReader.lineLimit, 3 * settings.maxLineBytes + 64)
    }

    private static let sections = ["source": 0, "name": 1, "text": 2]

    mutating func read(_ fail: (String) -> PartialInputError) throws(PartialInputError) -> PartitionDocument {
        while let line = try PartialReader.next(lines) {
            var fields = PartialFields(line)
            do throws(PartialFields.Problem) {
                if fields.tag == "end" {
                    let count = try fields.number("lines", as: Int.self)
                    try fields.end()
                    guard count == lineCount else {
                        throw PartialFields.Problem(message: "the document says \(count) lines and has \(lineCount)")
                    }
                    document.result.indexNames = indexNames
                    document.result.texts = texts
                    return document
                }
                lineCount += 1
                try take(&fields)
            } catch {
                throw fail(error.message + "; the file is not a partial document of this replstat, or it is damaged")
            }
        }
        throw fail("ends before the document's 'end' line: the file was cut short")
    }

    private mutating func take(_ fields: inout PartialFields) throws(PartialFields.Problem) {
        let section = Self.sections[fields.tag] ?? 3
        guard section >= self.section else {
            throw PartialFields.Problem(message: "a '\(fields.tag)' line after the rows")
        }
        self.section = section
        let rows = PartialRowReader(indexNames: indexNames.count, texts: texts.count)
        switch fields.tag {
        case "source":
            let ordinal = try fields.number("ordinal", in: 0...Int(Int32.max))
            var counts = OutcomeCounts()
            for outcome in Outcome.allCases {
                counts.add(outcome, try fields.number(outcome.name, in: 0...PartialFormat.countLimit))
            }
            try fields.end()
            guard ordinal > document.sources.last?.ordinal ?? -1 else {
                throw PartialFields.Problem(message: "source \(ordinal) comes out of order")
            }
            document.sources.append((ordinal, counts))
        case "name":
            let name = try fields.text("name")
            // A name a capture can give (RecordDecoder): one that reports could not tell apart
            // from another, or that the analysis rejects, comes from no analysis.
            guard (1...RecordDecoder.maxIndexBytes).contains(name.count), Self.isUTF8(name) else {
                throw PartialFields.Problem(
                    message: "an index name that no capture has (empty, past 255 bytes or not UTF-8)")
            }
            try intern(name, into: &indexNames, fields)
            summaryOf.append(-1)
        case "text":
            let text = try fields.text("text")
            guard Self.isUTF8(text) else { throw PartialFields.Problem(message: "a text that is not UTF-8") }
            try intern(text, into: &texts, fields)
        case "index":
            let summary = try rows.summary(&fields)
            guard summaryOf[Int(summary.index)] < 0 else {
                throw PartialFields.Problem(message: "an index comes twice")
            }
            summaryOf[Int(summary.index)] = document.result.indices.count
            document.result.indices.append(summary)
        case "timeline":
            let (index, timeline) = try rows.timeline(&fields)
            guard let last = document.result.indices.indices.last, document.result.indices[last].index == index,
                document.result.indices[last].timeline == nil
            else { throw PartialFields.Problem(message: "a timeline does not follow its index") }
            document.result.indices[last].timeline = timeline
        case "transition":
            document.result.transitions.append(try known(rows.transition(&fields)))
        case "stall":
            document.result.stalls.append(try known(rows.stall(&fields)))
        case "gap":
            document.result.gaps.append(try known(rows.gap(&fields)))
        case "episode":
            document.result.errorEpisodes.append(try known(rows.episode(&fields)))
        case "open":
            document.result.stillOpen.append(try known(rows.open(&fields)))
        case "shard":
            let shard = try known(rows.shard(&fields))
            guard shardKeys.insert(UInt64(UInt32(shard.index)) << 32 | UInt64(shard.shard)).inserted else {
                throw PartialFields.Problem(message: "a shard comes twice")
            }
            document.result.shards.append(shard)
        case "shard-peaks":
            let (index, shard, peaks) = try rows.shardPeaks(&fields)
            guard let last = document.result.shards.indices.last, document.result.shards[last].index == index,
                document.result.shards[last].shard == shard, document.result.shards[last].peaks == nil
            else { throw PartialFields.Problem(message: "a shard's peaks do not follow its shard") }
            // Every lag sample of the shard counts in both.
            guard peaks.peaks.compactMap({ $0 }).max() == document.result.shards[last].max else {
                throw PartialFields.Problem(message: "a shard's highest peak is not its max lag")
            }
            document.result.shards[last].peaks = peaks
        default:
            throw PartialFields.Problem(
                message: "'\(VisibleText.escaped(fields.tag))' is not a line of a partial document")
        }
    }

    private static func isUTF8(_ bytes: [UInt8]) -> Bool {
        String(validating: bytes, as: UTF8.self) != nil
    }

    private func intern(_ bytes: [UInt8], into table: inout StringTable, _ fields: PartialFields) throws(PartialFields
        .Problem)
    {
        let count = table.count
        _ = bytes.withUnsafeBufferPointer { table.intern($0) }
        guard table.count > count else { throw PartialFields.Problem(message: "a \(fields.tag) comes twice") }
    }

    /// `row`, once its index is known to have a summary.
    private func known<Row: IndexedRow>(_ row: Row) throws(PartialFields.Problem) -> Row {
        guard summaryOf[Int(row.index)] >= 0 else {
            throw PartialFields.Problem(message: "a row of an index without its 'index' line")
        }
        return row
    }
}
