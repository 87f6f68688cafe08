/// Text from the input made safe to print as an error: control characters (C0, DEL, C1) are written as `\u{1B}`
/// escapes, so a NUL, a carriage return or an escape sequence in a file or an argument cannot break the line or
/// reach the operator's terminal. A line break is kept only where the tool itself lists items (`\n  `); any other
/// becomes `\u{A}`. Input that itself holds `\n  ` would still break the line, so a message quotes one line of input
/// at most (`BundleManifest.problem(of:)` keeps the first line of a YAML error).
public enum TerminalText {
    public static func escaped(_ text: String) -> String {
        var out = ""
        let scalars = Array(text.unicodeScalars)
        for (i, scalar) in scalars.enumerated() {
            let listBreak = scalar == "\n" && i + 2 < scalars.count && scalars[i + 1] == " " && scalars[i + 2] == " "
            if isControl(scalar) && !listBreak {
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }
}
