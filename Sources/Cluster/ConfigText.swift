/// Quoting for the TOML and YAML files Airlock writes. Strings are written as double-quoted scalars, which
/// both languages read the same way for the characters escaped here.
enum ConfigText {
    /// `"text"` with `\`, `"` and control characters escaped (valid TOML basic string and YAML double-quoted scalar).
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// A YAML literal block (`|-` or `|`) holding `text`, each line indented by `indent` spaces.
    static func literalBlock(_ text: String, indent: Int) -> String {
        let pad = String(repeating: " ", count: indent)
        let keepsNewline = text.hasSuffix("\n")
        let body = keepsNewline ? String(text.dropLast()) : text
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false)
        return (keepsNewline ? "|" : "|-") + "\n" + lines.map { $0.isEmpty ? "" : pad + $0 }.joined(separator: "\n")
    }
}
