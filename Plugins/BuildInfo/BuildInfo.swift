import Foundation
import PackagePlugin

/// Gives the `replstat` target the commit it is built from, for `replstat --version`: before
/// every build, `scripts/build-info` asks git and writes `BuildCommit.swift` (only when its text
/// changes, so that an unchanged commit compiles nothing). Without git, or outside a checkout,
/// the commit is unknown, and the build goes on.
@main
struct BuildInfo: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let package = context.package.directoryURL
        let output = context.pluginWorkDirectoryURL.appending(path: "generated")
        return [
            .prebuildCommand(
                displayName: "Reading the commit for replstat --version",
                executable: URL(filePath: "/bin/sh"),
                arguments: [package.appending(path: "scripts/build-info").path(), package.path(), output.path()],
                outputFilesDirectory: output)
        ]
    }
}
