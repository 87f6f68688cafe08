import Foundation

/// The little XML S3 answers need read: element texts by name, repeated blocks, ETags without their quotes.
enum XMLElements {
    /// The text of every `<name>…</name>` element.
    static func texts(_ name: String, in body: Data) -> [String] {
        blocks(name, in: body).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The content of every `<name>…</name>` element, as bytes to search further.
    static func blocks(_ name: String, in body: Data) -> [Data] {
        let text = String(decoding: body, as: UTF8.self)
        return text.components(separatedBy: "<\(name)>").dropFirst().compactMap { $0.components(separatedBy: "</\(name)>").first.map { Data($0.utf8) } }
    }

    /// An ETag as S3 compares it: without the quotes a header or an XML listing (escaped) wraps it in.
    static func unquoted(_ etag: String) -> String {
        unescaped(etag).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    }

    /// XML text with its five predefined entities replaced.
    static func unescaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#34;", with: "\"")
            .replacingOccurrences(of: "&apos;", with: "'").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
    }

    /// Text made safe inside an XML element.
    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
