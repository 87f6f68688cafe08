@testable import Archive
import Foundation
import OCI
import Testing

@Suite struct TarIndexTests {
    /// Indexes `path` while checking every byte libarchive decodes against a read in place at the recorded offset.
    func verifiedIndex(_ source: RandomAccessSource, name: String = "test.tar") throws -> TarIndex {
        var checked: [String: Int64] = [:]
        let index = try TarIndex.build(from: source, name: name, visitData: { entry, offset, bytes in
            var direct = [UInt8](repeating: 0, count: bytes.count)
            let n = try direct.withUnsafeMutableBytes { try source.read(into: $0, at: entry.offset + offset) }
            #expect(n == bytes.count && direct.elementsEqual(bytes), "\(entry.name) at \(offset)")
            checked[entry.name, default: 0] += Int64(bytes.count)
        })
        for entry in index.entries { #expect(checked[entry.name, default: 0] == entry.size, "\(entry.name)") }
        return index
    }

    @Test func offsetsPointAtTheDataOfEveryEntryTheWriterWrote() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("sample.tar")
        let output = try FileOutput(path: path)
        let writer = try TarWriter(output: output)
        for (name, data) in TarWriterTests.sample {
            if let data { try writer.addFile(name, data: data) } else { try writer.addDirectory(name) }
        }
        try writer.finish()

        let source = try RandomAccessFile(path: path)
        let index = try verifiedIndex(source)
        #expect(index.entries.map(\.name) == TarWriterTests.sample.map(\.0))
        for (name, data) in TarWriterTests.sample {
            let entry = try #require(index[name])
            #expect(entry.isDirectory == (data == nil))
            #expect(entry.offset % 512 == 0)
            if let data {
                #expect(entry.size == Int64(data.count))
                #expect(try contents(of: entry, in: index, from: source) == data, "\(name)")
            }
        }
    }

    @Test func readsArchivesMadeByGnuTarAndPython() throws {
        let dir = try TemporaryDirectory()
        let tree = dir.file("tree")
        try FileManager.default.createDirectory(atPath: tree + "/blobs/sha256", withIntermediateDirectories: true)
        let blob = patternBytes(123_457, seed: 7)
        try blob.write(to: URL(fileURLWithPath: tree + "/blobs/sha256/abc"))
        let long = String(repeating: "n", count: 150)
        try Data("long".utf8).write(to: URL(fileURLWithPath: tree + "/" + long))

        for format in ["gnu", "pax"] {
            let archive = dir.file("\(format).tar")
            try runChecked(["tar", "--format=\(format)", "-cf", archive, "-C", tree, "."])
            let source = try RandomAccessFile(path: archive)
            let index = try verifiedIndex(source, name: archive)
            #expect(index["."]?.isDirectory == true, "GNU tar's './' is the root directory")
            #expect(index["blobs/sha256"]?.isDirectory == true)
            #expect(index["./blobs/sha256/"]?.isDirectory == true)
            let entry = try index.expect("blobs/sha256/abc", size: Int64(blob.count))
            #expect(try contents(of: entry, in: index, from: source) == blob)
            #expect(try contents(of: index.expect(long, size: 4), in: index, from: source) == Data("long".utf8))
        }

        let pythonArchive = dir.file("python.tar")
        _ = try python("""
        import tarfile, sys
        with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as t:
            t.add(sys.argv[2], arcname="bundle")
        """, pythonArchive, tree)
        let source = try RandomAccessFile(path: pythonArchive)
        let index = try verifiedIndex(source)
        #expect(try contents(of: index.expect("bundle/blobs/sha256/abc", size: Int64(blob.count)), in: index, from: source) == blob)
    }

    @Test func expectNamesWhatIsWrong() throws {
        let index = try TarIndex.build(from: MemorySource(bytes: tarBytes([("d", nil), ("d/f", Data("12345".utf8))])), name: "b.tar")
        #expect(try index.expect("./d/f", size: 5).name == "d/f")
        #expect { try index.expect("d/g", size: 5) } throws: { "\($0)" == "b.tar: entry 'd/g': is missing; expected a file of 5 bytes" }
        #expect { try index.expect("d/f", size: 6) } throws: { "\($0)" == "b.tar: entry 'd/f': holds 5 bytes; expected 6" }
        #expect { try index.expect("d", size: 0) } throws: { "\($0)".contains("is a directory") }
        #expect(index["../d"] == nil)
        #expect(index.entries.map(\.name) == ["d", "d/f"])
    }

    @Test func readStreamsInBoundedChunksAndNoticesASourceThatShrank() throws {
        let data = patternBytes(2 * 1024 * 1024 + 5, seed: 8)
        let bytes = try tarBytes([("big", data)])
        let index = try TarIndex.build(from: MemorySource(bytes: bytes), name: "b.tar")
        let entry = try #require(index["big"])
        var sizes: [Int] = []
        try index.read(entry, from: MemorySource(bytes: bytes)) { sizes.append($0.count) }
        #expect(sizes == [1024 * 1024, 1024 * 1024, 5])

        let cut = MemorySource(bytes: Array(bytes.prefix(Int(entry.offset) + 1_500_000)))
        #expect { try index.read(entry, from: cut) { _ in } } throws: {
            "\($0)" == "b.tar: entry 'big': is truncated: the archive ends after 1500000 of its 2097157 bytes"
        }
    }

    @Test func emptyArchiveHasNoEntries() throws {
        let index = try TarIndex.build(from: MemorySource(bytes: tarBytes([])), name: "empty.tar")
        #expect(index.entries.isEmpty)
    }

    @Test func randomAccessFileReadsLikePread() throws {
        let dir = try TemporaryDirectory()
        let bytes = Array(patternBytes(10_000, seed: 10))
        try write(bytes, to: dir.file("f"))
        let file = try RandomAccessFile(path: dir.file("f"))
        #expect(file.size == 10_000)
        var buffer = [UInt8](repeating: 0, count: 4096)
        #expect(try buffer.withUnsafeMutableBytes { try file.read(into: $0, at: 9000) } == 1000)
        #expect(buffer.prefix(1000).elementsEqual(bytes[9000...]))
        #expect(try buffer.withUnsafeMutableBytes { try file.read(into: $0, at: 10_000) } == 0)
        #expect(throws: ArchiveError.self) { try RandomAccessFile(path: dir.path) }
        #expect { try RandomAccessFile(path: dir.file("missing")) } throws: { "\($0)".contains("cannot be opened") }
    }

    @Test func mappedScansHandOverTheSameBytesAsPread() throws {
        let dir = try TemporaryDirectory()
        let whole = Array(patternBytes(19 * 1024 * 1024 + 333, seed: 12))   // over two 8 MiB mapping windows
        try write(whole, to: dir.file("f"))
        let file = try RandomAccessFile(path: dir.file("f"))
        let window = Int(RandomAccessFile.mappingWindow)
        for (offset, length) in [(0, whole.count), (5, 3 * 1024 * 1024), (window - 7, window + 14), (window, 2 * 1024 * 1024),
                                 (whole.count - 2_500_000, 2_500_000), (whole.count - 2_100_000, 5_000_000), (100, 1000)] {
            var seen = ContentHasher(), expected = ContentHasher()
            let n = try file.scan(from: Int64(offset), length: Int64(length)) { seen.update($0) }
            let end = min(whole.count, offset + length)
            whole.withUnsafeBytes { expected.update(UnsafeRawBufferPointer(rebasing: $0[offset..<end])) }
            #expect(n == Int64(end - offset), "\(offset)+\(length)")
            #expect(seen.finalize() == expected.finalize(), "\(offset)+\(length)")
        }
    }

    @Test func aMappedScanOfAFileCutShortSinceItWasOpenedEndsShort() throws {
        let dir = try TemporaryDirectory()
        try write(Array(patternBytes(12 * 1024 * 1024, seed: 13)), to: dir.file("f"))
        let file = try RandomAccessFile(path: dir.file("f"))
        #expect(truncate(dir.file("f"), 9 * 1024 * 1024) == 0)
        var count = 0
        #expect(try file.scan(from: 0, length: file.size) { count += $0.count } == 9 * 1024 * 1024)
        #expect(count == 9 * 1024 * 1024)
    }

    @Test func concatenatedFilesScanAcrossVolumesOfMappedSize() throws {
        let dir = try TemporaryDirectory()
        let whole = Array(patternBytes(7 * 1024 * 1024, seed: 14))
        let cuts = [0, 3 * 1024 * 1024 + 1, 3 * 1024 * 1024 + 1, whole.count]
        var paths: [String] = []
        for (index, (start, end)) in zip(cuts, cuts.dropFirst()).enumerated() {
            paths.append(dir.file("p\(index)"))
            try write(Array(whole[start..<end]), to: paths[index])
        }
        let source = try ConcatenatedFiles(paths: paths)
        var seen: [UInt8] = []
        #expect(try source.scan(from: 1, length: Int64(whole.count)) { seen.append(contentsOf: $0) } == Int64(whole.count - 1))
        #expect(seen.elementsEqual(whole[1...]))
    }

    @Test func concatenatedFilesReadAcrossEveryBoundary() throws {
        let dir = try TemporaryDirectory()
        let whole = Array(patternBytes(3000, seed: 11))
        let cuts = [0, 1000, 1000, 1001, 2999, 3000]  // includes empty files
        var paths: [String] = []
        for (index, (start, end)) in zip(cuts, cuts.dropFirst()).enumerated() {
            paths.append(dir.file("p\(index)"))
            try write(Array(whole[start..<end]), to: paths[index])
        }
        let source = try ConcatenatedFiles(paths: paths)
        #expect(source.size == 3000)
        for offset in [0, 1, 999, 1000, 1001, 2998, 2999] {
            for length in [1, 2, 700, 3000] {
                var buffer = [UInt8](repeating: 0, count: length)
                let n = try buffer.withUnsafeMutableBytes { try source.read(into: $0, at: Int64(offset)) }
                #expect(n == min(length, 3000 - offset))
                #expect(buffer.prefix(n).elementsEqual(whole[offset..<offset + n]), "\(offset)+\(length)")
            }
        }
        #expect { try ConcatenatedFiles(volumesOf: dir.file("none.tar")) } throws: { "\($0)".contains("none.tar.000") }
    }
}
