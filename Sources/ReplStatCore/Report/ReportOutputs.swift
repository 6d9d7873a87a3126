#if canImport(Glibc)
    import Glibc
#endif

/// Where a run's reports go: any of the Markdown report, the HTML report, the JSON report, CSV
/// tables and the OpenMetrics state at the end, each written once the analysis is done. Files are
/// replaced atomically, so a reader never sees half of one (`FileSink`), and together: a file is
/// put in place only once every report file of the run is written (`OutputBatch`).
public struct ReportOutputs: Sendable, Equatable {
    /// Standard output, or a file.
    public enum Destination: Sendable, Equatable, CustomStringConvertible {
        case standardOutput
        case file(String)

        /// `-` is standard output, as for sources.
        public init(_ argument: String) {
            self = argument == "-" ? .standardOutput : .file(argument)
        }

        public var description: String {
            switch self {
            case .standardOutput: "-"
            case .file(let path): path
            }
        }
    }

    public var markdown: Destination?
    public var html: Destination?
    public var json: Destination?
    public var csv: CSVOutput?
    public var openMetrics: Destination?

    /// A folder of CSV tables.
    public struct CSVOutput: Sendable, Equatable {
        public var directory: String
        /// Which tables to write there, in this order.
        public var tables: [CSVReport.Table]

        public init(directory: String, tables: [CSVReport.Table] = CSVReport.Table.allCases) {
            self.directory = directory
            self.tables = tables
        }

        /// The path of each table's file.
        public var paths: [String] { tables.map { directory + "/" + $0.fileName } }
    }

    public init() {}

    public var isEmpty: Bool { markdown == nil && html == nil && json == nil && csv == nil && openMetrics == nil }

    /// The buckets per index of lag over time that these reports draw (`AnalysisOptions.timelineCapacity`):
    /// none for the tables alone.
    public var timelineCapacity: Int {
        if html != nil { return LagTimeline.chartCapacity }
        return markdown != nil ? LagSparkline.capacity : 0
    }

    /// Creates the CSV folder and the folders of the report files, and checks that each report
    /// can be written where it is to go (`OutputFile.prepare`), before the run, so that a run
    /// that cannot write its reports fails before it reads anything.
    public func prepare() throws(OutputError) {
        if let csv {
            try OutputFile.prepareDirectory(csv.directory)
            for path in csv.paths { try OutputFile.prepare(path) }
        }
        for case .file(let path) in [markdown, html, json, openMetrics] { try OutputFile.prepare(path) }
    }

    public func write(_ result: AnalysisResult) throws(OutputError) {
        let batch = OutputBatch()
        if let csv {
            for (table, path) in zip(csv.tables, csv.paths) {
                try table.write(result, to: try FileSink(path: path, batch: batch))
            }
        }
        if let markdown {
            // Fitted to a terminal's width; to a pipe or a file, as it is.
            let width = markdown == .standardOutput ? TerminalWidth.ofStandardOutput() : nil
            try Self.write(Array(MarkdownReport.render(result, width: width).utf8), to: markdown, batch: batch)
        }
        if let html { try Self.write(Array(HtmlReport.render(result).utf8), to: html, batch: batch) }
        if let json {
            switch json {
            case .standardOutput: try JSONReport.write(result, to: FileSink.standardOutput())
            case .file(let path): try JSONReport.write(result, to: try FileSink(path: path, batch: batch))
            }
        }
        if let openMetrics {
            var text = OpenMetricsReport.render(result)
            // The exposition format keeps index names as they are (Prometheus reads them so); a
            // person at a terminal gets their controls as notation, never obeyed.
            if openMetrics == .standardOutput && isatty(1) == 1 {
                text = Array(VisibleText.lines(String(decoding: text, as: UTF8.self)).utf8)
            }
            try Self.write(text, to: openMetrics, batch: batch)
        }
        try batch.place()
    }

    private static func write(_ bytes: [UInt8], to destination: Destination, batch: OutputBatch) throws(OutputError) {
        switch destination {
        case .standardOutput: try OutputFile.writeAll(1, bytes, path: "standard output")
        case .file(let path): try OutputFile.write(bytes, to: path, batch: batch)
        }
    }
}
