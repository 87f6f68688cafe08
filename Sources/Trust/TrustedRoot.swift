import Foundation

/// Sigstore's trust material (`application/vnd.dev.sigstore.trustedroot+json;version=0.1`): the certificate
/// authorities that issue signing certificates, the transparency logs, the certificate-transparency logs and
/// the timestamp authorities, each with the period it is trusted for. Also read from the client trust config
/// (`…clienttrustconfig.v0.1+json`) that wraps it.
public final class TrustedRoot: Sendable {
    /// A certificate authority or timestamp authority: its chain (leaf or intermediates first, root last).
    public struct Authority: Sendable {
        public var uri: String
        public var chain: [Certificate]
        public var validFor: TimeRange
    }

    /// A transparency or certificate-transparency log: its key, log ID and validity.
    public struct Log: Sendable {
        public var baseURL: String
        public var logID: Data
        public var key: PublicKey
        public var validFor: TimeRange

        /// The names the log signs its checkpoints with: the host of `baseURL`, and host:port when it has a port.
        public var checkpointNames: [String] {
            guard let url = URL(string: baseURL), let host = url.host else { return [baseURL] }
            return url.port.map { [host, "\(host):\($0)"] } ?? [host]
        }
    }

    /// The media type of a trusted root.
    public static let mediaType = "application/vnd.dev.sigstore.trustedroot+json;version=0.1"
    /// The media type of a client trust config, which holds a trusted root.
    public static let trustConfigMediaType = "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json"

    public let certificateAuthorities: [Authority]
    public let transparencyLogs: [Log]
    public let certificateTransparencyLogs: [Log]
    public let timestampAuthorities: [Authority]
    /// Where the root was read from, for messages.
    public let origin: String
    /// The file's bytes, exactly as read (carried across the gap unchanged).
    public let data: Data

    /// Reads a trusted root or a client trust config file.
    public convenience init(file path: String) throws(TrustError) {
        guard let data = FileManager.default.contents(atPath: path) else { throw TrustError.malformed(path, "cannot be read") }
        try self.init(json: data, origin: path)
    }

    /// Parses trusted root (or client trust config) JSON; `origin` names it in errors.
    public init(json data: Data, origin: String) throws(TrustError) {
        guard let top = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TrustError.malformed(origin, "not a JSON object")
        }
        var root = top
        if top["mediaType"] as? String == Self.trustConfigMediaType {
            guard let inner = top["trustedRoot"] as? [String: Any] else { throw TrustError.malformed(origin, "the trust config has no trustedRoot") }
            root = inner
        }
        guard root["mediaType"] as? String == Self.mediaType else {
            throw TrustError.malformed(origin, "media type \(root["mediaType"] as? String ?? "(none)"); expected \(Self.mediaType)")
        }
        let reader = Reader(origin: origin)
        certificateAuthorities = try reader.authorities(root["certificateAuthorities"], field: "certificateAuthorities")
        transparencyLogs = try reader.logs(root["tlogs"], field: "tlogs")
        certificateTransparencyLogs = try reader.logs(root["ctlogs"], field: "ctlogs")
        timestampAuthorities = try reader.authorities(root["timestampAuthorities"], field: "timestampAuthorities")
        self.origin = origin
        self.data = data
    }

    /// The transparency log with this log ID.
    public func transparencyLog(id: Data) -> Log? { transparencyLogs.first { $0.logID == id } }

    /// The certificate-transparency log with this log ID.
    public func certificateTransparencyLog(id: Data) -> Log? { certificateTransparencyLogs.first { $0.logID == id } }

    struct Reader {
        let origin: String

        func fail(_ field: String, _ reason: String) -> TrustError { TrustError.malformed(origin, "\(field): \(reason)") }

        func authorities(_ value: Any?, field: String) throws(TrustError) -> [Authority] {
            guard let value else { return [] }
            guard let list = value as? [[String: Any]] else { throw fail(field, "expected a list") }
            var result: [Authority] = []
            for (position, item) in list.enumerated() {
                let name = "\(field)[\(position)]"
                guard let encoded = (item["certChain"] as? [String: Any])?["certificates"] as? [[String: Any]], !encoded.isEmpty else {
                    throw fail(name, "no certChain.certificates")
                }
                var chain: [Certificate] = []
                for certificate in encoded {
                    guard let text = certificate["rawBytes"] as? String, let der = Data(base64Encoded: text) else { throw fail(name, "a certificate is not base64") }
                    chain.append(try Certificate(der: der, what: "\(origin) \(name)"))
                }
                result.append(Authority(uri: item["uri"] as? String ?? "", chain: chain, validFor: try validity(item["validFor"], field: name)))
            }
            return result
        }

        func logs(_ value: Any?, field: String) throws(TrustError) -> [Log] {
            guard let value else { return [] }
            guard let list = value as? [[String: Any]] else { throw fail(field, "expected a list") }
            var result: [Log] = []
            for (position, item) in list.enumerated() {
                let name = "\(field)[\(position)]"
                guard let key = item["publicKey"] as? [String: Any], let raw = key["rawBytes"] as? String, let spki = Data(base64Encoded: raw) else {
                    throw fail(name, "no publicKey.rawBytes")
                }
                guard let id = (item["logId"] as? [String: Any])?["keyId"] as? String, let logID = Data(base64Encoded: id) else {
                    throw fail(name, "no logId.keyId")
                }
                let validFor = try validity(key["validFor"], field: "\(name).publicKey")
                // A key Airlock cannot use (PKCS#1 RSA, a damaged key) trusts nothing: what only it signed is refused.
                guard let publicKey = try? PublicKey(spki: spki, origin: "\(origin) \(name)") else { continue }
                result.append(Log(baseURL: item["baseUrl"] as? String ?? "", logID: logID, key: publicKey, validFor: validFor))
            }
            return result
        }

        func validity(_ value: Any?, field: String) throws(TrustError) -> TimeRange {
            guard let value else { return TimeRange(start: .distantPast, end: nil) }
            guard let range = value as? [String: Any] else { throw fail("\(field).validFor", "expected {start, end}") }
            guard let startText = range["start"] as? String else { throw fail("\(field).validFor", "has no start") }
            guard let start = TimeRange.parse(startText) else { throw fail("\(field).validFor.start", "\(startText) is not an RFC 3339 time") }
            var end: Date?
            if let endText = range["end"] as? String {
                guard let parsed = TimeRange.parse(endText) else { throw fail("\(field).validFor.end", "\(endText) is not an RFC 3339 time") }
                end = parsed
            }
            return TimeRange(start: start, end: end)
        }
    }
}

/// A closed period of time; an open end means "until further notice".
public struct TimeRange: Sendable, Equatable {
    public var start: Date
    public var end: Date?

    /// Whether `time` lies in the period, both ends included.
    public func contains(_ time: Date) -> Bool { start <= time && (end.map { time <= $0 } ?? true) }

    /// Parses an RFC 3339 time with or without fractional seconds.
    static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
