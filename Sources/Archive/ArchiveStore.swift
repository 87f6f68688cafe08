import Foundation
import Glibc

/// Where archive files (a bundle, its volumes, their metadata) are kept: the local file system, or a bucket of
/// object storage. Names are what the operator wrote: paths, or `s3://BUCKET/KEY`.
public protocol ArchiveStore: Sendable {
    /// Starts writing `name`; nothing appears under that name before the volume is committed.
    func stage(_ name: String) throws -> any StagedVolume
    /// Writes a small file whole, replacing any earlier one at once.
    func publish(_ data: Data, as name: String) throws
    /// Removes `name`; returns whether there was something to remove.
    @discardableResult func remove(_ name: String) -> Bool
    /// Removes `name` if it exists; an error when it exists and cannot be removed.
    func withdraw(_ name: String) throws
    /// Removes what a killed run left while writing `name` (temporary files no live writer holds).
    func removeAbandoned(of name: String)
    /// Makes committed volumes survive a crash (a directory sync); nothing to do for object storage.
    func settle(_ name: String)
    /// The size of `name`, or nil when it does not exist.
    func size(of name: String) throws -> Int64?
    /// Opens `name` for reads at any offset.
    func open(_ name: String) throws -> any RandomAccessSource
}

/// A file being written that appears at its destination only when committed: a temporary file renamed into
/// place, or a multipart upload completed.
public protocol StagedVolume: AnyObject {
    /// The name the volume appears under.
    var destination: String { get }
    /// Whether `commit()` succeeded.
    var committed: Bool { get }
    /// Appends `bytes`.
    func write(_ bytes: UnsafeRawBufferPointer) throws
    /// Makes everything written durable (synced, uploaded); `commit()` may follow.
    func seal() throws
    /// Seals if needed and makes the volume appear at its destination.
    func commit() throws
    /// Gives up; nothing appears. A committed volume is left alone.
    func discard()
}

/// The local file system.
public struct LocalFiles: ArchiveStore {
    public init() {}

    public func stage(_ name: String) throws -> any StagedVolume { try StagedFile(destination: name) }

    public func publish(_ data: Data, as name: String) throws { try AtomicFile.write(Array(data), to: name) }

    @discardableResult public func remove(_ name: String) -> Bool { unlink(name) == 0 }

    public func withdraw(_ name: String) throws {
        guard unlink(name) == 0 || errno == ENOENT else {
            throw ArchiveError(archive: name, reason: "cannot be replaced (\(systemMessage(errno)))")
        }
    }

    public func removeAbandoned(of name: String) { StagedFile.removeAbandoned(of: name) }

    public func settle(_ name: String) { syncDirectory(containing: name) }

    public func size(of name: String) throws -> Int64? {
        var status = stat()
        guard stat(name, &status) == 0 else { return nil }
        return Int64(status.st_size)
    }

    public func open(_ name: String) throws -> any RandomAccessSource { try RandomAccessFile(path: name) }
}
