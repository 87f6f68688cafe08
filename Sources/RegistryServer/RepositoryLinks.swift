import Foundation
import OCI

/// What was pushed or mounted into each repository of a store, kept as files so that a restart, or a kill at
/// any moment, loses nothing acknowledged: `<root>/<repository>/_blobs/<algorithm>-<hex>` (empty) and
/// `…/_manifests/<algorithm>-<hex>` (the manifest's media type). A link is written only after its content is
/// in the store, and atomically (temporary file and rename). Repository names are checked against the
/// spec's grammar before they get here, so no path leaves `root`.
struct RepositoryLinks: Sendable {
    let root: String

    enum Kind: String { case blobs = "_blobs", manifests = "_manifests" }

    /// Records `digest` in `repository`, with `contents` (a manifest's media type).
    func add(_ kind: Kind, _ digest: Digest, in repository: String, contents: String = "") throws {
        let directory = "\(root)/\(repository)/\(kind.rawValue)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = "\(directory)/\(digest.tagForm)"
        let temporary = "\(path).\(UUID().uuidString).tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(contents.utf8)), rename(temporary, path) == 0 else {
            unlink(temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }

    /// Forgets `digest` in `repository`.
    func remove(_ kind: Kind, _ digest: Digest, in repository: String) {
        unlink("\(root)/\(repository)/\(kind.rawValue)/\(digest.tagForm)")
    }

    /// The links of one kind in `repository`, with their contents.
    func list(_ kind: Kind, in repository: String) -> [Digest: String] {
        let directory = "\(root)/\(repository)/\(kind.rawValue)"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [:] }
        var links: [Digest: String] = [:]
        for name in names where !name.hasSuffix(".tmp") {
            guard let dash = name.firstIndex(of: "-"),
                  let digest = try? Digest(parsing: String(name[..<dash]) + ":" + String(name[name.index(after: dash)...])) else { continue }
            links[digest] = (try? String(contentsOfFile: "\(directory)/\(name)", encoding: .utf8)) ?? ""
        }
        return links
    }

    /// Every repository with at least one link.
    func repositories() -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        var found: [String] = []
        while let path = walker.nextObject() as? String {
            let last = (path as NSString).lastPathComponent
            if last == Kind.blobs.rawValue || last == Kind.manifests.rawValue {
                walker.skipDescendants()
                let repository = (path as NSString).deletingLastPathComponent
                if !found.contains(repository) { found.append(repository) }
            }
        }
        return found
    }
}
