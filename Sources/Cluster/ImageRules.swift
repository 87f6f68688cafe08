import OCI

/// The admission rules `airgap lint` runs offline on every image reference: only the private registry, no
/// `latest` or missing tag, and a digest when required.
public struct ImageRules: Sendable {
    public let mapping: PrivateRegistryMapping
    public let requireDigest: Bool

    public init(mapping: PrivateRegistryMapping, requireDigest: Bool) {
        self.mapping = mapping
        self.requireDigest = requireDigest
    }

    /// The violations of `occurrence`, and its parsed reference when it parses.
    public func check(_ occurrence: ImageOccurrence) -> (reference: Reference?, violations: [LintViolation]) {
        let reference: Reference
        do { reference = try Reference(parsing: occurrence.value) } catch {
            return (nil, [LintViolation(occurrence, .invalidReference, error.description)])
        }
        var violations: [LintViolation] = []
        if !mapping.isPrivate(reference) {
            violations.append(LintViolation(occurrence, .privateRegistry, "\(reference) is not in the private registry \(mapping.target)"))
        }
        if reference.digest == nil && reference.tag == Reference.defaultTag {
            if ImageText.writesTag(occurrence.value) {
                violations.append(LintViolation(occurrence, .noLatest, "the tag 'latest' moves; name a version or a digest"))
            } else {
                violations.append(LintViolation(occurrence, .tagRequired, "no tag or digest (the runtime pulls 'latest')"))
            }
        }
        if requireDigest && reference.digest == nil {
            violations.append(LintViolation(occurrence, .digestRequired, "not pinned to a digest (expected NAME[:TAG]@sha256:…)"))
        }
        return (reference, violations)
    }
}
