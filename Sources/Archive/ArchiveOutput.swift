/// Where a `TarWriter` puts the archive's bytes, in order.
///
/// Implementations publish nothing until `finish()` succeeds, so a failed write leaves no
/// half-written archive behind.
public protocol ArchiveOutput: AnyObject {
    /// Appends `bytes`; the buffer is only valid during the call.
    func write(_ bytes: UnsafeRawBufferPointer) throws
    /// Makes everything written durable and visible; no write may follow.
    func finish() throws
    /// Gives up: removes whatever was written and publishes nothing. Safe to call more than once.
    func abandon()
    /// How errors name the archive being written (a path, usually).
    var archiveName: String { get }
}

extension ArchiveOutput {
    /// Outputs that have nothing to clean up need not implement `abandon()`.
    public func abandon() {}
    /// Outputs without a name of their own are "tar archive" in errors.
    public var archiveName: String { "tar archive" }
}
