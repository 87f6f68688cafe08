import Bundle
import Foundation
import OCI
import Trust

/// A sigstore trusted root carried across the gap with the images it vouches for: an OCI artifact (one layer, the
/// file's exact bytes) named `sigstore/trusted-root:<first 12 hex of its digest>`, kind `file`. In a bundle it is
/// covered like everything else by `index.json` and so by the bundle signature.
public enum TrustedRootArtifact {
    /// The repository the artifact is named in (and pushed to, under the target prefix).
    public static let repository = "sigstore/trusted-root"

    /// Copies `root` into the store as the artifact (with the engine) and returns its `index.json` entry.
    public static func store(_ root: TrustedRoot, into store: ContentStore) async throws -> LayoutEntry {
        let made = MemorySource()
        let layer = made.add(root.data, mediaType: TrustedRoot.mediaType)
        let config = made.add(Data("{}".utf8), mediaType: MediaType.ociEmpty)
        let text = #"{"schemaVersion":2,"mediaType":"\#(MediaType.ociManifest)","artifactType":"\#(TrustedRoot.mediaType)","#
            + #""config":{"mediaType":"\#(MediaType.ociEmpty)","digest":"\#(config.digest)","size":\#(config.size)},"#
            + #""layers":[{"mediaType":"\#(TrustedRoot.mediaType)","digest":"\#(layer.digest)","size":\#(layer.size),"#
            + #""annotations":{"org.opencontainers.image.title":"trusted_root.json"}}]}"#
        let manifest = try Manifest(bytes: Data(text.utf8), declaredType: MediaType.ociManifest, source: repository)
        made.add(manifest)
        let entry = LayoutEntry(kind: .file, name: "\(repository):\(layer.digest.encoded.prefix(12))", descriptor: manifest.descriptor,
                                origin: root.origin)
        _ = try await CopyEngine(source: made, sink: StoreEndpoint(store: store)).copy([.entry(entry)])
        return entry
    }

    /// The trusted root `bundle` carries (every byte checked against its digest), or nil when it carries none.
    public static func carried(in bundle: BundleFile) throws -> TrustedRoot? {
        guard let entry = try BundleSource(bundle: bundle).entries().first(where: { $0.kind == .file && $0.name?.hasPrefix("\(repository):") == true }) else {
            return nil
        }
        guard case .image(let manifest) = try bundle.manifest(entry.descriptor).content,
              let layer = manifest.layers.first(where: { $0.mediaType == TrustedRoot.mediaType }) else {
            throw TrustError.malformed("\(bundle.path): \(entry.name ?? repository)", "not a trusted root artifact")
        }
        let name = BundleFile.blobName(layer.digest)
        let data = try bundle.contents(of: name)
        try DigestVerifier.verify(data, "\(bundle.path): \(name)", expected: layer)
        return try TrustedRoot(json: data, origin: "the trusted root in \(bundle.path) (\(entry.name ?? repository))")
    }
}
