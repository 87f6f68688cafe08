import Foundation
import OCI
import Yams

/// Which signatures an image needs (YAML, format v1; see the README):
///
/// ```yaml
/// version: 1
/// keys:
///   release: keys/release.pub          # paths relative to the policy file
///   ci: keys/ci.pub
/// keyless:                             # Fulcio certificates, checked against a sigstore trusted root
///   builder:
///     identity: https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main   # or identity-regexp
///     issuer: https://token.actions.githubusercontent.com                                   # or issuer-regexp
///     trustedRoot: roots/trusted_root.json
/// rekor-key: keys/rekor.pub            # optional: legacy key signatures must carry a verifying Rekor SET
/// remap:                               # optional: where transit push relocated signed images (one or a list)
///   prefix: registry.site:5000/mirror  #   its --to
///   signedPrefix: docker.io            #   optional: only signatures for repositories under this
/// rules:                               # the first rule whose pattern matches decides
///   - match: ["ghcr.io/acme/**", "docker.io/library/*"]
///     keys: [release, builder]         # names from keys: or keyless:
///     require: all-of                  # any-of (default) | all-of
///     identity: repository             # repository (default) | exact | digest
///     attestations:                    # optional: in-toto attestations the image must also carry
///       - {type: slsaprovenance, key: release}
///   - match: "quay.io/**"
///     unsigned: allow
/// ```
public struct TrustPolicy: Sendable {
    /// How a legacy signature's `docker-reference` must relate to the image it is checked for.
    public enum IdentityRule: String, Sendable, CaseIterable {
        /// The repository must match (tags ignored): containers/image's `matchRepository`.
        case repository
        /// The full reference, tag included: containers/image's `matchExact`.
        case exact
        /// Ignored; only the digest binds (what `cosign verify` does).
        case digest
    }

    /// Whether one key suffices or all must have signed.
    public enum Requirement: String, Sendable { case anyOf = "any-of", allOf = "all-of" }

    /// One rule: the references it covers and what they need.
    public struct Rule: Sendable {
        public var patterns: [ReferencePattern]
        public var keys: [PublicKey]
        /// Keyless signers, any of which (with `keys`) may sign.
        public var keyless: [KeylessSigner]
        public var requirement: Requirement
        public var identity: IdentityRule
        public var allowUnsigned: Bool
        /// Attestations required beside the signatures.
        public var attestations: [AttestationRequirement] = []
        /// Where the rule is written (file:line), for messages.
        public var origin: String

        public init(patterns: [ReferencePattern], keys: [PublicKey], keyless: [KeylessSigner] = [], requirement: Requirement = .anyOf,
                    identity: IdentityRule = .repository, allowUnsigned: Bool = false, origin: String) {
            self.patterns = patterns
            self.keys = keys
            self.keyless = keyless
            self.requirement = requirement
            self.identity = identity
            self.allowUnsigned = allowUnsigned
            self.origin = origin
        }
    }

    public var rules: [Rule]
    /// When set, legacy signatures need a Rekor SET that verifies with this key.
    public var rekorKey: PublicKey?
    /// Relocations by `transit push` the repository identity rule accepts (`remap:`, `--prefix`).
    public var relocations: [Relocation]

    public init(rules: [Rule], rekorKey: PublicKey? = nil, relocations: [Relocation] = []) {
        self.rules = rules
        self.rekorKey = rekorKey
        self.relocations = relocations
    }

    /// `--key K` and/or `--certificate-identity …`: every image needs a signature by one of `keys` or `keyless`.
    public static func requiring(_ keys: [PublicKey], keyless: [KeylessSigner] = [], identity: IdentityRule = .repository) -> TrustPolicy {
        TrustPolicy(rules: [Rule(patterns: [ReferencePattern("**")], keys: keys, keyless: keyless, identity: identity,
                                 origin: keys.isEmpty ? "--certificate-identity" : "--key")])
    }

    /// The rule that decides for `reference`, or nil when none matches.
    public func rule(for reference: Reference) -> Rule? {
        rules.first { $0.patterns.contains { $0.matches(reference) } }
    }

    /// Reads a policy file; key paths are relative to it.
    public init(file path: String) throws(TrustError) {
        guard let data = FileManager.default.contents(atPath: path) else { throw TrustError.malformed(path, "cannot be read") }
        let directory = (path as NSString).deletingLastPathComponent
        let reader = PolicyReader(file: path, directory: directory.isEmpty ? "." : directory)
        self = try reader.read(String(decoding: data, as: UTF8.self))
    }
}

/// A reference glob: `*` matches within one path segment, `**` across segments. A pattern without a tag or
/// digest matches the repository; with one, the full reference.
public struct ReferencePattern: Sendable, CustomStringConvertible {
    public let description: String

    public init(_ pattern: String) {
        description = pattern
    }

    /// Whether `reference` matches: its repository name, or its full text when the pattern names a tag or digest.
    public func matches(_ reference: Reference) -> Bool {
        let pattern = Array(description.utf8)
        return Self.glob(pattern[...], Array(reference.name.utf8)[...]) || Self.glob(pattern[...], Array(reference.description.utf8)[...])
    }

    /// Whether a repository path (`team/app`, no host) matches, by the same glob rules.
    public func matches(path: String) -> Bool {
        Self.glob(Array(description.utf8)[...], Array(path.utf8)[...])
    }

    /// Glob matching where `*` stops at `/` and `**` does not.
    static func glob(_ pattern: ArraySlice<UInt8>, _ text: ArraySlice<UInt8>) -> Bool {
        guard let first = pattern.first else { return text.isEmpty }
        guard first == UInt8(ascii: "*") else {
            return text.first == first && glob(pattern.dropFirst(), text.dropFirst())
        }
        let crossesSlash = pattern.dropFirst().first == UInt8(ascii: "*")
        let rest = pattern.dropFirst(crossesSlash ? 2 : 1)
        var remaining = text
        while true {
            if glob(rest, remaining) { return true }
            guard let next = remaining.first, crossesSlash || next != UInt8(ascii: "/") else { return false }
            remaining = remaining.dropFirst()
        }
    }
}

/// Parses the policy YAML with line numbers in errors.
struct PolicyReader {
    let file: String
    let directory: String

    func fail(_ node: Node?, _ field: String, _ message: String) -> TrustError {
        TrustError.malformed(node?.mark.map { "\(file):\($0.line)" } ?? file, "\(field): \(message)")
    }

    func read(_ text: String) throws(TrustError) -> TrustPolicy {
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch {
            // The first line: the rest of a YAML error quotes the input.
            throw TrustError.malformed(file, "not valid YAML (\(String("\(error)".split(separator: "\n").first ?? "")))")
        }
        guard let root, case .mapping(let top) = root else { throw fail(root, "policy", "expected a mapping with version, keys and rules") }
        var keys: [String: PublicKey] = [:]
        var keyless: [String: KeylessSigner] = [:]
        var rekorKey: PublicKey?
        var relocations: [Relocation] = []
        var ruleNodes: [Node] = []
        var version: Int?
        for (keyNode, value) in top {
            switch keyNode.string {
            case "version": version = value.int
            case "keys":
                guard case .mapping(let entries) = value else { throw fail(value, "keys", "expected a mapping of name: path") }
                for (name, path) in entries {
                    guard let name = name.string, let path = path.string else { throw fail(path, "keys", "expected name: path") }
                    keys[name] = try PublicKey(file: resolve(path))
                }
            case "keyless":
                guard case .mapping(let entries) = value else { throw fail(value, "keyless", "expected a mapping of name: {identity, issuer, trustedRoot}") }
                for (name, entry) in entries {
                    guard let name = name.string else { throw fail(entry, "keyless", "expected name: {identity, issuer, trustedRoot}") }
                    keyless[name] = try keylessSigner(entry, field: "keyless.\(name)")
                }
            case "rekor-key":
                guard let path = value.string else { throw fail(value, "rekor-key", "expected a path") }
                rekorKey = try PublicKey(file: resolve(path))
            case "remap":
                let entries = value.sequence.map(Array.init) ?? [value]
                relocations = try entries.enumerated().map { (position, entry) throws(TrustError) in
                    try relocation(entry, field: entries.count == 1 && value.sequence == nil ? "remap" : "remap[\(position)]")
                }
            case "rules":
                guard case .sequence(let list) = value, !list.isEmpty else { throw fail(value, "rules", "expected a non-empty list") }
                ruleNodes = Array(list)
            default:
                throw fail(keyNode, keyNode.string ?? "(key)", "unknown field (expected version, keys, keyless, rekor-key, remap, rules)")
            }
        }
        guard version == 1 else { throw fail(root, "version", "expected 'version: 1'") }
        guard !ruleNodes.isEmpty else { throw fail(root, "rules", "missing; a policy needs at least one rule") }
        if let shared = keys.keys.first(where: { keyless[$0] != nil }) { throw fail(root, "keyless.\(shared)", "the name is also under keys:") }
        let rules = try ruleNodes.enumerated().map { (position, node) throws(TrustError) in
            try rule(node, position: position, keys: keys, keyless: keyless)
        }
        return TrustPolicy(rules: rules, rekorKey: rekorKey, relocations: relocations)
    }

    func rule(_ node: Node, position: Int, keys: [String: PublicKey], keyless: [String: KeylessSigner]) throws(TrustError) -> TrustPolicy.Rule {
        let field = "rules[\(position)]"
        guard case .mapping(let map) = node else { throw fail(node, field, "expected a mapping with match and keys") }
        var patterns: [ReferencePattern] = []
        var ruleKeys: [PublicKey] = []
        var ruleKeyless: [KeylessSigner] = []
        var requirement = TrustPolicy.Requirement.anyOf
        var identity = TrustPolicy.IdentityRule.repository
        var allowUnsigned = false
        var attestations: [AttestationRequirement] = []
        for (keyNode, value) in map {
            let name = keyNode.string ?? ""
            switch name {
            case "match":
                let texts = value.string.map { [$0] } ?? value.sequence?.compactMap(\.string) ?? []
                guard !texts.isEmpty else { throw fail(value, "\(field).match", "expected a pattern or a list of patterns") }
                patterns = texts.map(ReferencePattern.init)
            case "keys":
                guard let names = value.sequence?.compactMap(\.string), !names.isEmpty else { throw fail(value, "\(field).keys", "expected a list of key names") }
                for keyName in names {
                    if let key = keys[keyName] {
                        ruleKeys.append(key)
                    } else if let signer = keyless[keyName] {
                        ruleKeyless.append(signer)
                    } else {
                        throw fail(value, "\(field).keys", "no key named \(keyName) under keys: or keyless:")
                    }
                }
            case "require":
                guard let text = value.string, let parsed = TrustPolicy.Requirement(rawValue: text) else { throw fail(value, "\(field).require", "expected any-of or all-of") }
                requirement = parsed
            case "identity":
                guard let text = value.string, let parsed = TrustPolicy.IdentityRule(rawValue: text) else { throw fail(value, "\(field).identity", "expected repository, exact or digest") }
                identity = parsed
            case "attestations":
                guard let list = value.sequence, !list.isEmpty else { throw fail(value, "\(field).attestations", "expected a list of {type, key}") }
                attestations = try list.enumerated().map { (position, entry) throws(TrustError) in
                    try attestation(entry, field: "\(field).attestations[\(position)]", keys: keys)
                }
            case "unsigned":
                guard value.string == "allow" || value.string == "reject" else { throw fail(value, "\(field).unsigned", "expected allow or reject") }
                allowUnsigned = value.string == "allow"
            default:
                throw fail(keyNode, "\(field).\(name)", "unknown field (expected match, keys, require, identity, attestations, unsigned)")
            }
        }
        guard !patterns.isEmpty else { throw fail(node, "\(field).match", "missing") }
        guard !ruleKeys.isEmpty || !ruleKeyless.isEmpty || allowUnsigned else { throw fail(node, "\(field).keys", "missing; name keys or say 'unsigned: allow'") }
        var rule = TrustPolicy.Rule(patterns: patterns, keys: ruleKeys, keyless: ruleKeyless, requirement: requirement, identity: identity,
                                    allowUnsigned: allowUnsigned, origin: "\(file):\(node.mark?.line ?? 0)")
        rule.attestations = attestations
        return rule
    }

    /// `{type: NAME|URI, key: NAME}` (or `keys: [NAME...]`), keys named under `keys:`.
    func attestation(_ node: Node, field: String, keys: [String: PublicKey]) throws(TrustError) -> AttestationRequirement {
        guard case .mapping(let map) = node else { throw fail(node, field, "expected {type, key}") }
        var type: AttestationType?
        var named: [PublicKey] = []
        for (keyNode, value) in map {
            let name = keyNode.string ?? ""
            switch name {
            case "type":
                guard let text = value.string, let parsed = AttestationType(text) else { throw fail(value, "\(field).type", "expected a cosign type name or a URI") }
                type = parsed
            case "key", "keys":
                let names = value.string.map { [$0] } ?? value.sequence?.compactMap(\.string) ?? []
                guard !names.isEmpty else { throw fail(value, "\(field).\(name)", "expected a key name or a list of them") }
                for keyName in names {
                    guard let key = keys[keyName] else { throw fail(value, "\(field).\(name)", "no key named \(keyName) under keys:") }
                    named.append(key)
                }
            default: throw fail(keyNode, "\(field).\(name)", "unknown field (expected type, key)")
            }
        }
        guard let type else { throw fail(node, field, "missing type") }
        guard !named.isEmpty else { throw fail(node, field, "missing key") }
        return AttestationRequirement(type: type, keys: named, origin: "\(file):\(node.mark?.line ?? 0)")
    }

    /// `{prefix: HOST[/PREFIX], signedPrefix: REPOSITORY-PREFIX}`: a relocation by `transit push --to HOST[/PREFIX]`.
    func relocation(_ node: Node, field: String) throws(TrustError) -> Relocation {
        guard case .mapping(let map) = node else { throw fail(node, field, "expected {prefix, signedPrefix}") }
        var target: PushTarget?
        var signedPrefix: String?
        for (keyNode, value) in map {
            let name = keyNode.string ?? ""
            guard let text = value.string, !text.isEmpty else { throw fail(value, "\(field).\(name)", "expected a string") }
            switch name {
            case "prefix":
                do { target = try PushTarget(parsing: text) } catch { throw fail(value, "\(field).prefix", "\(error)") }
            case "signedPrefix": signedPrefix = text
            default: throw fail(keyNode, "\(field).\(name)", "unknown field (expected prefix, signedPrefix)")
            }
        }
        guard let target else { throw fail(node, field, "missing prefix (where transit push put the images: HOST[/PREFIX])") }
        return Relocation(target: target, signedPrefix: signedPrefix)
    }

    /// `{identity | identity-regexp, issuer | issuer-regexp, trustedRoot}`.
    func keylessSigner(_ node: Node, field: String) throws(TrustError) -> KeylessSigner {
        guard case .mapping(let map) = node else { throw fail(node, field, "expected {identity, issuer, trustedRoot}") }
        var identity: KeylessSigner.Match?
        var issuer: KeylessSigner.Match?
        var root: TrustedRoot?
        for (keyNode, value) in map {
            let name = keyNode.string ?? ""
            guard let text = value.string, !text.isEmpty else { throw fail(value, "\(field).\(name)", "expected a string") }
            switch name {
            case "identity": identity = .exact(text)
            case "identity-regexp": identity = .regularExpression(text)
            case "issuer": issuer = .exact(text)
            case "issuer-regexp": issuer = .regularExpression(text)
            case "trustedRoot": root = try TrustedRoot(file: resolve(text))
            default: throw fail(keyNode, "\(field).\(name)", "unknown field (expected identity, identity-regexp, issuer, issuer-regexp, trustedRoot)")
            }
        }
        guard let identity else { throw fail(node, field, "missing identity (or identity-regexp)") }
        guard let issuer else { throw fail(node, field, "missing issuer (or issuer-regexp)") }
        guard let root else { throw fail(node, field, "missing trustedRoot (a sigstore trusted_root.json)") }
        return try KeylessSigner(identity: identity, issuer: issuer, trustedRoot: root, origin: "\(file):\(node.mark?.line ?? 0)")
    }

    func resolve(_ path: String) -> String { path.hasPrefix("/") ? path : "\(directory)/\(path)" }
}

extension TrustPolicy {
    /// Who may sign under a rule: a public key, or a keyless identity.
    public enum Signer: Sendable {
        case key(PublicKey)
        case keyless(KeylessSigner)

        var id: ObjectIdentifier {
            switch self {
            case .key(let key): ObjectIdentifier(key)
            case .keyless(let signer): ObjectIdentifier(signer)
            }
        }

        /// How verdicts name it: the key's file, or `keyless IDENTITY (issuer ISSUER)`.
        public var name: String {
            switch self {
            case .key(let key): key.origin
            case .keyless(let signer): signer.description
            }
        }

        /// The key's fingerprint (`PublicKey.fingerprint`); nil for a keyless signer.
        public var fingerprint: String? {
            if case .key(let key) = self { return key.fingerprint }
            return nil
        }
    }
}

extension TrustPolicy.Rule {
    /// The rule's keys, then its keyless signers.
    public var signers: [TrustPolicy.Signer] { keys.map { .key($0) } + keyless.map { .keyless($0) } }
}
