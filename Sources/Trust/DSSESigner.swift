import Foundation
import OCI

/// Signs a payload into a DSSE envelope as cosign's `attest --key` does: one signature over the PAE, with the
/// key's own hash (SHA-256 for the P-256 keys cosign generates), written as cosign writes the envelope.
public enum DSSESigner {
    /// The envelope JSON: `{"payloadType":…,"payload":base64,"signatures":[{"keyid":"","sig":base64}]}`.
    public static func envelope(payload: Data, payloadType: String = DSSEEnvelope.inTotoPayloadType, key: PrivateKey) throws(TrustError) -> Data {
        let signature = try key.sign(DSSEEnvelope.pae(payloadType: payloadType, payload: payload), hash: key.publicKey.kind.defaultHash)
        let text = #"{"payloadType":\#(GoJSON.quoted(payloadType)),"payload":"\#(payload.base64EncodedString())","#
            + #""signatures":[{"keyid":"","sig":"\#(signature.base64EncodedString())"}]}"#
        return Data(text.utf8)
    }
}
