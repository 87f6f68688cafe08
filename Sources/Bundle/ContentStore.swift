import Foundation
import OCI

/// A content store: an OCI image layout directory (`oci-layout`, `index.json`, `blobs/sha256/…`).
///
/// Blobs are written to a private ingest file, checked against their digest, synced and renamed into
/// place, so a blob under `blobs/` is always whole and correct, and an interrupted write leaves only an
/// ingest file that the next open removes. `index.json` is rewritten atomically under a lock, so several
/// processes may write to one store.
public final class ContentStore: Sendable {
    public let root: String
    let ingestDirectory: String

    /// Opens the layout at `path`, creating it (and its parents) when `create` is true.
    public init(at path: String, create: Bool = true) throws(StoreError) {
        root = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
        ingestDirectory = root + "/.ingest"
        let fm = FileManager.default
        let layoutFile = root + "/oci-layout"
        if !fm.fileExists(atPath: layoutFile) {
            guard create else { throw StoreError(path: root, reason: "not an OCI image layout (no oci-layout file)") }
            if let blocker = Self.nonDirectory(on: root) {
                throw StoreError(path: root, reason: blocker == root ? "is a file, not a directory"
                                                                     : "cannot be created: \(blocker) is a file, not a directory")
            }
            if let entries = try? fm.contentsOfDirectory(atPath: root), !Self.isUnfinishedLayout(root, entries: entries) {
                throw StoreError(path: root, reason: "exists, is not empty, and is not an OCI image layout")
            }
            // `oci-layout` comes last: a store whose creation was cut short lacks it, and is finished by the next open.
            do {
                try fm.createDirectory(atPath: root + "/blobs/sha256", withIntermediateDirectories: true)
                if !fm.fileExists(atPath: root + "/index.json") {
                    try Self.writeAtomically(try Self.encode(ImageIndex(manifests: [])), to: root + "/index.json")
                }
                try Self.writeAtomically(Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8), to: layoutFile)
            } catch let error as StoreError { throw error } catch {
                throw StoreError(path: root, reason: "cannot be created (\(error.localizedDescription))")
            }
        }
        do { try fm.createDirectory(atPath: ingestDirectory, withIntermediateDirectories: true) } catch {
            throw StoreError(path: ingestDirectory, reason: "cannot be created (\(error.localizedDescription))")
        }
        removeAbandonedIngests()
    }

    /// Whether a directory holding `entries` (and no `oci-layout`) is empty or what a creation of the layout cut short
    /// leaves: an empty `blobs/sha256`, an empty `index.json`, their temporary files. Nothing else is taken over.
    static func isUnfinishedLayout(_ root: String, entries: [String]) -> Bool {
        let fm = FileManager.default
        let blobs = (try? fm.contentsOfDirectory(atPath: root + "/blobs")) ?? []
        let sha256 = (try? fm.contentsOfDirectory(atPath: root + "/blobs/sha256")) ?? []
        let emptyIndex = (try? ContentStore.encode(ImageIndex(manifests: []))) ?? Data()
        return entries.allSatisfy { name in
            switch name {
            case "blobs": blobs.allSatisfy { $0 == "sha256" } && sha256.isEmpty
            case "index.json": fm.contents(atPath: root + "/index.json") == emptyIndex
            default: (name.hasPrefix("index.json.") || name.hasPrefix("oci-layout.")) && name.hasSuffix(".tmp")
            }
        }
    }

    /// The first of `path` and its parents that exists as something other than a directory, if any: what makes
    /// creating the layout fail.
    static func nonDirectory(on path: String) -> String? {
        var current = path
        while !current.isEmpty && current != "/" && current != "." {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: current, isDirectory: &isDirectory) {
                return isDirectory.boolValue ? nil : current
            }
            current = (current as NSString).deletingLastPathComponent
        }
        return nil
    }

    /// The path of blob `digest` in the layout.
    public func blobPath(_ digest: Digest) -> String {
        "\(root)/blobs/\(digest.algorithm)/\(digest.encoded)"
    }

    /// The size of blob `digest`, or nil when the store lacks it.
    public func blobSize(_ digest: Digest) -> Int64? {
        var info = stat()
        return stat(blobPath(digest), &info) == 0 ? Int64(info.st_size) : nil
    }

    /// Whether the store holds blob `descriptor` whole (present with the right size).
    public func hasBlob(_ descriptor: Descriptor) -> Bool {
        var info = stat()
        return stat(blobPath(descriptor.digest), &info) == 0 && Int64(info.st_size) == descriptor.size
    }

    /// Starts writing blob `descriptor`; commit the ingest to make it visible.
    public func ingest(_ descriptor: Descriptor) throws(StoreError) -> BlobIngest {
        try BlobIngest(expected: descriptor, directory: ingestDirectory, destination: blobPath(descriptor.digest))
    }

    /// Stores a manifest's exact bytes as a blob.
    public func putManifest(_ manifest: Manifest) throws(StoreError) {
        try putBlob(manifest.bytes, as: manifest.descriptor)
    }

    /// Stores `data` (held in memory) as blob `descriptor` unless the store has it; the digest is checked.
    public func putBlob(_ data: Data, as descriptor: Descriptor) throws(StoreError) {
        guard !hasBlob(descriptor) else { return }
        let ingest = try ingest(descriptor)
        do {
            try data.withUnsafeBytes { try ingest.append($0) }
            try ingest.commit()
        } catch {
            ingest.abandon()
            throw error as? StoreError ?? StoreError(path: blobPath(descriptor.digest), reason: "\(error)")
        }
    }

    /// Stores `data` as a blob and returns its descriptor (media type `application/octet-stream`).
    @discardableResult
    public func putBlob(_ data: Data) throws(StoreError) -> Descriptor {
        let descriptor = Descriptor(mediaType: "application/octet-stream", digest: .sha256(of: data), size: Int64(data.count))
        try putBlob(data, as: descriptor)
        return descriptor
    }

    /// Starts an upload whose digest is not known yet; `BlobUpload.commit` names it.
    public func upload() throws(StoreError) -> BlobUpload {
        try BlobUpload(directory: ingestDirectory, store: self)
    }

    /// Reads and checks the manifest `descriptor` from the store.
    public func manifest(_ descriptor: Descriptor) throws -> Manifest {
        let path = blobPath(descriptor.digest)
        guard descriptor.size <= Manifest.maximumSize, let data = FileManager.default.contents(atPath: path) else {
            throw StoreError(path: path, reason: "manifest \(descriptor.digest) is missing from the store")
        }
        let manifest: Manifest
        do { manifest = try Manifest(bytes: data, declaredType: descriptor.mediaType, source: path) } catch {
            throw StoreError(path: path, reason: error.reason)
        }
        return try manifest.verified(path, digest: descriptor.digest, size: descriptor.size)
    }

    /// The layout's `index.json`.
    public func index() throws(StoreError) -> ImageIndex {
        let path = root + "/index.json"
        guard let data = FileManager.default.contents(atPath: path) else { throw StoreError(path: path, reason: "missing") }
        do { return try JSONDecoder().decode(ImageIndex.self, from: data) } catch {
            throw StoreError(path: path, reason: "not an OCI image index (\(error))")
        }
    }

    /// Adds artifacts to `index.json`, replacing any entry with the same identity (kind and name, or subject
    /// and digest for referrers) and removing those `removing` selects. Call only once their content is in the store.
    public func record(_ entries: [LayoutEntry], removing: (LayoutEntry) -> Bool = { _ in false }) throws(StoreError) {
        try withLock { () throws(StoreError) in
            var current = try self.entries()
            let incoming = Set(entries.map(\.identity))
            current.removeAll { incoming.contains($0.identity) || removing($0) }
            current += entries
            current.sort { ($0.identity, $0.descriptor.digest) < ($1.identity, $1.descriptor.digest) }
            do { try Self.writeAtomically(try Self.encode(ImageIndex(manifests: current.map(\.indexEntry))), to: root + "/index.json") } catch {
                throw StoreError(path: root + "/index.json", reason: "cannot be written (\(error))")
            }
        }
    }

    /// The artifacts `index.json` lists.
    public func entries() throws(StoreError) -> [LayoutEntry] {
        let index = try index()
        do { return try index.layoutEntries() } catch {
            throw StoreError(path: root + "/index.json", reason: "\(error)")
        }
    }

    private func withLock<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        let lockPath = ingestDirectory + "/index.lock"
        let fd = open(lockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StoreError(path: lockPath, reason: "cannot be opened (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        flock(fd, LOCK_EX)
        defer { flock(fd, LOCK_UN) }
        return try body()
    }

    /// Removes ingest files that no live writer holds (left by an interrupted run).
    private func removeAbandonedIngests() {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: ingestDirectory) else { return }
        for name in names where name.hasSuffix(".part") {
            let path = ingestDirectory + "/" + name
            let fd = open(path, O_RDWR | O_CLOEXEC)
            guard fd >= 0 else { continue }
            if flock(fd, LOCK_EX | LOCK_NB) == 0 { unlink(path) }
            close(fd)
        }
    }

    /// JSON as layouts and bundles write it: sorted keys, slashes unescaped, no whitespace.
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    /// Writes `data` to a temporary file beside `path`, syncs it and renames it over `path`.
    static func writeAtomically(_ data: Data, to path: String) throws(StoreError) {
        let temp = "\(path).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        let fd = open(temp, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StoreError(path: path, reason: "cannot be written (\(String(cString: strerror(errno))))") }
        let ok = data.withUnsafeBytes { writeFully(fd, $0) } && fsync(fd) == 0
        close(fd)
        guard ok, rename(temp, path) == 0 else {
            let code = errno
            unlink(temp)
            throw StoreError(path: path, reason: "cannot be written (\(String(cString: strerror(code))))", systemError: code)
        }
    }
}

/// Writes all of `bytes` to `fd`, retrying short writes.
func writeFully(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
    var offset = 0
    while offset < bytes.count {
        let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
        if n < 0 { if errno == EINTR { continue }; return false }
        offset += n
    }
    return true
}

/// A store operation that failed, naming the file.
public struct StoreError: CategorizedError, CustomStringConvertible {
    public let path: String
    public let reason: String
    /// The `errno` of the system call that failed, 0 when none did.
    public let systemError: Int32
    public init(path: String, reason: String, systemError: Int32 = 0) {
        self.path = path
        self.reason = reason
        self.systemError = systemError
    }
    public var description: String { "\(path): \(reason)" }
    public var category: ErrorCategory { .io }
    /// Whether the file system is full (or the quota used up): waiting a few seconds will not help.
    public var isOutOfSpace: Bool { systemError == ENOSPC || systemError == EDQUOT }
}
