import Foundation

/// The temporary content store a bundle is pulled into when no store is given: `.NAME.store-PID` beside the
/// bundle `NAME`, locked (`flock` on the directory) while in use and removed by `remove()`.
///
/// A scratch store of the same bundle that no live process holds was left by a killed run: the first one found is
/// taken over (its blobs are whole and verified, so they are not fetched again) and any others are removed.
public final class ScratchStore: Sendable {
    /// The store to pull into.
    public let store: ContentStore
    private let lock: Int32

    /// Claims a scratch store beside `bundlePath`: an abandoned one, or a new one.
    public init(beside bundlePath: String) throws(StoreError) {
        let directory = (bundlePath as NSString).deletingLastPathComponent
        let parent = directory.isEmpty ? "." : directory
        let prefix = "." + (bundlePath as NSString).lastPathComponent + ".store-"
        let path = "\(parent)/\(prefix)\(getpid())"
        var claimed: Int32 = -1
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []).filter { $0.hasPrefix(prefix) }.sorted()
        for name in names {
            let candidate = parent + "/" + name
            let fd = open(candidate, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else { continue }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { close(fd); continue }   // a live run's
            // One whose removal was cut short (renamed `….removed` first) is never taken over: it may lack blobs its
            // index names.
            if claimed < 0 && !name.hasSuffix(Self.removedSuffix) && (candidate == path || rename(candidate, path) == 0) {
                claimed = fd
            } else {
                try? FileManager.default.removeItem(atPath: candidate)
                close(fd)
            }
        }
        if claimed < 0 {
            if mkdir(path, 0o755) != 0 && errno != EEXIST {
                throw StoreError(path: path, reason: "cannot be created (\(String(cString: strerror(errno))))")
            }
            claimed = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard claimed >= 0 else { throw StoreError(path: path, reason: "cannot be opened (\(String(cString: strerror(errno))))") }
            flock(claimed, LOCK_EX)
        }
        lock = claimed
        do { store = try ContentStore(at: path) } catch {
            try? FileManager.default.removeItem(atPath: path)
            close(claimed)
            throw error
        }
    }

    /// Deletes the store and releases it. The directory is first renamed out of the way, so a run killed while
    /// deleting leaves nothing the next run would take over as a store.
    public func remove() {
        let removed = store.root + Self.removedSuffix
        let target = rename(store.root, removed) == 0 ? removed : store.root
        try? FileManager.default.removeItem(atPath: target)
        close(lock)
    }

    /// The name a scratch store being deleted has.
    static let removedSuffix = ".removed"
}
