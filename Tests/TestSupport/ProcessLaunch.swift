import Foundation

/// Starts processes one at a time: Foundation's `Process.run()` on Linux is not safe to call from several
/// threads at once (seen here as a crash inside it while parallel tests started registries).
public enum ProcessLaunch {
    private static let lock = NSLock()

    /// Runs `process` (returns once it has started).
    public static func start(_ process: Process) throws {
        lock.lock()
        defer { lock.unlock() }
        try process.run()
    }
}
