import Foundation

/// A fresh, uniquely named directory under the system temporary directory,
/// removed with everything in it by ``remove()`` or when the value is released.
public final class TemporaryDirectory: Sendable {
    /// Absolute path of the directory.
    public let path: String

    /// Creates the directory; `prefix` makes it recognisable in `/tmp`.
    public init(prefix: String = "airlock-test") throws {
        let base = FileManager.default.temporaryDirectory.path
        var template = Array("\(base)/\(prefix).XXXXXX".utf8CString)
        guard let created = mkdtemp(&template) else {
            throw HarnessError("cannot create a temporary directory under \(base): errno \(errno)")
        }
        path = String(cString: created)
    }

    /// The directory as a file URL.
    public var url: URL { URL(fileURLWithPath: path, isDirectory: true) }

    /// The path of `name` inside the directory (which need not exist yet).
    public func file(_ name: String) -> String {
        path + "/" + name
    }

    /// Deletes the directory and its contents; calling it again does nothing.
    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }

    deinit { remove() }
}

/// A failure of the harness itself, with a message that says what went wrong.
public struct HarnessError: Error, CustomStringConvertible {
    /// What went wrong.
    public let description: String

    /// An error with this message.
    public init(_ description: String) {
        self.description = description
    }
}
