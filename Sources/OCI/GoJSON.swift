/// JSON text exactly as Go's `encoding/json` writes it: no spaces, object keys in the order given
/// (Go writes struct fields in declaration order and map keys sorted), and Go's string escaping
/// (`<`, `>`, `&`, U+2028 and U+2029 escaped). Helm's chart config blob and cosign's signature
/// payloads and manifests are such JSON, and their digests must come out the same.
public enum GoJSON: Sendable, Equatable {
    case string(String)
    case integer(Int64)
    case number(Double)
    case bool(Bool)
    case null
    case array([GoJSON])
    /// Members in the order they are written.
    case object([(String, GoJSON)])

    public static func == (a: GoJSON, b: GoJSON) -> Bool { a.text == b.text }

    /// A map of strings as Go marshals `map[string]string`: keys sorted.
    public static func sortedObject(_ values: [String: String]) -> GoJSON {
        .object(values.keys.sorted().map { ($0, .string(values[$0]!)) })
    }

    /// `value` as a quoted JSON string with Go's escaping.
    public static func quoted(_ value: String) -> String { GoJSON.string(value).text }

    /// The encoded text.
    public var text: String {
        var out = ""
        write(to: &out)
        return out
    }

    func write(to out: inout String) {
        switch self {
        case .string(let s): Self.writeString(s, to: &out)
        case .integer(let n): out += String(n)
        case .number(let d): out += Self.format(d)
        case .bool(let b): out += b ? "true" : "false"
        case .null: out += "null"
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() { if i > 0 { out += "," }; item.write(to: &out) }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out += "," }
                Self.writeString(key, to: &out)
                out += ":"
                value.write(to: &out)
            }
            out += "}"
        }
    }

    /// Go's float formatting: integral values without a fraction, others in their shortest form.
    public static func format(_ d: Double) -> String {
        if d == d.rounded(), abs(d) < 1e21 { return String(Int64(d)) }
        return "\(d)"
    }

    static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "<", ">", "&", "\u{2028}", "\u{2029}":
                out += "\\u" + Self.hex4(scalar.value)
            default:
                if scalar.value < 0x20 { out += "\\u" + Self.hex4(scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        out += "\""
    }

    static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
