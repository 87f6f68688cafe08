import OCI

extension CopyError: CategorizedError {
    /// The category of what went wrong underneath; a failure when that is not known.
    public var category: ErrorCategory { (underlying as? any CategorizedError)?.category ?? .failure }
}

extension SignatureCheckError: CategorizedError { public var category: ErrorCategory { .untrusted } }
extension BundleSignatureError: CategorizedError { public var category: ErrorCategory { .untrusted } }
extension BundleManifestError: CategorizedError { public var category: ErrorCategory { .invalidInput } }
extension SizeArgumentError: CategorizedError { public var category: ErrorCategory { .usage } }
