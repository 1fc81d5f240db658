// swift-tools-version:6.0
// berth: a daemonless container engine. No Swift package dependencies: the toolchain
// plus C system libraries from Debian, linked statically from their .a archives
// (design.md §7: every shared library costs every command start-up time).
import PackageDescription
import Foundation

/// Debian's multiarch directory holding the static archives of the -dev packages.
let libDir: String = {
    for dir in ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib"]
    where FileManager.default.fileExists(atPath: dir + "/libz.a") {
        return dir
    }
    return "/usr/lib/x86_64-linux-gnu"
}()

/// Links `lib<name>.a` by path: `-Bstatic -l<name>` would be reordered by the driver.
func staticArchive(_ name: String) -> LinkerSetting {
    .unsafeFlags(["\(libDir)/lib\(name).a"])
}

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "berth",
    products: [
        .executable(name: "berth", targets: ["berth"]),
    ],
    targets: [
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .systemLibrary(name: "CZstd", path: "Sources/CZstd"),
        .systemLibrary(name: "CTLS", path: "Sources/CTLS"),
        .target(name: "CBerth", path: "Sources/CBerth"),
        .target(
            name: "CBerthSeccomp",
            path: "Sources/CBerthSeccomp",
            linkerSettings: [staticArchive("seccomp")]
        ),
        // Go's text/template and podman's printing rules: pure Swift, no system calls.
        .target(
            name: "BerthTemplate",
            swiftSettings: swiftSettings
        ),
        // Config-file formats (TOML) read by registries.conf and, next, containers.conf: pure Swift.
        .target(
            name: "BerthConfig",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "BerthSystem",
            dependencies: ["CBerth"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "BerthImage",
            dependencies: ["BerthSystem", "CBerth", "CZlib", "CZstd", "CTLS"],
            swiftSettings: swiftSettings,
            linkerSettings: [staticArchive("z"), staticArchive("zstd"), staticArchive("crypto")]
        ),
        // libssl's API lives beside the registry client that alone uses it; CTLS keeps
        // the libcrypto headers the image code needs.
        .systemLibrary(name: "CBerthSSL", path: "Sources/CBerthSSL"),
        .target(
            name: "BerthRegistry",
            dependencies: ["BerthConfig", "BerthSystem", "BerthImage", "CTLS", "CBerthSSL"],
            swiftSettings: swiftSettings,
            linkerSettings: [staticArchive("ssl"), staticArchive("crypto")]
        ),
        // Dockerfile language: parser, word expansion, ignore patterns. Pure Swift,
        // no system calls; the engine executes what it parses.
        .target(
            name: "BerthBuild",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "BerthRuntime",
            dependencies: ["BerthSystem", "CBerth", "CBerthSeccomp"],
            swiftSettings: swiftSettings
        ),
        // The container monitor, a C program of its own (Sources/CBerth/monitor*.c),
        // built by the plugin and carried here as an image berth execs from a memfd.
        .plugin(name: "MonitorImage", capability: .buildTool()),
        .target(
            name: "BerthMonitorImage",
            swiftSettings: swiftSettings,
            plugins: ["MonitorImage"]
        ),
        .target(
            name: "BerthEngine",
            dependencies: ["BerthBuild", "BerthImage", "BerthMonitorImage", "BerthRegistry", "BerthRuntime", "BerthSystem", "BerthTemplate", "CBerth"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "BerthCLI",
            dependencies: ["BerthEngine", "BerthImage", "BerthRegistry", "BerthRuntime", "BerthSystem", "BerthTemplate"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "berth",
            dependencies: ["BerthCLI"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TestSupport",
            dependencies: ["CTLS"],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings,
            linkerSettings: [staticArchive("crypto")]
        ),
        // One test target per source target (style.md), plus IntegrationTests that
        // drive the built binary; TestSupport holds what several of them share.
        .testTarget(
            name: "BerthSystemTests",
            dependencies: ["BerthSystem", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BerthImageTests",
            dependencies: ["BerthImage", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BerthCLITests",
            dependencies: ["BerthCLI", "BerthImage", "BerthTemplate"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BerthConfigTests",
            dependencies: ["BerthConfig"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BerthBuildTests",
            dependencies: ["BerthBuild"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BerthTemplateTests",
            dependencies: ["BerthTemplate"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BerthRegistryTests",
            dependencies: ["BerthRegistry", "BerthImage", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BerthRuntimeTests",
            dependencies: ["BerthRuntime", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BerthEngineTests",
            dependencies: ["BerthEngine", "BerthImage", "BerthSystem", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["TestSupport"],
            swiftSettings: swiftSettings
        ),
    ]
)
