import Foundation
@_exported import ReplStatTestSupport
import Testing

/// Runs the built `replstat` binary the way a user does, and reads what it wrote.
enum Replstat {
    /// The binary next to the test bundle (SwiftPM builds it for `swift test`), or `$REPLSTAT_BIN`.
    static let binary: URL = {
        if let path = ProcessInfo.processInfo.environment["REPLSTAT_BIN"] {
            return URL(fileURLWithPath: path)
        }
        let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return me.deletingLastPathComponent().appendingPathComponent("replstat")
    }()

    struct Run {
        var status: Int32
        var stdout: Data
        var stderr: String
        var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// `environment`, when given, is the whole environment of the run (nothing is inherited).
    static func run(
        _ arguments: [String], in directory: URL? = nil, stdin: Data? = nil, environment: [String: String]? = nil
    ) throws -> Run {
        try launch(binary, arguments, in: directory, stdin: stdin, environment: environment)
    }

    /// Runs a bash command line with `pipefail`: its status is that of the last command of a
    /// pipeline that failed, so a replstat killed by a signal mid-pipeline is seen.
    static func bash(_ script: String, environment: [String: String]? = nil) throws -> Run {
        try launch(
            URL(fileURLWithPath: "/bin/bash"), ["-o", "pipefail", "-c", script], in: nil, stdin: nil,
            environment: environment)
    }

    /// Runs a shell command line, for pipelines such as `replstat ... | head -1`.
    static func shell(_ script: String) throws -> Run {
        try launch(URL(fileURLWithPath: "/bin/sh"), ["-c", script], in: nil, stdin: nil, environment: nil)
    }

    private static func launch(
        _ executable: URL, _ arguments: [String], in directory: URL?, stdin: Data?, environment: [String: String]?
    ) throws -> Run {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let directory { process.currentDirectoryURL = directory }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let input = Pipe()
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        try process.run()
        if let stdin {
            // Feed standard input from another thread so a full output pipe cannot deadlock us.
            let writer = input.fileHandleForWriting
            DispatchQueue.global().async {
                writer.write(stdin)
                try? writer.close()
            }
        }
        // Drain both pipes concurrently for the same reason.
        nonisolated(unsafe) var errorData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errorData = errors.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus, stdout: outputData, stderr: String(decoding: errorData, as: UTF8.self))
    }
}

/// The conformance cases copied from `shared/conformance`, so a fresh clone tests them too.
enum Conformance {
    static let casesDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().appendingPathComponent("Conformance")

    static var caseNames: [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: casesDirectory.path))?.sorted() ?? []
    }

    static func arguments(of name: String) throws -> [String] {
        let text = try String(
            contentsOf: casesDirectory.appendingPathComponent(name).appendingPathComponent("args"), encoding: .utf8)
        return text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
    }

    /// The arguments of a case that name a file of its folder: its sources.
    static func sources(of name: String) throws -> [String] {
        let folder = casesDirectory.appendingPathComponent(name)
        return try arguments(of: name).filter {
            FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path)
        }
    }
}

/// RFC 4180 reading, for comparing reports field by field.
enum CSV {
    static func parse(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var characters = Array(text.unicodeScalars)[...]
        while let c = characters.popFirst() {
            if quoted {
                if c == "\"" {
                    if characters.first == "\"" {
                        field.unicodeScalars.append("\"")
                        characters.removeFirst()
                    } else {
                        quoted = false
                    }
                } else {
                    field.unicodeScalars.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                row.append(field)
                field = ""
            } else if c == "\n" {
                row.append(field)
                rows.append(row)
                row = []
                field = ""
            } else {
                field.unicodeScalars.append(c)
            }
        }
        if !field.isEmpty || !row.isEmpty {
            row.append(field)
            rows.append(row)
        }
        return rows
    }

    /// Differences between two CSV tables under the tolerances of docs/format.md: quantiles within 0.1%
    /// (at least 1, or 0.0011 for seconds), three-decimal fields within 0.0011, everything else exact.
    static func differences(got: [[String]], expected: [[String]], file: String) -> [String] {
        guard let header = expected.first, got.first == header else {
            return ["\(file): header \(got.first ?? []) expected \(expected.first ?? [])"]
        }
        var problems: [String] = []
        if got.count != expected.count {
            problems.append("\(file): \(got.count - 1) rows, expected \(expected.count - 1)")
        }
        for (line, (gotRow, expectedRow)) in zip(got, expected).enumerated().dropFirst() {
            guard gotRow.count == expectedRow.count else {
                problems.append("\(file) line \(line + 1): \(gotRow.count) fields, expected \(expectedRow.count)")
                continue
            }
            for (column, (g, e)) in zip(header, zip(gotRow, expectedRow)) where !sameCell(column, g, e) {
                problems.append("\(file) line \(line + 1), \(column): \(g) expected \(e)")
            }
        }
        return problems
    }

    private static func sameCell(_ column: String, _ got: String, _ expected: String) -> Bool {
        if got == expected { return true }
        guard let g = Double(got), let e = Double(expected) else { return false }
        if ["lag_p50", "lag_p90", "lag_p99"].contains(column) { return abs(g - e) <= max(1, 0.001 * abs(e)) }
        if ["lag_seconds_p50", "lag_seconds_p99"].contains(column) { return abs(g - e) <= max(0.0011, 0.001 * abs(e)) }
        if expected.contains(".") { return abs(g - e) <= 0.0011 + 1e-9 * abs(e) }
        return false
    }
}
