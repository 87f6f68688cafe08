/// A docker-style image reference, normalised as docker does.
///
/// `Reference(parsing: "nginx")` is `docker.io/library/nginx:latest`; `ghcr.io/org/app@sha256:…`
/// keeps its registry and has no tag. Parsing follows distribution/reference (v0.6):
/// `ParseNormalizedNamed` followed by `TagNameOnly`, so a parsed reference always has a tag, a digest,
/// or both. Only the memberwise initialiser (or `withoutTag()`) can make a bare name with neither.
///
/// Grammar (distribution/reference):
///
///     reference        := name [ ":" tag ] [ "@" digest ]
///     name             := [ domain "/" ] path
///     domain           := host [ ":" port ]        ; host = domain-name | "[" IPv6 "]"
///     domain-component := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
///     path             := path-component [ "/" path-component ]*
///     path-component   := [a-z0-9]+ ( ( [._] | "__" | "-"+ ) [a-z0-9]+ )*
///     tag              := [\w][\w.-]{0,127}
///     digest           := algorithm ":" hex        ; then checked by `Digest`
///
/// The first `/`-separated component is a registry only when it contains `.` or `:`, is `localhost`,
/// or contains an uppercase letter; otherwise the registry is `docker.io`, where a one-component
/// repository gains the `library/` namespace. `index.docker.io` is read as `docker.io`.
public struct Reference: Hashable, Sendable, CustomStringConvertible, Codable {
    /// The registry host with an optional port: `docker.io`, `ghcr.io`, `localhost:5000`, `[::1]:5000`.
    public let registry: String
    /// The repository path inside the registry: `library/nginx`, `org/app`.
    public let repository: String
    /// The tag; `nil` when the reference was given by digest alone (or is a bare name).
    public let tag: String?
    /// The manifest digest, when the reference pins one.
    public let digest: Digest?

    /// Docker Hub's canonical registry name.
    public static let dockerHubRegistry = "docker.io"
    /// The host that actually serves Docker Hub's registry API.
    public static let dockerHubAPIHost = "registry-1.docker.io"
    /// The legacy Docker Hub name, normalised to `docker.io`.
    static let legacyDockerHubRegistry = "index.docker.io"
    /// Namespace of Docker Hub's official images.
    static let officialPrefix = "library/"
    /// The tag given to references that have neither tag nor digest.
    public static let defaultTag = "latest"
    /// The longest repository path (without registry) that docker accepts.
    public static let maximumRepositoryLength = 255

    // MARK: Parsing

    /// Parses and normalises `text` as docker does; the tag defaults to `latest` when neither tag nor digest is given.
    public init(parsing text: String) throws(ReferenceError) {
        func failure(_ reason: String) -> ReferenceError { ReferenceError(text: text, reason: reason) }

        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { throw failure(ReferenceError.Reason.empty) }
        if ReferenceGrammar.isIdentifier(bytes[...]) { throw failure(ReferenceError.Reason.identifier) }

        // Split off the registry the way docker's splitDockerDomain does.
        var registry = Self.dockerHubRegistry
        var remainder = bytes[...]
        if let slash = bytes.firstIndex(of: ASCII.slash) {
            let first = String(decoding: bytes[..<slash], as: UTF8.self)
            let rest = bytes[(slash + 1)...]
            if first == "localhost" {
                registry = first
                remainder = rest
            } else if first == Self.legacyDockerHubRegistry {
                remainder = rest
            } else if first.utf8.contains(ASCII.dot) || first.utf8.contains(ASCII.colon) || first.lowercased() != first {
                registry = first
                remainder = rest
            }
        }
        let addsOfficialPrefix = registry == Self.dockerHubRegistry && !remainder.contains(ASCII.slash)

        // Docker rejects uppercase anywhere before the first ':' of the remainder before checking the grammar.
        let remoteEnd = remainder.firstIndex(of: ASCII.colon) ?? remainder.endIndex
        let remote = String(decoding: remainder[..<remoteEnd], as: UTF8.self)
        if remote.lowercased() != remote { throw failure(ReferenceError.Reason.uppercase) }

        // path: the longest run of path bytes, which must end at ':', '@' or the end.
        let end = remainder.endIndex
        var index = remainder.startIndex
        while index < end, ReferenceGrammar.isPathByte(remainder[index]) { index += 1 }
        let path = remainder[remainder.startIndex..<index]
        guard ReferenceGrammar.isPath(path) else { throw failure(ReferenceError.Reason.format) }

        var tag: String?
        if index < end, remainder[index] == ASCII.colon {
            let start = index + 1
            var stop = start
            while stop < end, remainder[stop] != ASCII.at { stop += 1 }
            let tagBytes = remainder[start..<stop]
            guard ReferenceGrammar.isTag(tagBytes) else { throw failure(ReferenceError.Reason.format) }
            tag = String(decoding: tagBytes, as: UTF8.self)
            index = stop
        }

        var digestText: String?
        if index < end, remainder[index] == ASCII.at {
            let digestBytes = remainder[(index + 1)...]
            guard ReferenceGrammar.isDigestSyntax(digestBytes) else { throw failure(ReferenceError.Reason.format) }
            digestText = String(decoding: digestBytes, as: UTF8.self)
            index = end
        }
        guard index == end else { throw failure(ReferenceError.Reason.format) }

        // A first component taken as a registry must be a valid host. distribution would instead read
        // one such as `foo_bar.com` as part of a registry-less name (and report uppercase in one such
        // as `Foo_bar.com`); a Reference always has a registry, so such names are rejected.
        guard ReferenceGrammar.isDomainAndPort(Array(registry.utf8)[...]) else {
            let lowered = registry.lowercased()
            let readAsPath = lowered != registry && ReferenceGrammar.isPathComponent(Array(lowered.utf8)[...])
            throw failure(readAsPath ? ReferenceError.Reason.uppercase : ReferenceError.Reason.format)
        }

        let repository = (addsOfficialPrefix ? Self.officialPrefix : "") + String(decoding: path, as: UTF8.self)
        guard repository.utf8.count <= Self.maximumRepositoryLength else { throw failure(ReferenceError.Reason.tooLong) }

        var digest: Digest?
        if let digestText {
            do throws(DigestError) {
                digest = try Digest(parsing: digestText)
            } catch {
                throw failure(ReferenceError.Reason.digest(error))
            }
        }

        self.init(validRegistry: registry, repository: repository,
                  tag: tag ?? (digest == nil ? Self.defaultTag : nil), digest: digest)
    }

    /// Builds a reference from its parts, validating each and normalising the name as parsing would:
    /// `index.docker.io` becomes `docker.io` and a one-component Docker Hub repository gains `library/`.
    ///
    /// With neither tag nor digest the result is a bare name (docker's name-only reference), whose
    /// `description` is just `name` and parses back with the tag `latest`.
    /// The registry must be one that parsing would recognise as a registry (it contains `.` or `:`,
    /// is `localhost`, or has an uppercase letter), so that `description` parses back to the same name.
    public init(registry: String, repository: String, tag: String?, digest: Digest?) throws(ReferenceError) {
        let text = Self.format(registry: registry, repository: repository, tag: tag, digest: digest)
        func failure(_ reason: String) -> ReferenceError { ReferenceError(text: text, reason: reason) }

        let registry = registry == Self.legacyDockerHubRegistry ? Self.dockerHubRegistry : registry
        guard ReferenceGrammar.isDomainAndPort(Array(registry.utf8)[...]) else {
            throw failure(ReferenceError.Reason.invalidRegistry(registry))
        }
        guard Self.isRecognisedRegistry(registry) else {
            throw failure(ReferenceError.Reason.unrecognisedRegistry(registry))
        }

        let pathBytes = Array(repository.utf8)[...]
        guard ReferenceGrammar.isPath(pathBytes) else {
            let lowered = repository.lowercased()
            let reason = lowered != repository && ReferenceGrammar.isPath(Array(lowered.utf8)[...])
                ? ReferenceError.Reason.uppercase : ReferenceError.Reason.format
            throw failure(reason)
        }
        let addsOfficialPrefix = registry == Self.dockerHubRegistry && !pathBytes.contains(ASCII.slash)
        let fullRepository = (addsOfficialPrefix ? Self.officialPrefix : "") + repository
        guard fullRepository.utf8.count <= Self.maximumRepositoryLength else { throw failure(ReferenceError.Reason.tooLong) }

        if let tag, !ReferenceGrammar.isTag(Array(tag.utf8)[...]) { throw failure(ReferenceError.Reason.tag) }

        self.init(validRegistry: registry, repository: fullRepository, tag: tag, digest: digest)
    }

    /// Parts already validated and normalised.
    private init(validRegistry registry: String, repository: String, tag: String?, digest: Digest?) {
        self.registry = registry
        self.repository = repository
        self.tag = tag
        self.digest = digest
    }

    // MARK: Forms

    /// The full repository name: `docker.io/library/nginx`.
    public var name: String { "\(registry)/\(repository)" }

    /// The canonical form: `name:tag`, `name@digest`, or `name:tag@digest` when both are present
    /// (just `name` for a bare name).
    public var description: String {
        Self.format(registry: registry, repository: repository, tag: tag, digest: digest)
    }

    /// Docker's short form: `docker.io/` and (for one-component paths) `library/` are dropped,
    /// so `docker.io/library/nginx:1` is `nginx:1` and `docker.io/org/app:1` is `org/app:1`.
    ///
    /// Unlike docker, `docker.io/` is kept when dropping it would make the first path component
    /// read as a registry (for example `docker.io/example.com/app`), so the familiar form always
    /// parses back to the same reference.
    public var familiar: String {
        var short = name
        if registry == Self.dockerHubRegistry {
            var path = Substring(repository)
            if path.hasPrefix(Self.officialPrefix), !path.dropFirst(Self.officialPrefix.count).contains("/") {
                path = path.dropFirst(Self.officialPrefix.count)
            }
            let first = path.prefix { $0 != "/" }
            let firstLooksLikeRegistry = first.contains(".") || first == "localhost"
            if !(path.contains("/") && firstLooksLikeRegistry) { short = String(path) }
        }
        if let tag { short += ":\(tag)" }
        if let digest { short += "@\(digest)" }
        return short
    }

    /// The `host[:port]` that serves the registry API: `registry-1.docker.io` for Docker Hub, otherwise `registry`.
    public var apiHost: String {
        registry == Self.dockerHubRegistry ? Self.dockerHubAPIHost : registry
    }

    /// The registry host without its port (and without brackets for IPv6): `localhost`, `127.0.0.1`, `::1`.
    public var registryHost: String { Self.host(ofRegistry: registry) }

    /// Whether the registry host is a loopback address: `localhost`, `127.0.0.0/8` or `[::1]`, on any port.
    public var isLoopback: Bool { Self.isLoopback(registry: registry) }

    /// `host[:port]` or `[v6]:port` without the port and brackets.
    public static func host(ofRegistry registry: String) -> String {
        let bytes = Array(registry.utf8)
        if bytes.first == ASCII.openBracket, let close = bytes.firstIndex(of: ASCII.closeBracket) {
            return String(decoding: bytes[1..<close], as: UTF8.self)
        }
        let end = bytes.firstIndex(of: ASCII.colon) ?? bytes.endIndex
        return String(decoding: bytes[..<end], as: UTF8.self)
    }

    /// Whether `registry` (`host[:port]`) names a loopback address: `localhost`, `127.0.0.0/8` or `[::1]`.
    public static func isLoopback(registry: String) -> Bool {
        let host = host(ofRegistry: registry)
        if host.lowercased() == "localhost" { return true }
        if registry.utf8.first == ASCII.openBracket {
            guard let groups = ReferenceGrammar.ipv6Groups(Array(host.utf8)[...]) else { return false }
            return groups.dropLast().allSatisfy { $0 == 0 } && groups.last == 1
        }
        guard let octets = ReferenceGrammar.ipv4Octets(Array(host.utf8)[...]) else { return false }
        return octets.first == 127
    }

    /// What to ask the registry's manifest endpoint for: the digest when pinned, otherwise the tag
    /// (`latest` for a bare name).
    public var manifestReference: String {
        digest?.description ?? tag ?? Self.defaultTag
    }

    // MARK: Derived references

    /// The same name with `tag` and no digest.
    public func withTag(_ tag: String) throws(ReferenceError) -> Reference {
        guard ReferenceGrammar.isTag(Array(tag.utf8)[...]) else {
            throw ReferenceError(text: "\(name):\(tag)", reason: ReferenceError.Reason.tag)
        }
        return Reference(validRegistry: registry, repository: repository, tag: tag, digest: nil)
    }

    /// The same name and tag, pinned to `digest`.
    public func withDigest(_ digest: Digest) -> Reference {
        Reference(validRegistry: registry, repository: repository, tag: tag, digest: digest)
    }

    /// The same name and digest without the tag: docker's `ParseDockerRef` form for a pinned reference,
    /// or the bare name when there is no digest.
    public func withoutTag() -> Reference {
        Reference(validRegistry: registry, repository: repository, tag: nil, digest: digest)
    }

    // MARK: Codable

    /// Decodes the string form, parsing and normalising it.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { self = try Reference(parsing: text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    /// Encodes `description`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    // MARK: Helpers

    private static func format(registry: String, repository: String, tag: String?, digest: Digest?) -> String {
        var text = "\(registry)/\(repository)"
        if let tag { text += ":\(tag)" }
        if let digest { text += "@\(digest)" }
        return text
    }

    /// Whether docker's splitDockerDomain would treat `registry` as a registry rather than a path component.
    private static func isRecognisedRegistry(_ registry: String) -> Bool {
        registry == "localhost" || registry.utf8.contains(ASCII.dot) || registry.utf8.contains(ASCII.colon)
            || registry.lowercased() != registry
    }
}

/// Text that is not a valid image reference, and why.
public struct ReferenceError: CategorizedError, CustomStringConvertible, Equatable {
    /// The text that failed to parse (or the reference being built).
    public let text: String
    /// Why it failed, in docker's words where docker has them: `invalid reference format`, `repository name must be lowercase`, …
    public let reason: String
    /// `invalid reference 'text': reason`.
    public var description: String { "invalid reference '\(text)': \(reason)" }
    public var category: ErrorCategory { .invalidInput }

    /// Creates an error for `text` failing for `reason`.
    public init(text: String, reason: String) {
        self.text = text
        self.reason = reason
    }

    /// The reasons used by `Reference`.
    public enum Reason {
        public static let format = "invalid reference format"
        public static let empty = "repository name must have at least one component"
        public static let uppercase = "repository name must be lowercase"
        public static let tooLong = "repository name must not be more than \(Reference.maximumRepositoryLength) characters"
        public static let identifier = "cannot specify 64-byte hexadecimal strings"
        public static let tag = "invalid tag format"
        static func digest(_ error: DigestError) -> String { "invalid digest: \(error.reason)" }
        static func invalidRegistry(_ registry: String) -> String { "invalid registry host '\(registry)'" }
        static func unrecognisedRegistry(_ registry: String) -> String {
            "'\(registry)' would not be read as a registry (it needs a '.' or ':port', or must be 'localhost')"
        }
    }
}

// MARK: - Grammar

private enum ASCII {
    static let slash = UInt8(ascii: "/")
    static let colon = UInt8(ascii: ":")
    static let at = UInt8(ascii: "@")
    static let dot = UInt8(ascii: ".")
    static let dash = UInt8(ascii: "-")
    static let underscore = UInt8(ascii: "_")
    static let plus = UInt8(ascii: "+")
    static let openBracket = UInt8(ascii: "[")
    static let closeBracket = UInt8(ascii: "]")

    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    static func isLower(_ b: UInt8) -> Bool { b >= 0x61 && b <= 0x7A }
    static func isUpper(_ b: UInt8) -> Bool { b >= 0x41 && b <= 0x5A }
    static func isLetter(_ b: UInt8) -> Bool { isLower(b) || isUpper(b) }
    static func isAlphanumeric(_ b: UInt8) -> Bool { isLetter(b) || isDigit(b) }
    static func isLowerAlphanumeric(_ b: UInt8) -> Bool { isLower(b) || isDigit(b) }
    static func isHex(_ b: UInt8) -> Bool { isDigit(b) || (b >= 0x61 && b <= 0x66) || (b >= 0x41 && b <= 0x46) }
    static func isLowerHex(_ b: UInt8) -> Bool { isDigit(b) || (b >= 0x61 && b <= 0x66) }
    static func isWord(_ b: UInt8) -> Bool { isAlphanumeric(b) || b == underscore }

    static func hexValue(_ b: UInt8) -> UInt32? {
        if isDigit(b) { return UInt32(b - 0x30) }
        if b >= 0x61 && b <= 0x66 { return UInt32(b - 0x61 + 10) }
        if b >= 0x41 && b <= 0x46 { return UInt32(b - 0x41 + 10) }
        return nil
    }
}

/// Hand-written matchers for distribution/reference's regular expressions, over UTF-8 bytes.
enum ReferenceGrammar {
    /// `[a-f0-9]{64}`: a bare image ID, which docker refuses as a name.
    static func isIdentifier(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.count == 64 && bytes.allSatisfy(ASCII.isLowerHex)
    }

    /// Bytes that may appear in a repository path: `[a-z0-9._/-]`.
    static func isPathByte(_ b: UInt8) -> Bool {
        ASCII.isLowerAlphanumeric(b) || b == ASCII.dot || b == ASCII.underscore || b == ASCII.dash || b == ASCII.slash
    }

    /// `path-component ("/" path-component)*`.
    static func isPath(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard !bytes.isEmpty else { return false }
        return bytes.split(separator: ASCII.slash, omittingEmptySubsequences: false).allSatisfy(isPathComponent)
    }

    /// `[a-z0-9]+ ( ( [._] | "__" | "-"+ ) [a-z0-9]+ )*`.
    static func isPathComponent(_ bytes: ArraySlice<UInt8>) -> Bool {
        var index = bytes.startIndex
        let end = bytes.endIndex
        func alphanumericRun() -> Bool {
            let start = index
            while index < end, ASCII.isLowerAlphanumeric(bytes[index]) { index += 1 }
            return index > start
        }
        guard alphanumericRun() else { return false }
        while index < end {
            switch bytes[index] {
            case ASCII.dot:
                index += 1
            case ASCII.underscore:
                index += 1
                if index < end, bytes[index] == ASCII.underscore { index += 1 }
            case ASCII.dash:
                while index < end, bytes[index] == ASCII.dash { index += 1 }
            default:
                return false
            }
            guard alphanumericRun() else { return false }
        }
        return true
    }

    /// `host [":" port]`, host being dot-separated domain components or a bracketed IPv6 address.
    static func isDomainAndPort(_ bytes: ArraySlice<UInt8>) -> Bool {
        var index = bytes.startIndex
        let end = bytes.endIndex
        guard index < end else { return false }
        if bytes[index] == ASCII.openBracket {
            // \[[a-fA-F0-9:]+\]
            index += 1
            let start = index
            while index < end, ASCII.isHex(bytes[index]) || bytes[index] == ASCII.colon { index += 1 }
            guard index > start, index < end, bytes[index] == ASCII.closeBracket else { return false }
            index += 1
        } else {
            // domain-component ("." domain-component)*
            while true {
                let start = index
                while index < end, ASCII.isAlphanumeric(bytes[index]) || bytes[index] == ASCII.dash { index += 1 }
                guard index > start, bytes[start] != ASCII.dash, bytes[index - 1] != ASCII.dash else { return false }
                guard index < end, bytes[index] == ASCII.dot else { break }
                index += 1
            }
        }
        guard index < end else { return true }
        // ":" [0-9]+
        guard bytes[index] == ASCII.colon else { return false }
        let port = bytes[(index + 1)...]
        return !port.isEmpty && port.allSatisfy(ASCII.isDigit)
    }

    /// `[\w][\w.-]{0,127}`.
    static func isTag(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard let first = bytes.first, bytes.count <= 128, ASCII.isWord(first) else { return false }
        return bytes.dropFirst().allSatisfy { ASCII.isWord($0) || $0 == ASCII.dot || $0 == ASCII.dash }
    }

    /// distribution's digest pattern: `[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}`.
    static func isDigestSyntax(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard let colon = bytes.firstIndex(of: ASCII.colon) else { return false }
        let algorithm = bytes[..<colon]
        let encoded = bytes[(colon + 1)...]
        guard encoded.count >= 32, encoded.allSatisfy(ASCII.isHex) else { return false }
        var expectsLetter = true
        for b in algorithm {
            if expectsLetter {
                guard ASCII.isLetter(b) else { return false }
                expectsLetter = false
            } else if b == ASCII.dash || b == ASCII.underscore || b == ASCII.plus || b == ASCII.dot {
                expectsLetter = true
            } else if !ASCII.isAlphanumeric(b) {
                return false
            }
        }
        return !algorithm.isEmpty && !expectsLetter
    }

    /// The four octets of a dotted-decimal IPv4 address, or nil.
    static func ipv4Octets(_ bytes: ArraySlice<UInt8>) -> [UInt8]? {
        let parts = bytes.split(separator: ASCII.dot, omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var octets: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(ASCII.isDigit) else { return nil }
            let value = part.reduce(0) { $0 * 10 + Int($1 - 0x30) }
            guard value <= 255 else { return nil }
            octets.append(UInt8(value))
        }
        return octets
    }

    /// The eight 16-bit groups of an IPv6 address in hex-and-colons form (with at most one `::`), or nil.
    static func ipv6Groups(_ bytes: ArraySlice<UInt8>) -> [UInt16]? {
        func groups(_ part: ArraySlice<UInt8>) -> [UInt16]? {
            guard !part.isEmpty else { return [] }
            var result: [UInt16] = []
            for field in part.split(separator: ASCII.colon, omittingEmptySubsequences: false) {
                guard (1...4).contains(field.count) else { return nil }
                var value: UInt32 = 0
                for b in field {
                    guard let digit = ASCII.hexValue(b) else { return nil }
                    value = value << 4 | digit
                }
                result.append(UInt16(value))
            }
            return result
        }
        // Find a "::" (at most one).
        var doubleColon: ArraySlice<UInt8>.Index?
        var index = bytes.startIndex
        while index + 1 < bytes.endIndex {
            if bytes[index] == ASCII.colon, bytes[index + 1] == ASCII.colon {
                guard doubleColon == nil else { return nil }
                doubleColon = index
                index += 2
            } else {
                index += 1
            }
        }
        guard let split = doubleColon else {
            guard let all = groups(bytes), all.count == 8 else { return nil }
            return all
        }
        guard let head = groups(bytes[..<split]), let tail = groups(bytes[(split + 2)...]),
              head.count + tail.count < 8 else { return nil }
        return head + [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
    }
}
