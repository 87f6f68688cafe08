@testable import Archive
import Foundation
import OCI
import Testing

@Suite struct TarWriterTests {
    static let longName = "blobs/sha256/" + String(repeating: "p", count: 40) + "/" + String(repeating: "d", count: 64) // > 100: ustar prefix split
    static let veryLongName = String(repeating: "deep/", count: 60) + "leaf.json"       // > 255: needs pax
    static let longFileName = "dir/" + String(repeating: "f", count: 130)               // last component > 100: needs pax

    static let sample: [(String, Data?)] = [
        ("oci-layout", Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8)),
        ("blobs", nil),
        ("blobs/sha256", nil),
        ("blobs/sha256/empty", Data()),
        ("blobs/sha256/block", patternBytes(512, seed: 1)),
        ("blobs/sha256/odd", patternBytes(70_001, seed: 2)),
        ("blobs/sha256/big", patternBytes(3 * 1024 * 1024 + 17, seed: 3)),
        (longName, patternBytes(100, seed: 4)),
        (veryLongName, patternBytes(300, seed: 5)),
        (longFileName, patternBytes(5, seed: 6)),
        ("index.json", Data(#"{"schemaVersion":2,"manifests":[]}"#.utf8)),
    ]

    func writeSample(to path: String) throws -> FileOutput {
        let output = try FileOutput(path: path)
        let writer = try TarWriter(output: output)
        for (name, data) in Self.sample {
            if let data { try writer.addFile(name, data: data) } else { try writer.addDirectory(name) }
        }
        try writer.finish()
        return output
    }

    @Test func gnuTarListsAndExtractsEveryEntryByteForByte() throws {
        let dir = try TemporaryDirectory()
        let archive = dir.file("sample.tar")
        _ = try writeSample(to: archive)

        let listing = try runChecked(["tar", "-tvf", archive]).split(separator: "\n").map(String.init)
        #expect(listing.count == Self.sample.count)
        for ((name, data), line) in zip(Self.sample, listing) {
            #expect(line.hasSuffix(data == nil ? " \(name)/" : " \(name)"), "\(line)")
            #expect(line.hasPrefix(data == nil ? "drwxr-xr-x 0/0" : "-rw-r--r-- 0/0"), "\(line)")
            #expect(line.contains("1970-01-01 00:00"), "\(line)")
        }

        let out = dir.file("out")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try runChecked(["tar", "-xf", archive, "-C", out])
        for (name, data) in Self.sample {
            var isDirectory: ObjCBool = false
            #expect(FileManager.default.fileExists(atPath: out + "/" + name, isDirectory: &isDirectory))
            if let data {
                #expect(!isDirectory.boolValue)
                #expect(FileManager.default.contents(atPath: out + "/" + name) == data, "\(name)")
            } else {
                #expect(isDirectory.boolValue)
            }
        }
    }

    @Test func pythonTarfileReadsTheSameEntriesAndMetadata() throws {
        let dir = try TemporaryDirectory()
        let archive = dir.file("sample.tar")
        _ = try writeSample(to: archive)
        let script = """
        import tarfile, sys, hashlib
        with tarfile.open(sys.argv[1]) as t:
            for m in t.getmembers():
                data = t.extractfile(m).read() if m.isfile() else b""
                print(m.name, m.type.decode(), oct(m.mode), m.mtime, m.uid, m.gid, repr(m.uname), repr(m.gname), m.size,
                      hashlib.sha256(data).hexdigest(), sorted(m.pax_headers))
        """
        let lines = try python(script, archive).split(separator: "\n").map(String.init)
        #expect(lines.count == Self.sample.count)
        for ((name, data), line) in zip(Self.sample, lines) {
            let fields = line.split(separator: " ", maxSplits: 10).map(String.init)
            #expect(fields[0] == name)
            #expect(fields[1] == (data == nil ? "5" : "0"))
            #expect(fields[2] == (data == nil ? "0o755" : "0o644"))
            #expect(fields[3...7] == ["0", "0", "0", "''", "''"])
            #expect(fields[8] == String(data?.count ?? 0))
            if let data { #expect("sha256:" + fields[9] == Digest.sha256(of: data).description) }
            // pax extended headers only where ustar cannot express the name.
            let needsPax = name == Self.veryLongName || name == Self.longFileName
            #expect(fields[10] == (needsPax ? "['path']" : "[]"), "\(name): \(fields[10])")
        }
    }

    @Test func archiveIsWholeTarBlocksEndingInTwoZeroBlocks() throws {
        let bytes = try tarBytes([("a", Data("x".utf8)), ("b", nil)])
        // header + 1 data block, header, end marker: no 10240-byte record padding.
        #expect(bytes.count == 512 * 3 + 1024)
        #expect(bytes.suffix(1024).allSatisfy { $0 == 0 })
        #expect(try tarBytes([]).count == 1024)
    }

    @Test func paxHeadersOnlyWhereUstarCannotExpressTheName() throws {
        // A name of 101..255 characters that splits at a '/' fits ustar's prefix + name fields.
        let bytes = try tarBytes([(Self.longName, Data("a".utf8)), (Self.veryLongName, Data("b".utf8))])
        var flags: [Character] = []
        var offset = 0
        while offset + 512 <= bytes.count, bytes[offset..<offset + 512].contains(where: { $0 != 0 }) {
            let block = TarHeaderBlock(bytes: Array(bytes[offset..<offset + 512]))
            #expect(block.checksumIsValid)
            flags.append(Character(Unicode.Scalar(block.typeflag ?? 0)))
            offset += 512 + Int(TarIndex.paddedSize(block.storedSize ?? 0))
        }
        #expect(flags == ["0", "x", "0"])
        let paxName = TarHeaderBlock(bytes: Array(bytes[1024..<1536])).name
        #expect(paxName?.contains("PaxHeader") == true)
        #expect(paxName?.contains(String(getpid())) == false)
    }

    @Test func identicalCallsGiveIdenticalBytes() throws {
        let dir = try TemporaryDirectory()
        let first = try writeSample(to: dir.file("one.tar"))
        let second = try writeSample(to: dir.file("two.tar"))
        #expect(FileManager.default.contents(atPath: dir.file("one.tar")) == FileManager.default.contents(atPath: dir.file("two.tar")))
        #expect(first.digest != nil)
        #expect(first.digest == second.digest)
        #expect(first.bytesWritten == second.bytesWritten)
        #expect(try tarBytes(Self.sample) == tarBytes(Self.sample))
    }

    @Test func streamsFileContentsInTheProducersChunks() throws {
        let output = MemoryOutput()
        let writer = try TarWriter(output: output)
        let chunk = Data(repeating: 0x61, count: 1024 * 1024)
        try writer.addFile("stream", size: 5 * Int64(chunk.count) + 3) { emit in
            for _ in 0..<5 { try chunk.withUnsafeBytes { try emit($0) } }
            try Data("end".utf8).withUnsafeBytes { try emit($0) }
        }
        try writer.finish()
        // Nothing in the writer gathers an entry: the output never sees more than one chunk at once.
        #expect(output.largestWrite <= chunk.count)
        let index = try TarIndex.build(from: MemorySource(bytes: output.bytes), name: "stream.tar")
        let size = try #require(index["stream"]?.size)
        #expect(size == 5 * 1024 * 1024 + 3)
    }

    @Test func producerEmittingTheWrongSizeKillsTheWriterAndPublishesNothing() throws {
        for emitted in [3, 5] {
            let dir = try TemporaryDirectory()
            let output = try FileOutput(path: dir.file("bad.tar"))
            let writer = try TarWriter(output: output)
            try writer.addFile("ok", data: Data("fine".utf8))
            #expect {
                try writer.addFile("short", size: 4) { emit in
                    try Data(repeating: 1, count: emitted).withUnsafeBytes { try emit($0) }
                }
            } throws: { error in
                let error = error as? ArchiveError
                return error?.archive == dir.file("bad.tar") && error?.entry == "short" && error?.reason.contains(emitted < 4 ? "emitted 3 bytes, expected 4" : "more than the declared 4") == true
            }
            #expect(throws: ArchiveError.self) { try writer.addFile("later", data: Data()) }
            #expect(throws: ArchiveError.self) { try writer.finish() }
            #expect(try dir.contents().isEmpty, "the temporary file is removed")
        }
    }

    @Test func producerFailureIsPassedThroughAndAbandonsTheOutput() throws {
        struct SourceGone: Error {}
        let output = MemoryOutput()
        let writer = try TarWriter(output: output)
        #expect(throws: SourceGone.self) { try writer.addFile("x", size: 10) { _ in throw SourceGone() } }
        #expect(output.abandoned)
        #expect(!output.finished)
    }

    @Test(arguments: [
        ("/etc/passwd", "absolute"), ("../x", "'..'"), ("a/../../x", "'..'"), ("a//b", "empty path component"),
        ("a/./b", "'.' path component"), ("", "empty name"), ("new\nline", "control character"), ("caf\u{e9}", "non-ASCII"),
    ])
    func refusesNamesTheSafeReaderWouldRefuse(name: String, reason: String) throws {
        let writer = try TarWriter(output: MemoryOutput())
        #expect { try writer.addFile(name, data: Data()) } throws: { "\($0)".contains(reason) }
        // A refused name does not break the writer.
        try writer.addFile("fine", data: Data())
    }

    @Test func refusesDuplicateNamesInAnySpelling() throws {
        let writer = try TarWriter(output: MemoryOutput())
        try writer.addDirectory("blobs")
        #expect { try writer.addDirectory("./blobs/") } throws: { "\($0)".contains("already in the archive") }
        #expect { try writer.addFile("blobs", data: Data()) } throws: { "\($0)".contains("already in the archive") }
    }

    @Test func outputFailureNamesTheOutputsError() throws {
        final class FailingOutput: ArchiveOutput {
            var abandoned = false
            func write(_ bytes: UnsafeRawBufferPointer) throws { throw ArchiveError(archive: "usb", reason: "disk full") }
            func finish() throws {}
            func abandon() { abandoned = true }
        }
        let output = FailingOutput()
        let writer = try TarWriter(output: output)
        #expect { try writer.addFile("a", data: Data("x".utf8)) } throws: { "\($0)" == "usb: disk full" }
        #expect(output.abandoned)
    }
}
