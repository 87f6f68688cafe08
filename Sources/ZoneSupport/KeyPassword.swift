import Foundation
import OCI

/// The password of a private key, taken as cosign takes it: `COSIGN_PASSWORD` when it is set (even empty),
/// else a prompt on a terminal, else all of standard input (a trailing newline included, as cosign does).
public enum KeyPassword {
    public static func read(prompt: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Data {
        if let password = environment["COSIGN_PASSWORD"] { return Data(password.utf8) }
        if isatty(STDIN_FILENO) == 1 {
            guard let entered = getpass(prompt) else { throw KeyPasswordError() }
            return Data(String(cString: entered).utf8)
        }
        return FileHandle.standardInput.readDataToEndOfFile()
    }

    /// A new password, asked twice on a terminal; from `COSIGN_PASSWORD` or standard input otherwise.
    public static func readNew(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Data {
        if environment["COSIGN_PASSWORD"] != nil || isatty(STDIN_FILENO) != 1 { return try read(prompt: "", environment: environment) }
        let first = try read(prompt: "Enter password for private key: ", environment: environment)
        let second = try read(prompt: "Enter password for private key again: ", environment: environment)
        guard first == second else { throw KeyPasswordError(reason: "the passwords do not match") }
        return first
    }
}

/// No password could be read.
public struct KeyPasswordError: CategorizedError, CustomStringConvertible {
    public var reason = "no password could be read from the terminal"
    public var description: String { reason }
    public var category: ErrorCategory { .invalidInput }
}
