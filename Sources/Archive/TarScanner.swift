import CArchive

/// Walks the headers of an uncompressed tar with libarchive, reporting each entry as libarchive
/// sees it, with the offset of its data in the tar. No policy here (that is `TarIndex.build`),
/// except turning libarchive's failures into errors that say where and why.
final class TarScanner {
    /// One entry as libarchive decoded it.
    struct Header {
        let path: String
        let fileType: UInt32
        let hardlink: String?
        let symlink: String?
        let size: Int64
        let isSparse: Bool
        /// Where the entry's data starts in the tar.
        let dataOffset: Int64
        /// What libarchive warned about while decoding the header, if anything.
        let warning: String?
    }

    let name: String
    private let archive: OpaquePointer
    private let bridge: ReadBridge

    /// Headers are read in blocks of this size; data is skipped, not read.
    static let readBufferSize = 64 * 1024

    init(source: RandomAccessSource, name: String) throws(ArchiveError) {
        self.name = name
        bridge = ReadBridge(source: source, bufferSize: Self.readBufferSize)
        guard let archive = archive_read_new() else {
            throw ArchiveError(archive: name, reason: "libarchive could not allocate a reader")
        }
        self.archive = archive
        // Only uncompressed tar: offsets must be offsets in the file, so no compression filter is enabled.
        archive_read_support_format_tar(archive)
        archive_read_set_read_callback(archive, readFromBridge)
        archive_read_set_skip_callback(archive, skipInBridge)
        archive_read_set_callback_data(archive, Unmanaged.passUnretained(bridge).toOpaque())
        guard archive_read_open1(archive) == ARCHIVE_OK else {
            throw diagnose(at: 0, after: nil)
        }
    }

    deinit { archive_read_free(archive) }

    /// The next entry, or nil at the end of the archive. `position` is where its first header
    /// should start, `previous` the entry before it; both only serve error messages.
    func next(at position: Int64, after previous: String?) throws(ArchiveError) -> Header? {
        var entry: OpaquePointer?
        let result = archive_read_next_header(archive, &entry)
        if result == ARCHIVE_EOF { return nil }
        // A warning still decodes the entry; the caller judges it (after the name, which is the usual cause).
        guard result == ARCHIVE_OK || result == ARCHIVE_WARN, let entry else { throw diagnose(at: position, after: previous) }
        let path = archive_entry_pathname_utf8(entry) ?? archive_entry_pathname(entry)
        return Header(
            path: path.map { String(cString: $0) } ?? "",
            fileType: UInt32(archive_entry_filetype(entry)),
            hardlink: archive_entry_hardlink(entry).map { String(cString: $0) },
            symlink: archive_entry_symlink(entry).map { String(cString: $0) },
            size: archive_entry_size_is_set(entry) != 0 ? archive_entry_size(entry) : 0,
            isSparse: archive_entry_sparse_count(entry) > 0,
            dataOffset: archive_filter_bytes(archive, 0),
            warning: result == ARCHIVE_WARN ? libarchiveMessage : nil)
    }

    /// Streams the current entry's data as libarchive decodes it: (offset within the entry, bytes).
    func readData(of entry: String, _ body: (Int64, UnsafeRawBufferPointer) throws -> Void) throws {
        while true {
            var block: UnsafeRawPointer?
            var size = 0
            var offset: la_int64_t = 0
            let result = archive_read_data_block(archive, &block, &size, &offset)
            if result == ARCHIVE_EOF { return }
            guard result == ARCHIVE_OK else { throw failure(entry: entry, "its data cannot be read") }
            try body(offset, UnsafeRawBufferPointer(start: block, count: size))
        }
    }

    // MARK: - Errors

    /// The source's error if it caused the failure, else libarchive's message.
    private func failure(entry: String?, _ what: String) -> ArchiveError {
        if let error = bridge.sourceError {
            return ArchiveError(archive: name, entry: entry, reason: "\(what): the archive cannot be read (\(error))")
        }
        return ArchiveError(archive: name, entry: entry, reason: "\(what) (libarchive: \(libarchiveMessage))")
    }

    private var libarchiveMessage: String {
        archive_error_string(archive).map { String(cString: $0) } ?? "unknown error"
    }

    /// Explains a failed header read by looking at the raw blocks from `position` on: a short
    /// block, a checksum that does not add up, or bytes that are no tar header at all.
    private func diagnose(at position: Int64, after previous: String?) -> ArchiveError {
        if bridge.sourceError != nil { return failure(entry: previous, "the header after this entry cannot be read") }
        let source = bridge.source
        let context = previous.map { " (after entry '\($0)')" } ?? ""
        var at = position
        var block: TarHeaderBlock?
        // Follow extension headers (pax, GNU long names) to the block that is actually bad.
        for _ in 0..<8 {
            guard let current = try? TarHeaderBlock.read(from: source, at: at), !current.bytes.isEmpty else { break }
            block = current
            let looksLikeTar = current.hasUstarMagic || current.checksumIsValid
            if !looksLikeTar {
                if at == 0 {
                    return ArchiveError(archive: name, reason: "is not a tar archive (libarchive: \(libarchiveMessage))")
                }
                return ArchiveError(archive: name, reason: "is damaged: the bytes at offset \(at) are not a tar header\(context)")
            }
            if !current.isComplete {
                return ArchiveError(archive: name, entry: current.name,
                                    reason: "is truncated inside its header: only \(current.bytes.count) of 512 bytes at offset \(at)")
            }
            if !current.checksumIsValid {
                let computed = current.computedChecksums.unsigned
                let stored = current.storedChecksum.map { String($0) } ?? "unreadable"
                return ArchiveError(archive: name, entry: current.name,
                                    reason: "has a damaged header at offset \(at): checksum is \(stored), the bytes add up to \(computed)")
            }
            guard let flag = current.typeflag, [UInt8(ascii: "x"), UInt8(ascii: "g"), UInt8(ascii: "L"), UInt8(ascii: "K")].contains(flag),
                  let size = current.storedSize, size >= 0, size < Int64.max / 2
            else { break }
            at += 512 + (size + 511) / 512 * 512
        }
        return ArchiveError(archive: name, entry: block?.name ?? previous,
                            reason: "has a header at offset \(at) that cannot be read (libarchive: \(libarchiveMessage))")
    }
}
