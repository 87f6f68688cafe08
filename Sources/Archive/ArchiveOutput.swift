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
}

extension ArchiveOutput {
    /// Outputs that have nothing to clean up need not implement `abandon()`.
    public func abandon() {}
}
