import Foundation
import OCI

/// The report of `airgap audit` (JSON `schemaVersion` 1, see the README): what was audited against what, the
/// counts per state, and one finding per tag.
public struct AuditReport: Codable, Sendable {
    public static let currentSchemaVersion = 1

    /// Counts: tags, repositories, passing and failing tags, and tags per state (every state, zeros included).
    public struct Summary: Codable, Sendable {
        public var repositories: Int
        public var tags: Int
        public var passing: Int
        public var failing: Int
        public var states: [String: Int]
    }

    public var schemaVersion: Int
    /// `airgap VERSION`.
    public var tool: String
    /// `registry HOST[/PREFIX]` or `bundle PATH`.
    public var source: String
    /// The policy file, or `--key FILE, …`.
    public var policy: String
    /// The site keys' fingerprints, by file.
    public var siteKeys: [String: String]
    /// `--repos`, when given.
    public var repositories: String?
    /// `--since`, as given.
    public var since: String?
    /// When the audit ran (RFC 3339, UTC).
    public var auditedAt: String
    public var summary: Summary
    public var tags: [AuditFinding]

    public init(tool: String, source: String, policy: String, siteKeys: [String: String], repositories: String?, since: String?,
                auditedAt: Date, tags: [AuditFinding]) {
        schemaVersion = Self.currentSchemaVersion
        self.tool = tool
        self.source = source
        self.policy = policy
        self.siteKeys = siteKeys
        self.repositories = repositories
        self.since = since
        self.auditedAt = ISO8601DateFormatter().string(from: auditedAt)
        var states = Dictionary(uniqueKeysWithValues: AuditState.allCases.map { ($0.rawValue, 0) })
        for finding in tags { states[finding.state.rawValue, default: 0] += 1 }
        let passing = tags.filter(\.passes).count
        summary = Summary(repositories: Set(tags.map(\.repository)).count, tags: tags.count, passing: passing,
                          failing: tags.count - passing, states: states)
        self.tags = tags
    }

    /// The report as pretty JSON with sorted keys.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self) + Data("\n".utf8)
    }
}
