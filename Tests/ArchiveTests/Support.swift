@testable import Archive
import Foundation
import Glibc
import OCI
import Testing

/// A fresh directory under the system's temporary directory, removed when the value goes away.
final class TemporaryDirectory: @unchecked Sendable {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-archive-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }

    /// The names in the directory, sorted.
    func contents() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: path).sorted() }
}

/// What a finished command printed.
struct CommandResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Runs a system tool (found on PATH) and waits for it.
@discardableResult
func run(_ arguments: [String], in directory: String? = nil) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read both pipes before waiting, so a chatty tool cannot block on a full pipe.
    let group = DispatchGroup()
    nonisolated(unsafe) var errData = Data()
    group.enter()
    DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus,
                         stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
}

/// Runs a tool that must succeed, and returns its output.
@discardableResult
func runChecked(_ arguments: [String], in directory: String? = nil) throws -> String {
    let result = try run(arguments, in: directory)
    guard result.status == 0 else {
        throw TestFailure("\(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)")
    }
    return result.stdout
}

/// Runs a Python 3 script with `arguments` as `sys.argv[1:]`.
func python(_ script: String, _ arguments: String...) throws -> String {
    try runChecked(["python3", "-c", script] + arguments)
}

/// `sha256sum` of a file, as a digest.
func sha256sum(_ path: String) throws -> String {
    let line = try runChecked(["sha256sum", path])
    return "sha256:" + (line.split(separator: " ").first.map(String.init) ?? "")
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Deterministic pseudo-random bytes (so failures reproduce).
func patternBytes(_ count: Int, seed: UInt64) -> Data {
    var state = seed &+ 0x9E3779B97F4A7C15
    var bytes = [UInt8](repeating: 0, count: count)
    for index in bytes.indices {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        bytes[index] = UInt8(truncatingIfNeeded: state >> 33)
    }
    return Data(bytes)
}

/// An output that keeps everything in memory (small test archives only).
final class MemoryOutput: ArchiveOutput {
    var bytes: [UInt8] = []
    var finished = false
    var abandoned = false
    var largestWrite = 0
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        largestWrite = max(largestWrite, bytes.count)
        self.bytes.append(contentsOf: bytes)
    }
    func finish() throws { finished = true }
    func abandon() { abandoned = true }
}

/// An in-memory archive to index.
struct MemorySource: RandomAccessSource {
    let bytes: [UInt8]
    var size: Int64 { Int64(bytes.count) }
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int {
        guard offset < size else { return 0 }
        let n = min(buffer.count, bytes.count - Int(offset))
        bytes.withUnsafeBytes { source in
            guard let from = source.baseAddress, let to = buffer.baseAddress else { return }
            to.copyMemory(from: from + Int(offset), byteCount: n)
        }
        return n
    }
}

/// Writes `files` (nil data = directory) with a `TarWriter` into memory.
func tarBytes(_ files: [(String, Data?)]) throws -> [UInt8] {
    let output = MemoryOutput()
    let writer = try TarWriter(output: output)
    for (name, data) in files {
        if let data { try writer.addFile(name, data: data) } else { try writer.addDirectory(name) }
    }
    try writer.finish()
    return output.bytes
}

/// Writes `bytes` to `path`.
func write(_ bytes: [UInt8], to path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// Reads an entry in place, checking chunk sizes.
func contents(of entry: TarIndex.Entry, in index: TarIndex, from source: RandomAccessSource) throws -> Data {
    var data = Data()
    try index.read(entry, from: source) { chunk in
        #expect(chunk.count <= TarIndex.chunkSize)
        data.append(contentsOf: chunk)
    }
    return data
}

/// Builds the index of a file that must be refused, and returns the error.
func indexRefusal(_ path: String) -> ArchiveError? {
    do {
        let source = try RandomAccessFile(path: path)
        let index = try TarIndex.build(from: source, name: "bad.tar")
        Issue.record("accepted \(path) with entries \(index.entries.map(\.name))")
        return nil
    } catch {
        return error
    }
}
