import ReplStatCore

#if canImport(Glibc)
    import Glibc
#endif

extension Pipeline {
    /// One input of a run, once the globs are expanded.
    public enum ResolvedSource: Sendable, Equatable {
        /// A file, or `-` for standard input.
        case file(String)
        /// Poll a cluster.
        case capture(CaptureOptions)
    }

    /// The inputs in the file's order, each glob expanded once, to its matches in byte order.
    public func resolvedSources() throws(PipelineError) -> [ResolvedSource] {
        var resolved: [ResolvedSource] = []
        for source in sources {
            switch source.kind {
            case .path(let path): resolved.append(.file(path))
            case .standardInput: resolved.append(.file("-"))
            case .glob(let pattern): resolved += try Self.expand(pattern, at: source.location).map(ResolvedSource.file)
            case .capture(let capture): resolved.append(.capture(capture))
            }
        }
        return resolved
    }

    /// The files a pattern matches, in byte order. A file whose name merely looks like a
    /// pattern (`cap[1].jsonl`) is itself; folders that match are not captures and are skipped.
    private static func expand(_ pattern: String, at location: FileLocation?) throws(PipelineError) -> [String] {
        var status = stat()
        if lstat(pattern, &status) == 0 && (status.st_mode & S_IFMT) != S_IFDIR { return [pattern] }
        var matches = glob_t()
        defer { globfree(&matches) }
        let result = glob(pattern, GLOB_MARK, nil, &matches)
        let names = (0..<Int(matches.gl_pathc)).compactMap { matches.gl_pathv[$0].map { String(cString: $0) } }
            .filter { !$0.hasSuffix("/") }
        guard result == 0 || result == GLOB_NOMATCH, !names.isEmpty else {
            let problem =
                result == 0 || result == GLOB_NOMATCH
                ? "no file matches '\(pattern)' (relative paths start from the current directory)"
                : "cannot list the files matching '\(pattern)'"
            guard let location else { throw PipelineError(file: pattern, message: problem) }
            throw PipelineError(location, problem)
        }
        return names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// What `replstat run --check` prints: what would be read, with which options, and where
    /// each result would go.
    public func plan(file: String, sourceNames: [String]) -> String {
        var lines = ["\(file): valid", "sources:"]
        if let capture {
            lines.append("  capture \(Self.describe(capture))")
        }
        lines += sourceNames.map { "  \($0 == "-" ? "- (standard input)" : $0)" }
        lines.append("analysis:")
        // Live events come in the order of the lines: such a run decodes on one thread.
        let jobs = watch == nil ? String(options.jobs) : "1 (live events)"
        lines.append(
            "  reorder-window \(Decimal3.typedSeconds(options.reorderWindow)), "
                + "max-gap \(Decimal3.typedSeconds(options.maxGap)), "
                + "stall-after \(Decimal3.typedSeconds(options.stallAfter)), "
                + "max-line-bytes \(options.maxLineBytes), jobs \(jobs), strict \(strict)")
        lines.append("sinks:")
        func sink(_ name: String, _ text: String) { lines.append("  " + name.padded(12) + text) }
        if let markdown = reports.markdown { sink("markdown", Self.describe(markdown)) }
        if let html = reports.html { sink("html", Self.describe(html)) }
        if let json = reports.json { sink("json", Self.describe(json)) }
        if let openMetrics = reports.openMetrics { sink("openmetrics", Self.describe(openMetrics)) }
        if let csv = reports.csv { sink("csv", csv.paths.joined(separator: ", ")) }
        if let rejects { sink("rejects", rejects) }
        if let watch {
            var details = [watch.format.rawValue]
            if let alert = watch.lagAlert {
                var above: [String] = []
                if let threshold = alert.threshold { above.append("lag-above \(threshold)") }
                if let millis = alert.thresholdMillis {
                    above.append("lag-seconds-above \(Decimal3.typedSeconds(millis)) s")
                }
                details.append("\(above.joined(separator: " or ")) for \(Decimal3.typedSeconds(alert.millis)) s")
            }
            if watch.showRejects { details.append("show-rejects") }
            if watch.summary { details.append("summary") }
            sink("watch", "\(Self.describe(watch.to)), live (\(details.joined(separator: ", ")))")
            if let metrics = watch.metrics {
                sink(
                    "metrics",
                    "\(metrics.path), every \(Decimal3.typedSeconds(metrics.intervalMillis)) s of capture time, "
                        + "stale after \(Decimal3.typedSeconds(metrics.staleMillis)) s")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func describe(_ destination: ReportOutputs.Destination) -> String {
        destination == .standardOutput ? "- (standard output)" : destination.description
    }

    private static func describe(_ capture: CaptureOptions) -> String {
        var parts = [capture.url, "every \(Decimal3.typedSeconds(capture.intervalMillis)) s"]
        if !capture.indices.isEmpty { parts.append("indices \(capture.indices.joined(separator: ", "))") }
        if let indexFile = capture.indexFile { parts.append("index-file \(indexFile)") }
        if let polls = capture.polls { parts.append("\(polls) polls") }
        if capture.parallel != CaptureOptions().parallel { parts.append("\(capture.parallel) in flight") }
        if capture.verbose { parts.append("verbose (shard details)") }
        if let out = capture.out { parts.append("raw capture to \(out)") }
        return parts.joined(separator: "; ")
    }
}

extension String {
    fileprivate func padded(_ width: Int) -> String {
        self + String(repeating: " ", count: max(1, width - count))
    }
}
