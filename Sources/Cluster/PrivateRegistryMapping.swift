import OCI
import Pipeline

/// Where an image lives in the private registry: `transit push`'s own mapping (``PushTarget``), so manifests,
/// node configuration and the registry cannot disagree.
public struct PrivateRegistryMapping: Sendable {
    public let target: PushTarget

    public init(target: PushTarget) { self.target = target }

    /// Whether `reference` already names the private registry, under its prefix.
    public func isPrivate(_ reference: Reference) -> Bool {
        guard reference.registry == target.registry else { return false }
        guard let prefix = target.prefix else { return true }
        return reference.repository.hasPrefix(prefix + "/")
    }

    /// The private reference of `reference` (itself when already private), keeping its tag and digest.
    public func privateReference(for reference: Reference) throws(ReferenceError) -> Reference {
        if isPrivate(reference) { return reference }
        let repository = target.repository(for: reference)
        return try Reference(registry: repository.registry, repository: repository.path, tag: reference.tag, digest: reference.digest)
    }
}
