import ReplStatCore

/// A pipeline file, read and checked: where the captures come from, the analysis options, and
/// every place the results go. One run of the analysis feeds all of its sinks.
public struct Pipeline: Sendable {
    public var sources: [PipelineSource]
    /// The options of the file's `analysis` block; the CLI's defaults where it is silent.
    public var options = AnalysisOptions()
    /// Exit with status 3 when any line is rejected.
    public var strict = false
    /// The `markdown`, `html`, `json`, `openmetrics` and `csv` sinks.
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

    /// What the pipeline reads besides its sources, which no sink may replace: the capture's
    /// `index-file` and `ca-file`.
    public var otherInputs: [(path: String, role: String)] {
        guard let capture else { return [] }
        var inputs: [(path: String, role: String)] = []
        if let indexFile = capture.indexFile { inputs.append((indexFile, "the capture's index-file")) }
        if let caFile = capture.caFile { inputs.append((caFile, "the capture's ca-file")) }
        return inputs
    }

    /// The pipeline with its sources replaced by command-line arguments (paths or `-`, which
    /// the shell has already globbed).
    public func replacingSources(with arguments: [String]) -> Pipeline {
        var copy = self
        copy.sources = arguments.map { PipelineSource($0 == "-" ? .standardInput : .path($0), at: nil) }
        return copy
    }

    /// The pipeline writing into `directory` what it writes into its own output folder
    /// (`replstat run --out-dir`): the deepest folder that holds every relative path it writes.
    /// nightly-report.yaml's `reports/nightly/report.md` and `reports/nightly/csv` become
    /// `DIR/report.md` and `DIR/csv`, as an operator who names the folder of tonight's reports
    /// expects. Absolute paths and standard output stay. Throws when a relative path climbs out
    /// of that folder (`../x.md` beside `reports/y.json`): under DIR it would climb out of DIR.
    public func rerooted(under directory: String) throws(OutDirError) -> Pipeline {
        let shared = OutputFolder.shared(by: writtenFolders)
        func reroot(_ path: String) throws(OutDirError) -> String {
            guard let moved = shared.replaced(in: path, by: directory) else {
                throw OutDirError(directory: directory, path: path)
            }
            return moved
        }
        func reroot(_ destination: ReportOutputs.Destination?) throws(OutDirError) -> ReportOutputs.Destination? {
            guard case .file(let path) = destination else { return destination }
            return .file(try reroot(path))
        }
        var copy = self
        copy.reports.markdown = try reroot(reports.markdown)
        copy.reports.html = try reroot(reports.html)
        copy.reports.json = try reroot(reports.json)
        copy.reports.openMetrics = try reroot(reports.openMetrics)
        if let csv = reports.csv { copy.reports.csv?.directory = try reroot(csv.directory) }
        if let rejects { copy.rejects = try reroot(rejects) }
        if let to = try reroot(watch?.to) { copy.watch?.to = to }
        if let metrics = watch?.metrics { copy.watch?.metrics?.path = try reroot(metrics.path) }
        copy.sources = []
        for source in sources {
            guard case .capture(var capture) = source.kind, let out = capture.out else {
                copy.sources.append(source)
                continue
            }
            capture.out = try reroot(out)
            copy.sources.append(PipelineSource(.capture(capture), at: source.location))
        }
        return copy
    }

    /// The folders the pipeline writes files into: each output file's folder, and the CSV folder.
    private var writtenFolders: [String] {
        let destinations = [reports.markdown, reports.html, reports.json, reports.openMetrics, watch?.to]
        var files = destinations.compactMap { destination -> String? in
            if case .file(let path) = destination { path } else { nil }
        }
        files += [rejects, capture?.out, watch?.metrics?.path].compactMap { $0 }
        return files.map(OutputFolder.parent) + (reports.csv.map { [$0.directory] } ?? [])
    }
}

/// A path of the pipeline that `--out-dir` cannot hold: it climbs out of the pipeline's output folder.
public struct OutDirError: Error, CustomStringConvertible {
    public let directory: String
    public let path: String

    public var description: String {
        "--out-dir \(directory) cannot hold \(path): it climbs out of the pipeline's output folder; "
            + "write it under that folder, or give it as an absolute path"
    }
}

/// The output folder that `--out-dir` replaces, as path components; empty when the relative
/// paths share no folder (they then go under DIR as they are).
struct OutputFolder {
    let components: [Substring]

    /// The deepest folder that holds every relative folder of `folders` (absolute ones do not
    /// count). It stops short of a `..` that follows it in any path: taking `a` out of
    /// `a/../b` would send the path out of DIR.
    static func shared(by folders: [String]) -> OutputFolder {
        let relative = folders.filter { !$0.hasPrefix("/") }.map(components)
        guard var shared = relative.first else { return OutputFolder(components: []) }
        for folder in relative.dropFirst() {
            shared = Array(zip(shared, folder).prefix { $0 == $1 }.map(\.0))
        }
        while !shared.isEmpty && relative.contains(where: { $0.count > shared.count && $0[shared.count] == ".." }) {
            shared.removeLast()
        }
        return OutputFolder(components: shared)
    }

    /// The folder a file is written into: its path without its last component.
    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[..<slash])
    }

    /// The path's components, without empty ones and `.`.
    private static func components(_ path: String) -> [Substring] {
        path.split(separator: "/").filter { $0 != "." }
    }

    /// `path` with this folder replaced by `directory`; an absolute path as it is; nil when the
    /// rest of the path climbs (`..`) out of the folder.
    func replaced(in path: String, by directory: String) -> String? {
        guard !path.hasPrefix("/") else { return path }
        let rest = Self.components(path).dropFirst(components.count)
        var depth = 0
        for component in rest {
            depth += component == ".." ? -1 : 1
            if depth < 0 { return nil }
        }
        let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        guard !rest.isEmpty else { return base.isEmpty ? directory : base }
        return base + "/" + rest.joined(separator: "/")
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
    /// `metrics-file`, `metrics-interval` and `metrics-stale`.
    public var metrics: MetricsFile.Settings?

    public init() {}
}
