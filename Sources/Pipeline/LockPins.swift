import Charts
import OCI

/// How a pull keeps to a lock file (`connected bundle --lock`): every reference asked for its locked digest,
/// every chart for its locked version, and what came along checked against the lock before anything is recorded.
extension LockFile {
    /// The request pinned to the digest the lock has for its reference.
    func pin(_ request: CopyRequest) throws(LockMismatch) -> CopyRequest {
        guard let locked = image(request.reference) else {
            throw LockMismatch(problems: ["\(request.reference): not in the lock; run `connected lock` again to add it"])
        }
        var pinned = request
        pinned.pinned = locked.digest
        return pinned
    }

    /// The chart request asking for the version the lock has for it (unchanged when the lock has none:
    /// `check(charts:)` then names it).
    func pin(_ request: ChartRequest) -> ChartRequest {
        guard let locked = chart(source: request.description) else { return request }
        var pinned = request
        pinned.version = locked.version
        return pinned
    }

    /// Every pulled chart must be the locked manifest.
    func check(charts pulled: [ChartPuller.PulledChart]) throws(LockMismatch) {
        var problems: [String] = []
        for chart in pulled {
            guard let locked = charts.first(where: { $0.reference == chart.reference }) else {
                problems.append("\(chart.reference) (\(chart.source)): not in the lock; run `connected lock` again to add it"); continue
            }
            if locked.digest != chart.digest {
                problems.append("\(chart.reference): the source now has \(chart.digest), the lock says \(locked.digest)")
            }
        }
        if !problems.isEmpty { throw LockMismatch(problems: problems) }
    }

    /// Each locked image's `.sig` tag must be the locked signature (nothing signed since, nothing gone).
    func check(signatures entries: [LayoutEntry]) throws(LockMismatch) {
        var problems: [String] = []
        for image in images {
            let found = entries.first { $0.kind == .signature && $0.subject == image.digest && $0.tag == "\(image.digest.tagForm).sig" }
            let now = found?.descriptor.digest
            if now != image.signature {
                problems.append("\(image.reference): signature is \(now?.description ?? "(none)") at the source, the lock says \(image.signature?.description ?? "(none)")")
            }
        }
        if !problems.isEmpty { throw LockMismatch(problems: problems) }
    }
}

/// A source that no longer matches a lock file: what differs, one line each. Nothing was recorded.
public struct LockMismatch: CategorizedError, CustomStringConvertible {
    public let problems: [String]
    public var description: String {
        "the sources no longer match the lock, nothing bundled:\n  " + problems.joined(separator: "\n  ")
    }
    public var category: ErrorCategory { .integrity }
}
