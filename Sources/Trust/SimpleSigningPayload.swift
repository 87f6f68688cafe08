import Foundation
import OCI

/// The payload a legacy cosign signature signs ("simple signing", cosign flavour):
/// `{"critical":{"identity":{"docker-reference":…},"image":{"docker-manifest-digest":…},"type":"cosign container image signature"},"optional":…}`.
///
/// Parsing is strict, as containers/image does it: exactly these keys, nothing missing, nothing extra.
public struct SimpleSigningPayload: Sendable, Equatable {
    public static let type = "cosign container image signature"

    /// `critical.identity.docker-reference`: the repository (cosign) or full reference (skopeo) signed for.
    public var dockerReference: String
    /// `critical.image.docker-manifest-digest`: the manifest or index signed.
    public var manifestDigest: Digest
    /// `optional` when signing: free annotations (`-a key=value`); nil writes `null` as cosign does.
    public var annotations: [String: String]?
    /// The bytes a parsed payload came from (they, not a re-encoding, are what was signed).
    private var parsedBytes: Data?

    public init(dockerReference: String, manifestDigest: Digest, annotations: [String: String]? = nil) {
        self.dockerReference = dockerReference
        self.manifestDigest = manifestDigest
        self.annotations = annotations
    }

    /// Parses payload bytes; `what` names the signature in errors.
    public init(parsing data: Data, what: String) throws(TrustError) {
        func fail(_ reason: String) -> TrustError { .malformed(what, "payload: \(reason)") }
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw fail("expected a JSON object") }
        try Self.exactKeys(root, ["critical", "optional"], at: "payload", what: what)
        guard let critical = root["critical"] as? [String: Any] else { throw fail("critical: expected an object") }
        try Self.exactKeys(critical, ["type", "image", "identity"], at: "critical", what: what)
        guard let type = critical["type"] as? String else { throw fail("critical.type: expected a string") }
        guard type == Self.type else { throw fail("critical.type is \"\(type)\"; expected \"\(Self.type)\"") }
        guard let image = critical["image"] as? [String: Any] else { throw fail("critical.image: expected an object") }
        try Self.exactKeys(image, ["docker-manifest-digest"], at: "critical.image", what: what)
        guard let digestText = image["docker-manifest-digest"] as? String, let digest = try? Digest(parsing: digestText) else {
            throw fail("critical.image.docker-manifest-digest: expected a digest")
        }
        guard let identity = critical["identity"] as? [String: Any] else { throw fail("critical.identity: expected an object") }
        try Self.exactKeys(identity, ["docker-reference"], at: "critical.identity", what: what)
        guard let reference = identity["docker-reference"] as? String else { throw fail("critical.identity.docker-reference: expected a string") }
        switch root["optional"] {
        case is NSNull, nil:
            annotations = nil
        case let object as [String: Any]:
            if let timestamp = object["timestamp"] {
                guard timestamp is NSNumber, "\(timestamp)".allSatisfy({ $0.isNumber || $0 == "-" }) else {
                    throw fail("optional.timestamp: expected an integer")
                }
            }
            annotations = object.compactMapValues { $0 as? String }
        default:
            throw fail("optional: expected an object or null")
        }
        dockerReference = reference
        manifestDigest = digest
        parsedBytes = data
    }

    /// The bytes parsed, or for a new payload the bytes exactly as cosign writes them (Go `encoding/json`).
    public var bytes: Data {
        if let parsedBytes { return parsedBytes }
        let optionalText = annotations.map { GoJSON.sortedObject($0).text } ?? "null"
        let text = #"{"critical":{"identity":{"docker-reference":"# + GoJSON.quoted(dockerReference)
            + #"},"image":{"docker-manifest-digest":"# + GoJSON.quoted(manifestDigest.description)
            + #"},"type":"# + GoJSON.quoted(Self.type) + #"},"optional":"# + optionalText + "}"
        return Data(text.utf8)
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.bytes == rhs.bytes }

    private static func exactKeys(_ object: [String: Any], _ expected: Set<String>, at path: String, what: String) throws(TrustError) {
        let keys = Set(object.keys)
        guard keys == expected else {
            let extra = keys.subtracting(expected).sorted(), missing = expected.subtracting(keys).sorted()
            var parts: [String] = []
            if !missing.isEmpty { parts.append("missing \(missing.joined(separator: ", "))") }
            if !extra.isEmpty { parts.append("unexpected \(extra.joined(separator: ", "))") }
            throw TrustError.malformed(what, "payload: \(path) has \(parts.joined(separator: "; ")) (expected exactly \(expected.sorted().joined(separator: ", ")))")
        }
    }
}
