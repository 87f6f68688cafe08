import Foundation
import HTTP
import OCI
import Registry
import Testing
import TestSupport

/// The registry client's push side against a real registry, checked with skopeo and curl.
@Suite(.enabled(if: Peers.available, Comment(rawValue: Peers.unavailableReason)))
struct UploadTests {
    /// Reads a slice of in-memory bytes.
    final class SliceReader: UploadReader {
        let bytes: [UInt8]
        var position: Int
        let end: Int
        init(_ bytes: [UInt8], offset: Int64, length: Int64) {
            self.bytes = bytes
            position = Int(offset)
            end = Int(offset + length)
        }
        func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
            let n = min(buffer.count, end - position)
            bytes.withUnsafeBytes { source in
                buffer.baseAddress?.copyMemory(from: source.baseAddress! + position, byteCount: n)
            }
            position += n
            return n
        }
    }

    func client(for registry: RegistryServer, user: TestUser? = nil) throws -> RegistryClient {
        var options = TransportOptions()
        options.caFile = registry.caFile
        let explicit = user.map { Credentials.basic(username: $0.username, password: $0.password) }
        return RegistryClient(options: options, credentials: try CredentialStore(explicit: explicit, environment: [:]))
    }

    func upload(_ client: RegistryClient, _ repository: Repository, _ bytes: [UInt8], mediaType: String, chunkSize: Int64) async throws -> Descriptor {
        let descriptor = Descriptor(mediaType: mediaType, digest: Digest.sha256(of: bytes), size: Int64(bytes.count))
        try await client.uploadBlob(repository, descriptor, chunkSize: chunkSize) { SliceReader(bytes, offset: $0, length: $1) }
        return descriptor
    }

    @Test(arguments: [false, true])
    func pushesAnImageMonolithicallyAndInChunks(tlsWithAuth: Bool) async throws {
        let user = TestUser.random("pusher")
        let registry = try await RegistryServer(tls: tlsWithAuth, authentication: tlsWithAuth ? .basic(user) : .none)
        defer { registry.stop() }
        let client = try client(for: registry, user: tlsWithAuth ? user : nil)
        let repository = Repository(registry: registry.host, path: "pushed/app")

        let layerBytes = (0..<350_000).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 13) }
        let configBytes = Array(#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#.utf8)
        #expect(try await !client.hasBlob(repository, Digest.sha256(of: layerBytes)))
        let layer = try await upload(client, repository, layerBytes, mediaType: MediaType.ociLayerGzip, chunkSize: 100_000)
        let config = try await upload(client, repository, configBytes, mediaType: MediaType.ociConfig, chunkSize: 100_000)
        #expect(try await client.hasBlob(repository, layer.digest))

        let manifestBytes = try JSONEncoder().encode(ImageManifest(config: config, layers: [layer]))
        let manifest = try Manifest(bytes: manifestBytes, declaredType: nil, source: "test")
        try await client.putManifest(repository, manifest, reference: manifest.digest.description)
        try await client.putManifest(repository, manifest, reference: "v1")

        let head = try await registry.manifestHead("pushed/app", reference: "v1", as: tlsWithAuth ? user : nil)
        #expect(head.digest == manifest.digest.description)
        let inspect = try await Tool.output("skopeo", ["inspect"] + registry.skopeoOptions(.inspect, user: tlsWithAuth ? user : nil)
                                            + ["docker://\(registry.host)/pushed/app:v1"])
        #expect(inspect.contains(layer.digest.description))

        // Mounting into another repository sends no bytes.
        let other = Repository(registry: registry.host, path: "pushed/other")
        #expect(try await client.mountBlob(other, layer.digest, from: repository.path))
        #expect(try await client.hasBlob(other, layer.digest))
    }

    @Test func aWrongDigestIsRefused() async throws {
        let registry = try await RegistryServer()
        defer { registry.stop() }
        let client = try client(for: registry)
        let repository = Repository(registry: registry.host, path: "pushed/bad")
        let bytes = Array("the real bytes".utf8)
        let lie = Descriptor(mediaType: MediaType.ociLayerGzip, digest: Digest.sha256(of: Array("other bytes!!!".utf8)), size: Int64(bytes.count))
        await #expect(throws: RegistryError.self) {
            try await client.uploadBlob(repository, lie, chunkSize: 1 << 20) { SliceReader(bytes, offset: $0, length: $1) }
        }
        #expect(try await !client.hasBlob(repository, lie.digest))
    }
}
