/// Replaces image scalars in YAML text in place, leaving every other byte as it was: comments, key order,
/// quoting and layout are kept because the document is never re-serialised.
public enum ScalarEditor {
    /// One replacement: the scalar found at `occurrence` becomes `replacement`.
    public struct Edit: Sendable {
        public let occurrence: ImageOccurrence
        public let replacement: String
        public init(occurrence: ImageOccurrence, replacement: String) {
            self.occurrence = occurrence
            self.replacement = replacement
        }
    }

    /// `text` with every edit applied. A scalar that is not written where the parser found it in a form this can
    /// edit (plain, single- or double-quoted, exactly its value) is an error naming the file and line.
    public static func apply(_ edits: [Edit], to text: String) throws -> String {
        guard !edits.isEmpty else { return text }
        var bytes = Array(text.utf8)
        let lines = lineStarts(bytes)
        var spans: [(range: Range<Int>, replacement: [UInt8])] = []
        for edit in edits {
            let occurrence = edit.occurrence
            func failure(_ why: String) -> ClusterInputError { ClusterInputError(file: occurrence.file, line: occurrence.line, why) }
            guard occurrence.line >= 1, occurrence.line <= lines.count else { throw failure("no such line for image '\(occurrence.value)'") }
            let start = skippingProperties(from: offset(ofColumn: occurrence.column, from: lines[occurrence.line - 1], in: bytes), in: bytes)
            let value = Array(occurrence.value.utf8)
            let quote: [UInt8] = switch occurrence.style {
            case .plain: []
            case .singleQuoted: [UInt8(ascii: "'")]
            case .doubleQuoted: [UInt8(ascii: "\"")]
            case .other: throw failure("image '\(occurrence.value)' is a block scalar; write it on one line to have it rewritten")
            }
            let expected = quote + value + quote
            guard start + expected.count <= bytes.count, Array(bytes[start..<start + expected.count]) == expected else {
                throw failure("image '\(occurrence.value)' is not written as a simple scalar here (escapes or a line break); write it plainly to have it rewritten")
            }
            let valueStart = start + quote.count
            // An alias names the anchored scalar again: it is edited once, where it is written.
            if let same = spans.first(where: { $0.range.lowerBound == valueStart }) {
                guard same.replacement == Array(edit.replacement.utf8) else { throw failure("image '\(occurrence.value)' is shared through an anchor but would be rewritten two ways") }
                continue
            }
            spans.append((valueStart..<valueStart + value.count, Array(edit.replacement.utf8)))
        }
        for span in spans.sorted(by: { $0.range.lowerBound > $1.range.lowerBound }) {
            bytes.replaceSubrange(span.range, with: span.replacement)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The offset past a node's properties (`&anchor`, `!tag`) and the spaces after them, where the scalar itself starts.
    static func skippingProperties(from start: Int, in bytes: [UInt8]) -> Int {
        var index = start
        while index < bytes.count, bytes[index] == UInt8(ascii: "&") || bytes[index] == UInt8(ascii: "!") {
            while index < bytes.count, ![UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r")].contains(bytes[index]) { index += 1 }
            while index < bytes.count, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\t") { index += 1 }
        }
        return index
    }

    /// Byte offsets where each line starts (after `\n`, `\r\n` or a lone `\r`, as libyaml breaks lines).
    static func lineStarts(_ bytes: [UInt8]) -> [Int] {
        var starts = [0]
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if byte == UInt8(ascii: "\n") {
                starts.append(index)
            } else if byte == UInt8(ascii: "\r") {
                if index < bytes.count, bytes[index] == UInt8(ascii: "\n") { index += 1 }
                starts.append(index)
            }
        }
        return starts
    }

    /// The byte offset of 1-based `column` (counted in Unicode scalars, as libyaml counts) on the line starting at `lineStart`.
    static func offset(ofColumn column: Int, from lineStart: Int, in bytes: [UInt8]) -> Int {
        var index = lineStart
        var remaining = column - 1
        while remaining > 0, index < bytes.count {
            index += 1
            while index < bytes.count, bytes[index] & 0xC0 == 0x80 { index += 1 }
            remaining -= 1
        }
        return index
    }
}
