/// One broken rule: where (file, line, object, container), which image, which rule and why.
public struct LintViolation: Codable, Sendable, Equatable, CustomStringConvertible {
    /// The rules `airgap lint` checks.
    public enum Rule: String, Codable, Sendable, CaseIterable {
        /// The reference does not parse.
        case invalidReference = "invalid-reference"
        /// The image is not in the private registry (under its prefix).
        case privateRegistry = "private-registry"
        /// The tag is `latest` and no digest pins it.
        case noLatest = "no-latest"
        /// Neither tag nor digest: the runtime would pull `latest`.
        case tagRequired = "tag-required"
        /// `--require-digest`: no digest.
        case digestRequired = "digest-required"
        /// `--check-registry`: the registry does not have it.
        case inRegistry = "in-registry"
        /// `--key`/`--policy`: its signatures do not satisfy the policy.
        case signed
    }

    public let file: String
    public let line: Int
    public let kind: String
    public let name: String
    public let container: String
    public let image: String
    public let rule: Rule
    public let message: String

    public init(_ occurrence: ImageOccurrence, _ rule: Rule, _ message: String) {
        file = occurrence.file
        line = occurrence.line
        kind = occurrence.kind
        name = occurrence.name
        container = occurrence.container
        image = occurrence.value
        self.rule = rule
        self.message = message
    }

    /// `FILE:LINE: Kind/name: container C: RULE: message`.
    public var description: String { "\(file):\(line): \(kind)/\(name): container \(container): \(rule.rawValue): \(message)" }
}
