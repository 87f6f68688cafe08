import ArgumentParser
import Bundle
import Charts
import Foundation
import OCI
import Pipeline
import Registry
import Trust

/// Airlock's exit codes (documented in the README).
public enum ExitStatus {
    /// The operation failed: network, registry error, integrity check.
    public static let failure: Int32 = 1
    /// A registry refused the credentials, or none were given where they are needed.
    public static let authentication: Int32 = 3
    /// A registry's TLS certificate is not trusted.
    public static let tls: Int32 = 4
    /// A signature check failed: an image is unsigned, signed by an untrusted key, or its signature does not
    /// match it; or the bundle signature does not verify.
    public static let untrusted: Int32 = 5
    /// Input data is invalid: a bundle manifest, a reference, a platform.
    public static let invalidInput: Int32 = 65

    /// The exit code for `error`, looking through copy errors to the cause.
    public static func code(for error: any Error) -> Int32 {
        switch error {
        case let e as CopyError: return code(for: e.underlying)
        case let e as RegistryError:
            switch e.kind {
            case .unauthorized, .denied: return authentication
            case .tls: return tls
            default: return failure
            }
        case is BundleManifestError, is ReferenceError, is PlatformError, is DigestError, is BundleLayoutError: return invalidInput
        case ChartError.invalidConstraint: return invalidInput
        case is CredentialError: return authentication
        case is SignatureCheckError, is BundleSignatureError: return untrusted
        case is TrustError, is KeyPasswordError: return invalidInput
        case is BundleError: return failure
        default: return failure
        }
    }
}

/// Runs a command body, turning any error into one `NAME: error: …` line and its exit code.
public func runReportingErrors(_ tool: String, _ body: () async throws -> Void) async throws {
    do { try await body() } catch let error as ExitCode { throw error } catch let error as ValidationError { throw error } catch {
        FileHandle.standardError.write(Data("\(tool): error: \(error)\n".utf8))
        throw ExitCode(ExitStatus.code(for: error))
    }
}
