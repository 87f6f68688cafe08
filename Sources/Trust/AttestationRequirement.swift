/// An attestation a policy rule requires (`attestations: [{type, key}]`): one of that predicate type, signed by
/// one of the keys, about the image's digest.
public struct AttestationRequirement: Sendable {
    public let type: AttestationType
    public let keys: [PublicKey]
    /// Where it is written (file:line), for messages.
    public let origin: String

    public init(type: AttestationType, keys: [PublicKey], origin: String) {
        self.type = type
        self.keys = keys
        self.origin = origin
    }
}
