import Foundation
import OCI

/// One endpoint of the distribution API, parsed from a request path. Repository names and tags are
/// checked against the spec's grammar here, so nothing later sees a name that could leave the store.
enum DistributionRoute: Equatable {
    case base
    case catalog
    case tags(repository: String)
    case manifest(repository: String, reference: ManifestReference)
    case blob(repository: String, digest: Digest)
    case uploads(repository: String)
    case upload(repository: String, id: String)
    case referrers(repository: String, subject: Digest)

    /// A manifest is addressed by tag or by digest.
    enum ManifestReference: Equatable, CustomStringConvertible {
        case tag(String)
        case digest(Digest)

        var description: String {
            switch self {
            case .tag(let tag): tag
            case .digest(let digest): digest.description
            }
        }
    }

    /// The repository the route is in, if any.
    var repository: String? {
        switch self {
        case .base, .catalog: nil
        case .tags(let r), .manifest(let r, _), .blob(let r, _), .uploads(let r), .upload(let r, _), .referrers(let r, _): r
        }
    }

    /// Parses `path` (without the query); a `DistributionError` names what is wrong, or `nil` when the path is
    /// not part of the API at all.
    init?(path: String) throws(DistributionError) {
        guard path == "/v2" || path.hasPrefix("/v2/") else { return nil }
        var parts = path.dropFirst(4).split(separator: "/", omittingEmptySubsequences: false).map {
            String($0).removingPercentEncoding ?? String($0)
        }
        if parts.last == "" && !(parts.count >= 3 && parts[parts.count - 2] == "uploads") { parts.removeLast() }
        if parts.isEmpty { self = .base; return }
        if parts == ["_catalog"] { self = .catalog; return }
        let n = parts.count
        func name(dropping count: Int) throws(DistributionError) -> String {
            guard n > count else { throw DistributionError(.notFound, .nameInvalid, "no repository name in \(path)") }
            let name = parts[..<(n - count)].joined(separator: "/")
            try Self.validate(name: name)
            return name
        }
        if n >= 3, parts[n - 2] == "tags", parts[n - 1] == "list" {
            self = .tags(repository: try name(dropping: 2))
        } else if n >= 3, parts[n - 2] == "manifests" {
            self = .manifest(repository: try name(dropping: 2), reference: try Self.manifestReference(parts[n - 1]))
        } else if n >= 4, parts[n - 3] == "blobs", parts[n - 2] == "uploads" {
            let id = parts[n - 1]
            self = id.isEmpty ? .uploads(repository: try name(dropping: 3)) : .upload(repository: try name(dropping: 3), id: id)
        } else if n >= 3, parts[n - 2] == "blobs" {
            self = .blob(repository: try name(dropping: 2), digest: try Self.digest(parts[n - 1]))
        } else if n >= 3, parts[n - 2] == "referrers" {
            self = .referrers(repository: try name(dropping: 2), subject: try Self.digest(parts[n - 1]))
        } else {
            return nil
        }
    }

    /// The spec's repository name grammar: lowercase path components separated by `.`, `_`, `__` or `-`s,
    /// joined by `/`, 255 characters at most.
    static func validate(name: String) throws(DistributionError) {
        let valid = !name.isEmpty && name.utf8.count <= 255
            && name.split(separator: "/", omittingEmptySubsequences: false).allSatisfy(isNameComponent)
        guard valid else { throw DistributionError(.badRequest, .nameInvalid, "invalid repository name '\(name)'") }
    }

    /// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`
    private static func isNameComponent(_ component: Substring) -> Bool {
        let bytes = Array(component.utf8)
        func alnum(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) }
        guard let first = bytes.first, let last = bytes.last, alnum(first), alnum(last) else { return false }
        var i = 0
        while i < bytes.count {
            if alnum(bytes[i]) { i += 1; continue }
            // A separator run: ".", "_", "__" or one or more "-", then an alphanumeric.
            switch bytes[i] {
            case UInt8(ascii: "."): i += 1
            case UInt8(ascii: "_"): i += (i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "_")) ? 2 : 1
            case UInt8(ascii: "-"): while i < bytes.count && bytes[i] == UInt8(ascii: "-") { i += 1 }
            default: return false
            }
            guard i < bytes.count, alnum(bytes[i]) else { return false }
        }
        return true
    }

    /// The spec's tag grammar: `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`.
    static func isValidTag(_ tag: String) -> Bool {
        let bytes = Array(tag.utf8)
        func word(_ b: UInt8) -> Bool {
            (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || (b >= 0x30 && b <= 0x39) || b == UInt8(ascii: "_")
        }
        guard let first = bytes.first, word(first), bytes.count <= 128 else { return false }
        return bytes.dropFirst().allSatisfy { word($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    static func digest(_ text: String) throws(DistributionError) -> Digest {
        do { return try Digest(parsing: text) } catch {
            throw DistributionError(.badRequest, .digestInvalid, "invalid digest '\(text)': \(error.reason)")
        }
    }

    private static func manifestReference(_ text: String) throws(DistributionError) -> ManifestReference {
        if text.contains(":") { return .digest(try digest(text)) }
        guard isValidTag(text) else { throw DistributionError(.badRequest, .manifestInvalid, "invalid tag '\(text)'") }
        return .tag(text)
    }
}
