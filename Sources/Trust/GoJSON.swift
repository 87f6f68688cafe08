/// JSON text as Go's `encoding/json` writes it, so what we sign is byte-identical to cosign's output.
enum GoJSON {
    /// A quoted JSON string with Go's escaping (`<`, `>`, `&`, U+2028 and U+2029 as `\uXXXX`).
    static func string(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<", ">", "&", "\u{2028}", "\u{2029}": out += unicodeEscape(scalar.value)
            default:
                if scalar.value < 0x20 { out += unicodeEscape(scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }

    /// A JSON object of string values with keys sorted, as Go marshals a `map[string]string`.
    static func object(_ values: [String: String]) -> String {
        "{" + values.keys.sorted().map { "\(string($0)):\(string(values[$0]!))" }.joined(separator: ",") + "}"
    }

    private static func unicodeEscape(_ value: UInt32) -> String {
        let hex = String(value, radix: 16)
        return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
