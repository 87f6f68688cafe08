import Foundation
import OCI
import Testing

@Suite struct DigestVerifierTests {
    let bytes = Data("hello, air gap".utf8)
    var descriptor: Descriptor { Descriptor(mediaType: "application/octet-stream", digest: .sha256(of: bytes), size: Int64(bytes.count)) }

    @Test func matchingStreamPasses() throws {
        var verifier = DigestVerifier("blob x", expected: descriptor)
        bytes.prefix(5).withUnsafeBytes { verifier.update($0) }
        bytes.dropFirst(5).withUnsafeBytes { verifier.update($0) }
        #expect(verifier.count == Int64(bytes.count))
        #expect(try verifier.finish() == descriptor.digest)
    }

    @Test func wrongDigestNamesTheArtifactAndBothDigests() {
        let tampered = Data("hello, air gaq".utf8)
        do {
            try DigestVerifier.verify(tampered, "blob x of example.com/app", expected: descriptor)
            Issue.record("a tampered blob passed")
        } catch {
            #expect(error.actualDigest == .sha256(of: tampered))
            #expect(error.category == .integrity)
            let message = error.description
            #expect(message.hasPrefix("blob x of example.com/app "))
            #expect(message.contains("hashes to \(Digest.sha256(of: tampered))"))
            #expect(message.contains("expected \(descriptor.digest)"))
        }
    }

    @Test func wrongSizeNamesBothSizes() {
        let longer = bytes + Data("!".utf8)
        do {
            try DigestVerifier.verify(longer, "blob x", expected: descriptor)
            Issue.record("a longer blob passed")
        } catch {
            #expect(error.actualSize == 15 && error.expectedSize == 14)
            #expect(error.description.contains("(15 bytes)"))
            #expect(error.description.contains("(14 bytes)"))
        }
        // The right digest with a wrong expected size fails too.
        var verifier = DigestVerifier("blob x", digest: descriptor.digest, size: 13)
        bytes.withUnsafeBytes { verifier.update($0) }
        #expect(throws: DigestMismatch.self) { try verifier.finish() }
    }

    @Test func withoutAnExpectedDigestItOnlyHashes() throws {
        var verifier = DigestVerifier("index.yaml", digest: nil)
        bytes.withUnsafeBytes { verifier.update($0) }
        #expect(try verifier.finish() == .sha256(of: bytes))
    }

    @Test func resetStartsOver() throws {
        var verifier = DigestVerifier("blob x", expected: descriptor)
        Data("partial".utf8).withUnsafeBytes { verifier.update($0) }
        verifier.reset()
        #expect(verifier.count == 0)
        bytes.withUnsafeBytes { verifier.update($0) }
        try verifier.finish()
    }

    @Test func manifestDigestIsCheckedAgainstTheDescriptor() throws {
        let text = Data(#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#.utf8)
        let manifest = try Manifest(bytes: text, declaredType: nil, source: "test")
        _ = try manifest.verified("index", digest: .sha256(of: text), size: Int64(text.count))
        #expect(throws: DigestMismatch.self) { try manifest.verified("index", digest: descriptor.digest) }
    }
}
