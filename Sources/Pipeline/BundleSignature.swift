import Bundle
import Foundation
import OCI
import Trust

/// The bundle's own signature: `cosign sign-blob` over the exact `index.json` bytes, stored as
/// `index.json.sig` (base64 of the DER signature), so `cosign verify-blob --key` accepts it too.
public enum BundleSignature {
    /// The signature text for `index` made with `key`.
    public static func sign(_ index: Data, with key: PrivateKey) throws -> Data {
        Data(try key.sign(index).base64EncodedString().utf8)
    }

    /// Checks the bundle's `index.json.sig` with `key`; throws when it is missing or does not verify.
    public static func verify(_ bundle: BundleFile, with key: PublicKey) throws {
        let subject = "\(bundle.path): \(BundleFile.indexSignatureName)"
        do {
            try check(bundle, with: key)
        } catch {
            CheckRecording.report(CheckRecord(.bundleSignature, subject: subject, keyFingerprint: key.fingerprint, passed: false, reason: "\(error)"))
            throw error
        }
        CheckRecording.report(CheckRecord(.bundleSignature, subject: subject, keyFingerprint: key.fingerprint, passed: true,
                                          reason: "verifies index.json with \(key.origin)"))
    }

    private static func check(_ bundle: BundleFile, with key: PublicKey) throws {
        guard bundle.entries[BundleFile.indexSignatureName] != nil else {
            throw BundleSignatureError(bundle: bundle.path, reason: "\(BundleFile.indexSignatureName) is missing: the bundle is not signed (made without --sign-key)")
        }
        let text = String(decoding: try bundle.contents(of: BundleFile.indexSignatureName, limit: 64 << 10), as: UTF8.self)
        guard let signature = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw BundleSignatureError(bundle: bundle.path, reason: "\(BundleFile.indexSignatureName) is not base64")
        }
        guard key.verify(signature: signature, message: try bundle.contents(of: "index.json")) else {
            throw BundleSignatureError(bundle: bundle.path, reason: "\(BundleFile.indexSignatureName) does not verify index.json with \(key.origin)")
        }
    }
}

/// The bundle's signature is missing or wrong.
public struct BundleSignatureError: Error, CustomStringConvertible {
    public let bundle: String
    public let reason: String
    public var description: String { "\(bundle): \(reason)" }
}
