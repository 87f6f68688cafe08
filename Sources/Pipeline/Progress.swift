import OCI

/// Something that happened during a copy, for a live view, a log, or nothing.
public enum ProgressEvent: Sendable {
    /// A copy of this many roots (references or layout entries) begins.
    case planned(references: Int)
    /// A requested reference resolved to a digest.
    case resolved(reference: String, digest: Digest)
    /// A blob transfer began.
    case blobStarted(Digest, size: Int64)
    /// Bytes moved (negative when a transfer started over).
    case transferred(Int64)
    /// A blob is in place: moved now, or found already there (`skipped`).
    case blobFinished(Digest, size: Int64, skipped: Bool)
    /// Every artifact of a requested reference is in place.
    case referenceFinished(String)
    /// A remark worth showing an operator (a signature found, a fallback taken).
    case notice(String)
}

/// Receives progress events; called from many tasks at once.
public protocol ProgressReporter: Sendable {
    func report(_ event: ProgressEvent)
}

/// Discards progress.
public struct SilentProgress: ProgressReporter {
    public init() {}
    public func report(_ event: ProgressEvent) {}
}
