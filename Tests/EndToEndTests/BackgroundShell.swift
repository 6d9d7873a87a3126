import Foundation

/// Runs a shell command line to its end without holding one of the test runner's threads while
/// it works (there are as many as cores, and the other tests need them): what it prints goes to
/// a file, and the caller awaits its exit. For builds, which take seconds to minutes.
enum BackgroundShell {
    static func run(_ command: String, in folder: URL) async throws -> (status: Int32, output: String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("replstat-shell-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: log) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "exec >\"$0\" 2>&1; " + command, log.path]
        process.currentDirectoryURL = folder
        process.standardInput = FileHandle.nullDevice
        let status = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                continuation.resume(throwing: error)
            }
        }
        return (status, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }
}
