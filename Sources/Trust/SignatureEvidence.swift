import Foundation
import OCI

/// Everything found that might sign one image: legacy `.sig` layers and sigstore bundles (from referrers),
/// plus problems met while collecting them (a payload blob missing, a digest mismatch).
public struct SignatureEvidence: Sendable {
    /// A sigstore bundle and where it was found.
    public struct Bundle: Sendable {
        public var origin: String
        public var data: Data
        public init(origin: String, data: Data) {
            self.origin = origin
            self.data = data
        }
    }

    public var legacy: [CosignSignatureLayer] = []
    /// Where the legacy layers came from (`repo:sha256-<hex>.sig`).
    public var legacyOrigin: String?
    public var bundles: [Bundle] = []
    public var problems: [String] = []

    public init() {}

    public var isEmpty: Bool { legacy.isEmpty && bundles.isEmpty }
}
