import Foundation

/// Starts processes one at a time: Foundation's `Process.run()` on Linux walks the parent's descriptors
/// while it spawns, which is not safe against other threads launching at the same moment.
public enum ProcessLaunch {
    private static let lock = NSLock()

    /// Runs `process` (returns once it has started).
    public static func start(_ process: Process) throws {
        lock.lock()
        defer { lock.unlock() }
        try process.run()
    }
}
