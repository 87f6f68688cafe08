import OCI
import Registry

extension RegistryClient {
    /// The digest `reference` names, asking the registry when it is a tag.
    func digest(of reference: Reference) async throws -> Digest {
        if let digest = reference.digest { return digest }
        guard let descriptor = try await manifestDescriptor(Repository(reference), reference: reference.manifestReference) else {
            throw RegistryError(.notFound, "\(reference): no such image in the registry")
        }
        return descriptor.digest
    }
}
