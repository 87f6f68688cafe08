import Bundle
import Foundation
import OCI

extension BundleFile {
    /// Verifies the bundle offline (`transit verify`): volumes, the tar, every artifact's graph walked by the copy
    /// engine from the bundle in place, and, with `hashBlobs`, every blob's SHA-256 on `threads` threads. A delta
    /// bundle's expected blobs are checked in `base` when it is given.
    public func verified(threads: Int = ProcessInfo.processInfo.activeProcessorCount, hashBlobs: Bool = true,
                         base: BundleFile? = nil) async -> BundleVerifier.Report {
        await BundleVerifier(bundle: self, threads: threads, hashBlobs: hashBlobs, base: base).verify { await self.content() }
    }

    /// Checks the bundle's structure (not its blobs' hashes, which are checked as they stream) before it is
    /// read for `what` ("pushed", "loaded", "exported"); every failure is listed.
    func requireStructure(doing what: String) async throws {
        let structure = await verified(hashBlobs: false)
        guard structure.verified else {
            throw BundleError(bundle: path, artifact: nil, reason: "fails verification, nothing \(what):\n  " + structure.failures.joined(separator: "\n  "))
        }
    }

    /// What every `index.json` entry needs, walked as a copy would walk it; an entry that cannot be walked
    /// (a manifest missing or damaged) is a failure naming it.
    func content() async -> BundleContent {
        var content = BundleContent()
        guard let index = try? layoutIndex() else { return content }   // the verifier reports an unreadable index.json itself
        let entries: [LayoutEntry]
        do { entries = try index.layoutEntries() } catch {
            content.failures.append("index.json: \(error)")
            return content
        }
        let engine = CopyEngine(source: BundleSource(bundle: self), sink: PlanOnly())
        for entry in entries {
            do {
                for node in try await engine.walk(.entry(entry)).1.content {
                    if node.isManifest { content.manifests[node.descriptor.digest] = node.descriptor.size }
                    else { content.blobs[node.descriptor.digest] = node.descriptor.size }
                }
            } catch {
                content.failures.append("\(entry.label): \(error)")
            }
        }
        return content
    }
}

/// The sink of a walk that copies nothing: nothing may reach it.
struct PlanOnly: ContentSink {
    func refuse() -> any Error { BundleError(bundle: "", artifact: nil, reason: "a walk writes nothing") }
    func hasBlob(_ descriptor: Descriptor, in repository: Repository) async throws -> Bool { throw refuse() }
    func putBlob(_ descriptor: Descriptor, in repository: Repository, from source: any ContentSource,
                 progress: @escaping @Sendable (Int64) -> Void) async throws { throw refuse() }
    func putManifest(_ manifest: Manifest, in repository: Repository) async throws -> Bool { throw refuse() }
    func taggedDigest(_ tag: String, in repository: Repository) async throws -> Digest? { throw refuse() }
    func commit(_ placements: [Placement]) async throws { throw refuse() }
}
