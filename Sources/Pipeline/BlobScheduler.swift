import OCI

/// What placing a blob in a sink came to.
enum BlobOutcome: Sendable { case transferred, present, mounted }

/// The one blob scheduler of a copy: each blob is placed once per key (its digest, or repository and digest
/// where the sink keeps repositories apart), the first repository it lands in is remembered so that others
/// can mount it from there, and each placement is counted once.
actor BlobScheduler {
    private let placements = Once<String, BlobOutcome>()
    private let homes = Once<Digest, (repository: Repository, outcome: BlobOutcome)>()
    private var counts = (transferred: 0, present: 0, mounted: 0, bytes: Int64(0))

    /// Places a blob under `key` unless that was done or is under way.
    func once(_ key: String, _ place: @escaping @Sendable () async throws -> BlobOutcome) async throws -> (outcome: BlobOutcome, first: Bool) {
        let result = try await placements.value(for: key, place)
        return (result.value, result.first)
    }

    /// The repository blob `digest` was first placed in during this copy, placing it in `repository` when
    /// it was nowhere yet; with the outcome of that first placement.
    func home(of digest: Digest, in repository: Repository, _ place: @escaping @Sendable () async throws -> BlobOutcome) async throws -> (repository: Repository, outcome: BlobOutcome, first: Bool) {
        let result = try await homes.value(for: digest) { (repository, try await place()) }
        return (result.value.repository, result.value.outcome, result.first)
    }

    /// Counts a placement (once per key: per blob, or per repository and blob where the sink mounts).
    func count(_ blob: Descriptor, _ outcome: BlobOutcome) {
        switch outcome {
        case .transferred: counts.transferred += 1; counts.bytes += blob.size
        case .mounted: counts.mounted += 1
        case .present: counts.present += 1
        }
    }

    func totals() -> (transferred: Int, present: Int, mounted: Int, bytes: Int64) { counts }
}
