/// A command line as an evidence log records it: the value of every option that carries a secret (credentials,
/// passwords, tokens; not the files that hold them) replaced by `***`.
public enum RedactedArguments {
    /// Whether `option` (`--creds`, `--password`, …) takes a secret as its value.
    static func isSecret(_ option: String) -> Bool {
        let name = option.drop { $0 == "-" }.lowercased()
        guard !name.hasSuffix("-file") else { return false }
        return ["creds", "password", "passwd", "token", "secret"].contains { name.contains($0) }
    }

    public static func redact(_ argv: [String]) -> [String] {
        var redacted: [String] = []
        var hideNext = false
        for argument in argv {
            if hideNext {
                redacted.append("***")
                hideNext = false
            } else if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                redacted.append(isSecret(String(argument[..<equals])) ? argument[...equals] + "***" : argument)
            } else {
                hideNext = argument.hasPrefix("-") && isSecret(argument)
                redacted.append(argument)
            }
        }
        return redacted
    }
}
