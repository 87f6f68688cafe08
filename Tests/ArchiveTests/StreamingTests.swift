@testable import Archive
import Foundation
import OCI
import Testing

/// A few hundred megabytes through the writer, split volumes, the index and in-place reads: nothing may hold an
/// entry whole.
///
/// The work runs in a process of its own (an exit test), which measures its own peak resident memory: the
/// test process runs other tests beside this one, and their memory is no measure of this code.
@Suite struct StreamingTests {
    static let entrySize: Int64 = 300 * 1024 * 1024
    static let chunk = 1024 * 1024
    /// How far the child's peak resident memory may rise above what it had before the work; an entry held
    /// whole, on the heap or mapped, would add 300 MiB.
    static let memoryBound: Int64 = 64 * 1024 * 1024
    /// Marks the child's report line on its standard output.
    static let reportMarker = "streaming-report: "

    /// What the child process did and measured.
    struct Report: Codable {
        /// Volumes written.
        var parts: Int
        /// The largest chunk the in-place read handed over.
        var largestChunk: Int
        /// SHA-256 of the bytes given to the writer, and of those read back.
        var written: String, read: String
        /// The small entry after the large one, read back.
        var last: String
        /// `VmRSS` before the work and `VmHWM` (peak resident memory) after it, in bytes.
        var residentBefore: Int64, peakResident: Int64
    }

    /// A field of /proc/self/status in bytes (`VmRSS`, `VmHWM`, …).
    static func status(_ name: String) -> Int64 {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }),
              let kilobytes = Int64(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kilobytes * 1024
    }

    /// Writes one 300 MiB entry between two small ones into 64 MiB volumes, indexes them and reads the entry
    /// back in place; runs in the child process.
    static func streamThrough() throws -> Report {
        let residentBefore = status("VmRSS")
        let dir = try TemporaryDirectory()
        let split = try SplitOutput(basePath: dir.file("big.tar"), partSize: 64 * 1024 * 1024)
        let writer = try TarWriter(output: split)
        try writer.addFile("first", data: Data("first".utf8))
        var pattern = [UInt8](patternBytes(chunk, seed: 12))
        var produced = ContentHasher()
        try writer.addFile("blobs/big", size: entrySize) { emit in
            for number in 0..<Int(entrySize) / chunk {
                withUnsafeBytes(of: UInt64(number)) { pattern.replaceSubrange(0..<8, with: $0) } // every chunk differs
                try pattern.withUnsafeBytes { bytes in
                    produced.update(bytes)
                    try emit(bytes)
                }
            }
        }
        try writer.addFile("last", data: Data("last".utf8))
        try writer.finish()

        let source = try ConcatenatedFiles(volumesOf: dir.file("big.tar"))
        let index = try TarIndex.build(from: source, name: "big.tar")
        var hasher = ContentHasher()
        var largestChunk = 0
        try index.read(index.expect("blobs/big", size: entrySize), from: source) { bytes in
            largestChunk = max(largestChunk, bytes.count)
            hasher.update(bytes)
        }
        var last = Data()
        try index.read(index.expect("last", size: 4), from: source) { last.append(contentsOf: $0) }
        return Report(parts: split.parts.count, largestChunk: largestChunk,
                      written: produced.finalize().description, read: hasher.finalize().description,
                      last: String(decoding: last, as: UTF8.self),
                      residentBefore: residentBefore, peakResident: status("VmHWM"))
    }

    @Test func hundredsOfMegabytesStreamThroughInBoundedMemory() async throws {
        let result = try #require(await #expect(processExitsWith: .success, observing: [\.standardOutputContent]) {
            let report = try StreamingTests.streamThrough()
            let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
            print(StreamingTests.reportMarker + json)
        })
        let output = String(decoding: result.standardOutputContent, as: UTF8.self)
        let line = try #require(output.split(separator: "\n").last { $0.hasPrefix(Self.reportMarker) },
                                "no report from the child process: \(output)")
        let report = try JSONDecoder().decode(Report.self, from: Data(line.dropFirst(Self.reportMarker.count).utf8))

        #expect(report.parts == 5)
        #expect(report.largestChunk > 0 && report.largestChunk <= TarIndex.chunkSize)
        #expect(report.read == report.written)
        #expect(report.last == "last")
        let growth = report.peakResident - report.residentBefore
        #expect(report.residentBefore > 0 && growth < Self.memoryBound,
                "peak resident memory rose \(growth / 1024 / 1024) MiB above the \(report.residentBefore / 1024 / 1024) MiB before the work")
    }
}
