/// A size given on the command line: `700M`, `4G`, `1GiB`, `64k`, `2000000000`. Units are binary (M = MiB).
public enum ByteSize {
    /// The bytes `text` names, at least 1 MiB. `option` names the flag in the error, and `expected` says what the
    /// flag takes when `text` is no size at all.
    public static func parse(_ text: String, option: String,
                             expected: String = "a size such as 64M, 700M, 4G, 1GiB") throws(SizeArgumentError) -> Int64 {
        let units: [(String, Int64)] = [("kib", 1 << 10), ("mib", 1 << 20), ("gib", 1 << 30), ("tib", 1 << 40),
                                        ("k", 1 << 10), ("m", 1 << 20), ("g", 1 << 30), ("t", 1 << 40), ("b", 1), ("", 1)]
        let lower = text.lowercased()
        for (suffix, factor) in units where lower.hasSuffix(suffix) {
            guard let number = Double(lower.dropLast(suffix.count)), number > 0 else { continue }
            let total = number * Double(factor)
            guard total < Double(Int64.max / 2) else { throw SizeArgumentError(option: option, text: text, reason: "too large") }
            guard Int64(total) >= 1 << 20 else { throw SizeArgumentError(option: option, text: text, reason: "must be at least 1 MiB") }
            return Int64(total)
        }
        throw SizeArgumentError(option: option, text: text, reason: "expected \(expected)")
    }
}

/// A size flag (`--split`, `--chunk-size`) whose value is not a size: a usage error.
public struct SizeArgumentError: Error, CustomStringConvertible {
    public let option: String
    public let text: String
    public let reason: String
    public var description: String { "invalid \(option) '\(text)': \(reason)" }
}
