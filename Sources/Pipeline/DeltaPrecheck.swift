import Bundle
import OCI

/// Before a delta bundle is pushed: the target must already hold every blob the delta leaves to its base, in
/// the repository that needs it. Asked with HEAD requests in parallel; when any is missing the push is refused
/// before anything is uploaded, naming each.
struct DeltaPrecheck {
    let bundle: BundleFile
    let expected: BundleRecord.Base
    let target: RegistryEndpoint
    let destination: @Sendable (Reference) -> Repository
    let jobs: Int

    func require(_ entries: [LayoutEntry]) async throws {
        let leftOut = Set(expected.blobs.map(\.digest))
        let walker = CopyEngine(source: BundleSource(bundle: bundle), sink: PlanOnly())
        var wanted: [(Repository, Descriptor)] = []
        var seen = Set<String>()
        for entry in entries {
            let (_, tree) = try await walker.walk(.entry(entry))
            let repository = destination(try entry.reference())
            for node in tree.content where !node.isManifest && leftOut.contains(node.descriptor.digest)
                && bundle.entries[BundleFile.blobName(node.descriptor.digest)] == nil
                && seen.insert("\(repository) \(node.descriptor.digest)").inserted {
                wanted.append((repository, node.descriptor))
            }
        }
        let limiter = ConcurrencyLimiter(limit: jobs)
        let missing = try await withThrowingTaskGroup(of: String?.self) { group in
            for (repository, blob) in wanted {
                group.addTask {
                    try await limiter.run { try await target.hasBlob(blob, in: repository) } ? nil : "\(repository)@\(blob.digest)"
                }
            }
            var missing: [String] = []
            for try await line in group { if let line { missing.append(line) } }
            return missing.sorted()
        }
        guard missing.isEmpty else {
            let base = expected.digest.map { " (base record \($0))" } ?? ""
            throw BundleError(bundle: bundle.path, artifact: nil, reason: "is a delta bundle and the target lacks \(missing.count) of the blobs it leaves to its base\(base); push the base bundle first. Nothing was sent. Missing:\n  " + missing.joined(separator: "\n  "))
        }
    }
}
