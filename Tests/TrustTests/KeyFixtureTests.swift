import Foundation
import Testing
import TestSupport
@testable import Trust

/// Every key fixture loads, decrypts or fails as Tests/Fixtures/README's source says.
@Suite struct KeyFixtureTests {
    @Test(arguments: [
        "cosign/containers-image/cosign.pub", "cosign/containers-image/cosign2.pub", "cosign/containers-image/rekor.pub",
        "cosign/cosign-repo/release-cosign.pub", "cosign/cosign-repo/cosign-test.pub", "cosign/cosign-repo/keys_test-pemcosignkey.pub",
        "cosign/sigstore-go/publish_key.pub", "cosign/sigstore-go/public-key-validity.pem",
        "cosign/sigstore-conformance/managed-key-happy-path/key.pub", "cosign/local-registry/keys/ours-cosign-label-N32768.pub",
    ])
    func publicKeysLoad(_ file: String) throws {
        let key = try Fixture.key(file)
        #expect(key.kind == .ecdsa(curve: "P-256"))
        #expect(key.pem.hasPrefix("-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE"))
    }

    @Test func corruptedConformanceKeyIsRejected() {
        #expect(throws: TrustError.self) { try Fixture.key("cosign/sigstore-conformance/managed-key-wrong-key_fail/key.pub") }
    }

    /// (file, password, expected public key file or nil).
    @Test(arguments: [
        ("cosign/cosign-repo/keys_test-pemsigstorekey.key", "hello", nil as String?),
        ("cosign/cosign-repo/keys_test-pemcosignkey.key", "hello", "cosign/cosign-repo/keys_test-pemcosignkey.pub"),
        ("cosign/sigstore-rs/cosign_generated_encrypted_empty_private.key", "", nil),
        ("cosign/sigstore-rs/ecdsa_encrypted_private.key", "123", nil),
        ("cosign/local-registry/keys/ours-cosign-label-N32768.key", "ourpass", "cosign/local-registry/keys/ours-cosign-label-N32768.pub"),
        ("cosign/local-registry/keys/ours-sigstore-label-N65536.key", "ourpass", "cosign/local-registry/keys/ours-sigstore-label-N65536.pub"),
    ])
    func encryptedKeysDecrypt(_ file: String, _ password: String, _ publicFile: String?) throws {
        let key = try CosignKeyFile.load(path: Fixture.path(file)) { Data(password.utf8) }
        #expect(key.publicKey.kind == .ecdsa(curve: "P-256"))
        if let publicFile { #expect(key.publicKey.spki == (try Fixture.key(publicFile)).spki) }
        let message = Data("airlock".utf8)
        #expect(key.publicKey.verify(signature: try key.sign(message), message: message))
    }

    @Test func ed25519KeyInPKCS8v2Decrypts() throws {
        let key = try CosignKeyFile.load(path: Fixture.path("cosign/sigstore-rs/ed25519_encrypted_private.key")) { Data("123".utf8) }
        #expect(key.publicKey.kind == .ed25519)
        let message = Data("airlock".utf8)
        #expect(key.publicKey.verify(signature: try key.sign(message), message: message))
    }

    @Test func sec1PlaintextIsRefusedAsCosignDoes() {
        #expect {
            try CosignKeyFile.load(path: Fixture.path("cosign/cosign-repo/keys_test-pemcosigneckey.key")) { Data("hello".utf8) }
        } throws: { ($0 as? TrustError)?.description.contains("not PKCS#8") == true }
    }

    @Test(arguments: ["", "hello"])
    func cosignCIKeyNeedsItsSecretPassword(_ password: String) {
        #expect(throws: TrustError.wrongPassword(Fixture.path("cosign/cosign-repo/cosign-test.key"))) {
            try CosignKeyFile.load(path: Fixture.path("cosign/cosign-repo/cosign-test.key")) { Data(password.utf8) }
        }
    }

    @Test func wrongPasswordSaysSo() {
        let file = Fixture.path("cosign/local-registry/keys/ours-cosign-label-N32768.key")
        #expect(throws: TrustError.wrongPassword(file)) { try CosignKeyFile.load(path: file) { Data("ourpass\n".utf8) } }
    }

    @Test(arguments: ["cosign/cosign-repo/keys_test-validecp256.pem", "cosign/cosign-repo/keys_test-validecpkcs8.pem",
                      "cosign/cosign-repo/keys_test-ed25519key.pem"])
    func plainKeysLoad(_ file: String) throws {
        let key = try CosignKeyFile.load(path: Fixture.path(file)) { Issue.record("no password needed"); return Data() }
        let message = Data("airlock".utf8)
        #expect(key.publicKey.verify(signature: try key.sign(message), message: message))
    }

    @Test func generatedKeyRoundTripsThroughCosignFormat() throws {
        let key = try PrivateKey.generateP256()
        let text = try CosignKeyFile.encrypt(key, password: Data("pw".utf8))
        #expect(text.hasPrefix("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"))
        let block = try PEMBlock.single(in: text, what: "new key")
        let body = try JSONSerialization.jsonObject(with: block.der) as! [String: Any]
        #expect(Array(String(decoding: block.der, as: UTF8.self).prefix(44)) == Array(#"{"kdf":{"name":"scrypt","params":{"N":65536,"#))
        #expect(Set(body.keys) == ["kdf", "cipher", "ciphertext"])
        let opened = try CosignKeyFile.decrypt(block, password: Data("pw".utf8), origin: "new key")
        #expect(opened.publicKey.spki == key.publicKey.spki)
        #expect(throws: TrustError.wrongPassword("new key")) { try CosignKeyFile.decrypt(block, password: Data("px".utf8), origin: "new key") }
    }
}

/// Key kinds beyond P-256, made by the openssl command line: accepted or refused as cosign does.
@Suite struct KeyKindTests {
    func privatePEM(_ algorithm: [String]) async throws -> String { try await Tool.output("openssl", ["genpkey"] + algorithm) }

    @Test(arguments: [
        (["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"], "ECDSA P-384"),
        (["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"], "ECDSA P-521"),
        (["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], "RSA 2048"),
        (["-algorithm", "ED25519"], "Ed25519"),
    ])
    func acceptedKindsSignAndVerify(_ algorithm: [String], _ kind: String) async throws {
        let key = try PrivateKey(plainPEM: try await privatePEM(algorithm), origin: "generated")
        #expect(key.publicKey.kind.description == kind)
        let reloaded = try PublicKey(pem: key.publicKey.pem, origin: "round trip")
        let message = Data("airlock".utf8)
        #expect(reloaded.verify(signature: try key.sign(message), message: message, hash: key.publicKey.kind.defaultHash))
        #expect(!reloaded.verify(signature: try key.sign(message), message: Data("other".utf8), hash: key.publicKey.kind.defaultHash))
    }

    @Test(arguments: [
        (["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-224"], "curve"),
        (["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"], "RSA 1024 bits"),
    ])
    func weakKindsAreRefused(_ algorithm: [String], _ fragment: String) async throws {
        let pem = try await privatePEM(algorithm)
        #expect { try PrivateKey(plainPEM: pem, origin: "weak") } throws: { "\($0)".contains(fragment) }
    }
}
