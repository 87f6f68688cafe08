/// One file a command writes: its path relative to the output directory, its bytes, and whether it holds a
/// secret (credentials or a private key), which is written with mode 600.
public struct GeneratedFile: Sendable, Equatable {
    public let path: String
    public let contents: String
    public let secret: Bool

    public init(path: String, contents: String, secret: Bool = false) {
        self.path = path
        self.contents = contents
        self.secret = secret
    }
}
