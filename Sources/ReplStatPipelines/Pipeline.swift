import ReplStatCore

/// A pipeline file, read and checked: where the captures come from, the analysis options, and
/// every place the results go. One run of the analysis feeds all of its sinks.
public struct Pipeline: Sendable {
    public var sources: [PipelineSource]
    /// The options of the file's `analysis` block; the CLI's defaults where it is silent.
    public var options = AnalysisOptions()
    /// Exit with status 3 when any line is rejected.
    public var strict = false
    /// The `markdown`, `json` and `csv` sinks.
    public var reports = ReportOutputs()
    /// The rejects file (`rejects` sink), as `analyze --rejects`.
    public var rejects: String?
    /// Live events, as `replstat watch` prints them.
    public var watch: WatchSink?

    public init(sources: [PipelineSource]) {
        self.sources = sources
    }

    /// The capture source, if the pipeline polls a cluster itself.
    public var capture: CaptureOptions? {
        for source in sources {
            if case .capture(let capture) = source.kind { return capture }
        }
        return nil
    }

    /// The pipeline with its sources replaced by command-line arguments (paths or `-`, which
    /// the shell has already globbed).
    public func replacingSources(with arguments: [String]) -> Pipeline {
        var copy = self
        copy.sources = arguments.map { PipelineSource($0 == "-" ? .standardInput : .path($0), at: nil) }
        return copy
    }

    /// The pipeline with every relative path it writes taken relative to `directory` instead of
    /// the current directory (`replstat run --out-dir`); standard output stays.
    public func rerooted(under directory: String) -> Pipeline {
        func reroot(_ path: String) -> String {
            path.hasPrefix("/") ? path : (directory.hasSuffix("/") ? directory : directory + "/") + path
        }
        func reroot(_ destination: ReportOutputs.Destination?) -> ReportOutputs.Destination? {
            guard case .file(let path) = destination else { return destination }
            return .file(reroot(path))
        }
        var copy = self
        copy.reports.markdown = reroot(reports.markdown)
        copy.reports.json = reroot(reports.json)
        if let csv = reports.csv { copy.reports.csv?.directory = reroot(csv.directory) }
        copy.rejects = rejects.map(reroot)
        if let to = reroot(watch?.to) { copy.watch?.to = to }
        copy.sources = sources.map { source in
            guard case .capture(var capture) = source.kind, let out = capture.out else { return source }
            capture.out = reroot(out)
            return PipelineSource(.capture(capture), at: source.location)
        }
        return copy
    }
}

/// One item of `sources`.
public struct PipelineSource: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A capture file, plain or gzip.
        case path(String)
        /// A pattern of `*`, `?` and `[...]`, expanded when the pipeline runs.
        case glob(String)
        /// `-` or `stdin`.
        case standardInput
        /// Poll a cluster and analyze what it answers.
        case capture(CaptureOptions)
    }

    public var kind: Kind
    /// Where the file names it; nil for a source given on the command line.
    public var location: FileLocation?

    public init(_ kind: Kind, at location: FileLocation?) {
        self.kind = kind
        self.location = location
    }
}

/// The `watch` sink: live events, as `replstat watch` prints them.
public struct WatchSink: Sendable, Equatable {
    public var to: ReportOutputs.Destination = .standardOutput
    public var format: EventFormat.Style = .jsonl
    /// `lag-above` and `for`.
    public var lagAlert: LagAlert?
    public var showRejects = false
    public var summary = false

    public init() {}
}
