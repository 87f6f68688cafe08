import OCI
@testable import Pipeline
import Testing

@Suite struct PlatformSelectionTests {
    static func child(_ hexByte: String, _ platform: Platform?, annotations: [String: String]? = nil) -> Descriptor {
        Descriptor(mediaType: MediaType.ociManifest, digest: try! Digest(parsing: "sha256:" + String(repeating: hexByte, count: 32)),
                   size: 100, annotations: annotations, platform: platform)
    }

    static let amd = child("aa", Platform(os: "linux", architecture: "amd64"))
    static let arm = child("bb", Platform(os: "linux", architecture: "arm64", variant: "v8"))
    static let armAttestation = child("cc", Platform(os: "unknown", architecture: "unknown"), annotations: [
        "vnd.docker.reference.type": "attestation-manifest",
        "vnd.docker.reference.digest": "sha256:" + String(repeating: "bb", count: 32),
    ])

    @Test func keepsEverythingWithoutAFilter() throws {
        #expect(try CopyEngine.select([Self.amd, Self.arm, Self.armAttestation], platforms: nil, what: "x").count == 3)
    }

    @Test func keepsMatchingChildrenAndTheirAttestations() throws {
        let chosen = try CopyEngine.select([Self.amd, Self.arm, Self.armAttestation], platforms: [Platform(parsing: "linux/arm64")], what: "x")
        #expect(chosen.map(\.digest) == [Self.arm.digest, Self.armAttestation.digest])
    }

    @Test func saysWhichPlatformsExistWhenNoneMatch() {
        #expect {
            try CopyEngine.select([Self.amd, Self.arm], platforms: [Platform(parsing: "linux/s390x")], what: "docker.io/library/x:1")
        } throws: { error in
            "\(error)".contains("docker.io/library/x:1 has no manifest for linux/s390x (it has: linux/amd64, linux/arm64/v8)")
        }
    }
}
