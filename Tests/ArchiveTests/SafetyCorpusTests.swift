@testable import Archive
import Foundation
import Testing

/// Archives the safe reader must refuse, each with the entry the error must name and what it must say.
@Suite struct SafetyCorpusTests {
    /// One bad archive made with Python's `tarfile`: `members` is a Python list expression using
    /// `f(name, data=b"hello")` for files, `d(name)` for directories and `special(name, type, **attributes)`.
    struct Crafted: Sendable, CustomTestStringConvertible {
        let label: String
        let members: String
        let entry: String?
        let reason: String
        var testDescription: String { label }
    }

    static let crafted: [Crafted] = [
        .init(label: "absolute path", members: #"[f("ok"), f("/etc/passwd")]"#, entry: "/etc/passwd", reason: "is an absolute path"),
        .init(label: "../x", members: #"[f("../x")]"#, entry: "../x", reason: "'..' path component"),
        .init(label: "a/../../x", members: #"[d("a"), f("a/../../x")]"#, entry: "a/../../x", reason: "'..' path component"),
        .init(label: "symlink", members: #"[f("ok"), special("link", tarfile.SYMTYPE, linkname="/etc/passwd")]"#,
              entry: "link", reason: "is a symbolic link to '/etc/passwd'"),
        .init(label: "hard link", members: #"[f("ok"), special("hard", tarfile.LNKTYPE, linkname="ok")]"#,
              entry: "hard", reason: "is a hard link to 'ok'"),
        .init(label: "character device", members: #"[special("dev/null", tarfile.CHRTYPE, devmajor=1, devminor=3)]"#,
              entry: "dev/null", reason: "is a character device"),
        .init(label: "block device", members: #"[special("dev/sda", tarfile.BLKTYPE, devmajor=8, devminor=0)]"#,
              entry: "dev/sda", reason: "is a block device"),
        .init(label: "FIFO", members: #"[special("pipe", tarfile.FIFOTYPE)]"#, entry: "pipe", reason: "is a FIFO"),
        .init(label: "duplicate name", members: #"[f("blobs/a"), f("blobs/a", b"other")]"#,
              entry: "blobs/a", reason: "appears twice"),
        .init(label: "duplicate after ./ and / normalisation", members: #"[d("blobs/"), d("./blobs")]"#,
              entry: "./blobs/", reason: "names the same path as the earlier entry 'blobs/'"),
        .init(label: "file and directory of one name", members: #"[f("x"), d("x/")]"#,
              entry: "x/", reason: "names the same path as the earlier entry 'x'"),
        .init(label: "unknown type flag", members: #"[special("odd", b"Z")]"#, entry: "odd", reason: "has tar type 'Z'"),
        .init(label: "contiguous-file-looking GNU dumpdir", members: #"[special("dump", b"D")]"#, entry: "dump", reason: "tar type 'D'"),
        .init(label: "old-style directory (type '0' with a trailing '/')", members: #"[f("olddir/", b"")]"#,
              entry: "olddir/", reason: "directory only by its trailing '/'"),
        .init(label: "pax path with ..", members: #"[f("x/" + "y" * 120 + "/../../../z")]"#, entry: nil, reason: "'..' path component"),
        .init(label: "non-ASCII name in a pax header", members: #"[f("caf\u00e9")]"#, entry: "café", reason: "non-ASCII name"),
        .init(label: "control character", members: #"[f("a\nb")]"#, entry: "a\nb", reason: "control character"),
    ]

    static let script = """
    import tarfile, io, sys
    def f(name, data=b"hello"):
        i = tarfile.TarInfo(name); i.size = len(data); return (i, data)
    def d(name):
        i = tarfile.TarInfo(name); i.type = tarfile.DIRTYPE; i.mode = 0o755; return (i, None)
    def special(name, type, **attributes):
        i = tarfile.TarInfo(name); i.type = type
        for key, value in attributes.items(): setattr(i, key, value)
        return (i, None)
    with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as t:
        for info, data in eval(sys.argv[2]):
            t.addfile(info, io.BytesIO(data) if data is not None else None)
    """

    @Test(arguments: crafted)
    func refusesCraftedArchive(_ bad: Crafted) throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("bad.tar")
        _ = try python(Self.script, path, bad.members)
        let error = try #require(indexRefusal(path))
        #expect(error.archive == "bad.tar")
        if let entry = bad.entry { #expect(error.entry == entry, "\(error)") } else { #expect(error.entry != nil, "\(error)") }
        #expect(error.reason.contains(bad.reason), "\(error)")
        #expect(!error.description.contains("\n"), "names are printed escaped")
    }

    /// A good archive to damage: a directory, a 1000-byte blob and a small file.
    func goodArchive() throws -> (bytes: [UInt8], index: TarIndex) {
        let bytes = try tarBytes([("blobs", nil), ("blobs/a", patternBytes(1000, seed: 1)), ("index.json", Data("{}".utf8))])
        return (bytes, try TarIndex.build(from: MemorySource(bytes: bytes), name: "good.tar"))
    }

    func refusal(of bytes: [UInt8]) throws -> ArchiveError? {
        let dir = try TemporaryDirectory()
        let path = dir.file("bad.tar")
        try write(bytes, to: path)
        return indexRefusal(path)
    }

    @Test func truncatedInAHeader() throws {
        let (bytes, index) = try goodArchive()
        let header = Int(try #require(index["index.json"]).offset) - 512
        let error = try #require(try refusal(of: Array(bytes.prefix(header + 300))))
        #expect(error.entry == "index.json")
        #expect(error.reason.contains("truncated inside its header: only 300 of 512 bytes"), "\(error)")
        // …and in the very first header.
        let first = try #require(try refusal(of: Array(bytes.prefix(300))))
        #expect(first.entry == "blobs/")
        #expect(first.reason.contains("truncated inside its header"), "\(first)")
    }

    @Test func truncatedInData() throws {
        let (bytes, index) = try goodArchive()
        let entry = try #require(index["blobs/a"])
        let error = try #require(try refusal(of: Array(bytes.prefix(Int(entry.offset) + 500))))
        #expect(error.entry == "blobs/a")
        #expect(error.reason.contains("is truncated: its 1000 bytes of data start at offset \(entry.offset)"), "\(error)")
    }

    @Test func truncatedAtABlockBoundaryWithoutTheEndMarker() throws {
        let (bytes, index) = try goodArchive()
        let blob = try #require(index["blobs/a"])
        // Cut right after an entry's padded data, as a missing volume would: libarchive alone accepts this.
        let cut = Int(blob.offset + TarIndex.paddedSize(blob.size))
        let error = try #require(try refusal(of: Array(bytes.prefix(cut))))
        #expect(error.reason.contains("is truncated: it ends at offset \(cut) after entry 'blobs/a', without the end-of-archive marker"), "\(error)")
        let half = try #require(try refusal(of: Array(bytes.dropLast(512))))
        #expect(half.reason.contains("without the end-of-archive marker"), "\(half)")
    }

    @Test func flippedByteInAHeaderChecksum() throws {
        let (bytes, index) = try goodArchive()
        for name in ["blobs/a", "blobs"] {
            var damaged = bytes
            let header = Int(try #require(index[name]).offset) - 512
            damaged[header + 150] ^= 0x01  // a digit of the octal checksum
            let error = try #require(try refusal(of: damaged))
            #expect(error.entry == (name == "blobs" ? "blobs/" : name), "\(error)")
            #expect(error.reason.contains("has a damaged header at offset \(header): checksum is"), "\(error)")
        }
    }

    @Test func flippedByteInAHeaderName() throws {
        let (bytes, index) = try goodArchive()
        var damaged = bytes
        let header = Int(try #require(index["index.json"]).offset) - 512
        damaged[header] = UInt8(ascii: "j")
        let error = try #require(try refusal(of: damaged))
        #expect(error.entry == "jndex.json")
        #expect(error.reason.contains("checksum is"), "\(error)")
    }

    @Test func randomGarbage() throws {
        var generator = SystemRandomNumberGenerator()
        let garbage = (0..<20_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let error = try #require(try refusal(of: garbage))
        #expect(error.entry == nil)
        #expect(error.reason.contains("is not a tar archive"), "\(error)")
        let text = try #require(try refusal(of: Array("just some text, not a tar\n".utf8)))
        #expect(text.reason.contains("is not a tar archive"), "\(text)")
    }

    @Test func garbageAfterAGoodEntry() throws {
        let (bytes, index) = try goodArchive()
        var damaged = bytes
        let header = Int(try #require(index["index.json"]).offset) - 512
        for i in header..<header + 512 { damaged[i] = UInt8(truncatingIfNeeded: i &* 131) | 1 }
        let error = try #require(try refusal(of: damaged))
        #expect(error.reason.contains("the bytes at offset \(header) are not a tar header (after entry 'blobs/a')"), "\(error)")
    }

    @Test func emptyFile() throws {
        let error = try #require(try refusal(of: []))
        #expect(error.description == "bad.tar: is empty; expected a tar archive")
    }

    @Test func compressedTarIsNotAcceptedAsTar() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("bad.tar")
        _ = try python("""
        import tarfile, io, sys
        with tarfile.open(sys.argv[1], "w:gz") as t:
            i = tarfile.TarInfo("a"); i.size = 1; t.addfile(i, io.BytesIO(b"x"))
        """, path)
        let error = try #require(indexRefusal(path))
        #expect(error.reason.contains("is not a tar archive"), "\(error)")
    }

    @Test func sparseFilesAreRefused() throws {
        let dir = try TemporaryDirectory()
        try runChecked(["truncate", "-s", "1M", dir.file("holes")])
        try "data".write(toFile: dir.file("holes2"), atomically: false, encoding: .utf8)
        try runChecked(["truncate", "-s", "2M", dir.file("holes2")])
        for format in ["gnu", "pax"] {
            let path = dir.file("\(format).tar")
            try runChecked(["tar", "--sparse", "--format=\(format)", "-cf", path, "-C", dir.path, "holes", "holes2"])
            let error = try #require(indexRefusal(path))
            #expect(error.entry == "holes", "\(error)")
            #expect(error.reason.contains("sparse") || error.reason.contains("tar type 'S'"), "\(error)")
        }
    }
}
