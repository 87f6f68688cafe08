import Foundation

/// One PEM block: `-----BEGIN LABEL-----`, base64 body, `-----END LABEL-----`.
public struct PEMBlock: Sendable, Equatable {
    public var label: String
    public var der: Data

    public init(label: String, der: Data) {
        self.label = label
        self.der = der
    }

    /// Every PEM block in `text`, in order; text outside blocks is ignored.
    public static func all(in text: String) throws(TrustError) -> [PEMBlock] {
        var blocks: [PEMBlock] = []
        var label: String?
        var body = ""
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if let current = label {
                if line == "-----END \(current)-----" {
                    guard let der = Data(base64Encoded: body) else { throw TrustError.malformed("PEM block \(current)", "its body is not base64") }
                    blocks.append(PEMBlock(label: current, der: der))
                    label = nil
                    body = ""
                } else if line.hasPrefix("-----") {
                    throw TrustError.malformed("PEM block \(current)", "it has no END line")
                } else if !line.contains(":") {  // RFC 1421 headers (Proc-Type, …) carry no key material
                    body += line
                }
            } else if line.hasPrefix("-----BEGIN "), line.hasSuffix("-----") {
                label = String(line.dropFirst(11).dropLast(5))
            }
        }
        if let label { throw TrustError.malformed("PEM block \(label)", "it has no END line") }
        return blocks
    }

    /// The single PEM block in `text`; `what` names the file in errors.
    public static func single(in text: String, what: String) throws(TrustError) -> PEMBlock {
        let blocks = try all(in: text)
        guard let first = blocks.first else { throw TrustError.malformed(what, "expected a PEM block (-----BEGIN …-----)") }
        return first
    }

    /// The block as text, base64 wrapped at 64 columns, with a final newline.
    public var text: String {
        let encoded = der.base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN \(label)-----\n\(encoded)\n-----END \(label)-----\n"
    }
}
