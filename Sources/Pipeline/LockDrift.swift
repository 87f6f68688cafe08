import OCI

/// What changed at the sources since a lock was written (`connected lock --check`): one line per moved tag,
/// changed signature, changed chart, and entry added or gone.
public struct LockDrift: Sendable, Codable, Equatable {
    public var changes: [String]
    public var isEmpty: Bool { changes.isEmpty }

    /// `locked` is the lock file, `current` the same manifest resolved now.
    public init(locked: LockFile, current: LockFile) {
        var changes: [String] = []
        for now in current.images {
            guard let then = locked.image(now.reference) else { changes.append("\(now.reference): not in the lock (now \(now.digest))"); continue }
            if then.digest != now.digest {
                changes.append("\(now.reference): moved from \(then.digest) to \(now.digest)")
            } else if then.platforms != now.platforms {
                changes.append("\(now.reference): platforms kept were \(Self.list(then.platforms)), now \(Self.list(now.platforms))")
            }
            if then.signature != now.signature {
                changes.append("\(now.reference): signature \(Self.text(then.signature)) is now \(Self.text(now.signature))")
            }
        }
        for then in locked.images where current.image(then.reference) == nil {
            changes.append("\(then.reference): locked at \(then.digest), no longer asked for")
        }
        for now in current.charts {
            guard let then = locked.chart(source: now.source) else { changes.append("\(now.source): not in the lock (now \(now.reference) \(now.digest))"); continue }
            if then.version != now.version || then.digest != now.digest {
                changes.append("\(now.source): moved from \(then.version) \(then.digest) to \(now.version) \(now.digest)")
            }
        }
        for then in locked.charts where current.chart(source: then.source) == nil {
            changes.append("\(then.source): locked at \(then.version), no longer asked for")
        }
        self.changes = changes
    }

    static func list(_ platforms: [String: Digest]) -> String {
        platforms.isEmpty ? "(none)" : platforms.keys.sorted().joined(separator: ", ")
    }

    static func text(_ digest: Digest?) -> String { digest?.description ?? "(none)" }
}
