@testable import Archive
import Foundation
import Glibc
import Testing

/// An output that writes a sparse file: zero chunks only move the position, so an archive with an
/// entry of more than 8 GiB takes a few kilobytes of disk and a few seconds.
final class SparseFileOutput: ArchiveOutput {
    let path: String
    private let fd: Int32
    private var position: Int64 = 0
    private let zeros = [UInt8](repeating: 0, count: 1024 * 1024)

    init(path: String) throws {
        self.path = path
        fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw TestFailure("cannot create \(path)") }
    }

    deinit { close(fd) }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        let isZero = bytes.count <= zeros.count && zeros.withUnsafeBytes { $0.baseAddress.map { memcmp(base, $0, bytes.count) == 0 } ?? false }
        if !isZero {
            guard pwrite(fd, base, bytes.count, off_t(position)) == bytes.count else { throw TestFailure("pwrite failed") }
        }
        position += Int64(bytes.count)
    }

    func finish() throws {
        guard ftruncate(fd, off_t(position)) == 0 else { throw TestFailure("ftruncate failed") }
    }
}

@Suite struct LargeEntryTests {
    static let hugeSize: Int64 = 8 * 1024 * 1024 * 1024 + 1 // one more than ustar's 11 octal digits hold

    @Test func sizeOver8GiBUsesAPaxHeaderAndEveryReaderAgrees() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("huge.tar")
        let output = try SparseFileOutput(path: path)
        let writer = try TarWriter(output: output)
        try writer.addFile("before", data: Data("before".utf8))
        let zeros = [UInt8](repeating: 0, count: 1024 * 1024)
        try writer.addFile("huge", size: Self.hugeSize) { emit in
            for _ in 0..<(Self.hugeSize / Int64(zeros.count)) { try zeros.withUnsafeBytes { try emit($0) } }
            try Data("Z".utf8).withUnsafeBytes { try emit($0) }
        }
        try writer.addFile("after", data: Data("after".utf8))
        try writer.finish()

        // The headers, as bytes: 'before', then a pax header carrying the size, then the ustar header.
        let source = try RandomAccessFile(path: path)
        #expect(source.size == 512 * 2 + 512 * 2 + 512 + TarIndex.paddedSize(Self.hugeSize) + 512 * 2 + 1024)
        let pax = try TarHeaderBlock.read(from: source, at: 1024)
        #expect(pax.typeflag == UInt8(ascii: "x"))
        var record = [UInt8](repeating: 0, count: 512)
        _ = try record.withUnsafeMutableBytes { try source.read(into: $0, at: 1536) }
        #expect(String(decoding: record.prefix { $0 != 0 }, as: UTF8.self) == "19 size=8589934593\n")
        let ustar = try TarHeaderBlock.read(from: source, at: 2048)
        #expect(ustar.checksumIsValid)
        #expect(ustar.typeflag == UInt8(ascii: "0"))
        #expect(ustar.storedSize == Self.hugeSize, "base-256 in the ustar header as well")

        // GNU tar and Python read the size (they seek over the data).
        let listing = try runChecked(["tar", "-tvf", path])
        #expect(listing.contains(" 8589934593 1970-01-01 00:00 huge"), "\(listing)")
        let sizes = try python("""
        import tarfile, sys
        with tarfile.open(sys.argv[1]) as t: print([(m.name, m.size) for m in t.getmembers()])
        """, path)
        #expect(sizes == "[('before', 6), ('huge', 8589934593), ('after', 5)]\n")

        // The index skips the data (it does not read 8 GiB) and points at its last byte.
        let index = try TarIndex.build(from: source, name: "huge.tar")
        let huge = try index.expect("huge", size: Self.hugeSize)
        var last: UInt8 = 0
        _ = try withUnsafeMutableBytes(of: &last) { try source.read(into: $0, at: huge.offset + Self.hugeSize - 1) }
        #expect(last == UInt8(ascii: "Z"))
        #expect(try contents(of: index.expect("before", size: 6), in: index, from: source) == Data("before".utf8))
        #expect(try contents(of: index.expect("after", size: 5), in: index, from: source) == Data("after".utf8))
        #expect(index.entries.map(\.name) == ["before", "huge", "after"])
    }
}
