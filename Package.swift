// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "replstat",
    products: [
        .executable(name: "replstat", targets: ["replstat"]),
        .executable(name: "replstat-run", targets: ["replstat-run"]),
        .library(name: "ReplStatCore", targets: ["ReplStatCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .systemLibrary(name: "CMalloc"),
        .systemLibrary(name: "CCacheHints"),
        .systemLibrary(
            name: "CZlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // Intel ISA-L's inflate (Debian: libisal-dev), 2.5-3.5x faster than zlib's; zlib stays the
        // second inflater (REPLSTAT_INFLATE=zlib) and writes every gzip file.
        .systemLibrary(
            name: "CIsal",
            pkgConfig: "libisal",
            providers: [.apt(["libisal-dev"])]
        ),
        // libcurl's headers (Debian: libcurl4-openssl-dev); the library itself is loaded when a
        // capture starts, so that the other commands do not load its ~30 libraries.
        .target(name: "CCurl"),
        .target(
            name: "ReplStatCore",
            dependencies: ["CZlib", "CIsal", "CCacheHints"]
        ),
        // `replstat simulate`: a source of captures, beside the core rather than a stage of it.
        .target(
            name: "ReplStatSimulate",
            dependencies: ["ReplStatCore"]
        ),
        .target(
            name: "ReplStatCapture",
            dependencies: ["ReplStatCore", "CCurl"]
        ),
        // Pipeline files: the model and the plan, and apart, the reader, which needs Yams (and
        // with it Foundation and ICU): only `replstat-run` links it. Kept apart from ReplStatCore,
        // which depends on nothing but zlib and ISA-L (scripts/fuzz compiles it alone).
        .target(
            name: "ReplStatPipelines",
            dependencies: ["ReplStatCore"]
        ),
        .target(
            name: "ReplStatPipelineFile",
            // ReplStatCapture for the capture source's checks (its URL, its index names).
            dependencies: ["ReplStatPipelines", "ReplStatCapture", .product(name: "Yams", package: "Yams")]
        ),
        // The commands, shared by the two executables.
        .target(
            name: "ReplStatCommandLine",
            dependencies: [
                "ReplStatCore",
                "ReplStatCapture",
                "ReplStatPipelines",
                "ReplStatSimulate",
                "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/replstat",
            plugins: ["BuildInfo"]
        ),
        .executableTarget(
            name: "replstat",
            dependencies: ["ReplStatCommandLine"],
            path: "Sources/Executables/replstat"
        ),
        // `replstat run`, which `replstat` starts in its place (README, Start-up).
        .executableTarget(
            name: "replstat-run",
            dependencies: ["ReplStatCommandLine", "ReplStatPipelineFile"],
            path: "Sources/Executables/replstat-run"
        ),
        // What several test targets share: scratch files, the system's gzip, a rejects collector.
        .target(
            name: "ReplStatTestSupport",
            dependencies: ["ReplStatCore"],
            path: "Tests/ReplStatTestSupport"
        ),
        // The commit `replstat --version` names, read from git before each build.
        .plugin(name: "BuildInfo", capability: .buildTool()),
        .testTarget(
            name: "ReplStatCoreTests",
            dependencies: ["ReplStatCore", "ReplStatSimulate", "ReplStatTestSupport"]
        ),
        .testTarget(
            name: "ReplStatSimulateTests",
            dependencies: ["ReplStatSimulate", "ReplStatCore"]
        ),
        .testTarget(
            name: "ReplStatCaptureTests",
            dependencies: ["ReplStatCapture", "ReplStatCore"]
        ),
        .testTarget(
            name: "ReplStatPipelinesTests",
            dependencies: ["ReplStatPipelines", "ReplStatPipelineFile"]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["replstat", "replstat-run", "ReplStatCore", "ReplStatTestSupport"],
            exclude: ["Conformance", "CaptureFixtures", "Snapshots"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
