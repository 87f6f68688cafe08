import Foundation

/// Every parser of outside input the fuzzer drives, by the name `Benchmarks/fuzz.sh` takes. A parser may
/// throw on any input; only a crash, a hang or an unbounded allocation is a finding.
enum ParserFuzzTargets {
    static let all: [String: @Sendable (Data) -> Void] = [
        "tar": ArchiveFuzzing.tarIndex,
        "manifest": OCIFuzzing.manifest,
        "layout-index": OCIFuzzing.layoutIndex,
        "reference": OCIFuzzing.reference,
        "bundle-record": BundleFuzzing.record,
        "bundle-parts": BundleFuzzing.parts,
        "bundle-manifest": PipelineFuzzing.bundleManifest,
        "lock": PipelineFuzzing.lockFile,
        "simple-signing": TrustFuzzing.simpleSigningPayload,
        "cosign-key": TrustFuzzing.cosignKeyFile,
        "sigstore-bundle": TrustFuzzing.sigstoreBundle,
        "dsse": TrustFuzzing.dsseEnvelope,
        "trusted-root": TrustFuzzing.trustedRoot,
        "auth-challenge": RegistryFuzzing.authChallenge,
        "chart-index": ChartsFuzzing.repositoryIndex,
        "chart-archive": ChartsFuzzing.archive,
    ]
}
