import Bundle
import OCI
import Pipeline

/// The images of a bundle record as the private registry holds them after `transit push --to TARGET`:
/// each private `repository:tag` and the digest it was pushed with.
public struct BundleImageIndex: Sendable {
    /// `HOST/PREFIX/REPO:TAG` → digest.
    var digestsByTag: [String: Digest] = [:]
    /// `HOST/PREFIX/REPO@DIGEST` of every image.
    var pinned: Set<String> = []

    public init(record: BundleRecord, mapping: PrivateRegistryMapping) {
        for artifact in record.artifacts where artifact.kind == .image {
            guard let source = try? Reference(parsing: artifact.reference) else { continue }
            let repository = mapping.target.repository(for: source).description
            if let tag = source.tag { digestsByTag["\(repository):\(tag)"] = artifact.digest }
            pinned.insert("\(repository)@\(artifact.digest)")
            if let sourceDigest = artifact.sourceDigest { pinned.insert("\(repository)@\(sourceDigest)") }
        }
    }

    /// The digest the bundle holds for private reference `reference`: its own digest when it has one and the
    /// bundle holds it, else its tag's; nil when the bundle does not hold it.
    public func digest(for reference: Reference) -> Digest? {
        let repository = Repository(reference).description
        if let digest = reference.digest { return pinned.contains("\(repository)@\(digest)") ? digest : nil }
        return reference.tag.flatMap { digestsByTag["\(repository):\($0)"] }
    }
}
