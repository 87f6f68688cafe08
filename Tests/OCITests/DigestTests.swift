import Foundation
import OCI
import Testing

@Suite struct DigestTests {
    @Test func hashesKnownVectors() {
        #expect(Digest.sha256(of: []).description == "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Digest.sha256(of: Array("abc".utf8)).description == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func streamingEqualsOneShot() {
        let data = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }
        var hasher = ContentHasher()
        for chunk in stride(from: 0, to: data.count, by: 4093) {
            hasher.update(Array(data[chunk..<min(chunk + 4093, data.count)]))
        }
        #expect(hasher.byteCount == 100_000)
        #expect(hasher.finalize() == Digest.sha256(of: data))
    }

    @Test func resetStartsOver() {
        var hasher = ContentHasher()
        hasher.update(Array("garbage".utf8))
        hasher.reset()
        hasher.update(Array("abc".utf8))
        #expect(hasher.finalize() == Digest.sha256(of: Array("abc".utf8)))
    }

    @Test(arguments: [
        ("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", true),
        ("sha512:" + String(repeating: "ab", count: 64), true),
        ("sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", false),
        ("sha256:e3b0", false),
        ("sha256", false),
        (":abc", false),
        ("md5:d41d8cd98f00b204e9800998ecf8427e", false),
        ("sha256:g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", false),
        ("SHA256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", false),
    ])
    func parses(text: String, valid: Bool) {
        let parsed = try? Digest(parsing: text)
        #expect((parsed != nil) == valid)
        if let parsed { #expect(parsed.description == text) }
    }

    @Test func tagFormIsCosigns() throws {
        let d = try Digest(parsing: "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(d.tagForm == "sha256-e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func decodesAndRejectsInJSON() throws {
        let good = try JSONDecoder().decode([Digest].self, from: Data(#"["sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"]"#.utf8))
        #expect(good.count == 1)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Digest].self, from: Data(#"["sha256:xyz"]"#.utf8)) }
    }
}
