import Glibc
import OCI

/// An archive written as volumes `basePath.000`, `basePath.001`, … that concatenate to the archive.
///
/// Every part but the last holds exactly `partSize` bytes. Each part is written under a temporary
/// name and synced when full; `finish()` renames them all into place, so the parts appear only
/// together and only after success. Sizes and digests (per part and of the whole) are computed as
/// the bytes pass, never by reading the parts back.
public final class SplitOutput: ArchiveOutput {
    /// One finished volume.
    public struct Part: Sendable, Equatable {
        /// Where the part is.
        public let path: String
        /// Its size in bytes.
        public let size: Int64
        /// The SHA-256 of its bytes.
        public let digest: Digest
    }

    /// The largest multiple of 1 MiB below 4 GiB: the biggest part a FAT32 volume holds (its limit is 4 GiB − 1).
    public static let fat32PartSize: Int64 = 4 * 1024 * 1024 * 1024 - 1024 * 1024

    /// The path of part `index` of `basePath`: `basePath.000`, `basePath.001`, …
    public static func partPath(_ basePath: String, index: Int) -> String {
        let digits = String(index)
        return basePath + "." + String(repeating: "0", count: max(0, 3 - digits.count)) + digits
    }

    /// The path the parts are named after.
    public let basePath: String
    public var archiveName: String { basePath }
    /// The size of every part but the last.
    public let partSize: Int64
    /// The finished parts, in order; complete after `finish()`.
    public private(set) var parts: [Part] = []
    /// How many bytes have been written so far, over all parts.
    public private(set) var totalSize: Int64 = 0
    /// The SHA-256 of all parts concatenated; set by a successful `finish()`.
    public private(set) var digest: Digest?

    private let store: any ArchiveStore
    private var sealed: [any StagedVolume] = []
    private var current: (any StagedVolume)?
    private var currentSize: Int64 = 0
    private var partHasher = ContentHasher()
    private var wholeHasher = ContentHasher()
    private var closed = false

    /// The file that lists the volumes (written by the caller after `finish()`), removed before any new volume
    /// is renamed into place: while volumes are replaced it does not exist, so no crash leaves it naming a mix.
    public let metadataPath: String?

    /// Prepares to write parts of `partSize` bytes, which must be a positive multiple of 512
    /// (a tar block), so no tar header is cut across two volumes; removes the temporary parts a killed run left.
    public init(basePath: String, partSize: Int64, metadataPath: String? = nil, store: any ArchiveStore = LocalFiles()) throws(ArchiveError) {
        guard partSize > 0, partSize % 512 == 0 else {
            throw ArchiveError(archive: basePath, reason: "part size \(partSize) is not a positive multiple of 512")
        }
        self.basePath = basePath
        self.store = store
        self.partSize = partSize
        self.metadataPath = metadataPath
        store.removeAbandoned(of: basePath)
    }

    deinit { abandon() }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard !closed else { throw ArchiveError(archive: basePath, reason: "written after finish or abandon") }
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        do {
            while offset < bytes.count {
                let file = try openPart()
                let n = Int(min(Int64(bytes.count - offset), partSize - currentSize))
                let slice = UnsafeRawBufferPointer(start: base + offset, count: n)
                try file.write(slice)
                partHasher.update(slice)
                wholeHasher.update(slice)
                currentSize += Int64(n)
                totalSize += Int64(n)
                offset += n
                if currentSize == partSize { try sealPart() }
            }
        } catch {
            abandon()
            throw error
        }
    }

    public func finish() throws {
        guard !closed else { throw ArchiveError(archive: basePath, reason: "already finished or abandoned") }
        do {
            // An empty archive still gets its one (empty) part.
            if current != nil || sealed.isEmpty { _ = try openPart(); try sealPart() }
            if let metadataPath { try store.withdraw(metadataPath) }
            for file in sealed { try file.commit() }
        } catch {
            abandon()
            throw error
        }
        closed = true
        store.settle(basePath)
        removeStaleParts(after: sealed.count)
        sealed = []
        digest = wholeHasher.finalize()
    }

    /// Removes every part written so far; nothing appears. Does nothing after a successful `finish()`.
    public func abandon() {
        guard !closed else { return }
        closed = true
        current?.discard()
        current = nil
        for file in sealed {
            if file.committed { store.remove(file.destination) } else { file.discard() }
        }
        sealed = []
        parts = []
    }

    private func openPart() throws -> any StagedVolume {
        if let current { return current }
        let file = try store.stage(Self.partPath(basePath, index: sealed.count))
        current = file
        currentSize = 0
        return file
    }

    private func sealPart() throws {
        guard let file = current else { return }
        try file.seal()
        sealed.append(file)
        current = nil
        parts.append(Part(path: file.destination, size: currentSize, digest: partHasher.finalize()))
    }

    /// Deletes `basePath.NNN` files left by an earlier, longer archive right after the new last part,
    /// so the volumes on disk concatenate to this archive and nothing else.
    private func removeStaleParts(after count: Int) {
        var index = count
        while store.remove(Self.partPath(basePath, index: index)) { index += 1 }
    }
}
