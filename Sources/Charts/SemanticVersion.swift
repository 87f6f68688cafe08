/// A semantic version as Helm reads one (Masterminds/semver's loose parser): an optional `v`, one to three
/// numeric parts (`1` and `1.2` mean `1.0.0` and `1.2.0`), a pre-release after `-`, build metadata after `+`.
public struct SemanticVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let major: UInt64
    public let minor: UInt64
    public let patch: UInt64
    /// The pre-release (`alpha.1`), empty for a release.
    public let prerelease: String
    /// Build metadata (`build.5`); ignored when comparing.
    public let metadata: String
    /// The text it was parsed from.
    public let original: String

    /// Parses `text`, or returns nil when Helm would not read it as a version.
    public init?(_ text: String) {
        var rest = Substring(text)
        if rest.first == "v" { rest = rest.dropFirst() }
        var metadata = ""
        if let plus = rest.firstIndex(of: "+") {
            metadata = String(rest[rest.index(after: plus)...])
            rest = rest[..<plus]
            guard Self.validIdentifiers(metadata, numericRule: false) else { return nil }
        }
        var prerelease = ""
        if let dash = rest.firstIndex(of: "-") {
            prerelease = String(rest[rest.index(after: dash)...])
            rest = rest[..<dash]
            guard Self.validIdentifiers(prerelease, numericRule: true) else { return nil }
        }
        let parts = rest.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count) else { return nil }
        var numbers: [UInt64] = []
        for part in parts {
            guard !part.isEmpty, part.allSatisfy(\.isASCIIDigit), let n = UInt64(part) else { return nil }
            numbers.append(n)
        }
        while numbers.count < 3 { numbers.append(0) }
        (major, minor, patch) = (numbers[0], numbers[1], numbers[2])
        self.prerelease = prerelease
        self.metadata = metadata
        self.original = text
    }

    /// Dot-separated identifiers of `[0-9A-Za-z-]`; for pre-releases, numeric ones without leading zeros.
    private static func validIdentifiers(_ text: String, numericRule: Bool) -> Bool {
        let identifiers = text.split(separator: ".", omittingEmptySubsequences: false)
        return identifiers.allSatisfy { id in
            guard !id.isEmpty, id.allSatisfy({ $0.isASCIIDigit || $0.isASCIILetter || $0 == "-" }) else { return false }
            if numericRule, id.count > 1, id.first == "0", id.allSatisfy(\.isASCIIDigit) { return false }
            return true
        }
    }

    public var description: String { original }

    public static func < (a: SemanticVersion, b: SemanticVersion) -> Bool { a.compare(b) < 0 }

    /// -1, 0 or 1: numbers, then a release above any of its pre-releases, then pre-releases part by part.
    public func compare(_ other: SemanticVersion) -> Int {
        for (a, b) in [(major, other.major), (minor, other.minor), (patch, other.patch)] where a != b {
            return a < b ? -1 : 1
        }
        switch (prerelease.isEmpty, other.prerelease.isEmpty) {
        case (true, true): return 0
        case (true, false): return 1
        case (false, true): return -1
        default: return Self.comparePrerelease(prerelease, other.prerelease)
        }
    }

    static func comparePrerelease(_ a: String, _ b: String) -> Int {
        let left = a.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let right = b.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        for i in 0..<max(left.count, right.count) {
            let d = comparePart(i < left.count ? left[i] : "", i < right.count ? right[i] : "")
            if d != 0 { return d }
        }
        return 0
    }

    /// A missing part sorts first, numbers before words, numbers numerically, words by bytes.
    private static func comparePart(_ s: String, _ o: String) -> Int {
        if s == o { return 0 }
        if s.isEmpty { return -1 }
        if o.isEmpty { return 1 }
        switch (UInt64(s), UInt64(o)) {
        case let (x?, y?): return x == y ? 0 : (x < y ? -1 : 1)
        case (.some, nil): return -1
        case (nil, .some): return 1
        default: return Array(s.utf8).lexicographicallyPrecedes(Array(o.utf8)) ? -1 : 1
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
    var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
}
