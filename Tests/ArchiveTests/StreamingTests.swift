@testable import Archive
import Foundation
import OCI
import Testing

/// A few hundred megabytes through the writer, split volumes, the index and in-place reads, with
/// resident memory sampled all along: nothing may hold an entry whole.
@Suite struct StreamingTests {
    static let entrySize: Int64 = 300 * 1024 * 1024
    static let chunk = 1024 * 1024

    /// The process's resident memory in bytes, from /proc: anonymous (heap, buffers) and file-backed (mapped
    /// files, such as the windows reads map) apart, so each has its own bound.
    static func resident() -> (anonymous: Int64, files: Int64) {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return (0, 0) }
        func field(_ name: String) -> Int64 {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }),
                  let kilobytes = Int64(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
            return kilobytes * 1024
        }
        return (field("RssAnon"), field("RssFile"))
    }

    @Test func hundredsOfMegabytesStreamThroughInBoundedMemory() throws {
        let dir = try TemporaryDirectory()
        let baseline = Self.resident()
        var peak = baseline
        func sample() {
            let now = Self.resident()
            peak = (max(peak.anonymous, now.anonymous), max(peak.files, now.files))
        }

        // Write: one 300 MiB entry between two small ones, into 64 MiB volumes.
        let split = try SplitOutput(basePath: dir.file("big.tar"), partSize: 64 * 1024 * 1024)
        let writer = try TarWriter(output: split)
        try writer.addFile("first", data: Data("first".utf8))
        var pattern = [UInt8](patternBytes(Self.chunk, seed: 12))
        var produced = SHA256Hasher()
        try writer.addFile("blobs/big", size: Self.entrySize) { emit in
            for number in 0..<Int(Self.entrySize) / Self.chunk {
                withUnsafeBytes(of: UInt64(number)) { pattern.replaceSubrange(0..<8, with: $0) } // every chunk differs
                try pattern.withUnsafeBytes { bytes in
                    produced.update(bytes)
                    try emit(bytes)
                }
                if number % 16 == 0 { sample() }
            }
        }
        try writer.addFile("last", data: Data("last".utf8))
        try writer.finish()
        let expected = produced.finalize()
        #expect(split.parts.count == 5)

        // Read back in place across the volumes.
        let source = try ConcatenatedFiles(volumesOf: dir.file("big.tar"))
        let index = try TarIndex.build(from: source, name: "big.tar")
        sample()
        let entry = try index.expect("blobs/big", size: Self.entrySize)
        var hasher = SHA256Hasher()
        try index.read(entry, from: source) { bytes in
            #expect(bytes.count <= TarIndex.chunkSize)
            hasher.update(bytes)
            sample()
        }
        #expect(hasher.finalize() == expected)
        #expect(try contents(of: index.expect("last", size: 4), in: index, from: source) == Data("last".utf8))

        // Other tests run alongside, so allow some slack; an entry held whole would add 300 MiB.
        #expect(peak.anonymous - baseline.anonymous < 64 * 1024 * 1024, "anonymous memory grew by \(peak.anonymous - baseline.anonymous) bytes")
        #expect(peak.files - baseline.files < 64 * 1024 * 1024, "mapped file memory grew by \(peak.files - baseline.files) bytes")
    }
}
