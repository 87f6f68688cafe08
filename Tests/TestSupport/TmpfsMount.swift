import Foundation

/// A small tmpfs mounted on a fresh temporary directory, for full-disk and read-only tests (needs root).
/// ``unmount()`` (also run when the value is released) unmounts it and removes the directory.
public final class TmpfsMount: Sendable {
    /// Where it is mounted.
    public let path: String
    private let directory: TemporaryDirectory
    private let mounted = Flag()
    private let unmounted = Flag()

    /// Whether tmpfs can be mounted here: running as root with `mount` on `PATH`.
    public static var available: Bool { getuid() == 0 && Tool.available("mount") && Tool.available("umount") }

    /// Mounts a tmpfs of `size` (`4m`).
    public init(size: String) async throws {
        directory = try TemporaryDirectory(prefix: "airlock-tmpfs")
        path = directory.path
        try await Tool.run("mount", ["-t", "tmpfs", "-o", "size=\(size),mode=0755", "tmpfs", path]).check()
        mounted.set()
    }

    /// Makes the file system read-only (what is on it stays readable).
    public func remountReadOnly() async throws {
        try await Tool.run("mount", ["-o", "remount,ro", path]).check()
    }

    /// Unmounts (lazily, should a process still hold a file there) and removes the directory; later calls do nothing.
    public func unmount() {
        guard mounted.isSet, !unmounted.isSet else { return }
        unmounted.set()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Tool.path(of: "umount") ?? "/bin/umount")
        process.arguments = ["-l", path]
        try? ProcessLaunch.start(process)
        process.waitUntilExit()
        directory.remove()
    }

    deinit { unmount() }
}
