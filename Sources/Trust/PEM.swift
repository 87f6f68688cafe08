import Foundation

/// One PEM block: `-----BEGIN LABEL-----`, base64 body, `-----END LABEL-----`.
public struct PEMBlock: Sendable, Equatable {
    public var label: String
    public var der: Data

    public init(label: String, der: Data) {
        self.label = label
        self.der = der
    }

    /// Every PEM block in `text`, in order; text outside blocks is ignored. Reads the UTF-8 bytes line by line
    /// (a keyless signature carries two certificates in PEM, read for every signature checked).
    public static func all(in text: String) throws(TrustError) -> [PEMBlock] {
        var blocks: [PEMBlock] = []
        var label: String?
        var body: [UInt8] = []
        let bytes = Array(text.utf8)
        for rawLine in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            let line = trimmed(rawLine)
            if let current = label {
                if line.elementsEqual("-----END \(current)-----".utf8) {
                    guard let der = Data(base64Encoded: Data(body)) else { throw TrustError.malformed("PEM block \(current)", "its body is not base64") }
                    blocks.append(PEMBlock(label: current, der: der))
                    label = nil
                    body.removeAll(keepingCapacity: true)
                } else if line.starts(with: "-----".utf8) {
                    throw TrustError.malformed("PEM block \(current)", "it has no END line")
                } else if !line.contains(UInt8(ascii: ":")) {  // RFC 1421 headers (Proc-Type, …) carry no key material
                    body.append(contentsOf: line)
                }
            } else if line.starts(with: "-----BEGIN ".utf8), line.count > 16, line.suffix(5).elementsEqual("-----".utf8) {
                label = String(decoding: line.dropFirst(11).dropLast(5), as: UTF8.self)
            }
        }
        if let label { throw TrustError.malformed("PEM block \(label)", "it has no END line") }
        return blocks
    }

    /// `line` without leading and trailing spaces, tabs and carriage returns.
    static func trimmed(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let blank: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
        guard let first = line.firstIndex(where: { !blank($0) }), let last = line.lastIndex(where: { !blank($0) }) else { return [] }
        return line[first...last]
    }

    /// The single PEM block in `text`; `what` names the file in errors.
    public static func single(in text: String, what: String) throws(TrustError) -> PEMBlock {
        let blocks: [PEMBlock]
        do { blocks = try all(in: text) } catch { throw TrustError.malformed(what, error.description) }
        guard let first = blocks.first else { throw TrustError.malformed(what, "expected a PEM block (-----BEGIN …-----)") }
        return first
    }

    /// The block as text, base64 wrapped at 64 columns, with a final newline.
    public var text: String {
        let encoded = der.base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN \(label)-----\n\(encoded)\n-----END \(label)-----\n"
    }
}
