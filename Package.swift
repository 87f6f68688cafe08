// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Airlock",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "connected", targets: ["ConnectedZone"]),
        .executable(name: "transit", targets: ["TransitZone"]),
        .executable(name: "airgap", targets: ["AirgapZone"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // System libraries: a modulemap and one header each.
        .systemLibrary(name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CArchive", path: "Sources/CArchive", pkgConfig: "libarchive",
                       providers: [.apt(["libarchive-dev"])]),
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "openssl",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CLinux", path: "Sources/CLinux"),
        .systemLibrary(name: "CSodium", path: "Sources/CSodium", pkgConfig: "libsodium",
                       providers: [.apt(["libsodium-dev"])]),

        .target(name: "Locking"),
        .target(name: "OCI", dependencies: ["COpenSSL"]),
        .target(name: "HTTP", dependencies: ["OCI", "CCurl", "Locking"]),
        .target(name: "Registry", dependencies: ["OCI", "HTTP", "Locking"]),
        .target(name: "ObjectStore", dependencies: ["OCI", "HTTP", "Archive", "COpenSSL", "Locking"]),
        .target(name: "Bundle", dependencies: ["OCI", "CLinux", "Archive", "Locking"]),
        .target(name: "Archive", dependencies: ["CArchive", "OCI"]),
        .target(name: "Trust", dependencies: ["OCI", "COpenSSL", "CSodium", "Yams"]),
        .target(name: "Charts", dependencies: ["OCI", "HTTP", "CArchive", "Yams"]),
        .target(name: "Pipeline", dependencies: ["OCI", "HTTP", "Registry", "Archive", "Bundle", "Trust", "Charts", "Yams", "Locking"]),
        .target(name: "Evidence", dependencies: ["OCI", "Trust", "Locking"]),
        .target(name: "Cluster", dependencies: ["OCI", "Bundle", "Pipeline", "Yams", "Locking"]),
        .target(name: "RegistryServer", dependencies: [
            "OCI", "Bundle", "Archive", "Pipeline", "Charts", "CLinux", "Locking",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        ]),
        .target(name: "ZoneSupport", dependencies: [
            "OCI", "HTTP", "Registry", "Pipeline", "Trust", "Archive", "Bundle", "ObjectStore", "Evidence", "Locking",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .executableTarget(name: "ConnectedZone", dependencies: [
            "OCI", "Registry", "Archive", "Bundle", "Charts", "Pipeline", "Trust", "ZoneSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "ConnectedZone"),
        .executableTarget(name: "TransitZone", dependencies: [
            "OCI", "Bundle", "Pipeline", "Trust", "ZoneSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "TransitZone"),
        .executableTarget(name: "AirgapZone", dependencies: [
            "OCI", "Registry", "Bundle", "Pipeline", "Trust", "Cluster", "ZoneSupport", "RegistryServer", "Evidence",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "AirgapZone"),

        .target(name: "TestSupport", dependencies: ["Locking"], path: "Tests/TestSupport"),
        .testTarget(name: "LockingTests", dependencies: ["Locking"]),
        .testTarget(name: "SanitizerCanaries"),
        .testTarget(name: "OCITests", dependencies: ["OCI"]),
        .testTarget(name: "HTTPTests", dependencies: ["HTTP", "Locking"]),
        .testTarget(name: "ObjectStoreTests", dependencies: ["ObjectStore", "OCI", "TestSupport"]),
        .testTarget(name: "RegistryTests", dependencies: ["Registry"]),
        .testTarget(name: "BundleTests", dependencies: ["Bundle", "OCI"]),
        .testTarget(name: "ArchiveTests", dependencies: ["Archive", "OCI"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "OCI", "Registry", "Locking"]),
        .testTarget(name: "TrustTests", dependencies: ["Trust", "OCI", "TestSupport"]),
        .testTarget(name: "ChartsTests", dependencies: ["Charts", "TestSupport"]),
        .testTarget(name: "EvidenceTests", dependencies: ["Evidence", "OCI", "Trust", "TestSupport"]),
        .testTarget(name: "ClusterTests", dependencies: ["Cluster", "OCI", "Pipeline", "Bundle", "Yams"]),
        .testTarget(name: "IntegrationTests", dependencies: ["TestSupport", "OCI", "HTTP", "Registry", "Bundle", "Pipeline", "Trust", "Charts", "ObjectStore"]),
    ],
    swiftLanguageModes: [.v6]
)

// libFuzzer targets, only in a build that asks for them (`Benchmarks/fuzz.sh` sets AIRLOCK_FUZZ=1 and builds with
// -sanitize=fuzzer,address): the ordinary build and `swift test` never see them. FuzzDriver is their shared `main`.
if Context.environment["AIRLOCK_FUZZ"] != nil {
    package.targets += [
        .target(name: "FuzzDriver", path: "Fuzz/FuzzDriver"),
        .executableTarget(name: "FuzzParsers", dependencies: [
            "FuzzDriver", "OCI", "Archive", "Bundle", "Pipeline", "Trust", "Registry", "Charts",
        ], path: "Fuzz/FuzzParsers"),
        .executableTarget(name: "FuzzServer", dependencies: [
            "FuzzDriver", "RegistryServer",
        ], path: "Fuzz/FuzzServer"),
    ]
    package.products += [
        .executable(name: "FuzzParsers", targets: ["FuzzParsers"]),
        .executable(name: "FuzzServer", targets: ["FuzzServer"]),
    ]
}
