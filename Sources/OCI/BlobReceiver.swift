/// Where a downloaded blob goes: appended in order, restarted if the server resends it from the start.
///
/// The receiver checks the blob's digest as bytes arrive (the registry client only checks sizes).
public protocol BlobReceiver: AnyObject, Sendable {
    /// Bytes received so far; a resumed download asks for the rest from here.
    var received: Int64 { get }
    func append(_ bytes: UnsafeRawBufferPointer) throws
    /// Discards everything received.
    func restart() throws
}
