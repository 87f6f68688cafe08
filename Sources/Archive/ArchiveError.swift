import Glibc
import OCI

/// A tar archive that cannot be written or trusted: which archive, which entry (when there is one), and why.
public struct ArchiveError: CategorizedError, CustomStringConvertible, Sendable, Equatable {
    /// The archive (or output file) concerned, as the caller named it.
    public let archive: String
    /// The entry concerned, when the problem belongs to one.
    public let entry: String?
    /// What was wrong, including what was expected where that helps.
    public let reason: String

    /// An error about `archive`, and about `entry` within it when given.
    public init(archive: String, entry: String? = nil, reason: String) {
        self.archive = archive
        self.entry = entry
        self.reason = reason
    }

    public var description: String {
        if let entry { return "\(archive): entry '\(Self.printable(entry))': \(reason)" }
        return "\(archive): \(reason)"
    }

    /// `name` with control characters escaped, so a hostile entry name cannot forge lines of output.
    static func printable(_ name: String) -> String {
        var out = ""
        for scalar in name.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F {
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// The text of an `errno` value, for error reasons.
func systemMessage(_ code: Int32) -> String {
    String(cString: strerror(code))
}

extension ArchiveError {
    public var category: ErrorCategory { .integrity }
}
