// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "replstat",
    products: [
        .executable(name: "replstat", targets: ["replstat"]),
        .library(name: "ReplStatCore", targets: ["ReplStatCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .systemLibrary(name: "CMalloc"),
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
            dependencies: ["CZlib", "CIsal"],
            swiftSettings: [
                // The hot path's state lives in classes driven by closures, where every access
                // would be checked for exclusivity at run time; the checks cost 5% of the time.
                .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))
            ]
        ),
        .target(
            name: "ReplStatCapture",
            dependencies: ["ReplStatCore", "CCurl"]
        ),
        // Kept apart from ReplStatCore, which depends on nothing but zlib and ISA-L (scripts/fuzz compiles it alone).
        .target(
            name: "ReplStatPipelines",
            // ReplStatCapture for the capture source's checks (its URL, its index names).
            dependencies: ["ReplStatCore", "ReplStatCapture", .product(name: "Yams", package: "Yams")]
        ),
        .executableTarget(
            name: "replstat",
            dependencies: [
                "ReplStatCore",
                "ReplStatCapture",
                "ReplStatPipelines",
                "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "ReplStatCoreTests",
            dependencies: ["ReplStatCore"]
        ),
        .testTarget(
            name: "ReplStatCaptureTests",
            dependencies: ["ReplStatCapture", "ReplStatCore"]
        ),
        .testTarget(
            name: "ReplStatPipelinesTests",
            dependencies: ["ReplStatPipelines"]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["replstat", "ReplStatCore"],
            exclude: ["Conformance", "CaptureFixtures"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
