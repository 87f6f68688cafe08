/// The predicate type an attestation is asked for with `--type`: cosign's short names, or any URI as is.
public struct AttestationType: Sendable, Equatable, CustomStringConvertible {
    /// The in-toto `predicateType` URI.
    public let uri: String

    /// cosign's names (`cosign attest --type`, `cosign verify-attestation --type`) and the URIs they stand for.
    public static let names: [(name: String, uri: String)] = [
        ("custom", "https://cosign.sigstore.dev/attestation/v1"),
        ("slsaprovenance", "https://slsa.dev/provenance/v0.2"),
        ("slsaprovenance02", "https://slsa.dev/provenance/v0.2"),
        ("slsaprovenance1", "https://slsa.dev/provenance/v1"),
        ("spdx", "https://spdx.dev/Document"),
        ("spdxjson", "https://spdx.dev/Document"),
        ("cyclonedx", "https://cyclonedx.org/bom"),
        ("link", "https://in-toto.io/Link/v1"),
        ("vuln", "https://cosign.sigstore.dev/attestation/vuln/v1"),
        ("openvex", "https://openvex.dev/ns"),
    ]

    /// A name from ``names`` or a URI (`scheme://…`); nil for anything else.
    public init?(_ text: String) {
        if let known = Self.names.first(where: { $0.name == text }) {
            uri = known.uri
        } else if text.contains("://") {
            uri = text
        } else {
            return nil
        }
    }

    public var description: String { uri }
}
