import Archive
import Bundle
import Foundation
import OCI
import Registry

/// What a delta bundle (`connected bundle --since`, `--since-store`) builds on: the blobs an earlier bundle
/// carried, by digest whatever the tag, which the new bundle leaves out and lists as expected.
///
/// A bundle file is read in place (its `blobs/` entries); a content store is listed; a bundle record or a lock
/// file names manifests only, so their graphs are walked at the sources (manifests read, no layer). A manifest
/// that cannot be found there only makes the delta bigger: nothing unproven is left out.
public struct DeltaBase: Sendable {
    /// SHA-256 of the base bundle's record or of the lock file; nil for a content store.
    public var digest: Digest?
    public var blobs: Set<Digest>

    public init(digest: Digest?, blobs: Set<Digest>) {
        self.digest = digest
        self.blobs = blobs
    }

    /// `--since PATH`: a bundle (`.tar`, split or not), a bundle record (`.json`) or a lock file (`.lock`).
    /// A bundle may be kept in `files` (object storage).
    public static func since(_ path: String, files: any ArchiveStore = LocalFiles(), client: @autoclosure () throws -> RegistryClient) async throws -> DeltaBase {
        if path.hasSuffix(".lock") { return try await lock(path, client: try client()) }
        if path.hasSuffix(".json") && !path.hasSuffix(".parts.json") { return try await record(path, client: try client()) }
        return try bundle(path, files: files)
    }

    /// Every blob a bundle file holds; the digest is its record's.
    public static func bundle(_ path: String, files: any ArchiveStore = LocalFiles()) throws -> DeltaBase {
        let bundle = try BundleFile(path: path, store: files)
        let blobs = bundle.entries.entries.compactMap { entry -> Digest? in
            guard entry.name.hasPrefix("blobs/sha256/"), !entry.isDirectory else { return nil }
            return try? Digest(parsing: "sha256:" + entry.name.dropFirst("blobs/sha256/".count))
        }
        return DeltaBase(digest: .sha256(of: try bundle.contents(of: BundleRecord.fileName)), blobs: Set(blobs))
    }

    /// Every blob a content store holds.
    public static func store(_ path: String) throws -> DeltaBase {
        let store = try ContentStore(at: path, create: false)
        let directory = store.root + "/blobs/sha256"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return DeltaBase(digest: nil, blobs: Set(names.compactMap { try? Digest(parsing: "sha256:" + $0) }))
    }

    /// The blobs of every artifact a bundle record lists, walked at the sources.
    public static func record(_ path: String, client: RegistryClient) async throws -> DeltaBase {
        let data = try read(path)
        let record: BundleRecord
        do { record = try JSONDecoder().decode(BundleRecord.self, from: data) } catch {
            throw BundleError(bundle: path, artifact: nil, reason: "not a bundle record (\(error))")
        }
        var roots: [CopyRequest] = []
        for artifact in record.artifacts {
            guard let reference = try? Reference(parsing: artifact.reference) else { continue }
            roots.append(CopyRequest(reference: reference, platforms: try artifact.platforms?.map { try Platform(parsing: $0) },
                                     pinned: artifact.sourceDigest ?? artifact.digest))
        }
        return DeltaBase(digest: .sha256(of: data), blobs: await walk(roots, client: client))
    }

    /// The blobs of every locked image, child and signature, walked at the sources.
    public static func lock(_ path: String, client: RegistryClient) async throws -> DeltaBase {
        let data = try read(path)
        let lock = try LockFile(yaml: String(decoding: data, as: UTF8.self), file: path)
        var roots: [CopyRequest] = []
        for image in lock.images {
            let children = image.platforms.values.sorted()
            for digest in children.isEmpty ? [image.digest] : children { roots.append(CopyRequest(reference: image.reference, pinned: digest)) }
            if let signature = image.signature { roots.append(CopyRequest(reference: image.reference, pinned: signature)) }
        }
        return DeltaBase(digest: .sha256(of: data), blobs: await walk(roots, client: client))
    }

    static func read(_ path: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else { throw BundleError(bundle: path, artifact: nil, reason: "cannot be read") }
        return data
    }

    /// The blobs (not the manifests) below each root, as the copy engine walks it; roots that cannot be walked count for nothing.
    static func walk(_ roots: [CopyRequest], client: RegistryClient) async -> Set<Digest> {
        let engine = CopyEngine(source: RegistryEndpoint(client: client), sink: PlanOnly())
        return await withTaskGroup(of: [Digest].self) { group in
            for root in roots {
                group.addTask {
                    guard let tree = try? await engine.walk(.reference(root)).1 else { return [] }
                    return tree.content.filter { !$0.isManifest }.map(\.descriptor.digest)
                }
            }
            var all = Set<Digest>()
            for await digests in group { all.formUnion(digests) }
            return all
        }
    }
}
