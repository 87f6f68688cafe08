// TEMPORARY: replaced by Reference.swift from the helper.
public struct Reference: Hashable, Sendable, CustomStringConvertible, Codable {
    public let registry: String
    public let repository: String
    public let tag: String?
    public let digest: Digest?
    public init(parsing text: String) throws(ReferenceError) {
        var rest = Substring(text); var d: Digest? = nil; var t: String? = nil
        if let at = rest.firstIndex(of: "@") { do { d = try Digest(parsing: String(rest[rest.index(after: at)...])) } catch { throw ReferenceError(text: text, reason: "bad digest") }; rest = rest[..<at] }
        if let c = rest.lastIndex(of: ":"), !rest[c...].contains("/") { t = String(rest[rest.index(after: c)...]); rest = rest[..<c] }
        var parts = rest.split(separator: "/").map(String.init)
        var reg = "docker.io"
        if parts.count > 1, parts[0].contains(".") || parts[0].contains(":") || parts[0] == "localhost" { reg = parts.removeFirst() }
        if reg == "docker.io" && parts.count == 1 { parts.insert("library", at: 0) }
        registry = reg; repository = parts.joined(separator: "/"); tag = (t == nil && d == nil) ? "latest" : t; digest = d
    }
    public init(registry: String, repository: String, tag: String?, digest: Digest?) throws(ReferenceError) {
        self.registry = registry; self.repository = repository; self.tag = tag; self.digest = digest
    }
    public var name: String { registry + "/" + repository }
    public var description: String { name + (tag.map { ":" + $0 } ?? "") + (digest.map { "@" + $0.description } ?? "") }
    public var familiar: String { description }
    public var apiHost: String { registry == "docker.io" ? "registry-1.docker.io" : registry }
    public var isLoopback: Bool { registry.hasPrefix("127.") || registry.hasPrefix("localhost") || registry.hasPrefix("[::1]") }
    public func withTag(_ tag: String) throws(ReferenceError) -> Reference { try Reference(registry: registry, repository: repository, tag: tag, digest: nil) }
    public func withDigest(_ digest: Digest) -> Reference { (try? Reference(registry: registry, repository: repository, tag: tag, digest: digest)) ?? self }
}
public struct ReferenceError: Error, CustomStringConvertible, Equatable {
    public let text: String
    public let reason: String
    public var description: String { "invalid reference '\(text)': \(reason)" }
}
