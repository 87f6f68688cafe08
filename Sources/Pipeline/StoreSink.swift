import Bundle
import OCI
import Registry

/// Writes content into a content store (an OCI image layout).
public struct StoreSink: ContentSink {
    public let store: ContentStore

    public init(store: ContentStore) { self.store = store }

    public func hasBlob(_ descriptor: Descriptor, in repository: Repository) async throws -> Bool {
        store.hasBlob(descriptor)
    }

    public func receiveBlob(_ descriptor: Descriptor, in repository: Repository, from source: any ContentSource,
                            progress: @escaping @Sendable (Int64) -> Void) async throws {
        let ingest = try store.ingest(descriptor)
        do {
            try await source.fetchBlob(repository, descriptor, into: ingest, progress: progress)
            try ingest.commit()
        } catch {
            ingest.abandon()
            throw error
        }
    }

    public func putManifest(_ manifest: Manifest, in repository: Repository) async throws {
        try store.putManifest(manifest)
    }

    public func record(_ artifacts: [CopiedArtifact]) async throws {
        try store.record(artifacts.map(Self.indexEntry))
    }

    /// The `index.json` entry of an artifact: its descriptor, annotated with name, kind and subject.
    public static func indexEntry(_ artifact: CopiedArtifact) -> Descriptor {
        var entry = Descriptor(mediaType: artifact.descriptor.mediaType, digest: artifact.descriptor.digest, size: artifact.descriptor.size)
        var annotations = [LayoutAnnotation.kind: artifact.kind.rawValue]
        if artifact.kind == .referrer {
            annotations[LayoutAnnotation.repository] = artifact.reference.name
        } else {
            annotations[LayoutAnnotation.referenceName] = artifact.reference.description
        }
        if let subject = artifact.subject { annotations[LayoutAnnotation.subject] = subject.description }
        if let platforms = artifact.platforms { annotations[LayoutAnnotation.platforms] = platforms.map(\.description).joined(separator: ",") }
        if let source = artifact.sourceDigest { annotations[LayoutAnnotation.sourceDigest] = source.description }
        entry.annotations = annotations
        entry.artifactType = artifact.descriptor.artifactType
        return entry
    }
}
