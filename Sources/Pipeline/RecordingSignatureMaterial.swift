import Foundation
import OCI
import Locking

/// A `SignatureMaterial` that remembers which signature, attestation and referrer manifests it handed out: the
/// inputs an audit verdict rests on (a verification summary's `inputAttestations`).
final class RecordingSignatureMaterial: SignatureMaterial {
    let inner: any SignatureMaterial
    private let read = Locked<[AuditFinding.Input]>([])

    init(_ inner: any SignatureMaterial) { self.inner = inner }

    /// Everything read so far, each once, in order.
    var inputs: [AuditFinding.Input] {
        var seen = Set<AuditFinding.Input>()
        return read.withLock { $0 }.filter { seen.insert($0).inserted }
    }

    private func note(_ manifest: Manifest?, _ uri: String) -> Manifest? {
        if let manifest { read.withLock { $0.append(AuditFinding.Input(uri: uri, digest: manifest.digest)) } }
        return manifest
    }

    func legacySignatures(of image: Reference, digest: Digest) async throws -> Manifest? {
        note(try await inner.legacySignatures(of: image, digest: digest), "\(image.name):\(digest.tagForm).sig")
    }

    func attestations(of image: Reference, digest: Digest) async throws -> Manifest? {
        note(try await inner.attestations(of: image, digest: digest), "\(image.name):\(digest.tagForm).att")
    }

    func referrers(of image: Reference, digest: Digest) async throws -> [Manifest] {
        try await inner.referrers(of: image, digest: digest).map { note($0, "\(image.name)@\($0.digest)")! }
    }

    func manifest(_ descriptor: Descriptor, of image: Reference) async throws -> Manifest {
        try await inner.manifest(descriptor, of: image)
    }

    func smallBlob(_ descriptor: Descriptor, of image: Reference) async throws -> Data {
        try await inner.smallBlob(descriptor, of: image)
    }
}
