import Bundle
import OCI
import Registry
import Trust

/// Reads the ``PushRecord``s `transit push` left in a repository and turns the entries for one digest into
/// relocations: the source repository that image was pushed from, and the target it was pushed to.
public struct PushRecordLookup: Sendable {
    public let client: RegistryClient

    public init(client: RegistryClient) {
        self.client = client
    }

    /// The relocations the records in `repository` state for the image `digest`: none when nothing was recorded,
    /// or when the registry does not let us list the repository's tags. A record that does not parse is an error.
    public func relocations(of digest: Digest, in repository: Repository) async throws -> [Relocation] {
        let tags = try await RegistryEndpoint(client: client).tags(repository) ?? []
        return try await relocations(in: repository, tags: tags)[digest] ?? []
    }

    /// Every relocation the records among `tags` (the repository's tags, listed once) state, by image digest.
    public func relocations(in repository: Repository, tags: some Sequence<String>) async throws -> [Digest: [Relocation]] {
        var found: [Digest: [Relocation]] = [:]
        for tag in tags.filter({ $0.hasPrefix(PushRecord.tagPrefix) }).sorted() {
            let manifest = try await client.manifest(repository, reference: tag)
            guard let bytes = PushRecord.record(in: manifest) else { continue }
            let what = "\(repository):\(tag)"
            let record = try PushRecord(parsing: bytes, what: what)
            let target: PushTarget
            do { target = try PushTarget(parsing: record.target) } catch {
                throw BundleError(bundle: what, artifact: "push record", reason: "target \(record.target): \(error)")
            }
            for image in record.images {
                found[image.digest, default: []].append(Relocation(target: target, signedPrefix: try Reference(parsing: image.source).name))
            }
        }
        return found
    }
}
