/// A version constraint in Helm's syntax (Masterminds/semver v3): `1.2.3`, `=1.2.3`, `!=1.2.3`, `>1.2`, `>=1.0 <2.0`,
/// `>=1.0, <2.0`, `^1.2`, `~1.2.0`, `~>1.2`, `1.x`, `1.2.*`, `*`, hyphen ranges `1.2 - 1.4.5`, and `||` between
/// alternatives.
///
/// Pre-releases follow Helm's rule: a version with a pre-release satisfies an alternative only when one of
/// that alternative's own terms names a pre-release (`>=1.0.0-0`); otherwise pre-releases never match.
public struct VersionConstraint: Sendable, CustomStringConvertible {
    /// One comparison: an operator and a version whose missing or wildcard parts are "dirty".
    struct Term: Sendable {
        enum Operator: String, Sendable { case equalOrTilde = "", equal = "=", notEqual = "!=", greater = ">", less = "<",
                                           greaterOrEqual = ">=", lessOrEqual = "<=", tilde = "~", caret = "^" }
        var op: Operator
        var version: SemanticVersion
        var dirty: Bool
        var minorDirty: Bool
        var patchDirty: Bool
    }

    /// Alternatives (`||`), each a list of terms that must all hold.
    let alternatives: [[Term]]
    public let description: String

    /// Parses `text`; throws a `ChartError` naming the constraint when it is not valid.
    public init(_ text: String) throws(ChartError) {
        description = text
        var alternatives: [[Term]] = []
        for alternative in Self.rewriteHyphenRanges(text).components(separatedBy: "||") {
            let tokens = try Self.tokens(alternative, whole: text)
            guard !tokens.isEmpty else { throw .invalidConstraint(text, "an empty alternative") }
            alternatives.append(try tokens.map { token throws(ChartError) in try Self.term(token, whole: text) })
        }
        self.alternatives = alternatives
    }

    /// Whether `version` satisfies the constraint.
    public func allows(_ version: SemanticVersion) -> Bool {
        alternatives.contains { terms in
            let includePrerelease = terms.contains { !$0.version.prerelease.isEmpty }
            if !version.prerelease.isEmpty && !includePrerelease { return false }
            return terms.allSatisfy { Self.check(version, $0) }
        }
    }

    // MARK: - Parsing

    static let operators = ["!=", ">=", "=>", "<=", "=<", "~>", ">", "<", "=", "~", "^"]

    /// `a - b` → `>= a, <= b`.
    static func rewriteHyphenRanges(_ text: String) -> String {
        let words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        var out: [String] = []
        var i = 0
        while i < words.count {
            if i + 2 < words.count, words[i + 1] == "-", Self.looksLikeVersion(words[i]), Self.looksLikeVersion(words[i + 2]) {
                out.append(">= \(words[i]), <= \(words[i + 2])")
                i += 3
            } else {
                out.append(words[i])
                i += 1
            }
        }
        return out.joined(separator: " ")
    }

    static func looksLikeVersion(_ word: String) -> Bool {
        guard let first = word.first else { return false }
        return first.isASCIIDigit || first == "v" || first == "x" || first == "X" || first == "*"
    }

    /// Splits one alternative into `op version` tokens, separated by spaces or commas.
    static func tokens(_ alternative: String, whole: String) throws(ChartError) -> [String] {
        var tokens: [String] = []
        var current = ""
        var sawVersionChar = false
        for ch in alternative {
            if ch == " " || ch == "," || ch == "\t" {
                if sawVersionChar { tokens.append(current); current = ""; sawVersionChar = false }
                else if ch == "," && !current.isEmpty { throw .invalidConstraint(whole, "'\(current)' has no version") }
                continue
            }
            if "<>=!~^".contains(ch) {
                if sawVersionChar { tokens.append(current); current = ""; sawVersionChar = false }
                current.append(ch)
            } else {
                current.append(ch)
                sawVersionChar = true
            }
        }
        if !current.isEmpty {
            guard sawVersionChar else { throw .invalidConstraint(whole, "'\(current)' has no version") }
            tokens.append(current)
        }
        return tokens
    }

    static func term(_ token: String, whole: String) throws(ChartError) -> Term {
        let opText = operators.first { token.hasPrefix($0) } ?? ""
        let versionText = String(token.dropFirst(opText.count))
        let op: Term.Operator
        switch opText {
        case "": op = .equalOrTilde
        case "=": op = .equal
        case "=>": op = .greaterOrEqual
        case "=<": op = .lessOrEqual
        case "~>": op = .tilde
        default: op = Term.Operator(rawValue: opText) ?? .equal
        }
        // Split off pre-release and metadata, then look at the numeric parts for wildcards.
        var core = Substring(versionText)
        if core.first == "v" { core = core.dropFirst() }
        let suffixStart = core.firstIndex { $0 == "-" || $0 == "+" } ?? core.endIndex
        let suffix = String(core[suffixStart...])
        let parts = core[..<suffixStart].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        func isWild(_ s: String) -> Bool { s == "x" || s == "X" || s == "*" }
        guard (1...3).contains(parts.count), parts.allSatisfy({ isWild($0) || (!$0.isEmpty && $0.allSatisfy(\.isASCIIDigit)) }) else {
            throw .invalidConstraint(whole, "'\(token)' is not a version or wildcard")
        }
        var dirty = false, minorDirty = false, patchDirty = false
        let normalized: String
        if isWild(parts[0]) {
            dirty = true
            normalized = "0.0.0" + suffix
        } else if parts.count < 2 || isWild(parts[1]) {
            dirty = true; minorDirty = true
            normalized = "\(parts[0]).0.0" + suffix
        } else if parts.count < 3 || isWild(parts[2]) {
            dirty = true; patchDirty = true
            normalized = "\(parts[0]).\(parts[1]).0" + suffix
        } else {
            normalized = parts.joined(separator: ".") + suffix
        }
        guard let version = SemanticVersion(normalized) else { throw .invalidConstraint(whole, "'\(token)' is not a version") }
        return Term(op: op, version: version, dirty: dirty, minorDirty: minorDirty, patchDirty: patchDirty)
    }

    // MARK: - Checking (the pre-release rule is applied per alternative in `allows`)

    static func check(_ v: SemanticVersion, _ c: Term) -> Bool {
        let con = c.version
        switch c.op {
        case .equalOrTilde, .equal:
            return c.dirty ? tilde(v, c) : v.compare(con) == 0
        case .notEqual:
            if c.dirty {
                if con.major != v.major { return true }
                if c.minorDirty { return false }
                if con.minor != v.minor { return true }
                if c.patchDirty {
                    if !v.prerelease.isEmpty || !con.prerelease.isEmpty {
                        return SemanticVersion.comparePrerelease(v.prerelease, con.prerelease) != 0
                    }
                    return false
                }
            }
            return v.compare(con) != 0
        case .greater:
            if !c.dirty { return v.compare(con) == 1 }
            if v.major != con.major { return v.major > con.major }
            if c.minorDirty { return false }
            if c.patchDirty { return v.minor > con.minor }
            return v.compare(con) == 1
        case .less:
            return v.compare(con) < 0
        case .greaterOrEqual:
            return v.compare(con) >= 0
        case .lessOrEqual:
            if !c.dirty { return v.compare(con) <= 0 }
            if v.major > con.major { return false }
            if v.major == con.major && v.minor > con.minor && !c.minorDirty { return false }
            return true
        case .tilde:
            return tilde(v, c)
        case .caret:
            if v.compare(con) < 0 { return false }
            if con.major > 0 || c.minorDirty { return v.major == con.major }
            if v.major > 0 { return false }
            if con.minor > 0 || c.patchDirty { return v.minor == con.minor }
            if v.minor > 0 { return false }
            return v.patch == con.patch
        }
    }

    static func tilde(_ v: SemanticVersion, _ c: Term) -> Bool {
        let con = c.version
        if v.compare(con) < 0 { return false }
        if con.major == 0 && con.minor == 0 && con.patch == 0 && !c.minorDirty && !c.patchDirty { return true }
        if v.major != con.major { return false }
        if v.minor != con.minor && !c.minorDirty { return false }
        return true
    }
}
