import Foundation
import OCI
import Testing
@testable import Trust

/// The containers/image and local-registry `.sig` vectors, each with the result the fixture README gives.
@Suite struct LegacySignatureFixtureTests {
    static let ci = "cosign/containers-image"

    /// Verifies the `dir:` fixture `directory` (its manifest.json and signature-N files) for `reference`.
    func verdict(_ directory: String, signatures: [String], key: String, reference: String,
                 identity: TrustPolicy.IdentityRule = .repository, rekorKey: String? = nil) throws -> ImageVerdict {
        var evidence = SignatureEvidence()
        evidence.legacy = try signatures.map { try Fixture.dirSignature("\(Self.ci)/\(directory)/\($0)") }
        var policy = TrustPolicy.requiring([try Fixture.key("\(Self.ci)/\(key)")], identity: identity)
        policy.rekorKey = try rekorKey.map { try Fixture.key("\(Self.ci)/\($0)") }
        return ImageSignatureVerifier(policy: policy)
            .verify(try Reference(parsing: reference), digest: Fixture.manifestDigest("\(Self.ci)/\(directory)"), evidence: evidence)
    }

    static let sample = "192.168.64.2:5000/cosign-signed-single-sample:latest"

    @Test func validSignatureVerifiesWithItsKeyOnly() throws {
        let good = try verdict("dir-img-cosign-valid", signatures: ["signature-1"], key: "cosign.pub", reference: Self.sample)
        #expect(good.trusted)
        #expect(good.accepted.count == 1)
        let wrong = try verdict("dir-img-cosign-valid", signatures: ["signature-1"], key: "cosign2.pub", reference: Self.sample)
        #expect(!wrong.trusted)
        #expect(wrong.reason.contains("does not verify with"))
    }

    @Test func twoSignaturesOverOnePayloadBothVerify() throws {
        let result = try verdict("dir-img-cosign-valid-2", signatures: ["signature-1", "signature-2"], key: "cosign.pub", reference: Self.sample)
        #expect(result.trusted)
        #expect(result.accepted.count == 2)
    }

    @Test func oneValidSignatureOfTwoIsEnough() throws {
        let result = try verdict("dir-img-cosign-mixed", signatures: ["signature-1", "signature-2"], key: "cosign.pub", reference: Self.sample)
        #expect(result.trusted)
        #expect(result.accepted.count == 1)
    }

    @Test(arguments: ["dir-img-cosign-modified-manifest", "dir-img-cosign-manifest-digest-error"])
    func changedManifestIsADigestMismatch(_ directory: String) throws {
        let result = try verdict(directory, signatures: ["signature-1"], key: "cosign.pub", reference: Self.sample)
        #expect(!result.trusted)
        #expect(result.reason.contains("signs sha256:634a8f35"))
    }

    @Test func otherAttachmentIsNotASignature() throws {
        let result = try verdict("dir-img-cosign-other-attachment", signatures: ["signature-1"], key: "cosign.pub", reference: Self.sample)
        #expect(!result.trusted)
        #expect(result.reason.contains("is not a signature"))
    }

    @Test func skopeoSignatureWithTagMatchesExactIdentity() throws {
        let directory = "dir-img-cosign-valid-with-tag"
        #expect(try verdict(directory, signatures: ["signature-1"], key: "cosign.pub", reference: "192.168.64.2:5000/skopeo-signed:tag",
                            identity: .exact).trusted)
        let other = try verdict(directory, signatures: ["signature-1"], key: "cosign.pub", reference: "192.168.64.2:5000/skopeo-signed:othertag",
                                identity: .exact)
        #expect(!other.trusted)
        #expect(other.reason.contains("identity rule: exact"))
        #expect(try verdict(directory, signatures: ["signature-1"], key: "cosign.pub", reference: "192.168.64.2:5000/skopeo-signed:othertag").trusted)
    }

    @Test func cosignSignatureHasNoTagSoExactIdentityRejectsIt() throws {
        let result = try verdict("dir-img-cosign-valid", signatures: ["signature-1"], key: "cosign.pub", reference: Self.sample, identity: .exact)
        #expect(!result.trusted)
        #expect(result.reason.contains("has no tag"))
    }

    @Test func repositoryIdentityRejectsAnotherRepository() throws {
        let result = try verdict("dir-img-cosign-valid", signatures: ["signature-1"], key: "cosign.pub", reference: "192.168.64.2:5000/elsewhere:latest")
        #expect(!result.trusted)
        #expect(result.reason.contains("signed for 192.168.64.2:5000/cosign-signed-single-sample"))
        #expect(try verdict("dir-img-cosign-valid", signatures: ["signature-1"], key: "cosign.pub", reference: "192.168.64.2:5000/elsewhere:latest",
                            identity: .digest).trusted)
    }

    @Test func rekorLoggedSignatureVerifiesOfflineAndItsSETWithTheRekorKey() throws {
        let directory = "dir-img-cosign-key-rekor-valid"
        let reference = "192.168.64.2:5000/cosign-signed/key-rekor:latest"
        #expect(try verdict(directory, signatures: ["signature-1"], key: "cosign2.pub", reference: reference, identity: .digest).trusted)
        #expect(!(try verdict(directory, signatures: ["signature-1"], key: "cosign.pub", reference: reference, identity: .digest).trusted))
        #expect(try verdict(directory, signatures: ["signature-1"], key: "cosign2.pub", reference: reference, identity: .digest, rekorKey: "rekor.pub").trusted)
        // A Rekor key that did not sign the SET, and a signature without a SET, both fail when a Rekor key is required.
        let wrongLog = try verdict(directory, signatures: ["signature-1"], key: "cosign2.pub", reference: reference, identity: .digest, rekorKey: "cosign.pub")
        #expect(wrongLog.reason.contains("Rekor entry timestamp does not verify"))
        let noSET = try verdict("dir-img-cosign-valid", signatures: ["signature-1"], key: "cosign.pub", reference: Self.sample, rekorKey: "rekor.pub")
        #expect(noSET.reason.contains("no Rekor bundle"))
    }

    @Test func keylessSignatureVerifiesOnlyWithItsCertificateKey() throws {
        let directory = "dir-img-cosign-fulcio-rekor-valid"
        let layer = try Fixture.dirSignature("\(Self.ci)/\(directory)/signature-1")
        for key in ["cosign.pub", "cosign2.pub"] {
            #expect(!(try verdict(directory, signatures: ["signature-1"], key: key, reference: Self.sample, identity: .digest).trusted))
        }
        let certificate = try #require(layer.layer.annotations?[CosignSignatureLayer.certificateAnnotation])
        let certificateKey = try PublicKey(certificate: Data(certificate.utf8), origin: "leaf")
        #expect(certificateKey.verify(signature: try #require(layer.signature), message: layer.payload))
    }

    @Test func unknownKeySignatureMatchesNeitherKey() throws {
        let layer = try Fixture.dirSignature("\(Self.ci)/unknown-cosign-key.signature")
        for key in ["cosign.pub", "cosign2.pub"] {
            #expect(!(try Fixture.key("\(Self.ci)/\(key)")).verify(signature: try #require(layer.signature), message: layer.payload))
        }
    }

    @Test func unsignedImageFailsUnlessAllowed() throws {
        let reference = try Reference(parsing: Self.sample)
        let digest = Fixture.manifestDigest("\(Self.ci)/dir-img-cosign-valid")
        let strict = ImageSignatureVerifier(policy: .requiring([try Fixture.key("\(Self.ci)/cosign.pub")]))
        #expect(strict.verify(reference, digest: digest, evidence: SignatureEvidence()).reason.contains("no signature found"))
        let lenient = ImageSignatureVerifier(policy: TrustPolicy(rules: [.init(patterns: [ReferencePattern("192.168.64.2:5000/**")], keys: [],
                                                                                allowUnsigned: true, origin: "test")]))
        #expect(lenient.verify(reference, digest: digest, evidence: SignatureEvidence()).trusted)
    }
}

/// The local-registry vectors: `.sig` manifests as our signer and as skopeo wrote them.
@Suite struct LocalRegistryFixtureTests {
    static let dir = "cosign/local-registry/registry-readback"
    static let image = try! Digest(parsing: "sha256:41ff95783f94b27385f37fb450c2ae3fed0648a1beb3c13d6ec9dfad0079bf22")

    func layers(_ manifest: String) throws -> [CosignSignatureLayer] {
        let parsed = try JSONDecoder().decode(ImageManifest.self, from: Fixture.data("\(Self.dir)/\(manifest)"))
        let payload = Fixture.data("\(Self.dir)/payload-2eec98655bd3.json")
        return parsed.layers.map { layer in
            #expect(layer.digest == .sha256(of: payload))
            return CosignSignatureLayer(layer: layer, payload: payload)
        }
    }

    @Test(arguments: ["ours-sig-manifest-2sig.json", "skopeo-sig-manifest-2sig.json"])
    func eachLayerVerifiesWithItsOwnKeyOnly(_ manifest: String) throws {
        let layers = try layers(manifest)
        let cosignKey = try Fixture.key("cosign/cosign-repo/keys_test-pemcosignkey.pub")
        let ours = try Fixture.key("cosign/local-registry/keys/ours-cosign-label-N32768.pub")
        #expect(cosignKey.verify(signature: layers[0].signature!, message: layers[0].payload))
        #expect(!ours.verify(signature: layers[0].signature!, message: layers[0].payload))
        #expect(ours.verify(signature: layers[1].signature!, message: layers[1].payload))
        #expect(!cosignKey.verify(signature: layers[1].signature!, message: layers[1].payload))
        var evidence = SignatureEvidence()
        evidence.legacy = layers
        let policy = TrustPolicy(rules: [.init(patterns: [ReferencePattern("**")], keys: [cosignKey, ours], requirement: .allOf, origin: "test")])
        #expect(ImageSignatureVerifier(policy: policy).verify(try Reference(parsing: "127.0.0.1:5000/test/hello:v1"), digest: Self.image,
                                                              evidence: evidence).trusted)
    }

    @Test func tamperedPayloadFailsEverySignature() throws {
        let tampered = try layers("ours-sig-manifest-2sig.json").map { layer in
            CosignSignatureLayer(layer: layer.layer, payload: Data(String(decoding: layer.payload, as: UTF8.self).replacingOccurrences(of: "41ff", with: "41fe").utf8))
        }
        let cosignKey = try Fixture.key("cosign/cosign-repo/keys_test-pemcosignkey.pub")
        #expect(!cosignKey.verify(signature: tampered[0].signature!, message: tampered[0].payload))
    }

    @Test func payloadWriterMatchesCosignBytes() throws {
        let payload = SimpleSigningPayload(dockerReference: "127.0.0.1:5000/test/hello", manifestDigest: Self.image)
        #expect(payload.bytes == Fixture.data("\(Self.dir)/payload-2eec98655bd3.json"))
        let parsed = try SimpleSigningPayload(parsing: payload.bytes, what: "payload")
        #expect(parsed.dockerReference == "127.0.0.1:5000/test/hello" && parsed.manifestDigest == Self.image)
    }

    @Test func manifestWriterMatchesCosignLayoutFieldByField() throws {
        let expected = Fixture.data("\(Self.dir)/ours-sig-manifest-2sig.json")
        let layers = try JSONDecoder().decode(ImageManifest.self, from: expected).layers
        let written = CosignSignatureManifest.write(layers: layers)
        #expect(written.manifest == expected)
        #expect(written.config == Fixture.data("\(Self.dir)/config-5bb1adcb622c56f4a9dd8248bde8d8c27b18cc8acec7e37d8bd710f050fe8513.json"))
        let one = CosignSignatureManifest.write(layers: Array(layers.prefix(1)))
        #expect(one.manifest == Fixture.data("\(Self.dir)/ours-sig-manifest-1sig.json"))
    }

    @Test func appendingSkipsADuplicateBySameKeyAndPayload() throws {
        let expected = Fixture.data("\(Self.dir)/ours-sig-manifest-1sig.json")
        let existing = try JSONDecoder().decode(ImageManifest.self, from: expected).layers
        let payload = Fixture.data("\(Self.dir)/payload-2eec98655bd3.json")
        let cosignKey = try Fixture.key("cosign/cosign-repo/keys_test-pemcosignkey.pub")
        #expect(CosignSignatureManifest.appending(payload: payload, signature: existing[0].annotations!["dev.cosignproject.cosign/signature"].flatMap { Data(base64Encoded: $0) }!,
                                                  by: cosignKey, to: existing) == nil)
        let key = try CosignKeyFile.load(path: Fixture.path("cosign/local-registry/keys/ours-cosign-label-N32768.key")) { Data("ourpass".utf8) }
        let appended = try #require(CosignSignatureManifest.appending(payload: payload, signature: try key.sign(payload), by: key.publicKey, to: existing))
        #expect(appended.layers.count == 2)
    }

    @Test(arguments: [
        (#"{"critical":{"identity":{"docker-reference":"x"},"image":{"docker-manifest-digest":"sha256:41ff95783f94b27385f37fb450c2ae3fed0648a1beb3c13d6ec9dfad0079bf22"},"type":"cosign container image signature"},"optional":null,"extra":1}"#, "unexpected extra"),
        (#"{"critical":{"identity":{"docker-reference":"x"},"image":{"docker-manifest-digest":"sha256:41ff95783f94b27385f37fb450c2ae3fed0648a1beb3c13d6ec9dfad0079bf22"},"type":"other"},"optional":null}"#, "critical.type"),
        (#"{"critical":{"identity":{},"image":{"docker-manifest-digest":"sha256:41ff95783f94b27385f37fb450c2ae3fed0648a1beb3c13d6ec9dfad0079bf22"},"type":"cosign container image signature"},"optional":null}"#, "missing docker-reference"),
        (#"{"critical":{"identity":{"docker-reference":"x"},"image":{"docker-manifest-digest":"sha256:41ff95783f94b27385f37fb450c2ae3fed0648a1beb3c13d6ec9dfad0079bf22"},"type":"cosign container image signature"},"optional":{"timestamp":1.5}}"#, "timestamp"),
        (#"[1]"#, "expected a JSON object"),
    ])
    func strictPayloadParserRejects(_ text: String, _ fragment: String) {
        #expect { try SimpleSigningPayload(parsing: Data(text.utf8), what: "sig") } throws: {
            ($0 as? TrustError)?.description.contains(fragment) == true
        }
    }
}

/// skopeo's `dir:` output of the local-registry image, and the real keyless `.sig` in crane's OCI layout.
@Suite struct LayoutAndDirFixtureTests {
    static let dir = "cosign/local-registry/skopeo-dir-transport"

    @Test(arguments: [("1sig-signature-1", "cosign/cosign-repo/keys_test-pemcosignkey.pub"),
                      ("2sig-signature-1", "cosign/cosign-repo/keys_test-pemcosignkey.pub"),
                      ("2sig-signature-2", "cosign/local-registry/keys/ours-cosign-label-N32768.pub")])
    func skopeoDirSignaturesVerifyForTheirImage(_ file: String, _ key: String) throws {
        var evidence = SignatureEvidence()
        evidence.legacy = [try Fixture.dirSignature("\(Self.dir)/\(file)")]
        let verifier = ImageSignatureVerifier(policy: .requiring([try Fixture.key(key)]))
        let verdict = verifier.verify(try Reference(parsing: "127.0.0.1:5000/test/hello:v1"), digest: Fixture.manifestDigest(Self.dir), evidence: evidence)
        #expect(verdict.trusted, "\(verdict.problems)")
        #expect(Fixture.manifestDigest(Self.dir).encoded.hasPrefix("41ff95783f94"))
    }

    @Test func craneLayoutKeylessSignatureVerifiesWithItsCertificateOnly() throws {
        let layout = "oci/zarf-crane-oci-layout/blobs/sha256"
        let manifest = try JSONDecoder().decode(ImageManifest.self, from: Fixture.data("\(layout)/6162308b7421163281afe8bd1c69ae16d50e675cbe93ff8b34f8ad5efb71a866"))
        let layer = manifest.layers[0]
        let signature = CosignSignatureLayer(layer: layer, payload: Fixture.data("\(layout)/\(layer.digest.encoded)"))
        #expect(Digest.sha256(of: signature.payload) == layer.digest)
        let payload = try SimpleSigningPayload(parsing: signature.payload, what: "podinfo .sig")
        #expect(payload.dockerReference == "ghcr.io/stefanprodan/podinfo")
        #expect(payload.manifestDigest.encoded.hasPrefix("57a654ac"))
        let certificate = try PublicKey(certificate: Data(layer.annotations![CosignSignatureLayer.certificateAnnotation]!.utf8), origin: "leaf")
        #expect(certificate.verify(signature: try #require(signature.signature), message: signature.payload))
        #expect(!(try Fixture.key("cosign/containers-image/cosign.pub")).verify(signature: signature.signature!, message: signature.payload))
    }
}
