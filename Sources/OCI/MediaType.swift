/// The media types Airlock recognises, and what each one is.
public enum MediaType {
    public static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
    public static let ociIndex = "application/vnd.oci.image.index.v1+json"
    public static let ociConfig = "application/vnd.oci.image.config.v1+json"
    public static let ociEmpty = "application/vnd.oci.empty.v1+json"
    public static let ociLayerTar = "application/vnd.oci.image.layer.v1.tar"
    public static let ociLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip"
    public static let ociLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd"
    public static let ociLayerNondistributableGzip = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"

    public static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
    public static let dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
    public static let dockerConfig = "application/vnd.docker.container.image.v1+json"
    public static let dockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip"
    public static let dockerForeignLayerGzip = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
    public static let dockerSchema1 = "application/vnd.docker.distribution.manifest.v1+json"
    public static let dockerSchema1Signed = "application/vnd.docker.distribution.manifest.v1+prettyjws"

    public static let cosignSimpleSigning = "application/vnd.dev.cosign.simplesigning.v1+json"

    /// Every manifest type a registry may answer with, best first; sent as `Accept`.
    public static let manifestAccept = [ociIndex, dockerManifestList, ociManifest, dockerManifest]

    /// True for single-image manifests (OCI or Docker v2 schema 2).
    public static func isImageManifest(_ type: String) -> Bool { type == ociManifest || type == dockerManifest }

    /// True for multi-platform indexes (OCI index or Docker manifest list).
    public static func isIndex(_ type: String) -> Bool { type == ociIndex || type == dockerManifestList }

    /// True for either kind of manifest.
    public static func isManifest(_ type: String) -> Bool { isImageManifest(type) || isIndex(type) }

    /// True for Docker's retired schema 1, which Airlock refuses.
    public static func isSchema1(_ type: String) -> Bool { type == dockerSchema1 || type == dockerSchema1Signed }
}
