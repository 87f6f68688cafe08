/// What an evidence log holds, as `airgap evidence verify` reports it.
public struct EvidenceSummary: Encodable, Sendable {
    /// Passed and failed checks of one kind.
    public struct Tally: Encodable, Sendable {
        public var pass = 0
        public var fail = 0
    }

    public var file: String
    public var lines = 0
    /// The SHA-256 (hex) of the last line: the chain head.
    public var head = EvidenceLine.genesis
    /// Runs begun (`run-start` lines), those that ended with a non-zero exit status, those with no `run-end` line.
    public var runs = 0
    public var failedRuns = 0
    public var unfinishedRuns = 0
    /// Checks per kind (`blob`, `signature`, …).
    public var checks: [String: Tally] = [:]
    public var failures = 0
    public var firstTime: String?
    public var lastTime: String?
    /// `name version` of each tool, and each host, that wrote lines.
    public var tools: [String] = []
    public var hosts: [String] = []
    /// How the chain head's signature verified, when a key was given.
    public var signature: String?

    public init(file: String) { self.file = file }
}
