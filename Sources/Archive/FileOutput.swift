import OCI

/// An archive written to one file: bytes go to a temporary file beside `path` (or a multipart upload), which
/// `finish()` syncs and renames to `path` (completes). Until then (and after a failure) nothing appears at `path`.
///
/// The SHA-256 of the bytes is computed as they pass, so the file is never read back.
public final class FileOutput: ArchiveOutput {
    /// Where the archive appears once finished.
    public let path: String
    public var archiveName: String { path }
    /// How many bytes have been written so far.
    public private(set) var bytesWritten: Int64 = 0
    /// The SHA-256 of everything written; set by a successful `finish()`.
    public private(set) var digest: Digest?

    private let store: any ArchiveStore
    private let file: any StagedVolume
    private var hasher = ContentHasher()
    private var closed = false

    /// Starts a temporary file beside `path` (or an upload to it) in `store`, first removing those a killed run left.
    public init(path: String, store: any ArchiveStore = LocalFiles()) throws {
        self.path = path
        self.store = store
        store.removeAbandoned(of: path)
        file = try store.stage(path)
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard !closed else { throw ArchiveError(archive: path, reason: "written after finish or abandon") }
        do { try file.write(bytes) } catch { abandon(); throw error }
        hasher.update(bytes)
        bytesWritten += Int64(bytes.count)
    }

    public func finish() throws {
        guard !closed else { throw ArchiveError(archive: path, reason: "already finished or abandoned") }
        closed = true
        do {
            try file.commit()
        } catch {
            file.discard()
            throw error
        }
        store.settle(path)
        digest = hasher.finalize()
    }

    /// Removes the temporary file; nothing appears at `path`. Does nothing after a successful `finish()`.
    public func abandon() {
        closed = true
        file.discard()
    }
}
