import Foundation
import Testing

/// The commit `--version` names is git's answer at the last build, not at the first: the
/// BuildInfo plugin and scripts/build-info, copied as they are into a package of one small
/// executable, built after each change a developer makes.
@Suite(.timeLimit(.minutes(10))) struct BuildInfoTests {
    /// Makes the package in `folder`: the plugin, its script, and `probe`, which prints what the
    /// build found: `5f525f29d3fa false`, or `unknown false`.
    private func makeProbe(in folder: URL) throws {
        let root = PipelineRunTests.root
        let files = FileManager.default
        for path in ["Plugins/BuildInfo", "scripts", "Sources/probe"] {
            try files.createDirectory(at: folder.appendingPathComponent(path), withIntermediateDirectories: true)
        }
        for path in ["Plugins/BuildInfo/BuildInfo.swift", "scripts/build-info"] {
            try files.copyItem(at: root.appendingPathComponent(path), to: folder.appendingPathComponent(path))
        }
        try Data(
            """
            // swift-tools-version:6.0
            import PackageDescription
            let package = Package(
                name: "probe",
                targets: [
                    .executableTarget(name: "probe", plugins: ["BuildInfo"]),
                    .plugin(name: "BuildInfo", capability: .buildTool()),
                ]
            )
            """.utf8
        ).write(to: folder.appendingPathComponent("Package.swift"))
        try Data(#"print(buildCommit ?? "unknown", buildModified)"#.utf8)
            .write(to: folder.appendingPathComponent("Sources/probe/main.swift"))
    }

    /// Builds the probe and checks what it prints.
    private func build(_ folder: URL, says expected: String, sourceLocation: SourceLocation = #_sourceLocation)
        async throws
    {
        let build = try await BackgroundShell.run(
            "PATH=$PATH:/opt/swift/usr/bin swift build && .build/debug/probe", in: folder)
        let said = build.output.split(separator: "\n").last.map(String.init)
        #expect(build.status == 0 && said == expected, "\(build.output)", sourceLocation: sourceLocation)
    }

    private func git(_ arguments: String, in folder: URL) throws -> String {
        let run = try Replstat.bash(
            "cd '\(folder.path)' && git -c user.name=probe -c user.email=probe@example.invalid \(arguments)")
        #expect(run.status == 0, "\(run.stderr)")
        return run.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func eachBuildNamesTheCommitOfItsTime() async throws {
        let dir = try TemporaryDirectory()
        let package = dir.url
        try makeProbe(in: package)
        _ = try git("init -q && git add -A && git -c user.name=p -c user.email=p@e commit -qm one", in: package)
        let first = try git("rev-parse --short=12 HEAD", in: package)
        try await build(package, says: "\(first) false")

        _ = try git("commit -q --allow-empty -m two", in: package)
        let second = try git("rev-parse --short=12 HEAD", in: package)
        #expect(second != first)
        try await build(package, says: "\(second) false")

        // A tracked file changed, then changed back.
        let main = package.appendingPathComponent("Package.swift")
        let original = try Data(contentsOf: main)
        try (original + Data("// edited\n".utf8)).write(to: main)
        try await build(package, says: "\(second) true")
        try original.write(to: main)
        try await build(package, says: "\(second) false")

        _ = try git("checkout -q \(first)", in: package)
        try await build(package, says: "\(first) false")
    }

    @Test func outsideACheckoutTheCommitIsUnknown() async throws {
        let dir = try TemporaryDirectory()
        try makeProbe(in: dir.url)
        try await build(dir.url, says: "unknown false")
    }
}
