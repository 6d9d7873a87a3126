import ArgumentParser
import ReplStatCore

#if canImport(Glibc)
    import Glibc
#endif

/// One run as `analyze`, `watch` and `run` do it: read the sources once, send live events and
/// rejected lines where they go, write the reports at the end, and exit with the status of docs/format.md.
struct AnalysisRun {
    /// Live events, as `replstat watch` prints them.
    struct Events {
        var destination: ReportOutputs.Destination = .standardOutput
        var format: EventFormat.Style = .jsonl
        var showRejects = false
        /// A one-line summary on standard error at the end (always when it is a terminal).
        var summary = false
        /// Each index's state kept current in a file for Prometheus (`--metrics-file`).
        var metrics: MetricsFile.Settings?
    }

    /// The subcommand, named in the summary line.
    var command: String
    var sources: [InputSource]
    var options: AnalysisOptions
    var strict = false
    /// How the user asked for strict, named in its message.
    var strictSetting = "--strict"
    var reports = ReportOutputs()
    var rejectsPath: String?
    var events: Events?
    /// Files written beside the run's own outputs (a capture's raw file), checked with them.
    var alsoWritten: [OutputTargets.Target] = []

    func run() throws {
        try prepareOutputs()
        var rejects: RejectsFile?
        var printer: EventPrinter?
        var metrics: MetricsFile?
        let names = RunNames()
        var options = options
        options.timelineCapacity = reports.timelineCapacity
        do {
            if let rejectsPath {
                try OutputFile.prepare(rejectsPath)
                rejects = try RejectsFile(path: rejectsPath)
            }
            if let events {
                printer = try EventPrinter(
                    format: events.format, showRejects: events.showRejects, names: names, to: events.destination)
                ProcessControl.ignoreBrokenPipe()
                let kept = Set(alsoWritten.map(\.path) + [events.destination.description])
                let unwritten = outputTargets.files.map(\.path).filter { !kept.contains($0) }
                printer?.readerWentAway = {
                    if unwritten.isEmpty { ProcessControl.exit(ExitStatus.done) }
                    FileOutput.standardError(
                        "replstat: the events' reader went away; stopped without writing "
                            + unwritten.joined(separator: ", ") + "\n")
                    ProcessControl.exit(ExitStatus.sourceFailed)
                }
                // Live input arrives a line at a time: small reads, so nothing waits for a full buffer.
                options.chunkSize = 64 * 1024
                options.keepsRowsWithEvents = !reports.isEmpty
                if let settings = events.metrics {
                    metrics = try MetricsFile(settings: settings, names: names, forwardingTo: printer)
                }
            }
        } catch {
            ProcessControl.fail("\(error)")
        }

        let run = Analysis(options: options, rejects: rejects, events: metrics ?? printer, names: names)
        printer?.start()
        // A progress line would tear through events shown at the same terminal.
        let progress = events?.destination == .standardOutput ? nil : ProgressLine()
        run.onChunk = { analysis in
            progress?.update(analysis)
            do {
                try metrics?.pieceMerged(outcomes: analysis.outcomesSoFar)
            } catch {
                ProcessControl.fail("\(error)")
            }
        }
        let inputs = sources.isEmpty ? [InputSource("-")] : sources
        FileOutput.hintWhenReadingATerminal(inputs)
        run.consume(inputs)
        let result = run.finish()
        progress?.finish()
        try conclude(result, rejects: rejects, metrics: metrics, printer: printer)
    }

    /// Refuses outputs that clash (exit 2) and prepares the reports' files and folders (exit 1
    /// when one cannot be made), before anything is read.
    func prepareOutputs() throws {
        try outputTargets.refuseConflict()
        do {
            try reports.prepare()
        } catch {
            ProcessControl.fail("\(error)")
        }
    }

    /// The end of a run once its result is there: writes the outputs, says on standard error why
    /// each source failed (and the summary line of live events), and ends with the run's exit
    /// status (docs/format.md): 1 when a source failed, else 3 when strict and a line was rejected.
    func conclude(
        _ result: AnalysisResult, rejects: RejectsFile? = nil, metrics: MetricsFile? = nil, printer: EventPrinter? = nil
    ) throws {
        do {
            try rejects?.close()
            try reports.write(result)
            try metrics?.finish(outcomes: result.totals)
        } catch {
            ProcessControl.fail("\(error)")
        }
        for failure in result.failures {
            FileOutput.standardError("replstat: \(failure)\n")
        }
        if let events, let printer, events.summary || isatty(2) == 1 {
            FileOutput.standardError(summaryLine(result, events: printer.printed))
        }
        if !result.failures.isEmpty { throw ExitCode(ExitStatus.sourceFailed) }
        if strict && result.totals.rejected > 0 {
            FileOutput.standardError("replstat: \(result.totals.rejected) line(s) rejected (\(strictSetting))\n")
            throw ExitCode(ExitStatus.strictRejects)
        }
    }

    /// Everything the run reads from files and writes to them, checked before it starts.
    var outputTargets: OutputTargets {
        var targets = OutputTargets()
        targets.inputs = sources.filter { !$0.isStandardInput && $0.descriptor == nil }.map(\.name)
        Self.add(reports, to: &targets)
        if let rejectsPath { targets.files.append(.init(rejectsPath, writer: "the rejects file")) }
        if case .file(let path) = events?.destination { targets.files.append(.init(path, writer: "the watch sink")) }
        if let metrics = events?.metrics { targets.files.append(.init(metrics.path, writer: "the metrics file")) }
        targets.files += alsoWritten
        return targets
    }

    /// The files and folders `reports` write.
    private static func add(_ reports: ReportOutputs, to targets: inout OutputTargets) {
        if case .file(let path) = reports.markdown { targets.files.append(.init(path, writer: "the markdown report")) }
        if case .file(let path) = reports.html { targets.files.append(.init(path, writer: "the html report")) }
        if case .file(let path) = reports.json { targets.files.append(.init(path, writer: "the json report")) }
        if case .file(let path) = reports.openMetrics {
            targets.files.append(.init(path, writer: "the openmetrics report"))
        }
        if let csv = reports.csv {
            targets.folders.append(.init(csv.directory, writer: "the csv tables"))
            for (table, path) in zip(csv.tables, csv.paths) {
                targets.files.append(.init(path, writer: "the csv table \(table.fileName)"))
            }
        }
    }

    private func summaryLine(_ result: AnalysisResult, events: Int) -> String {
        return "replstat \(command): \(FileOutput.count(result.totals.lines, "line", "lines")), "
            + "\(FileOutput.count(events, "event", "events")), \(result.totals.rejected) rejected, "
            + "\(FileOutput.count(result.indices.count, "index", "indices"))\(stillOpen(result))\(hotShards(result))\n"
    }

    /// The indices whose worst shard lags far behind their others (the first few).
    private func hotShards(_ result: AnalysisResult) -> String {
        let all = HotShard.find(in: result.shards)
        guard !all.isEmpty else { return "" }
        let listed = all.prefix(5).map { hot in
            "shard \(hot.shard) of \(shown(result.indexName(hot.index))) (lag p99 \(hot.p99), median of its shards \(hot.medianP99))"
        }
        let more = all.count - listed.count
        return "; hot: " + listed.joined(separator: ", ") + (more > 0 ? ", and \(more) more" : "")
    }

    /// The stalls and lag breaches announced and not over when the input ended (the first few).
    private func stillOpen(_ result: AnalysisResult) -> String {
        guard !result.stillOpen.isEmpty else { return "" }
        let listed = result.stillOpen.prefix(5).map { episode in
            let what: String
            switch episode.kind {
            case .stall: what = "stall of "
            case .lagBreach: what = "lag breach of "
            case .lagSecondsBreach: what = "lag seconds breach of "
            case .errorEpisode: what = "errors of "
            case .shardStall: what = "stall of shard \(episode.shard ?? 0) of "
            }
            return what + "\(shown(result.indexName(episode.index))) since \(Timestamp.format(episode.start))"
        }
        let more = result.stillOpen.count - listed.count
        return "; still open: " + listed.joined(separator: ", ") + (more > 0 ? ", and \(more) more" : "")
    }

    /// An index name as the summary line shows it: a name is capture text, and standard error is
    /// often a terminal, which must not obey it.
    private func shown(_ name: String) -> String {
        VisibleText.escaped(name)
    }
}

extension OutputTargets {
    /// Ends the command with a usage error, and the message that says what to change, when two
    /// of its outputs, or an output and an input, are the same file.
    func refuseConflict() throws {
        guard let conflict = conflict() else { return }
        FileOutput.standardError("replstat: \(conflict)\n")
        throw ExitCode(ExitStatus.usage)
    }
}
