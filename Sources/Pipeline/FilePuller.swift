import Archive
import Bundle
import Charts
import Foundation
import OCI
import Registry

/// Files (`files:` entries) into a content store as OCI artifacts (`FileArtifact`), so they travel, deduplicate and
/// verify like images: a URL is downloaded and must hash to its `sha256` (a mismatch names the URL and keeps
/// nothing), a local file is hashed where it is; the manifest is made here and copied into the store with the engine.
/// Nothing is recorded in `index.json` here: the caller records the entries once everything else is in place.
public struct FilePuller: Sendable {
    let store: ContentStore
    let downloader: HTTPDownloader
    /// A file larger than this is refused.
    public static let sizeLimit: Int64 = 1 << 40

    public init(store: ContentStore, client: RegistryClient) {
        self.store = store
        self.downloader = HTTPDownloader(transport: client.transport, retry: client.retry)
    }

    public func pull(_ requests: [FileRequest]) async throws -> [LayoutEntry] {
        // Downloads land beside the store's blobs (the same file system), and go once they are copied in.
        let scratch = "\(store.root)/.files-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var entries: [LayoutEntry] = []
        for (position, request) in requests.enumerated() {
            let made = MemorySource()
            made.add(PlatformSubset.emptyBlob, mediaType: MediaType.ociEmpty)
            let layer: Descriptor
            switch request.origin {
            case .url(let url):
                guard let file = try await downloader.download(url, to: "\(scratch)/\(position)", basicAuth: nil, limit: Self.sizeLimit,
                                                               expected: request.sha256, what: "file \(url)") else {
                    throw ChartError.download(url, "not found")
                }
                layer = Descriptor(mediaType: FileArtifact.layerMediaType, digest: file.digest, size: file.size, annotations: [FileArtifact.titleAnnotation: request.name])
                made.add(file: file.path, as: layer)
            case .path(let path):
                let (digest, size) = try Self.hash(path, expected: request.sha256)
                layer = Descriptor(mediaType: FileArtifact.layerMediaType, digest: digest, size: size, annotations: [FileArtifact.titleAnnotation: request.name])
                made.add(file: path, as: layer)
            }
            let manifest = try FileArtifact.manifest(name: request.name, layer: layer)
            made.add(manifest)
            var root = manifest.descriptor
            root.artifactType = FileArtifact.artifactType
            let entry = LayoutEntry(kind: .file, name: FileRequest.reference(name: request.name, digest: layer.digest), descriptor: root,
                                    origin: request.description)
            var options = CopyOptions(signatures: false, referrers: false)
            options.commit = false
            _ = try await CopyEngine(source: made, sink: StoreEndpoint(store: store), options: options).copy([.entry(entry)])
            entries.append(entry)
        }
        return entries
    }

    /// A local file's SHA-256 and size, read where it is; checked against `expected` when given.
    static func hash(_ path: String, expected: Digest?) throws -> (Digest, Int64) {
        let file: RandomAccessFile
        do { file = try RandomAccessFile(path: path) } catch {
            throw StoreError(path: path, reason: "cannot be read as a file to bundle (\(error))")
        }
        var verifier = DigestVerifier("file \(path)", digest: expected)
        _ = try file.scan(from: 0, length: file.size) { verifier.update($0) }
        let size = verifier.count
        return (try verifier.finish(), size)
    }
}
