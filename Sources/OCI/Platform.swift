/// An image platform (`linux/arm64/v8`), matched the way containerd matches them.
public struct Platform: Hashable, Sendable, Codable, CustomStringConvertible {
    public var os: String
    public var architecture: String
    public var variant: String?
    public var osVersion: String?
    public var osFeatures: [String]?

    private enum CodingKeys: String, CodingKey {
        case os, architecture, variant
        case osVersion = "os.version"
        case osFeatures = "os.features"
    }

    public init(os: String, architecture: String, variant: String? = nil) {
        self.os = os
        self.architecture = architecture
        self.variant = variant
    }

    /// Parses `os/arch[/variant]` (`linux/amd64`, `linux/arm/v7`), normalising as containerd does.
    public init(parsing text: String) throws(PlatformError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map { String($0).lowercased() }
        guard (2...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." } }) else {
            throw PlatformError(text: text)
        }
        self = Platform(os: parts[0], architecture: parts[1], variant: parts.count == 3 ? parts[2] : nil).normalized
    }

    public var description: String {
        [os, architecture, variant].compactMap { $0 }.joined(separator: "/")
    }

    /// The canonical spelling: `x86_64` → `amd64`, `aarch64` → `arm64`, `arm64` variant `v8` implied,
    /// `arm` variant `v7` implied, as in containerd's `platforms.Normalize`.
    public var normalized: Platform {
        var p = self
        p.os = os.lowercased()
        switch architecture.lowercased() {
        case "i386": p.architecture = "386"; p.variant = nil
        case "x86_64", "x86-64", "amd64":
            p.architecture = "amd64"
            if variant == "v1" { p.variant = nil }
        case "aarch64", "arm64":
            p.architecture = "arm64"
            if variant == "8" || variant == "v8" || variant == nil { p.variant = "v8" }
        case "armhf": p.architecture = "arm"; p.variant = "v7"
        case "armel": p.architecture = "arm"; p.variant = "v6"
        case "arm":
            p.architecture = "arm"
            switch variant {
            case nil, "7": p.variant = "v7"
            case "5", "6", "8": p.variant = "v" + (variant ?? "")
            default: break
            }
        default: p.architecture = architecture.lowercased()
        }
        return p
    }

    /// Whether an image built for `candidate` satisfies a request for this platform:
    /// same OS and architecture after normalisation, and the same variant (`linux/arm64` matches `v8`).
    public func matches(_ candidate: Platform) -> Bool {
        let want = normalized, have = candidate.normalized
        return want.os == have.os && want.architecture == have.architecture && want.variant == have.variant
    }
}

/// A platform string that is not `os/arch[/variant]`.
public struct PlatformError: CategorizedError, CustomStringConvertible, Equatable {
    public let text: String
    public var description: String { "invalid platform '\(text)': expected os/arch[/variant], e.g. linux/amd64 or linux/arm/v7" }
    public var category: ErrorCategory { .invalidInput }
}
