import ArgumentParser
import Foundation
import OCI

/// Airlock's exit codes (documented in the README), chosen by an error's `ErrorCategory`.
public enum ExitStatus {
    /// The operation failed: network, registry error, integrity check.
    public static let failure: Int32 = 1
    /// A check found problems: `connected lock --check` (a source no longer matches the lock file),
    /// `airgap lint` (violations).
    public static let checkFailed: Int32 = 2
    /// A registry refused the credentials, or none were given where they are needed.
    public static let authentication: Int32 = 3
    /// A registry's TLS certificate is not trusted.
    public static let tls: Int32 = 4
    /// A signature check failed: an image is unsigned, signed by an untrusted key, or its signature does not
    /// match it; or the bundle signature does not verify.
    public static let untrusted: Int32 = 5
    /// Bad flags or arguments.
    public static let usage: Int32 = 64
    /// Input data is invalid: a bundle manifest, a reference, a platform.
    public static let invalidInput: Int32 = 65

    /// The exit code for `error`'s category; 1 for an error without one.
    public static func code(for error: any Error) -> Int32 {
        guard let categorized = error as? any CategorizedError else { return failure }
        return code(for: categorized.category)
    }

    public static func code(for category: ErrorCategory) -> Int32 {
        switch category {
        case .authentication: authentication
        case .tls: tls
        case .untrusted: untrusted
        case .usage: usage
        case .invalidInput: invalidInput
        case .notFound, .integrity, .network, .registryRefused, .io, .failure: failure
        }
    }
}

/// Runs a command body, turning any error into one `NAME: error: …` line and its exit code.
public func runReportingErrors(_ tool: String, _ body: () async throws -> Void) async throws {
    do { try await body() } catch let error as ExitCode { throw error } catch let error as ValidationError { throw error } catch {
        FileHandle.standardError.write(Data("\(tool): error: \(TerminalText.escaped("\(error)"))\n".utf8))
        throw ExitCode(ExitStatus.code(for: error))
    }
}
