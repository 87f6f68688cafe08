import Foundation
import Testing
import TestSupport
@testable import Trust

/// Malformed public key files are refused with an error naming the file (found by the bad-input corpus).
@Suite struct PublicKeyFileErrorTests {
    /// A good key's SubjectPublicKeyInfo with bytes after it was accepted: the bytes after the DER were ignored.
    @Test func bytesAfterTheKeyAreRefused() throws {
        let good = try Fixture.key("cosign/containers-image/cosign.pub")
        let padded = PEMBlock(label: "PUBLIC KEY", der: good.spki + Data([0, 1, 2])).text
        #expect(throws: TrustError.malformed("extra.pub", "not a valid public key (3 bytes after the key's DER)")) {
            try PublicKey(pem: padded, origin: "extra.pub")
        }
        #expect(try PublicKey(pem: PEMBlock(label: "PUBLIC KEY", der: good.spki).text, origin: "good.pub").spki == good.spki)
    }

    /// A PEM block without its END line, or with a body that is not base64, named only "PEM block PUBLIC KEY".
    @Test(arguments: [
        ("-----BEGIN PUBLIC KEY-----\nMFkw\n", "no-end.pub: PEM block PUBLIC KEY: it has no END line"),
        ("-----BEGIN PUBLIC KEY-----\n%%%\n-----END PUBLIC KEY-----\n", "bad-body.pub: PEM block PUBLIC KEY: its body is not base64"),
    ])
    func pemErrorsNameTheFile(text: String, message: String) {
        let origin = String(message.prefix { $0 != ":" })
        #expect(throws: TrustError.malformed(origin, String(message.dropFirst(origin.count + 2)))) { try PublicKey(pem: text, origin: origin) }
    }
}
