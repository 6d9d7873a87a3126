import Foundation
import PackagePlugin

/// Gives the `replstat` target the commit it is built from, for `replstat --version`:
/// `scripts/build-info` asks git and writes `BuildCommit.swift` (only when its text changes, so
/// that an unchanged answer compiles nothing). It runs again whenever git's answer can have
/// changed: its inputs are the log of where HEAD went (a line per commit, checkout, reset,
/// merge), git's index and every tracked file. Outside a git checkout it has no inputs, runs
/// once, and says the commit is unknown.
@main
struct BuildInfo: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let package = context.package.directoryURL
        let output = context.pluginWorkDirectoryURL.appending(path: "BuildCommit.swift")
        return [
            .buildCommand(
                displayName: "Reading the commit for replstat --version",
                executable: URL(filePath: "/bin/sh"),
                arguments: [package.appending(path: "scripts/build-info").path(), package.path(), output.path()],
                inputFiles: [package.appending(path: "scripts/build-info")] + Self.gitState(of: package),
                outputFiles: [output])
        ]
    }

    /// The files whose change can change what git says of the package's folder.
    static func gitState(of package: URL) -> [URL] {
        guard let gitFolder = git(["rev-parse", "--absolute-git-dir"], in: package).first else { return [] }
        let folder = URL(filePath: gitFolder)
        let tracked = git(["ls-files", "-z"], in: package, separator: "\0").map { package.appending(path: $0) }
        return [folder.appending(path: "HEAD"), folder.appending(path: "logs/HEAD"), folder.appending(path: "index")]
            + tracked
    }

    /// What `git ARGUMENTS` prints in `folder`, split at `separator`; nothing when it fails.
    static func git(_ arguments: [String], in folder: URL, separator: Character = "\n") -> [String] {
        let process = Process()
        process.executableURL = URL(filePath: "/usr/bin/env")
        process.arguments = ["git", "-C", folder.path()] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return [] }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: separator).map(String.init)
    }
}
