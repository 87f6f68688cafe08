import CArchive
import Foundation

/// Writes an uncompressed POSIX tar archive, streaming, through libarchive.
///
/// The archive is deterministic: identical calls give byte-identical archives. Format "pax
/// restricted": plain ustar headers, with a pax extended header only for what ustar cannot
/// express (a name that does not fit the 100 + 155 byte name/prefix fields, a size of 8 GiB or
/// more). Every entry has mtime 0, uid/gid 0, empty user and group names, mode 0644 (files) or
/// 0755 (directories), and entries appear in call order.
///
/// Blocking: libarchive pads by default to 10240-byte records; this writer is unblocked
/// (`bytes_per_block` 0), so the archive is exactly its 512-byte tar blocks: headers, data padded
/// to 512, and the two zero blocks that end it. Its size is therefore known in advance and a
/// multiple of 512, and nothing hides behind the end-of-archive marker.
///
/// Content streams from `emit` to the output in the producer's own chunks; nothing is gathered or
/// read back. A refused name or size leaves the writer usable; any failure once an entry is being
/// written kills it: it abandons its output and every later call throws. Use from one thread.
public final class TarWriter {
    private let archive: OpaquePointer
    private let bridge: WriteBridge
    private var names = Set<String>()
    private var failure: ArchiveError?
    private var finished = false

    /// Starts an archive that goes to `output`.
    public init(output: ArchiveOutput) throws {
        bridge = WriteBridge(output: output)
        guard let archive = archive_write_new() else {
            throw ArchiveError(archive: bridge.label, reason: "libarchive could not allocate a writer")
        }
        self.archive = archive
        guard archive_write_set_format_pax_restricted(archive) == ARCHIVE_OK,
              archive_write_set_bytes_per_block(archive, 0) == ARCHIVE_OK,
              archive_write_open(archive, Unmanaged.passUnretained(bridge).toOpaque(), nil, writeToBridge, nil) == ARCHIVE_OK
        else {
            let error = bridge.error(archive, entry: nil, doing: "cannot start the archive")
            archive_write_fail(archive)
            output.abandon()
            throw error
        }
    }

    deinit {
        // Never let libarchive's close write an end-of-archive marker after a failure or without `finish()`.
        if !finished { archive_write_fail(archive) }
        archive_write_free(archive)
    }

    /// Adds a directory entry.
    public func addDirectory(_ name: String) throws {
        let canonical = try begin(name, isDirectory: true, size: 0)
        try writeHeader(canonical, isDirectory: true, size: 0)
        try finishEntry(canonical)
    }

    /// Adds a regular file of `size` bytes whose contents `writeContents` streams through `emit`,
    /// in chunks of any size. Fails (and kills the writer) if it emits more or fewer than `size` bytes.
    public func addFile(
        _ name: String, size: Int64,
        writeContents: (_ emit: (UnsafeRawBufferPointer) throws -> Void) throws -> Void
    ) throws {
        let canonical = try begin(name, isDirectory: false, size: size)
        try writeHeader(canonical, isDirectory: false, size: size)
        var written: Int64 = 0
        do {
            try writeContents { bytes in
                guard let base = bytes.baseAddress, bytes.count > 0 else { return }
                if let failure { throw failure }
                guard Int64(bytes.count) <= size - written else {
                    throw fail(canonical, "the producer emitted more than the declared \(size) bytes")
                }
                var offset = 0
                while offset < bytes.count {
                    let n = archive_write_data(archive, base + offset, bytes.count - offset)
                    guard n > 0 else { throw fail(canonical, bridge.error(archive, entry: canonical, doing: "cannot write data")) }
                    offset += n
                }
                written += Int64(bytes.count)
            }
        } catch {
            if failure == nil { _ = fail(canonical, "the producer failed (\(error))") }
            throw error
        }
        guard written == size else {
            throw fail(canonical, "the producer emitted \(written) bytes, expected \(size)")
        }
        try finishEntry(canonical)
    }

    /// Adds a regular file holding `data`.
    public func addFile(_ name: String, data: Data) throws {
        try addFile(name, size: Int64(data.count)) { emit in
            try data.withUnsafeBytes { try emit($0) }
        }
    }

    /// Writes the end-of-archive marker and finishes the output (which publishes it).
    public func finish() throws {
        try checkUsable(entry: nil)
        guard archive_write_close(archive) == ARCHIVE_OK else {
            throw fail(nil, bridge.error(archive, entry: nil, doing: "cannot write the end of the archive"))
        }
        finished = true
        do { try bridge.output.finish() } catch {
            failure = ArchiveError(archive: bridge.label, reason: "the output failed to finish (\(error))")
            bridge.output.abandon()
            throw error
        }
    }

    // MARK: - Steps

    private func begin(_ name: String, isDirectory: Bool, size: Int64) throws(ArchiveError) -> String {
        try checkUsable(entry: name)
        let canonical: String
        switch EntryName.normalise(name, isDirectory: isDirectory) {
        case .success(let value): canonical = value
        case .failure(let problem): throw ArchiveError(archive: bridge.label, entry: name, reason: problem.reason)
        }
        guard size >= 0 else { throw ArchiveError(archive: bridge.label, entry: name, reason: "has negative size \(size)") }
        guard !names.contains(canonical) else {
            throw ArchiveError(archive: bridge.label, entry: canonical, reason: "is already in the archive; names must be unique")
        }
        names.insert(canonical)
        return canonical
    }

    private func writeHeader(_ name: String, isDirectory: Bool, size: Int64) throws(ArchiveError) {
        guard let entry = archive_entry_new() else { throw fail(name, "libarchive could not allocate an entry") }
        defer { archive_entry_free(entry) }
        archive_entry_set_pathname(entry, isDirectory && name != "." ? name + "/" : name)
        archive_entry_set_filetype(entry, isDirectory ? FileType.directory : FileType.regular)
        archive_entry_set_perm(entry, isDirectory ? 0o755 : 0o644)
        archive_entry_set_size(entry, size)
        archive_entry_set_mtime(entry, 0, 0)
        archive_entry_set_uid(entry, 0)
        archive_entry_set_gid(entry, 0)
        guard archive_write_header(archive, entry) == ARCHIVE_OK else {
            throw fail(name, bridge.error(archive, entry: name, doing: "cannot write the header"))
        }
    }

    private func finishEntry(_ name: String) throws(ArchiveError) {
        guard archive_write_finish_entry(archive) == ARCHIVE_OK else {
            throw fail(name, bridge.error(archive, entry: name, doing: "cannot finish the entry"))
        }
    }

    private func checkUsable(entry: String?) throws(ArchiveError) {
        if let failure {
            throw ArchiveError(archive: bridge.label, entry: entry, reason: "the writer failed earlier (\(failure))")
        }
        if finished { throw ArchiveError(archive: bridge.label, entry: entry, reason: "the archive is already finished") }
    }

    /// Kills the writer: records the first failure and abandons the output.
    private func fail(_ entry: String?, _ reason: String) -> ArchiveError {
        fail(entry, ArchiveError(archive: bridge.label, entry: entry, reason: reason))
    }

    private func fail(_ entry: String?, _ error: ArchiveError) -> ArchiveError {
        if failure == nil {
            failure = error
            archive_write_fail(archive)
            bridge.output.abandon()
        }
        return error
    }
}
