import ArgumentParser
import ReplStatCore

/// `replstat analyze --format partial`: the partial analysis of one partition of a distributed
/// analysis (docs/distributed.md), from the records of `replstat split` to the partition's
/// document, on standard output or in DIR/partial.
struct PartialRun {
    var input: String
    var options: AnalysisOptions
    var outputDirectory: String?

    static func validate(sources: [String], rejectsPath: String?, strict: Bool) throws {
        if sources.count > 1 {
            throw ValidationError(
                "--format partial reads the records of one partition: give one file of records, or '-' for standard input."
            )
        }
        if rejectsPath != nil || strict {
            throw ValidationError(
                "--format partial counts rejected lines for merge: give --rejects or --strict to replstat merge, not here."
            )
        }
    }

    func run() throws {
        let path = outputDirectory.map { $0 + "/partial" }
        var targets = OutputTargets()
        targets.inputs = input == "-" ? [] : [input]
        if let path { targets.files.append(.init(path, writer: "the partial result")) }
        try targets.refuseConflict()
        do {
            if let outputDirectory {
                try OutputFile.prepareDirectory(outputDirectory)
                try OutputFile.prepare(path!)
            }
        } catch {
            ProcessControl.fail("\(error)")
        }
        let inputs = [InputSource(input)]
        FileOutput.hintWhenReadingATerminal(inputs)
        let document: PartitionDocument
        do {
            document = try PartialAnalysis(options: options).run(inputs[0])
        } catch {
            switch error {
            case .unreadable: ProcessControl.fail("\(error)")
            case .malformed: ProcessControl.fail("\(error)", status: ExitStatus.usage)
            }
        }
        do {
            try document.write(to: path.map { try FileSink(path: $0) } ?? FileSink.standardOutput())
        } catch {
            ProcessControl.fail("\(error)")
        }
    }
}
