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

        .target(name: "OCI", dependencies: ["COpenSSL"]),
        .target(name: "HTTP", dependencies: ["OCI", "CCurl"]),
        .target(name: "Registry", dependencies: ["OCI", "HTTP"]),
        .target(name: "Bundle", dependencies: ["OCI", "CLinux", "Archive"]),
        .target(name: "Archive", dependencies: ["CArchive", "OCI"]),
        .target(name: "Trust", dependencies: ["OCI", "COpenSSL", "CSodium", "Yams"]),
        .target(name: "Charts", dependencies: ["OCI", "HTTP", "CArchive", "Yams"]),
        .target(name: "Pipeline", dependencies: ["OCI", "HTTP", "Registry", "Archive", "Bundle", "Trust", "Charts", "Yams"]),
        .target(name: "Cluster", dependencies: ["OCI", "Bundle", "Pipeline", "Yams"]),
        .target(name: "ZoneSupport", dependencies: [
            "OCI", "HTTP", "Registry", "Pipeline", "Trust",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .executableTarget(name: "ConnectedZone", dependencies: [
            "OCI", "Registry", "Bundle", "Charts", "Pipeline", "Trust", "ZoneSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "ConnectedZone"),
        .executableTarget(name: "TransitZone", dependencies: [
            "OCI", "Bundle", "Pipeline", "Trust", "ZoneSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "TransitZone"),
        .executableTarget(name: "AirgapZone", dependencies: [
            "OCI", "Registry", "Bundle", "Pipeline", "Trust", "Cluster", "ZoneSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "AirgapZone"),

        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "OCITests", dependencies: ["OCI"]),
        .testTarget(name: "HTTPTests", dependencies: ["HTTP"]),
        .testTarget(name: "RegistryTests", dependencies: ["Registry"]),
        .testTarget(name: "BundleTests", dependencies: ["Bundle", "OCI"]),
        .testTarget(name: "ArchiveTests", dependencies: ["Archive", "OCI"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "OCI", "Registry"]),
        .testTarget(name: "TrustTests", dependencies: ["Trust", "OCI", "TestSupport"]),
        .testTarget(name: "ChartsTests", dependencies: ["Charts", "TestSupport"]),
        .testTarget(name: "ClusterTests", dependencies: ["Cluster", "OCI", "Pipeline", "Bundle", "Yams"]),
        .testTarget(name: "IntegrationTests", dependencies: ["TestSupport", "OCI", "HTTP", "Registry", "Bundle", "Pipeline", "Trust", "Charts"]),
    ],
    swiftLanguageModes: [.v6]
)
