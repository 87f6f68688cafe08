/// Where each entry of an uncompressed tar is, so entries can be read in place with `pread`
/// (through a `RandomAccessSource`) instead of being extracted.
///
/// An index exists only for an archive that passed the safe reader (`build(from:name:)`): every
/// entry is a regular file or a directory with a unique, canonical, relative name.
public struct TarIndex: Sendable {
    /// One entry of the archive.
    public struct Entry: Sendable, Hashable {
        /// The canonical name: no leading `./`, no trailing `/` (the root directory is `.`).
        public let name: String
        /// Whether the entry is a directory (else it is a regular file).
        public let isDirectory: Bool
        /// The size of its data in bytes (0 for directories).
        public let size: Int64
        /// Where its data starts in the uncompressed tar.
        public let offset: Int64
    }

    /// The archive's name, as errors show it.
    public let archive: String
    /// The entries, in archive order.
    public let entries: [Entry]
    private let positions: [String: Int]

    init(archive: String, entries: [Entry]) {
        self.archive = archive
        self.entries = entries
        var positions: [String: Int] = [:]
        for (index, entry) in entries.enumerated() { positions[entry.name] = index }
        self.positions = positions
    }

    /// The entry called `name` (a leading `./` or trailing `/` does not matter), if there is one.
    public subscript(name: String) -> Entry? {
        guard case .success(let canonical) = EntryName.normalise(name, isDirectory: true) else { return nil }
        return positions[canonical].map { entries[$0] }
    }

    /// The regular file `name`, which must exist and hold exactly `size` bytes, as the caller's metadata says.
    @discardableResult
    public func expect(_ name: String, size: Int64) throws(ArchiveError) -> Entry {
        guard let entry = self[name] else {
            throw ArchiveError(archive: archive, entry: name, reason: "is missing; expected a file of \(size) bytes")
        }
        guard !entry.isDirectory else {
            throw ArchiveError(archive: archive, entry: entry.name, reason: "is a directory; expected a file of \(size) bytes")
        }
        guard entry.size == size else {
            throw ArchiveError(archive: archive, entry: entry.name, reason: "holds \(entry.size) bytes; expected \(size)")
        }
        return entry
    }
}
