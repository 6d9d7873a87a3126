import Foundation
import ReplStatSimulate
import ReplStatTestSupport
import Testing

@testable import ReplStatCore

/// The pieces of a distributed analysis (docs/distributed.md): the partition hash, the records'
/// framing, the partial documents, and their merge, which gives the result of a single run.
@Suite struct DistributeTests {
    // MARK: The hash

    /// FNV-1a 64: the published test vectors ("", "a", "foobar"), and names computed with
    /// Python's integers (docs/distributed.md shows how).
    @Test(arguments: [
        ("", 0xcbf2_9ce4_8422_2325 as UInt64), ("a", 0xaf63_dc4c_8601_ec8c), ("foobar", 0x8594_4171_f739_67e8),
        ("follower-01", 0x6e6e_81ce_ce56_c341), ("alpha", 0x8ac6_25bb_85ed_202b), ("café", 0x48e8_823a_cfa4_0d89),
    ])
    func hashIsFNV1a64(_ name: String, _ expected: UInt64) {
        #expect(Partitioning.hash(Array(name.utf8)) == expected)
    }

    @Test func partitionIsTheHashModuloTheCount() {
        #expect(Partitioning.partition(of: Array("follower-01".utf8), count: 16) == 1)
        #expect(Partitioning.partition(of: Array("follower-01".utf8), count: 7) == 6)
        #expect(Partitioning.partition(of: Array("café".utf8), count: 7) == 0)
        #expect(Partitioning.partition(of: Array("alpha".utf8), count: 1) == 0)
    }

    // MARK: Records

    @Test(arguments: [
        Array("{\"a\":1}".utf8), [], [0x09, 0x09], Array("{\"a\":\t1}\r".utf8), [0x0D, 0x0D], [0xFF, 0xFE, 0x00, 0xC3],
        [0x00], Array("S\t".utf8), Array("1\t2\t3\t4".utf8),
    ])
    func recordsKeepEveryByteOfTheirLine(_ line: [UInt8]) throws {
        var out: [UInt8] = []
        line.withUnsafeBytes {
            SplitRecord.append(partition: 12, ordinal: 3, lineNumber: 9_000_000_001, line: $0, to: &out)
        }
        #expect(out.last == 0x0A)
        #expect(out.filter { $0 == 0x0A }.count == 1)
        let record = try SplitRecord.parse(out.dropLast())
        #expect(record.partition == 12 && record.ordinal == 3 && record.lineNumber == 9_000_000_001)
        #expect(Array(record.bytes) == line)
    }

    @Test(arguments: [
        "", "1", "1\t2", "1\t2\t3", "x\t2\t3\t{}", "1\t-2\t3\t{}", "1\t2\t0\t{}", "1\t\t3\t{}", "+1\t2\t3\t{}",
        "1\t2\t1234567890123456789012\t{}", "S\treplstat-partial\t2",
    ])
    func malformedRecordsAreRefused(_ line: String) {
        #expect(throws: SplitRecord.Problem.self) { try SplitRecord.parse(Array(line.utf8)[...]) }
    }

    /// A number of more digits than a record has is out of range, not "not a number".
    @Test(arguments: [
        ("1\t2\t9223372036854775807\t{}", "its line number is out of range (0 to 999999999999999999)"),
        ("1\t12345678901234567890123\t3\t{}", "its source ordinal is out of range (0 to 999999999999999999)"),
        ("1\t2\t999999999999999999x\t{}", "its line number is not a decimal number"),
        ("1\t2\t3", "it ends before its line number and a TAB"),
        ("1\t\t3\t{}", "it ends before its source ordinal and a TAB"),
    ])
    func malformedRecordsSayWhatIsWrong(_ line: String, _ says: String) {
        #expect(throws: SplitRecord.Problem(message: says)) { try SplitRecord.parse(Array(line.utf8)[...]) }
    }

    @Test func theLargestNumbersOfARecordAreTaken() throws {
        let record = try SplitRecord.parse(Array("999999999999999999\t0\t999999999999999999\t{}".utf8)[...])
        #expect(record.partition == 999_999_999_999_999_999 && record.lineNumber == 999_999_999_999_999_999)
    }

    // MARK: Partial documents

    /// A capture of every kind of sample, in three files: a verbose one with hot shards and
    /// odd lines, and two plain ones whose indices are also in the first.
    static func sources() throws -> [String] {
        var options = SimulationOptions()
        options.indices = 9
        options.polls = 60
        options.verbose = true
        options.dirty = true
        options.shards = 3
        options.hotShard = true
        let verbose = Simulator(options: options).generate()
        let lines = verbose.split(separator: 0x0A, omittingEmptySubsequences: false)
        // Lines of the first file again, later and in another order: late and duplicate samples.
        let again = Array(lines.prefix(200).reversed().joined(separator: [0x0A]))
        options.verbose = false
        options.dirty = false
        options.seed = 7
        options.startMillis += 600_000
        let later = Simulator(options: options).generate()
        return [
            try ScratchFile.write(verbose, name: "first.jsonl"), try ScratchFile.write(again, name: "again.jsonl"),
            try ScratchFile.write(later, name: "later.jsonl"),
        ]
    }

    /// The documents of a distributed analysis of `sources`: each partition's, then the source
    /// records, each as the bytes of a file.
    static func documents(_ sources: [String], partitions: Int, options: AnalysisOptions = AnalysisOptions()) throws
        -> [[UInt8]]
    {
        var records = Array(repeating: [UInt8](), count: partitions)
        var sourceRecords: [UInt8] = []
        for (ordinal, source) in sources.enumerated() {
            let sink = MemorySink()
            _ = try SourceSplit(partitions: partitions, ordinal: ordinal, name: source, options: options, to: sink)
                .run(InputSource(source))
            for line in sink.bytes.split(separator: 0x0A) {
                if line.starts(with: SplitRecord.sourceTag) {
                    sourceRecords += line + [0x0A]
                } else {
                    records[try SplitRecord.parse(line).partition] += line + [0x0A]
                }
            }
        }
        var documents: [[UInt8]] = []
        for partition in records {
            let path = try ScratchFile.write(partition, name: "records")
            defer { ScratchFile.remove(path) }
            let sink = MemorySink()
            try PartialAnalysis(options: options).run(InputSource(path)).write(to: sink)
            documents.append(sink.bytes)
        }
        return documents + [sourceRecords]
    }

    /// Merge's limit that takes the documents of any analysis.
    static let anyLineBytes = AnalysisOptions.maxLineBytesLimit.range.upperBound

    /// The merge of documents given as files, in this order.
    static func merge(_ documents: [[UInt8]]) throws(PartialInputError) -> AnalysisResult {
        var merge = ResultMerge()
        for document in documents {
            let path = try! ScratchFile.write(document, name: "partial")
            defer { ScratchFile.remove(path) }
            try merge.add(try PartialReader.read(InputSource(path), maxLineBytes: Self.anyLineBytes), from: path)
        }
        return try merge.result()
    }

    /// Every report's bytes.
    static func reports(_ result: AnalysisResult) -> [[UInt8]] {
        CSVReport.files(result).map(\.bytes) + [
            JSONReport.render(result), Array(MarkdownReport.render(result).utf8), Array(HtmlReport.render(result).utf8),
            OpenMetricsReport.render(result),
        ]
    }

    static let reportNames = CSVReport.Table.allCases.map(\.fileName) + ["json", "markdown", "html", "openmetrics"]

    /// Each report the same, or the first line where it differs.
    static func expectSameReports(
        _ got: AnalysisResult, _ expected: AnalysisResult, _ what: String = "",
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        for (name, (got, expected)) in zip(reportNames, zip(reports(got), reports(expected))) where got != expected {
            let gotLines = String(decoding: got, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            let expectedLines = String(decoding: expected, as: UTF8.self).split(
                separator: "\n", omittingEmptySubsequences: false)
            let line =
                zip(gotLines, expectedLines).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                ?? min(gotLines.count, expectedLines.count)
            let gotLine = line < gotLines.count ? String(gotLines[line]) : "(end)"
            let expectedLine = line < expectedLines.count ? String(expectedLines[line]) : "(end)"
            Issue.record(
                "\(what) \(name) differs at line \(line + 1): \(gotLine) instead of \(expectedLine)",
                sourceLocation: sourceLocation)
        }
    }

    static func singleRun(_ sources: [String], options: AnalysisOptions = AnalysisOptions()) -> AnalysisResult {
        var options = options
        options.timelineCapacity = LagTimeline.chartCapacity
        let run = Analysis(options: options)
        run.consume(sources.map(InputSource.init))
        return run.finish()
    }

    @Test(arguments: [1, 2, 5])
    func mergedPartialsAreTheSingleRun(partitions: Int) throws {
        let sources = try Self.sources()
        defer { for source in sources { ScratchFile.remove(source) } }
        let merged = try Self.merge(try Self.documents(sources, partitions: partitions))
        let single = Self.singleRun(sources)
        #expect(single.totals.rejected > 0 && single.totals[.late] > 0 && single.totals[.duplicate] > 0)
        #expect(!single.shards.isEmpty && !single.errorEpisodes.isEmpty && !single.transitions.isEmpty)
        Self.expectSameReports(merged, single)
    }

    /// Written, read back and written again: the same bytes, and the same reports.
    @Test func aDocumentReadsBackAsWritten() throws {
        let sources = try Self.sources()
        defer { for source in sources { ScratchFile.remove(source) } }
        let documents = try Self.documents(sources, partitions: 2)
        for document in documents.dropLast() {
            let path = try ScratchFile.write(document, name: "partial")
            defer { ScratchFile.remove(path) }
            let items = try PartialReader.read(InputSource(path), maxLineBytes: Self.anyLineBytes)
            guard items.count == 1, case .partition(let read) = items[0] else {
                Issue.record("not one partition document")
                continue
            }
            let again = MemorySink()
            try read.write(to: again)
            #expect(again.bytes == document)
            #expect(read.result.indices.contains { $0.timeline != nil })
            #expect(read.result.shards.isEmpty || read.result.shards.contains { $0.peaks != nil })
        }
        let path = try ScratchFile.write(documents.last!, name: "sources")
        defer { ScratchFile.remove(path) }
        let sourceDocuments = try PartialReader.read(InputSource(path), maxLineBytes: Self.anyLineBytes).compactMap {
            item -> SourceDocument? in
            if case .source(let document) = item { return document }
            return nil
        }
        #expect(sourceDocuments.map(\.ordinal) == [0, 1, 2])
        #expect(Array(sourceDocuments.map { SplitRecord.sourceTag + $0.line }.joined()) == documents.last!)
    }

    /// The documents of 3 partitions and the source records, in all 24 orders: the same bytes.
    @Test func anyOrderGivesTheSameReports() throws {
        let sources = try Self.sources()
        defer { for source in sources { ScratchFile.remove(source) } }
        let documents = try Self.documents(sources, partitions: 3)
        let expected = try Self.merge(documents)
        func permutations(_ items: [[UInt8]]) -> [[[UInt8]]] {
            guard items.count > 1 else { return [items] }
            return items.indices.flatMap { position in
                var rest = items
                let first = rest.remove(at: position)
                return permutations(rest).map { [first] + $0 }
            }
        }
        let orders = permutations(documents)
        #expect(orders.count == 24)
        for order in orders {
            Self.expectSameReports(try Self.merge(order), expected)
        }
    }

    /// A source that cannot be opened keeps its place and its message; settings travel.
    @Test func aFailedSourceAndOtherSettings() throws {
        let sources = try Self.sources()
        defer { for source in sources { ScratchFile.remove(source) } }
        var options = AnalysisOptions()
        options.maxGap = 30_000
        options.reorderWindow = 5_000
        options.stallAfter = 20_000
        options.maxLineBytes = 500
        let withMissing = [sources[0], "/nonexistent/replstat-capture.jsonl", sources[2]]
        let merged = try Self.merge(try Self.documents(withMissing, partitions: 3, options: options))
        let single = Self.singleRun(withMissing, options: options)
        #expect(single.failures.map(\.description) == merged.failures.map(\.description))
        #expect(merged.failures.count == 1)
        Self.expectSameReports(merged, single)
    }

    // MARK: Refusing what does not fit

    struct Refused: Sendable, CustomTestStringConvertible {
        var what: String
        /// Changes the documents (the partitions', then the source records).
        var change: @Sendable ([[UInt8]]) -> [[UInt8]]
        var isRefusal: Bool
        var says: String

        var testDescription: String { what }
    }

    static func replacing(_ old: String, _ new: String, in document: Int) -> @Sendable ([[UInt8]]) -> [[UInt8]] {
        { documents in
            var documents = documents
            let text = String(decoding: documents[document], as: UTF8.self)
            documents[document] = Array(text.replacingOccurrences(of: old, with: new).utf8)
            return documents
        }
    }

    /// Changes the fields of the first line of `tag` whose fields are `such`.
    static func changingLine(
        _ tag: String, in document: Int, where such: @escaping @Sendable ([String]) -> Bool = { _ in true },
        _ change: @escaping @Sendable ([String]) -> [String]
    ) -> @Sendable ([[UInt8]]) -> [[UInt8]] {
        { documents in
            var documents = documents
            var lines = String(decoding: documents[document], as: UTF8.self).split(separator: "\n").map(String.init)
            let fields = lines.map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
            if let position = fields.firstIndex(where: { $0[0] == tag && such($0) }) {
                lines[position] = change(fields[position]).joined(separator: "\t")
            } else {
                Issue.record("no '\(tag)' line to change")
            }
            documents[document] = Array((lines.joined(separator: "\n") + "\n").utf8)
            return documents
        }
    }

    /// Sets field `position` of the first line of `tag` of the first document whose fields are `such`.
    static func settingField(
        _ tag: String, _ position: Int, where such: @escaping @Sendable ([String]) -> Bool = { _ in true },
        to value: @escaping @Sendable ([String]) -> String
    ) -> @Sendable ([[UInt8]]) -> [[UInt8]] {
        changingLine(tag, in: 0, where: such) { fields in
            var fields = fields
            fields[position] = value(fields)
            return fields
        }
    }

    static let refusals: [Refused] = [
        Refused(
            what: "another version", change: replacing("replstat-partial\t2\t", "replstat-partial\t1\t", in: 0),
            isRefusal: true, says: "version 1; this one reads version 2"),
        Refused(
            what: "other settings", change: replacing("max-gap=300000", "max-gap=120000", in: 1), isRefusal: true,
            says: "--max-gap 120 and 300"),
        Refused(what: "a partition missing", change: { Array($0.dropFirst()) }, isRefusal: true, says: "account for"),
        Refused(what: "a partition twice", change: { [$0[0]] + $0 }, isRefusal: true, says: "also in another partial"),
        Refused(what: "no source records", change: { Array($0.dropLast()) }, isRefusal: true, says: "no source record"),
        Refused(
            what: "a source record twice", change: { $0 + [$0.last!] }, isRefusal: true, says: "comes twice"),
        Refused(
            what: "cut short", change: { documents in [Array(documents[0].dropLast(40))] + documents.dropFirst() },
            isRefusal: false, says: "cut short"),
        Refused(
            what: "without its end", change: replacing("\nend\t", "\nfin\t", in: 0), isRefusal: false,
            says: "'fin' is not a line"),
        Refused(
            what: "a wrong line count", change: changingLine("end", in: 0) { $0.prefix(1) + ["3"] }, isRefusal: false,
            says: "says 3 lines"),
        Refused(
            what: "garbage", change: { [[0x00, 0xFF, 0x0A]] + $0 }, isRefusal: false, says: "not a partial document"),
        Refused(
            what: "records", change: { [Array("0\t0\t1\t{}\n".utf8)] + $0 }, isRefusal: false,
            says: "is a record of `replstat split`"),
        Refused(
            what: "a line without end", change: { [Array(repeating: UInt8(ascii: "x"), count: 500_000)] + $0 },
            isRefusal: false, says: "longer than"),
        Refused(
            what: "an index id out of range",
            change: changingLine("index", in: 0) { ["index", "99999"] + $0.dropFirst(2) },
            isRefusal: false, says: "field 1 of the 'index' line (index)"),
        Refused(
            what: "a lag sum that does not add up",
            change: changingLine("index", in: 0, where: { !$0[20].isEmpty }) { fields in
                var fields = fields
                fields[24] = "340282366920938463463374607431768211455"
                return fields
            }, isRefusal: false, says: "do not add up"),
        Refused(
            what: "times that do not add up",
            change: changingLine("index", in: 0, where: { $0[2] != "0" }) { fields in
                var fields = fields
                fields[11] = String(Int(fields[11])! + 1)
                return fields
            }, isRefusal: false, says: "times of the index"),
        Refused(
            what: "a time past the year 9999",
            change: changingLine("transition", in: 0) { fields in
                var fields = fields
                fields[2] = "9223372036854775807"
                return fields
            }, isRefusal: false, says: "timestamp"),
        Refused(
            what: "a timeline past any time",
            change: changingLine("timeline", in: 0, where: { $0[5] != "0" }) { fields in
                var fields = fields
                fields[4] = String(Int64.max / 4)
                return fields
            }, isRefusal: false, says: "past any time"),
        Refused(
            what: "a timeline of more buckets than figures",
            change: changingLine("timeline", in: 0) { fields in
                var fields = fields
                fields[5] = "100"
                return fields
            }, isRefusal: false, says: "claims 100 buckets"),
        Refused(
            what: "shard peaks of more buckets than figures",
            change: settingField("shard-peaks", 5, where: { (4..<32).contains(Int($0[5])!) }) { _ in "32" },
            isRefusal: false, says: "claim 32 buckets"),
        Refused(
            what: "shard peaks past 32 buckets", change: settingField("shard-peaks", 5) { _ in "33" }, isRefusal: false,
            says: "(buckets)"),
        Refused(
            what: "shard peaks that end without a lag sample",
            change: changingLine("shard-peaks", in: 0) { fields in fields.dropLast() + [""] },
            isRefusal: false, says: "end in a bucket without lag sample"),
        Refused(
            what: "shard peaks above the shard's max lag",
            change: changingLine("shard-peaks", in: 0) { fields in fields.dropLast() + ["18446744073709551615"] },
            isRefusal: false, says: "highest peak is not its max lag"),
        Refused(
            what: "shard peaks past any time",
            change: settingField("shard-peaks", 4, where: { (4..<32).contains(Int($0[5])!) }) { _ in
                String(Int64.max / 4)
            }, isRefusal: false, says: "past any time"),
        Refused(
            what: "shard peaks away from their shard",
            change: settingField("shard-peaks", 2) { String(UInt32($0[2])! + 1000) }, isRefusal: false,
            says: "do not follow its shard"),
        Refused(
            what: "a bad text", change: changingLine("text", in: 0) { _ in ["text", "%G0"] }, isRefusal: false,
            says: "field 1 of the 'text' line"),
        Refused(
            what: "an index name that is not UTF-8", change: changingLine("name", in: 0) { _ in ["name", "%FF%FE"] },
            isRefusal: false, says: "index name"),
        Refused(
            what: "an empty index name", change: changingLine("name", in: 0) { _ in ["name", ""] },
            isRefusal: false, says: "index name"),
        Refused(
            what: "an index name past 255 bytes",
            change: changingLine("name", in: 0) { _ in ["name", String(repeating: "a", count: 256)] },
            isRefusal: false, says: "index name"),
        Refused(
            what: "a text that is not UTF-8", change: changingLine("text", in: 0) { _ in ["text", "a%C3"] },
            isRefusal: false, says: "not UTF-8"),
        Refused(
            what: "an unknown failure",
            change: changingLine("S", in: 3) { fields in
                var fields = fields
                fields[fields.count - 3] = "exploded"
                return fields
            }, isRefusal: false, says: "'exploded'"),
    ]

    @Test(arguments: refusals)
    func damagedOrMismatchedDocumentsAreRefused(_ refused: Refused) throws {
        let sources = try Self.sources()
        defer { for source in sources { ScratchFile.remove(source) } }
        let documents = refused.change(try Self.documents(sources, partitions: 3))
        do {
            _ = try Self.merge(documents)
            Issue.record("\(refused.what): merged")
        } catch {
            #expect(error.isRefusal == refused.isRefusal, "\(refused.what): \(error)")
            #expect(error.message.contains(refused.says), "\(refused.what): \(error)")
        }
    }
}
