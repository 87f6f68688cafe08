/// One image reference found in a manifest: where it is, which object and container it belongs to, and the
/// scalar that holds it.
public struct ImageOccurrence: Sendable, Equatable {
    /// How the scalar is written, which decides how it is edited in place.
    public enum Style: Sendable, Equatable { case plain, singleQuoted, doubleQuoted, other }

    public let file: String
    /// 1-based line and column (in Unicode scalars) of the scalar's first character (its quote, when quoted).
    public let line: Int
    public let column: Int
    /// The object's `kind` and `metadata.name` (`Deployment`, `web`).
    public let kind: String
    public let name: String
    /// The container's name, or for a custom resource the field that holds the image (`spec.image`).
    public let container: String
    /// The reference as written.
    public let value: String
    public let style: Style

    public init(file: String, line: Int, column: Int, kind: String, name: String, container: String, value: String, style: Style) {
        self.file = file
        self.line = line
        self.column = column
        self.kind = kind
        self.name = name
        self.container = container
        self.value = value
        self.style = style
    }

    /// `Kind/name`.
    public var object: String { "\(kind)/\(name)" }
}
