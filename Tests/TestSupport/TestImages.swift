import Foundation

/// An image or index in a ``TestImages`` layout.
public struct LayoutImage: Sendable, Hashable {
    /// Its tag in the layout.
    public let tag: String
    /// Digest of the manifest (or index) in the layout.
    public let digest: String
    /// `application/vnd.oci.image.manifest.v1+json` or `…index.v1+json`.
    public let mediaType: String
    /// Size of the manifest (or index) in bytes.
    public let size: Int
    /// The config blob (nil for an index).
    public let config: BlobInfo?
    /// The layer blobs, base first (empty for an index).
    public let layers: [BlobInfo]
    /// The platform the image was built for (nil for an index).
    public let platform: TestImages.Platform?
    /// The per-platform images of an index (empty for an image).
    public let manifests: [LayoutImage]

    /// Whether this is an OCI image index.
    public var isIndex: Bool { mediaType == TestImages.MediaTypes.index }
}

/// An image pushed to a registry.
public struct PushedImage: Sendable, Hashable {
    /// `HOST/REPOSITORY:TAG`, for `docker://` references.
    public let reference: String
    /// Repository name, e.g. `team/app`.
    public let repository: String
    /// Tag in the registry.
    public let tag: String
    /// The manifest digest as the registry reports it (`Docker-Content-Digest`
    /// of a HEAD); differs from ``LayoutImage/digest`` after a v2s2 conversion.
    public let digest: String
    /// The manifest media type as the registry reports it.
    public let mediaType: String
    /// The manifest size as the registry reports it.
    public let size: Int
    /// What was pushed, as found in the layout.
    public let image: LayoutImage
}

/// A manifest pushed directly over HTTP (signature, referrer, referrers index).
public struct PushedArtifact: Sendable, Hashable {
    /// Repository name, e.g. `team/app`.
    public let repository: String
    /// The tag it was pushed under, or nil when pushed by digest.
    public let tag: String?
    /// Digest reported by the registry.
    public let digest: String
    /// Media type of the manifest.
    public let mediaType: String
    /// The manifest bytes as pushed.
    public let manifest: Data
    /// The `artifactType` (referrers only).
    public let artifactType: String?
    /// The manifest size in bytes.
    public var size: Int { manifest.count }
}

/// Builds small but real OCI images offline with umoci in a temporary OCI
/// layout, and pushes them with skopeo (or raw HTTP for signatures and
/// referrers).
///
/// Layers hold deterministic pseudo-random bytes (incompressible, of the
/// requested size), so the same tag, sizes and seed give the same layer
/// digests in every layout. A value owns one layout: use it from one task at a time.
///
/// ```swift
/// let images = try await TestImages()
/// try await images.build("base", layerSizes: [256 * 1024])
/// try await images.build("app", layerSizes: [64 * 1024], base: "base")  // shares base's layer
/// let pushed = try await images.push("app", to: registry, repository: "team/app")
/// ```
public final class TestImages {
    /// An OS, architecture and optional variant.
    public struct Platform: Sendable, Hashable, CustomStringConvertible {
        /// e.g. `linux`.
        public var os: String
        /// e.g. `amd64`, `arm64`.
        public var architecture: String
        /// e.g. `v8`, or nil.
        public var variant: String?

        /// A platform; the OS defaults to linux.
        public init(os: String = "linux", architecture: String, variant: String? = nil) {
            self.os = os
            self.architecture = architecture
            self.variant = variant
        }

        /// linux/amd64
        public static let amd64 = Platform(architecture: "amd64")
        /// linux/arm64/v8
        public static let arm64v8 = Platform(architecture: "arm64", variant: "v8")

        /// `os/architecture[/variant]`.
        public var description: String {
            ([os, architecture] + (variant.map { [$0] } ?? [])).joined(separator: "/")
        }
    }

    /// Manifest format written to the registry by ``push(_:to:repository:tag:format:as:)``.
    public enum Format: Sendable {
        /// Keep the OCI manifest (or index) as built.
        case oci
        /// Convert to Docker image manifest v2 schema 2 (`skopeo copy --format v2s2`).
        case dockerV2Schema2
    }

    /// OCI media types used by the layout and the raw pushes.
    public enum MediaTypes {
        /// OCI image manifest.
        public static let manifest = "application/vnd.oci.image.manifest.v1+json"
        /// OCI image index.
        public static let index = "application/vnd.oci.image.index.v1+json"
        /// OCI image config.
        public static let config = "application/vnd.oci.image.config.v1+json"
        /// The OCI empty descriptor's `{}` blob.
        public static let empty = "application/vnd.oci.empty.v1+json"
        /// cosign's simple-signing payload layer.
        public static let cosignPayload = "application/vnd.dev.cosign.simplesigning.v1+json"
    }

    /// The annotation holding a cosign signature on the payload layer.
    public static let cosignSignatureAnnotation = "dev.cosignproject.cosign/signature"

    private let directory: TemporaryDirectory

    /// Creates an empty OCI layout (`umoci init`).
    public init() async throws {
        directory = try TemporaryDirectory(prefix: "airlock-images")
        try await Tool.output("umoci", ["init", "--layout", directory.file("layout")])
    }

    /// Path of the OCI layout, for `oci:PATH:TAG` references.
    public var layoutPath: String { directory.file("layout") }

    /// Builds image `tag`: `base`'s layers (if given) plus one new layer per
    /// entry of `layerSizes`, each holding one file of that many pseudo-random
    /// bytes derived from `seed` (default: derived from `tag`).
    @discardableResult
    public func build(
        _ tag: String,
        layerSizes: [Int] = [64 * 1024],
        base: String? = nil,
        platform: Platform = .amd64,
        seed: UInt64? = nil
    ) async throws -> LayoutImage {
        let reference = "\(layoutPath):\(tag)"
        if let base {
            try await Tool.output("umoci", ["tag", "--image", "\(layoutPath):\(base)", tag])
        } else {
            try await Tool.output("umoci", ["new", "--image", reference])
        }
        let contentDirectory = try TemporaryDirectory(prefix: "airlock-layer")
        var generator = PseudoRandomBytes(seed: seed ?? PseudoRandomBytes.seed(for: tag))
        for (index, size) in layerSizes.enumerated() {
            let file = contentDirectory.file("layer-\(index).bin")
            try generator.next(size).write(to: URL(fileURLWithPath: file))
            // A fixed mtime makes the layer tarball, and so its digest, reproducible.
            try FileManager.default.setAttributes(
                [.modificationDate: Date(timeIntervalSince1970: 946_684_800)], ofItemAtPath: file)
            try await Tool.output("umoci", ["insert", "--image", reference, file, "/airlock-test/\(tag)/layer-\(index).bin"])
        }
        try await Tool.output("umoci", [
            "config", "--image", reference, "--os", platform.os, "--architecture", platform.architecture,
        ])
        return try image(tag)
    }

    /// Builds one image per platform (tagged `tag-os-arch[-variant]`) and an
    /// OCI index `tag` listing them with their platforms.
    @discardableResult
    public func buildIndex(
        _ tag: String,
        platforms: [Platform] = [.amd64, .arm64v8],
        layerSizes: [Int] = [32 * 1024]
    ) async throws -> LayoutImage {
        var entries: [[String: Any]] = []
        for platform in platforms {
            let childTag = ([tag] + platform.description.split(separator: "/").map(String.init)).joined(separator: "-")
            let child = try await build(childTag, layerSizes: layerSizes, platform: platform)
            var platformObject: [String: Any] = ["os": platform.os, "architecture": platform.architecture]
            platformObject["variant"] = platform.variant
            entries.append([
                "mediaType": child.mediaType, "digest": child.digest, "size": child.size, "platform": platformObject,
            ])
        }
        let index = try JSONSerialization.data(
            withJSONObject: ["schemaVersion": 2, "mediaType": MediaTypes.index, "manifests": entries],
            options: [.sortedKeys])
        let digest = try await sha256Digest(of: index)
        try index.write(to: URL(fileURLWithPath: blobPath(digest)))
        try setTag(tag, to: ["mediaType": MediaTypes.index, "digest": digest, "size": index.count])
        return try image(tag)
    }

    /// Reads image (or index) `tag` back from the layout.
    public func image(_ tag: String) throws -> LayoutImage {
        let layoutIndex = try JSONDecoder().decode(
            LayoutIndex.self, from: Data(contentsOf: URL(fileURLWithPath: layoutPath + "/index.json")))
        guard let descriptor = layoutIndex.manifests.last(where: { $0.annotations?[Self.refName] == tag }) else {
            throw HarnessError("tag \(tag) not found in the OCI layout \(layoutPath)")
        }
        return try image(descriptor, tag: tag)
    }

    /// Pushes `tag` with `skopeo copy` (`--all` for an index) to
    /// `registry` as `repository:tag` (default: the same tag), as `user`
    /// (default: the registry's ``RegistryServer/user``).
    @discardableResult
    public func push(
        _ tag: String,
        to registry: RegistryServer,
        repository: String,
        tag remoteTag: String? = nil,
        format: Format = .oci,
        as user: TestUser? = nil
    ) async throws -> PushedImage {
        let layoutImage = try image(tag)
        let remoteTag = remoteTag ?? tag
        let reference = "\(registry.host)/\(repository):\(remoteTag)"
        var arguments = ["--insecure-policy", "copy", "--quiet", "--retry-times", "0"]
        if layoutImage.isIndex { arguments.append("--all") }
        if format == .dockerV2Schema2 { arguments += ["--format", "v2s2"] }
        arguments += registry.skopeoOptions(.destination, user: user ?? registry.user)
        arguments += ["oci:\(layoutPath):\(tag)", "docker://\(reference)"]
        let result = try await Tool.run("skopeo", arguments)
        guard result.succeeded else {
            throw HarnessError("pushing \(tag) to \(reference) failed: \(result.errorOutput)\nregistry log:\n\(registry.logTail(lines: 15))")
        }
        let head = try await registry.manifestHead(repository, reference: remoteTag, as: user)
        return PushedImage(
            reference: reference, repository: repository, tag: remoteTag,
            digest: head.digest, mediaType: head.mediaType, size: head.size, image: layoutImage)
    }

    // MARK: Raw pushes: signatures and referrers

    /// Pushes a cosign-style signature for `image` under the tag
    /// `sha256-<hex>.sig`: an OCI manifest with an OCI config and one
    /// simple-signing payload layer annotated with `signature`, or with what `signer` makes of the payload.
    @discardableResult
    public static func pushCosignSignature(
        for image: PushedImage,
        to registry: RegistryServer,
        signature: String = Data((0..<64).map { _ in UInt8.random(in: 0...255) }).base64EncodedString(),
        signer: (@Sendable (Data) async throws -> String)? = nil,
        as user: TestUser? = nil
    ) async throws -> PushedArtifact {
        let payload = try JSONSerialization.data(withJSONObject: [
            "critical": [
                "identity": ["docker-reference": "\(registry.host)/\(image.repository)"],
                "image": ["docker-manifest-digest": image.digest],
                "type": "cosign container image signature",
            ],
            "optional": NSNull(),
        ] as [String: Any], options: [.sortedKeys])
        let payloadBlob = try await registry.pushBlob(payload, repository: image.repository, as: user)
        let config = try JSONSerialization.data(withJSONObject: [
            "architecture": "", "os": "", "config": [String: Any](),
            "rootfs": ["type": "layers", "diff_ids": [payloadBlob.digest]],
        ] as [String: Any], options: [.sortedKeys])
        let configBlob = try await registry.pushBlob(config, repository: image.repository, as: user)
        let manifest = try JSONSerialization.data(withJSONObject: [
            "schemaVersion": 2,
            "mediaType": MediaTypes.manifest,
            "config": descriptor(MediaTypes.config, configBlob),
            "layers": [descriptor(MediaTypes.cosignPayload, payloadBlob,
                                  annotations: [cosignSignatureAnnotation: try await signer?(payload) ?? signature])],
        ] as [String: Any], options: [.sortedKeys])
        let tag = signatureTag(for: image.digest) + ".sig"
        let digest = try await registry.pushManifest(
            manifest, mediaType: MediaTypes.manifest, repository: image.repository, reference: tag, as: user)
        return PushedArtifact(
            repository: image.repository, tag: tag, digest: digest, mediaType: MediaTypes.manifest,
            manifest: manifest, artifactType: nil)
    }

    /// Pushes, by digest, an OCI artifact (an image manifest with
    /// `artifactType`, an empty config, one layer holding `payload` and a
    /// `subject` pointing at `image`).
    @discardableResult
    public static func pushReferrer(
        to image: PushedImage,
        on registry: RegistryServer,
        artifactType: String = "application/vnd.airlock.test.sbom.v1+json",
        payload: Data = Data(#"{"sbom":"airlock test"}"#.utf8),
        annotations: [String: String] = ["org.opencontainers.image.created": "2024-01-01T00:00:00Z"],
        as user: TestUser? = nil
    ) async throws -> PushedArtifact {
        let payloadBlob = try await registry.pushBlob(payload, repository: image.repository, as: user)
        let emptyBlob = try await registry.pushBlob(Data("{}".utf8), repository: image.repository, as: user)
        let manifest = try JSONSerialization.data(withJSONObject: [
            "schemaVersion": 2,
            "mediaType": MediaTypes.manifest,
            "artifactType": artifactType,
            "config": descriptor(MediaTypes.empty, emptyBlob),
            "layers": [descriptor(artifactType, payloadBlob)],
            "subject": ["mediaType": image.mediaType, "digest": image.digest, "size": image.size],
            "annotations": annotations,
        ] as [String: Any], options: [.sortedKeys])
        let digest = try await sha256Digest(of: manifest)
        let reported = try await registry.pushManifest(
            manifest, mediaType: MediaTypes.manifest, repository: image.repository, reference: digest, as: user)
        return PushedArtifact(
            repository: image.repository, tag: nil, digest: reported, mediaType: MediaTypes.manifest,
            manifest: manifest, artifactType: artifactType)
    }

    /// Pushes the referrers tag-schema fallback: an OCI index listing
    /// `referrers` under the tag `sha256-<hex>` of `image`'s digest, which is
    /// where clients look when the registry has no referrers API.
    @discardableResult
    public static func pushReferrersIndex(
        for image: PushedImage,
        referrers: [PushedArtifact],
        to registry: RegistryServer,
        as user: TestUser? = nil
    ) async throws -> PushedArtifact {
        let entries = try referrers.map { referrer -> [String: Any] in
            var entry: [String: Any] = ["mediaType": referrer.mediaType, "digest": referrer.digest, "size": referrer.size]
            entry["artifactType"] = referrer.artifactType
            let manifest = try JSONSerialization.jsonObject(with: referrer.manifest) as? [String: Any]
            entry["annotations"] = manifest?["annotations"]
            return entry
        }
        let index = try JSONSerialization.data(withJSONObject: [
            "schemaVersion": 2, "mediaType": MediaTypes.index, "manifests": entries,
        ] as [String: Any], options: [.sortedKeys])
        let tag = signatureTag(for: image.digest)
        let digest = try await registry.pushManifest(
            index, mediaType: MediaTypes.index, repository: image.repository, reference: tag, as: user)
        return PushedArtifact(
            repository: image.repository, tag: tag, digest: digest, mediaType: MediaTypes.index,
            manifest: index, artifactType: nil)
    }

    /// `sha256-<hex>` for `sha256:<hex>`: the tag prefix cosign and the
    /// referrers fallback use.
    public static func signatureTag(for digest: String) -> String {
        digest.replacingOccurrences(of: ":", with: "-")
    }

    // MARK: Layout internals

    private static let refName = "org.opencontainers.image.ref.name"

    private struct LayoutIndex: Decodable {
        struct Entry: Decodable {
            let mediaType: String
            let digest: String
            let size: Int
            let annotations: [String: String]?
            let platform: PlatformJSON?
        }

        let manifests: [Entry]
    }

    private struct PlatformJSON: Decodable {
        let os: String
        let architecture: String
        let variant: String?
    }

    private struct ManifestJSON: Decodable {
        struct Blob: Decodable {
            let digest: String
            let size: Int
        }

        let config: Blob
        let layers: [Blob]
    }

    private struct ConfigJSON: Decodable {
        let os: String
        let architecture: String
        let variant: String?
    }

    private func blobPath(_ digest: String) -> String {
        layoutPath + "/blobs/" + digest.replacingOccurrences(of: ":", with: "/")
    }

    private func readBlob(_ digest: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: blobPath(digest)))
    }

    private func image(_ descriptor: LayoutIndex.Entry, tag: String) throws -> LayoutImage {
        let data = try readBlob(descriptor.digest)
        if descriptor.mediaType == MediaTypes.index {
            let index = try JSONDecoder().decode(LayoutIndex.self, from: data)
            return LayoutImage(
                tag: tag, digest: descriptor.digest, mediaType: descriptor.mediaType, size: descriptor.size,
                config: nil, layers: [], platform: nil,
                manifests: try index.manifests.map { child in
                    let image = try image(child, tag: tag)
                    let platform = child.platform.map {
                        Platform(os: $0.os, architecture: $0.architecture, variant: $0.variant)
                    }
                    return LayoutImage(
                        tag: tag, digest: image.digest, mediaType: image.mediaType, size: image.size,
                        config: image.config, layers: image.layers, platform: platform ?? image.platform,
                        manifests: [])
                })
        }
        let manifest = try JSONDecoder().decode(ManifestJSON.self, from: data)
        let config = try JSONDecoder().decode(ConfigJSON.self, from: readBlob(manifest.config.digest))
        return LayoutImage(
            tag: tag, digest: descriptor.digest, mediaType: descriptor.mediaType, size: descriptor.size,
            config: BlobInfo(digest: manifest.config.digest, size: manifest.config.size),
            layers: manifest.layers.map { BlobInfo(digest: $0.digest, size: $0.size) },
            platform: Platform(os: config.os, architecture: config.architecture, variant: config.variant),
            manifests: [])
    }

    /// Points `tag` in the layout's index.json at `descriptor`.
    private func setTag(_ tag: String, to descriptor: [String: Any]) throws {
        let indexURL = URL(fileURLWithPath: layoutPath + "/index.json")
        guard var index = try JSONSerialization.jsonObject(with: Data(contentsOf: indexURL)) as? [String: Any] else {
            throw HarnessError("\(indexURL.path) is not a JSON object")
        }
        var manifests = (index["manifests"] as? [[String: Any]] ?? []).filter {
            ($0["annotations"] as? [String: String])?[Self.refName] != tag
        }
        var entry = descriptor
        entry["annotations"] = [Self.refName: tag]
        manifests.append(entry)
        index["manifests"] = manifests
        try JSONSerialization.data(withJSONObject: index, options: [.sortedKeys]).write(to: indexURL)
    }

    private static func descriptor(
        _ mediaType: String, _ blob: BlobInfo, annotations: [String: String]? = nil
    ) -> [String: Any] {
        var descriptor: [String: Any] = ["mediaType": mediaType, "digest": blob.digest, "size": blob.size]
        descriptor["annotations"] = annotations
        return descriptor
    }
}

/// Deterministic, incompressible bytes (xorshift64*).
struct PseudoRandomBytes {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed
    }

    /// A stable seed for a name (FNV-1a), so the same tag gives the same bytes.
    static func seed(for name: String) -> UInt64 {
        name.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }

    mutating func next(_ count: Int) -> Data {
        var data = Data(count: (count + 7) / 8 * 8)
        data.withUnsafeMutableBytes { buffer in
            let words = buffer.bindMemory(to: UInt64.self)
            for index in words.indices {
                state ^= state >> 12
                state ^= state << 25
                state ^= state >> 27
                words[index] = (state &* 0x2545_F491_4F6C_DD1D).littleEndian
            }
        }
        return data.prefix(count)
    }
}
