import OCI

/// How image references are written in manifests.
public enum ImageText {
    /// Whether `text` names a tag itself: a `:` after its last `/` (before any `@`).
    public static func writesTag(_ text: String) -> Bool {
        let name = text.split(separator: "@", maxSplits: 1).first.map(String.init) ?? text
        let last = name.split(separator: "/").last.map(String.init) ?? name
        return last.contains(":")
    }

    /// `reference` written the way `original` was: without the implied `latest` when `original` named no tag.
    public static func written(_ reference: Reference, like original: String) -> String {
        guard !writesTag(original), reference.tag == Reference.defaultTag else { return reference.description }
        return reference.withoutTag().description
    }
}
