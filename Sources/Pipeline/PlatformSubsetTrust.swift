import Foundation
import OCI
import Trust

/// The verification rule for a platform subset, used by every signature check (`TrustGate`):
///
/// An image whose digest D has no accepted signature of its own but has a source-index referrer
/// (`PlatformSubset.artifactType`) is trusted when, for one such referrer,
/// 1. the referrer is an image manifest whose subject is D and whose one layer hashes to the digest S it names,
/// 2. that layer is an index (S), and D is an index,
/// 3. every child of D is listed in S with the same digest, media type, size and platform,
/// 4. S is trusted by its own signatures, checked exactly as S itself would be: the same policy rule (the image's
///    reference decides it) and the same identity rule; the payloads must name S.
/// Anything else is a refusal naming the check that failed.
enum PlatformSubsetTrust {
    /// A check of the rule that failed.
    struct Refusal: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// The verdict for `reference` at `digest` through its source-index referrers, or nil when it has none
    /// (its own verdict `own` then stands).
    static func verdict(_ reference: Reference, digest: Digest, own: ImageVerdict, material: any SignatureMaterial,
                        verifier: ImageSignatureVerifier) async throws -> ImageVerdict? {
        let referrers = try await material.referrers(of: reference, digest: digest).filter { $0.artifactType == PlatformSubset.artifactType }
        guard !referrers.isEmpty else { return nil }
        var problems: [String] = []
        for referrer in referrers {
            let what = "platform subset check (source-index referrer \(referrer.digest))"
            do {
                let (source, platforms) = try await checkProvenance(referrer, of: reference, digest: digest, material: material)
                let evidence = try await SignatureCollector.collect(reference, digest: source, from: material)
                var verdict = verifier.verify(reference, digest: source, evidence: evidence)
                guard verdict.trusted else {
                    problems.append("\(what): \(digest) is a platform subset of \(source), which is not trusted: \(verdict.reason)")
                    continue
                }
                verdict.reference = reference.description
                verdict.digest = digest
                verdict.platformSubsetOf = source
                verdict.provenance = "\(digest) is a platform subset (\(platforms.isEmpty ? "no platforms" : platforms.joined(separator: ", "))) of the source index \(source), "
                    + "whose bytes travel as its referrer \(referrer.digest): every manifest \(digest) lists is listed in \(source) with the same digest, "
                    + "media type and size, and the signatures below sign \(source)"
                return verdict
            } catch let refusal as Refusal {
                problems.append("\(what): \(refusal)")
            }
        }
        var verdict = own
        verdict.problems = problems + own.problems
        return verdict
    }

    /// Checks 1–3 of the rule for one referrer; returns S and the platforms D keeps.
    static func checkProvenance(_ referrer: Manifest, of reference: Reference, digest: Digest,
                                material: any SignatureMaterial) async throws -> (Digest, [String]) {
        guard case .image(let provenance) = referrer.content, provenance.layers.count == 1, let layer = provenance.layers.first else {
            throw Refusal("the referrer is not an image manifest with exactly one layer")
        }
        guard let subject = provenance.subject, subject.digest == digest else {
            throw Refusal("the referrer's subject is \(provenance.subject?.digest.description ?? "missing"), not \(digest)")
        }
        guard MediaType.isIndex(layer.mediaType) else { throw Refusal("the referrer's layer is \(layer.mediaType), not an image index") }
        let bytes: Data
        do { bytes = try await material.smallBlob(layer, of: reference) } catch {
            throw Refusal("the source index \(layer.digest) cannot be read (\(error))")
        }
        let actual = Digest.sha256(of: bytes)
        guard actual == layer.digest else { throw Refusal("the referrer's layer hashes to \(actual), not \(layer.digest)") }
        let source: Manifest
        do { source = try Manifest(bytes: bytes, declaredType: layer.mediaType, source: "source index \(layer.digest)") } catch {
            throw Refusal("the referrer's layer is not an image index (\(error))")
        }
        guard case .index(let sourceIndex) = source.content else { throw Refusal("the source index \(layer.digest) is not an image index") }
        let subset: Manifest
        do { subset = try await material.manifest(subject, of: reference) } catch {
            throw Refusal("\(digest) cannot be read (\(error))")
        }
        guard subset.digest == digest, case .index(let subsetIndex) = subset.content else { throw Refusal("\(digest) is not an image index") }
        for child in subsetIndex.manifests {
            let name = "\(child.digest)" + (child.platform.map { " (\($0))" } ?? "")
            guard let listed = sourceIndex.manifests.first(where: { $0.digest == child.digest }) else {
                throw Refusal("\(digest) lists \(name), which the source index \(source.digest) does not list")
            }
            guard listed.mediaType == child.mediaType, listed.size == child.size, listed.platform == child.platform else {
                throw Refusal("\(digest) lists \(name) as \(child.mediaType), \(child.size) bytes, platform \(child.platform?.description ?? "none"); "
                              + "the source index \(source.digest) lists it as \(listed.mediaType), \(listed.size) bytes, platform \(listed.platform?.description ?? "none")")
            }
        }
        let platforms = subsetIndex.manifests.compactMap(\.platform).filter { $0.os != "unknown" }.map(\.description)
        return (source.digest, platforms)
    }
}
