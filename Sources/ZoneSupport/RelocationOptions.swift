import ArgumentParser
import OCI
import Trust

/// `--prefix` / `--signed-prefix`: where `transit push` relocated the images checked, so a signature made at the
/// source verifies under the repository identity rule for exactly the repository it was pushed to.
public struct RelocationOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Where transit push put the images (its --to): a signature for the source repository is accepted for the repository the push mapped it to.", valueName: "host[/prefix]"))
    public var prefix: String?

    @Option(name: .customLong("signed-prefix"), help: ArgumentHelp("With --prefix: only signatures for source repositories under this prefix (docker.io, ghcr.io/acme) are relocated.", valueName: "prefix"))
    public var signedPrefix: String?

    public init() {}

    public func validate() throws {
        if signedPrefix != nil && prefix == nil { throw ValidationError("--signed-prefix needs --prefix (where transit push put the images)") }
        if let prefix {
            do { _ = try PushTarget(parsing: prefix) } catch { throw ValidationError("--prefix \(prefix): \(error)") }
        }
    }

    /// The relocation the flags describe, or nil when none was given.
    public func relocation() throws -> Relocation? {
        guard let prefix else { return nil }
        return Relocation(target: try PushTarget(parsing: prefix), signedPrefix: signedPrefix)
    }
}
