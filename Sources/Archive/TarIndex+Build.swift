extension TarIndex {
    /// Reads the whole archive's structure through libarchive and indexes it, refusing anything
    /// unsafe or damaged: absolute paths, `..` components, links, devices, FIFOs and any type but
    /// regular files and directories, sparse files, duplicate names (after dropping a leading `./`
    /// and trailing `/`), a truncated archive (in a header, in data, or missing its end-of-archive
    /// marker), a damaged header, and bytes that are not tar.
    ///
    /// Headers are read; data is skipped (the skip is clamped to the source's real size, so data that
    /// is cut short is noticed without reading it). Readers check content against digests when they
    /// read it with `read(_:from:chunk:)`. `name` is how errors refer to the archive.
    public static func build(from source: RandomAccessSource, name: String) throws(ArchiveError) -> TarIndex {
        try build(from: source, name: name, visitData: nil)
    }

    /// `build`, optionally also reading every entry's data through libarchive and handing it to
    /// `visitData` with the entry and the offset within it (tests compare it with reads in place).
    static func build(
        from source: RandomAccessSource, name: String,
        visitData: ((Entry, Int64, UnsafeRawBufferPointer) throws -> Void)?
    ) throws(ArchiveError) -> TarIndex {
        guard source.size > 0 else { throw ArchiveError(archive: name, reason: "is empty; expected a tar archive") }
        let scanner = try TarScanner(source: source, name: name)
        var entries: [Entry] = []
        var seen: [String: String] = [:] // canonical name → name as written
        var next: Int64 = 0 // where the next entry's headers start
        while let header = try scanner.next(at: next, after: entries.last?.name) {
            let entry = try check(header, in: source, archive: name, seen: seen)
            seen[entry.name] = header.path
            entries.append(entry)
            next = entry.offset + paddedSize(entry.size)
            if let visitData {
                do { try scanner.readData(of: entry.name) { offset, bytes in try visitData(entry, offset, bytes) } } catch let error as ArchiveError {
                    throw error
                } catch {
                    throw ArchiveError(archive: name, entry: entry.name, reason: "\(error)")
                }
            }
        }
        try checkEndMarker(of: source, at: next, archive: name, last: entries.last?.name)
        return TarIndex(archive: name, entries: entries)
    }

    /// Applies the safety rules to one decoded header and makes it an entry.
    private static func check(_ header: TarScanner.Header, in source: RandomAccessSource, archive: String,
                              seen: [String: String]) throws(ArchiveError) -> Entry {
        let path = header.path
        func refuse(_ reason: String) -> ArchiveError { ArchiveError(archive: archive, entry: path, reason: reason) }

        if let target = header.hardlink { throw refuse("is a hard link to '\(target)'; only regular files and directories are allowed") }
        if let target = header.symlink { throw refuse("is a symbolic link to '\(target)'; only regular files and directories are allowed") }
        let isDirectory: Bool
        switch header.fileType & FileType.mask {
        case FileType.regular: isDirectory = false
        case FileType.directory: isDirectory = true
        default: throw refuse("is \(FileType.describe(header.fileType)); only regular files and directories are allowed")
        }
        if header.isSparse { throw refuse("is a sparse file; only plain regular files are allowed") }

        let canonical: String
        switch EntryName.normalise(path, isDirectory: isDirectory) {
        case .success(let value): canonical = value
        case .failure(let problem): throw refuse(problem.reason)
        }
        if let warning = header.warning { throw refuse("cannot be decoded cleanly (libarchive: \(warning))") }
        if let first = seen[canonical] {
            throw refuse(first == path ? "appears twice; names must be unique"
                                       : "names the same path as the earlier entry '\(first)'; names must be unique")
        }
        guard header.size >= 0 else { throw refuse("has negative size \(header.size)") }
        if isDirectory, header.size != 0 { throw refuse("is a directory with \(header.size) bytes of data") }

        // The block right before the data is the entry's own ustar header: its type flag must agree
        // (libarchive reads unknown type flags as regular files), which also checks the offset.
        guard header.dataOffset >= 512,
              let block = try? TarHeaderBlock.read(from: source, at: header.dataOffset - 512),
              block.isComplete, block.checksumIsValid, let flag = block.typeflag
        else { throw refuse("has no valid header right before its data at offset \(header.dataOffset)") }
        let regularFlags: [UInt8] = [0, UInt8(ascii: "0"), UInt8(ascii: "7")]
        let agrees = isDirectory ? flag == UInt8(ascii: "5") : regularFlags.contains(flag)
        guard agrees else {
            if isDirectory, regularFlags.contains(flag) {
                throw refuse("is a directory only by its trailing '/' (tar type '0'); expected type '5'")
            }
            let shown = flag >= 0x21 && flag < 0x7F ? "'\(Character(Unicode.Scalar(flag)))'" : "byte \(flag)"
            throw refuse("has tar type \(shown), which is not a regular file ('0') or directory ('5')")
        }

        let end = header.dataOffset + header.size
        guard end <= source.size else {
            throw refuse("is truncated: its \(header.size) bytes of data start at offset \(header.dataOffset) but the archive ends at \(source.size)")
        }
        return Entry(name: canonical, isDirectory: isDirectory, size: header.size, offset: header.dataOffset)
    }

    /// A tar ends with two zero blocks. libarchive also accepts an archive that just stops at a
    /// block boundary, which is exactly what a missing volume or a cut-off copy looks like: refuse it.
    private static func checkEndMarker(of source: RandomAccessSource, at offset: Int64, archive: String,
                                       last: String?) throws(ArchiveError) {
        let context = last.map { "after entry '\($0)'" } ?? "before any entry"
        var marker = [UInt8](repeating: 0xFF, count: 1024)
        let n: Int
        do { n = try marker.withUnsafeMutableBytes { try source.read(into: $0, at: offset) } } catch {
            throw ArchiveError(archive: archive, reason: "cannot be read at offset \(offset) (\(error))")
        }
        guard n == marker.count else {
            throw ArchiveError(archive: archive, reason: "is truncated: it ends at offset \(offset + Int64(n)) \(context), without the end-of-archive marker (two zero blocks)")
        }
        guard marker.allSatisfy({ $0 == 0 }) else {
            throw ArchiveError(archive: archive, reason: "has bytes at offset \(offset) \(context) that are neither an entry nor the end-of-archive marker")
        }
    }

    static func paddedSize(_ size: Int64) -> Int64 { (size + 511) / 512 * 512 }
}
