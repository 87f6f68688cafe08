@testable import Archive
import Foundation
import OCI
import Testing

@Suite struct FileOutputTests {
    @Test func appearsOnlyAfterFinishWithTheDigestOfItsBytes() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("out.tar")
        let output = try FileOutput(path: path)
        let bytes = patternBytes(600_000, seed: 9)
        try bytes.withUnsafeBytes { try output.write(UnsafeRawBufferPointer(rebasing: $0[0..<10])) }
        try bytes.withUnsafeBytes { try output.write(UnsafeRawBufferPointer(rebasing: $0[10...])) }
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(try dir.contents().count == 1, "one temporary file beside the destination")
        try output.finish()
        #expect(try dir.contents() == ["out.tar"])
        #expect(FileManager.default.contents(atPath: path) == bytes)
        #expect(output.bytesWritten == Int64(bytes.count))
        #expect(output.digest?.description == (try sha256sum(path)))
        #expect(throws: ArchiveError.self) { try Data("late".utf8).withUnsafeBytes { try output.write($0) } }
    }

    @Test func abandonLeavesNothingAndKeepsAnOldFile() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("out.tar")
        try write(Array("previous".utf8), to: path)
        let output = try FileOutput(path: path)
        try Data("new".utf8).withUnsafeBytes { try output.write($0) }
        output.abandon()
        #expect(try dir.contents() == ["out.tar"])
        #expect(FileManager.default.contents(atPath: path) == Data("previous".utf8))
        #expect(throws: ArchiveError.self) { try output.finish() }
    }

    @Test func droppingAnUnfinishedOutputRemovesItsTemporaryFile() throws {
        let dir = try TemporaryDirectory()
        do {
            let output = try FileOutput(path: dir.file("out.tar"))
            try Data("x".utf8).withUnsafeBytes { try output.write($0) }
        }
        #expect(try dir.contents().isEmpty)
    }

    @Test func aMissingDirectoryIsAClearError() {
        #expect { try FileOutput(path: "/nonexistent-airlock-dir/out.tar") } throws: {
            "\($0)".hasPrefix("/nonexistent-airlock-dir/out.tar: cannot create")
        }
    }
}

@Suite struct SplitOutputTests {
    static let partSize: Int64 = 64 * 1024

    /// Writes the same archive to one file and to parts.
    func writeBoth(in dir: TemporaryDirectory, files: [(String, Data?)], partSize: Int64 = partSize) throws -> (FileOutput, SplitOutput) {
        let single = try FileOutput(path: dir.file("single.tar"))
        let split = try SplitOutput(basePath: dir.file("split.tar"), partSize: partSize)
        for output in [single, split] as [ArchiveOutput] {
            let writer = try TarWriter(output: output)
            for (name, data) in files {
                if let data { try writer.addFile(name, data: data) } else { try writer.addDirectory(name) }
            }
            try writer.finish()
        }
        return (single, split)
    }

    static let files: [(String, Data?)] = [
        ("blobs", nil),
        ("blobs/a", patternBytes(100_000, seed: 1)),   // straddles the first boundary
        ("blobs/b", patternBytes(10, seed: 2)),
        ("blobs/c", patternBytes(200_000, seed: 3)),   // spans whole parts
        ("index.json", Data("{}".utf8)),
    ]

    @Test func partsHaveTheRightSizesAndConcatenateToTheSingleFile() throws {
        let dir = try TemporaryDirectory()
        let (single, split) = try writeBoth(in: dir, files: Self.files)
        let whole = try #require(FileManager.default.contents(atPath: single.path))
        let expectedCount = (whole.count + Int(Self.partSize) - 1) / Int(Self.partSize)
        #expect(split.parts.count == expectedCount)
        #expect(split.parts.map(\.path) == (0..<expectedCount).map { dir.file(String(format: "split.tar.%03d", $0)) })
        for part in split.parts.dropLast() { #expect(part.size == Self.partSize) }
        #expect(split.parts.last?.size == Int64(whole.count) - Int64(expectedCount - 1) * Self.partSize)

        var joined = Data()
        for part in split.parts {
            let bytes = try #require(FileManager.default.contents(atPath: part.path))
            #expect(Int64(bytes.count) == part.size)
            joined.append(bytes)
        }
        #expect(joined == whole)
        #expect(split.totalSize == Int64(whole.count))
        #expect(split.digest == single.digest)
    }

    @Test func digestsMatchSha256sum() throws {
        let dir = try TemporaryDirectory()
        let (single, split) = try writeBoth(in: dir, files: Self.files)
        for part in split.parts { #expect(part.digest.description == (try sha256sum(part.path)), "\(part.path)") }
        #expect(split.digest?.description == (try sha256sum(single.path)))
        let catted = try runChecked(["sh", "-c", "cat split.tar.* | sha256sum"], in: dir.path)
        #expect(split.digest.map { "\($0.encoded)  -\n" } == catted)
    }

    @Test func concatenatedVolumesIndexAndReadEntriesAcrossBoundaries() throws {
        let dir = try TemporaryDirectory()
        let (_, split) = try writeBoth(in: dir, files: Self.files)
        let source = try ConcatenatedFiles(volumesOf: dir.file("split.tar"))
        #expect(source.files.count == split.parts.count)
        #expect(source.size == split.totalSize)
        var straddling = 0
        let index = try TarIndex.build(from: source, name: "split.tar", visitData: { entry, offset, bytes in
            // What libarchive decoded equals what a read in place at the recorded offset returns.
            var direct = [UInt8](repeating: 0, count: bytes.count)
            let n = try direct.withUnsafeMutableBytes { try source.read(into: $0, at: entry.offset + offset) }
            #expect(n == bytes.count)
            #expect(direct.elementsEqual(bytes), "\(entry.name) at \(offset)")
        })
        for (name, data) in Self.files {
            let entry = try #require(index[name])
            guard let data else { #expect(entry.isDirectory); continue }
            if entry.offset / Self.partSize != (entry.offset + entry.size - 1) / Self.partSize { straddling += 1 }
            #expect(try contents(of: entry, in: index, from: source) == data, "\(name)")
        }
        #expect(straddling >= 2, "the fixture has entries that cross part boundaries")
        // GNU tar reads the concatenation too.
        let listing = try runChecked(["sh", "-c", "cat split.tar.* | tar -tf -"], in: dir.path)
        #expect(listing.split(separator: "\n").count == Self.files.count)
    }

    @Test func anExactMultipleOfThePartSizeGivesNoEmptyPart() throws {
        let dir = try TemporaryDirectory()
        // 512 header + 1024 data + 1024 end marker = 2560 = 5 × 512.
        let (_, split) = try writeBoth(in: dir, files: [("a", patternBytes(1024, seed: 4))], partSize: 512)
        #expect(split.parts.count == 5)
        #expect(split.parts.allSatisfy { $0.size == 512 })
        #expect(!FileManager.default.fileExists(atPath: dir.file("split.tar.005")))
    }

    @Test func partsAppearOnlyAfterFinishAndAbandonRemovesAll() throws {
        let dir = try TemporaryDirectory()
        let split = try SplitOutput(basePath: dir.file("b.tar"), partSize: 512)
        try patternBytes(2000, seed: 5).withUnsafeBytes { try split.write($0) }
        #expect(try dir.contents().allSatisfy { $0.hasPrefix(".") && $0.hasSuffix(".tmp") })
        #expect(try dir.contents().count == 4)
        split.abandon()
        #expect(try dir.contents().isEmpty)
        #expect(split.parts.isEmpty)
    }

    @Test func aFailedArchiveLeavesNoParts() throws {
        let dir = try TemporaryDirectory()
        let split = try SplitOutput(basePath: dir.file("b.tar"), partSize: 512)
        let writer = try TarWriter(output: split)
        try writer.addFile("a", data: patternBytes(5000, seed: 6))
        #expect(throws: ArchiveError.self) { try writer.addFile("b", size: 100) { _ in } }
        #expect(try dir.contents().isEmpty)
    }

    @Test func staleLaterPartsOfAnOlderArchiveAreRemoved() throws {
        let dir = try TemporaryDirectory()
        for index in 0..<6 { try write([1, 2, 3], to: SplitOutput.partPath(dir.file("b.tar"), index: index)) }
        try write([9], to: dir.file("b.tar.009")) // not adjacent: not ours to judge, left alone
        let source = try ConcatenatedFiles(volumesOf: dir.file("b.tar"))
        #expect(source.files.count == 6, "before: the old parts")
        let fresh = try SplitOutput(basePath: dir.file("b.tar"), partSize: 512)
        let writer = try TarWriter(output: fresh)
        try writer.addFile("a", data: Data("x".utf8))
        try writer.finish()
        #expect(fresh.parts.count == 4) // header, data block, two end blocks
        let after = try ConcatenatedFiles(volumesOf: dir.file("b.tar"))
        #expect(after.files.count == 4)
        #expect(try TarIndex.build(from: after, name: "b.tar").entries.map(\.name) == ["a"])
        #expect(FileManager.default.fileExists(atPath: dir.file("b.tar.009")))
    }

    @Test func partSizeMustBeAMultipleOf512() {
        #expect { try SplitOutput(basePath: "/tmp/x.tar", partSize: 1000) } throws: { "\($0)".contains("multiple of 512") }
        #expect { try SplitOutput(basePath: "/tmp/x.tar", partSize: 0) } throws: { "\($0)".contains("multiple of 512") }
        #expect(SplitOutput.fat32PartSize == 4_293_918_720)
        #expect(SplitOutput.fat32PartSize % (1024 * 1024) == 0)
        #expect(SplitOutput.fat32PartSize < 4 * 1024 * 1024 * 1024)
        #expect(SplitOutput.fat32PartSize + 1024 * 1024 >= 4 * 1024 * 1024 * 1024)
    }

    @Test func partPathsAreNumberedFromZero() {
        #expect(SplitOutput.partPath("b.tar", index: 0) == "b.tar.000")
        #expect(SplitOutput.partPath("b.tar", index: 42) == "b.tar.042")
        #expect(SplitOutput.partPath("b.tar", index: 1234) == "b.tar.1234")
    }
}
