import Foundation

/// Independent checks that a store or registry names only whole, verified content: what must hold after any
/// crash. Manifests are read as JSON here, not by Airlock's parsers.
public enum ContentCheck {
    /// Problems of the OCI layout at `path` (a content store): a file under `blobs/sha256` whose bytes do not
    /// hash to its name (checked by sha256sum), or an `index.json` entry that reaches a missing manifest or blob.
    public static func problems(inLayout path: String) async throws -> [String] {
        let blobDirectory = path + "/blobs/sha256"
        let names = DirectoryUsage.names(in: blobDirectory)
        var problems: [String] = []
        if !names.isEmpty {
            let sums = try await Tool.output("sha256sum", names.map { blobDirectory + "/" + $0 })
            for line in sums.split(separator: "\n") {
                let fields = line.split(separator: " ", maxSplits: 1)
                let name = fields.count == 2 ? String(fields[1].split(separator: "/").last ?? "") : ""
                if fields.count != 2 || String(fields[0]) != name { problems.append("\(blobDirectory)/\(name): bytes do not hash to its name") }
            }
        }
        let index = try json(Data(contentsOf: URL(fileURLWithPath: path + "/index.json")))
        let present = Set(names)
        func walk(_ descriptor: [String: Any], from: String) {
            guard let digest = descriptor["digest"] as? String else { problems.append("\(from): a descriptor without a digest"); return }
            let hex = String(digest.dropFirst("sha256:".count))
            guard present.contains(hex) else { problems.append("\(from) reaches \(digest), which the store lacks"); return }
            let mediaType = descriptor["mediaType"] as? String ?? ""
            guard mediaType.contains("manifest") || mediaType.contains("index"),
                  let bytes = FileManager.default.contents(atPath: blobDirectory + "/" + hex),
                  let manifest = try? json(bytes) else { return }
            for child in children(of: manifest) { walk(child, from: digest) }
        }
        for entry in index["manifests"] as? [[String: Any]] ?? [] {
            let name = (entry["annotations"] as? [String: String])?["org.opencontainers.image.ref.name"] ?? "an index.json entry"
            walk(entry, from: name)
        }
        return problems
    }

    /// What a registry serves, walked from its tags.
    public struct RegistryContent: Sendable {
        /// Every `REPOSITORY:TAG` and the manifest digest it names.
        public var tags: [String: String] = [:]
        /// `REPOSITORY@DIGEST` of every blob the tags reach.
        public var blobs: Set<String> = []
        /// A tag whose manifest, or a manifest or blob it reaches, the registry does not serve (or serves with
        /// another digest or size).
        public var problems: [String] = []
    }

    /// Walks every tag of every repository of `registry` down to its blobs.
    public static func content(of registry: RegistryServer) async throws -> RegistryContent {
        var content = RegistryContent()
        for repository in try await repositories(of: registry) {
            var seen: Set<String> = []
            func walk(_ reference: String, from: String) async throws -> String? {
                guard seen.insert(reference).inserted else { return nil }
                let response = try await registry.request("/v2/\(repository)/manifests/\(reference)",
                                                          headers: ["Accept": RegistryServer.manifestAccept], as: registry.user)
                guard response.status == 200 else { content.problems.append("\(from): manifest \(reference) answers \(response.status)"); return nil }
                let digest = try await sha256Digest(of: response.body)
                if reference.hasPrefix("sha256:") && digest != reference { content.problems.append("\(from): manifest \(reference) has digest \(digest)") }
                for child in children(of: try json(response.body)) {
                    guard let childDigest = child["digest"] as? String else { continue }
                    let mediaType = child["mediaType"] as? String ?? ""
                    if mediaType.contains("manifest") || mediaType.contains("index") {
                        _ = try await walk(childDigest, from: "\(repository)@\(digest)")
                        continue
                    }
                    content.blobs.insert("\(repository)@\(childDigest)")
                    let head = try await registry.request("/v2/\(repository)/blobs/\(childDigest)", method: "HEAD", as: registry.user)
                    let size = (child["size"] as? Int).map(String.init)
                    if head.status != 200 || head.header("Content-Length") != size
                        || head.header("Docker-Content-Digest").map({ $0 != childDigest }) == true {
                        content.problems.append("\(repository)@\(digest) reaches blob \(childDigest), which answers \(head.status)")
                    }
                }
                return digest
            }
            // Push records (`airlock-push-…`) name the registry pushed to, so they differ between two registries by
            // design; what is compared is the images and their attachments.
            for tag in try await tags(of: repository, in: registry) where !tag.hasPrefix("airlock-push-") {
                if let digest = try await walk(tag, from: "\(repository):\(tag)") { content.tags["\(repository):\(tag)"] = digest }
            }
        }
        return content
    }

    /// Whether `registry` serves blob `digest` in `repository` (HEAD answers 200).
    public static func hasBlob(_ digest: String, in repository: String, of registry: RegistryServer) async throws -> Bool {
        try await registry.request("/v2/\(repository)/blobs/\(digest)", method: "HEAD", as: registry.user).status == 200
    }

    /// The repositories `/v2/_catalog` lists.
    public static func repositories(of registry: RegistryServer) async throws -> [String] {
        let response = try await registry.request("/v2/_catalog?n=1000", as: registry.user)
        guard response.status == 200 else { throw HarnessError("catalog of \(registry.host) answered \(response.status)") }
        return (try json(response.body)["repositories"] as? [String] ?? []).sorted()
    }

    /// The tags of `repository` (none when it has no tag list).
    public static func tags(of repository: String, in registry: RegistryServer) async throws -> [String] {
        let response = try await registry.request("/v2/\(repository)/tags/list", as: registry.user)
        guard response.status == 200 else { return [] }
        return (try json(response.body)["tags"] as? [String] ?? []).sorted()
    }

    /// The descriptors a manifest or index names: its manifests, config and layers.
    static func children(of manifest: [String: Any]) -> [[String: Any]] {
        (manifest["manifests"] as? [[String: Any]] ?? []) + ((manifest["config"] as? [String: Any]).map { [$0] } ?? [])
            + (manifest["layers"] as? [[String: Any]] ?? [])
    }

    static func json(_ data: Data) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw HarnessError("not a JSON object: \(String(decoding: data.prefix(200), as: UTF8.self))")
        }
        return object
    }
}
