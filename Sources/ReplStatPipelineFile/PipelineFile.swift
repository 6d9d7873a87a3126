import ReplStatCapture
import ReplStatCore
import ReplStatPipelines
import Yams

/// Reads and checks pipeline files (YAML; `pipelines/README.md` is the schema). Keys are the
/// command-line flags' names, so that users learn one vocabulary; every mistake is reported
/// with its `FILE:LINE:COLUMN`.
public enum PipelineFile {
    static let topKeys = ["sources", "analysis", "sinks"]
    static let analysisKeys = ["reorder-window", "max-gap", "stall-after", "max-line-bytes", "jobs", "strict"]
    static let sinkKeys = ["markdown", "html", "csv", "json", "openmetrics", "rejects", "watch"]
    static let csvKeys = ["dir", "tables"]
    static let watchKeys = [
        "to", "format", "lag-above", "lag-seconds-above", "for", "show-rejects", "summary", "metrics-file",
        "metrics-interval",
        "metrics-stale",
    ]
    static let captureKeys = [
        "url", "indices", "index-file", "interval", "timeout", "ca-file", "polls", "parallel", "out",
        "rotate-size", "rotate-daily", "flush-every", "verbose",
    ]
    /// Names under which people write secrets; a secret in a file ends up in backups and repositories.
    static let credentialKeys = [
        "user", "username", "password", "passwd", "api-key", "apikey", "api_key", "token", "secret", "auth",
        "authorization",
    ]
    static let credentialHint =
        "credentials never go in a pipeline file: set REPLSTAT_USER and REPLSTAT_PASSWORD, or REPLSTAT_API_KEY, "
        + "in the environment"

    /// Parses and checks the text of a pipeline file.
    /// - Parameters:
    ///   - text: the file's contents.
    ///   - file: its name as the user gave it, for messages.
    public static func parse(_ text: String, file: String) throws(PipelineError) -> Pipeline {
        // Editors on Windows start UTF-8 files with a byte-order mark, which libyaml would read as text.
        let text = text.hasPrefix("\u{FEFF}") ? String(text.unicodeScalars.dropFirst()) : text
        try AliasCheck(file: file).check(text)
        let root: Node?
        do {
            root = try compose(yaml: text)
        } catch {
            throw yamlError(error, file: file)
        }
        guard let root else {
            throw PipelineError(file: file, message: "the file is empty; a pipeline needs 'sources' and 'sinks'")
        }
        return try Reader(file: file).pipeline(root)
    }

    private static func yamlError(_ error: any Error, file: String) -> PipelineError {
        switch error as? YamlError {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let within = context.map { " (\($0.text) at line \($0.mark.line), column \($0.mark.column))" } ?? ""
            return PipelineError(
                file: file, line: mark.line, column: mark.column, message: "invalid YAML: \(problem)\(within)")
        case .reader(let problem, let offset, _, let yaml):
            // The reader's own description echoes the whole line: the place is enough (and the line
            // could hold something that is not for the terminal).
            let before = offset.map { yaml.utf8.prefix($0) } ?? yaml.utf8.prefix(0)
            let line = before.count { $0 == 0x0A } + 1
            let column = before.reversed().prefix { $0 != 0x0A }.count + 1
            return PipelineError(file: file, line: line, column: column, message: "invalid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let names = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return PipelineError(
                file: file, line: context.mark.line, column: context.mark.column,
                message: "duplicate key \(names): a key may appear once in a mapping")
        default:
            return PipelineError(file: file, message: "invalid YAML: \(error)")
        }
    }
}

/// One pass over the composed nodes of a file.
private struct Reader {
    let file: String

    /// A key and its value in a mapping.
    struct Entry {
        let key: String
        let keyNode: Node
        let value: Node
    }

    func pipeline(_ root: Node) throws(PipelineError) -> Pipeline {
        let top = try entries(root, of: "the pipeline", known: PipelineFile.topKeys, where: "at the top level")
        guard let sources = top["sources"] else {
            throw error(
                root, "missing key 'sources': list the captures to read (paths, globs, or - for standard input)")
        }
        guard let sinks = top["sinks"] else {
            throw error(root, "missing key 'sinks': name at least one of \(list(PipelineFile.sinkKeys))")
        }
        var pipeline = Pipeline(sources: try self.sources(sources))
        if let analysis = top["analysis"] { try read(analysis: analysis, into: &pipeline) }
        try read(sinks: sinks, into: &pipeline)
        return pipeline
    }

    // MARK: - sources

    func sources(_ entry: Entry) throws(PipelineError) -> [PipelineSource] {
        guard let items = entry.value.sequence else {
            throw error(
                entry.value,
                "'sources' must be a list, one '- ' item per line, not \(describe(entry.value))")
        }
        guard !items.isEmpty else {
            throw error(
                entry.value, "'sources' is empty: list at least one capture (a path, a glob, or - for standard input)")
        }
        var sources: [PipelineSource] = []
        var first: (capture: FileLocation?, standardInput: FileLocation?)
        for item in items {
            let source = try self.source(item)
            let here = location(item)
            switch source.kind {
            case .capture:
                if let earlier = first.capture {
                    throw PipelineError(here, "a pipeline has one capture source at most (the first is at \(earlier))")
                }
                if let earlier = first.standardInput {
                    throw PipelineError(here, "a capture source cannot go with standard input (at \(earlier))")
                }
                first.capture = here
            case .standardInput:
                if let earlier = first.capture {
                    throw PipelineError(here, "standard input cannot go with a capture source (at \(earlier))")
                }
                first.standardInput = first.standardInput ?? here
            case .path, .glob:
                break
            }
            sources.append(source)
        }
        return sources
    }

    func source(_ item: Node) throws(PipelineError) -> PipelineSource {
        let here = location(item)
        if item.mapping != nil {
            let block = try entries(item, of: "a source", known: ["capture"], where: "in a source")
            guard let capture = block["capture"] else {
                throw error(item, "a source mapping holds 'capture'; paths and globs are plain list items")
            }
            return PipelineSource(.capture(try self.capture(capture)), at: here)
        }
        guard let text = item.scalar?.string, item.null == nil || item.scalar?.style != .plain else {
            throw error(item, "a source is a path, a glob, - (standard input) or {capture: ...}, not \(describe(item))")
        }
        guard !text.isEmpty else { throw error(item, "a source cannot be an empty name") }
        if text == "-" || text == "stdin" { return PipelineSource(.standardInput, at: here) }
        let isGlob = text.contains { "*?[".contains($0) }
        return PipelineSource(isGlob ? .glob(text) : .path(text), at: here)
    }

    func capture(_ entry: Entry) throws(PipelineError) -> CaptureOptions {
        let fields = try entries(entry.value, of: "'capture'", known: PipelineFile.captureKeys, where: "in capture")
        guard let urlEntry = fields["url"] else {
            throw error(entry.keyNode, "missing key 'url' in capture: the cluster to poll, such as https://host:9200")
        }
        let url = try text(urlEntry)
        do {
            // Checked as `replstat capture --url` checks it; a message never repeats user info.
            _ = try ClusterURL(url, setting: "'url'")
        } catch {
            throw self.error(urlEntry.value, error.description)
        }
        var capture = CaptureOptions(url: url)
        if let indices = fields["indices"] {
            guard let items = indices.value.sequence, !items.isEmpty else {
                throw error(
                    indices.value, "'indices' must be a list of follower index names, not \(describe(indices.value))")
            }
            for item in items {
                guard let name = item.scalar?.string, item.null == nil, !name.isEmpty else {
                    throw error(item, "an index name must be a non-empty text, not \(describe(item))")
                }
                if let problem = IndexList.problem(with: name) { throw error(item, problem) }
                capture.indices.append(name)
            }
        }
        capture.indexFile = try fields["index-file"].map(text)
        if let interval = fields["interval"] { capture.intervalMillis = try seconds(interval, positive: true) }
        if let timeout = fields["timeout"] { capture.timeoutMillis = try seconds(timeout, positive: true) }
        capture.caFile = try fields["ca-file"].map(text)
        capture.polls = try fields["polls"].map { (entry) throws(PipelineError) in
            try integer(entry, CaptureOptions.pollsLimit)
        }
        if let parallel = fields["parallel"] { capture.parallel = try integer(parallel, CaptureOptions.parallelLimit) }
        capture.out = try fields["out"].map(text)
        if let size = fields["rotate-size"] { capture.rotation.maxBytes = try byteSize(size) }
        if let daily = fields["rotate-daily"] { capture.rotation.daily = try bool(daily) }
        if let flush = fields["flush-every"] { capture.flushEveryMillis = try seconds(flush, positive: true) }
        if let verbose = fields["verbose"] { capture.verbose = try bool(verbose) }
        do {
            try capture.validate()
        } catch {
            if error.name == "indices" {
                throw self.error(
                    entry.keyNode, "capture needs 'indices' (a list of follower index names) or 'index-file'")
            }
            throw self.error(error, in: fields, else: entry)
        }
        return capture
    }

    // MARK: - analysis

    func read(analysis entry: Entry, into pipeline: inout Pipeline) throws(PipelineError) {
        let fields = try entries(entry.value, of: "'analysis'", known: PipelineFile.analysisKeys, where: "in analysis")
        if let value = fields["reorder-window"] { pipeline.options.reorderWindow = try seconds(value) }
        if let value = fields["max-gap"] { pipeline.options.maxGap = try seconds(value) }
        if let value = fields["stall-after"] { pipeline.options.stallAfter = try seconds(value) }
        if let value = fields["max-line-bytes"] {
            pipeline.options.maxLineBytes = try integer(value, AnalysisOptions.maxLineBytesLimit)
        }
        if let value = fields["jobs"] { pipeline.options.jobs = try integer(value, AnalysisOptions.jobsLimit) }
        if let value = fields["strict"] { pipeline.strict = try bool(value) }
        do {
            try pipeline.options.validate()
        } catch {
            throw self.error(error, in: fields, else: entry)
        }
    }

    // MARK: - sinks

    /// A file or folder a sink writes, for finding two sinks that would write the same one.
    struct Written {
        let path: String
        let sink: String
        let at: FileLocation
    }

    func read(sinks entry: Entry, into pipeline: inout Pipeline) throws(PipelineError) {
        let fields = try entries(entry.value, of: "'sinks'", known: PipelineFile.sinkKeys, where: "in sinks")
        guard !fields.isEmpty else {
            throw error(entry.keyNode, "'sinks' is empty: name at least one of \(list(PipelineFile.sinkKeys))")
        }
        var written: [Written] = []
        var toStandardOutput: [Written] = []
        func note(_ destination: ReportOutputs.Destination, _ entry: Entry) {
            let item = Written(path: destination.description, sink: entry.key, at: location(entry.keyNode))
            if destination == .standardOutput { toStandardOutput.append(item) } else { written.append(item) }
        }
        if let markdown = fields["markdown"] {
            pipeline.reports.markdown = try destination(markdown)
            note(pipeline.reports.markdown!, markdown)
        }
        if let html = fields["html"] {
            pipeline.reports.html = try destination(html)
            note(pipeline.reports.html!, html)
        }
        if let json = fields["json"] {
            pipeline.reports.json = try destination(json)
            note(pipeline.reports.json!, json)
        }
        if let openMetrics = fields["openmetrics"] {
            pipeline.reports.openMetrics = try destination(openMetrics)
            note(pipeline.reports.openMetrics!, openMetrics)
        }
        if let csv = fields["csv"] {
            let output = try self.csv(csv)
            pipeline.reports.csv = output
            written += output.paths.map { Written(path: $0, sink: "csv", at: location(csv.keyNode)) }
        }
        if let rejects = fields["rejects"] {
            let path = try text(rejects)
            guard path != "-" else {
                throw error(
                    rejects.value,
                    "'rejects' needs a file name; to see rejected lines live, use the watch sink's show-rejects")
            }
            pipeline.rejects = path
            written.append(Written(path: path, sink: "rejects", at: location(rejects.keyNode)))
        }
        if let watch = fields["watch"] {
            pipeline.watch = try self.watch(watch)
            note(pipeline.watch!.to, watch)
            if let metrics = pipeline.watch!.metrics {
                written.append(Written(path: metrics.path, sink: "watch's metrics-file", at: location(watch.keyNode)))
            }
        }
        if let out = pipeline.capture?.out {
            let at = pipeline.sources.first { if case .capture = $0.kind { true } else { false } }?.location
            written.append(Written(path: out, sink: "capture's out", at: at ?? location(entry.keyNode)))
        }
        try checkOverlaps(written: written, toStandardOutput: toStandardOutput)
    }

    func checkOverlaps(written: [Written], toStandardOutput: [Written]) throws(PipelineError) {
        let byPlace = { (a: Written, b: Written) in (a.at.line, a.at.column) < (b.at.line, b.at.column) }
        let standardOutput = toStandardOutput.sorted(by: byPlace)
        if standardOutput.count > 1 {
            let (first, second) = (standardOutput[0], standardOutput[1])
            throw PipelineError(
                second.at,
                "'\(second.sink)' and '\(first.sink)' (line \(first.at.line)) both write to standard output ('-'); "
                    + "send one of them to a file")
        }
        var seen: [String: Written] = [:]
        for item in written.sorted(by: byPlace) {
            let key = normalized(item.path)
            if let earlier = seen[key] {
                throw PipelineError(
                    item.at,
                    "'\(item.sink)' writes \(item.path), as '\(earlier.sink)' does (line \(earlier.at.line)); "
                        + "give each sink its own file")
            }
            seen[key] = item
        }
    }

    func csv(_ entry: Entry) throws(PipelineError) -> ReportOutputs.CSVOutput {
        var output: ReportOutputs.CSVOutput
        if entry.value.mapping != nil {
            let fields = try entries(entry.value, of: "the csv sink", known: PipelineFile.csvKeys, where: "in csv")
            guard let dir = fields["dir"] else {
                throw error(entry.keyNode, "missing key 'dir' in csv: the folder to write the tables into")
            }
            output = ReportOutputs.CSVOutput(directory: try folder(dir))
            if let tables = fields["tables"] { output.tables = try self.tables(tables) }
        } else {
            output = ReportOutputs.CSVOutput(directory: try folder(entry))
        }
        return output
    }

    func folder(_ entry: Entry) throws(PipelineError) -> String {
        let path = try text(entry)
        guard path != "-" else {
            throw error(entry.value, "the csv sink writes one file per table: give a folder, not -")
        }
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        return String(trimmed)
    }

    func tables(_ entry: Entry) throws(PipelineError) -> [CSVReport.Table] {
        let names = CSVReport.Table.allCases.map(\.rawValue)
        guard let items = entry.value.sequence, !items.isEmpty else {
            throw error(entry.value, "'tables' must be a list of some of \(list(names)), not \(describe(entry.value))")
        }
        var tables: [CSVReport.Table] = []
        for item in items {
            let name = item.scalar?.string ?? ""
            guard let table = CSVReport.Table(rawValue: name) else {
                throw error(item, unknown("table", item.scalar == nil ? describe(item) : "'\(name)'", name, names))
            }
            guard !tables.contains(table) else { throw error(item, "table '\(name)' is listed twice") }
            tables.append(table)
        }
        return tables
    }

    func watch(_ entry: Entry) throws(PipelineError) -> WatchSink {
        var watch = WatchSink()
        // `watch:` alone, or `watch: {}`, is a watch with every default.
        if entry.value.null != nil && entry.value.scalar?.style == .plain { return watch }
        let fields = try entries(entry.value, of: "the watch sink", known: PipelineFile.watchKeys, where: "in watch")
        if let to = fields["to"] { watch.to = try destination(to) }
        if let format = fields["format"] {
            let name = try text(format)
            let names = EventFormat.Style.allCases.map(\.rawValue)
            guard let style = EventFormat.Style(rawValue: name) else {
                throw error(format.value, unknown("format", "'\(name)'", name, names))
            }
            watch.format = style
        }
        // A threshold in operations, in seconds, or both, with one duration (as watch's flags).
        let thresholds = [fields["lag-above"], fields["lag-seconds-above"]].compactMap { $0 }
        switch (thresholds.first, fields["for"]) {
        case (_?, let duration?):
            var alert = LagAlert(millis: try seconds(duration))
            if let above = fields["lag-above"] {
                let threshold = try text(above)
                guard threshold.allSatisfy({ $0.isASCII && $0.isNumber }), let operations = UInt64(threshold) else {
                    throw error(
                        above.value,
                        "'lag-above' must be a number of operations, a whole number from 0 up, not '\(threshold)'")
                }
                alert.threshold = operations
            }
            if let above = fields["lag-seconds-above"] { alert.thresholdMillis = try seconds(above) }
            watch.lagAlert = alert
        case (let alone?, nil):
            throw error(
                alone.keyNode, "'\(alone.key)' and 'for' go together: an alert needs a threshold and a duration")
        case (nil, let alone?):
            throw error(
                alone.keyNode, "'lag-above' and 'for' go together: an alert needs a threshold and a duration")
        case (nil, nil):
            break
        }
        if let show = fields["show-rejects"] { watch.showRejects = try bool(show) }
        if let summary = fields["summary"] { watch.summary = try bool(summary) }
        watch.metrics = try metricsFile(fields)
        return watch
    }

    /// The watch sink's metrics file and its timing; the timing alone is a mistake.
    private func metricsFile(_ fields: [String: Entry]) throws(PipelineError) -> MetricsFile.Settings? {
        guard let file = fields["metrics-file"] else {
            if let alone = fields["metrics-interval"] ?? fields["metrics-stale"] {
                throw error(alone.keyNode, "'\(alone.key)' shapes the metrics file: give 'metrics-file' too")
            }
            return nil
        }
        let path = try text(file)
        guard path != "-" else { throw error(file.value, "'metrics-file' needs a file name: it is replaced whole") }
        var settings = MetricsFile.Settings(path: path)
        if let interval = fields["metrics-interval"] { settings.intervalMillis = try seconds(interval) }
        if let stale = fields["metrics-stale"] { settings.staleMillis = try seconds(stale) }
        return settings
    }

    // MARK: - values

    /// The entries of a mapping, each key known; an unknown key is an error with a suggestion.
    func entries(_ node: Node, of what: String, known: [String], where place: String) throws(PipelineError)
        -> [String: Entry]
    {
        guard let mapping = node.mapping else {
            throw error(node, "\(what) must be a mapping (key: value lines), not \(describe(node))")
        }
        var result: [String: Entry] = [:]
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else { throw error(keyNode, "a key must be a name") }
            guard known.contains(key) else {
                if PipelineFile.credentialKeys.contains(key.lowercased()) {
                    throw error(keyNode, "'\(key)' is not accepted: " + PipelineFile.credentialHint)
                }
                throw error(keyNode, unknown("key", "'\(key)' \(place)", key, known))
            }
            result[key] = Entry(key: key, keyNode: keyNode, value: value)
        }
        return result
    }

    func unknown(_ kind: String, _ shown: String, _ name: String, _ known: [String]) -> String {
        let suggestion = KeySuggestion.closest(to: name, among: known).map { "; did you mean '\($0)'?" } ?? ""
        return "unknown \(kind) \(shown)\(suggestion) (known: \(list(known)))"
    }

    /// A single non-empty value, as text.
    func text(_ entry: Entry) throws(PipelineError) -> String {
        guard let scalar = entry.value.scalar else {
            throw error(entry.value, "'\(entry.key)' takes a single value, not \(describe(entry.value))")
        }
        guard entry.value.null == nil || scalar.style != .plain, !scalar.string.isEmpty else {
            throw error(entry.keyNode, "'\(entry.key)' needs a value")
        }
        // No path, name or address holds one; a NUL would even cut a path short for the system.
        guard !scalar.string.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw error(entry.value, "'\(entry.key)' holds a control character")
        }
        return scalar.string
    }

    func destination(_ entry: Entry) throws(PipelineError) -> ReportOutputs.Destination {
        ReportOutputs.Destination(try text(entry))
    }

    func seconds(_ entry: Entry, positive: Bool = false) throws(PipelineError) -> Int64 {
        let value = try text(entry)
        guard let millis = Decimal3.millis(seconds: value), !positive || millis > 0 else {
            throw error(entry.value, "'\(entry.key)' \(SecondsSetting.problem(value, positive: positive))")
        }
        return millis
    }

    /// A whole number; its range is checked with the other settings (`validate`), in the same words.
    func integer(_ entry: Entry, _ limit: CountLimit) throws(PipelineError) -> Int {
        let value = try text(entry)
        guard value.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(value) else {
            throw error(entry.value, "'\(entry.key)' \(limit.problem(value))")
        }
        return number
    }

    /// A setting out of its limits, at its value (or, for one that needs another, at its key);
    /// at `block`'s key when the file does not write it.
    func error(_ problem: SettingError, in fields: [String: Entry], else block: Entry) -> PipelineError {
        let needs = problem.needs.map { " '\($0)'" } ?? ""
        let message = "'\(problem.name)' \(problem.problem)\(needs)"
        guard let entry = fields[problem.name] else { return error(block.keyNode, message) }
        return error(problem.needs == nil ? entry.value : entry.keyNode, message)
    }

    func bool(_ entry: Entry) throws(PipelineError) -> Bool {
        guard entry.value.scalar?.style == .plain, let value = entry.value.bool else {
            throw error(entry.value, "'\(entry.key)' must be true or false, not \(describe(entry.value))")
        }
        return value
    }

    /// `100M`: a number of bytes with an optional K, M or G (powers of 1024).
    func byteSize(_ entry: Entry) throws(PipelineError) -> Int64 {
        let value = try text(entry)
        guard let bytes = ByteSize.parse(value) else {
            throw error(
                entry.value,
                "'\(entry.key)' must be a size such as 100M (K, M, G: powers of 1024; at most 1024G), not '\(value)'")
        }
        return bytes
    }

    // MARK: - messages

    func location(_ node: Node) -> FileLocation {
        FileLocation(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
    }

    func error(_ node: Node, _ message: String) -> PipelineError {
        PipelineError(location(node), message)
    }

    func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let scalar):
            return node.null != nil && scalar.style == .plain ? "an empty value" : "'\(scalar.string)'"
        case .alias: return "an alias"
        }
    }

    func list(_ names: [String]) -> String { names.joined(separator: ", ") }

    /// A path as written to, for comparing: `./a//b/` and `a/b` are the same file.
    func normalized(_ path: String) -> String {
        let parts = path.split(separator: "/").filter { $0 != "." }
        return (path.hasPrefix("/") ? "/" : "") + parts.joined(separator: "/")
    }
}
