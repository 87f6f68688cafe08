import Foundation
import Testing
import TestSupport
import Trust

/// An independent oracle: PyPI `sigstore` (scripts/install-deps.sh puts it in a virtualenv), offline with a trust
/// config around each case's trusted root, decides every conformance case it supports; Airlock must agree.
@Suite struct SigstorePythonOracleTests {
    static let python = ProcessInfo.processInfo.environment["AIRLOCK_SIGSTORE_PYTHON"] ?? "/opt/airlock/sigstore-venv/bin/python"
    static let available = FileManager.default.isExecutableFile(atPath: python)

    /// sigstore-python's verdict on a case: whether `sigstore verify identity --offline` accepted the bundle.
    static func pythonAccepts(_ testCase: ConformanceCase, scratch: String) async throws -> Bool {
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: testCase.trustedRootPath)))
        let config: [String: Any] = [
            "mediaType": TrustedRoot.trustConfigMediaType,
            "trustedRoot": root,
            "signingConfig": [
                "mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
                "caUrls": [["url": "https://fulcio.invalid", "majorApiVersion": 1, "operator": "", "validFor": ["start": "1970-01-01T00:00:00Z"]]],
                "oidcUrls": [], "rekorTlogUrls": [["url": "https://rekor.invalid", "majorApiVersion": 1, "operator": "", "validFor": ["start": "1970-01-01T00:00:00Z"]]],
                "tsaUrls": [], "rekorTlogConfig": ["selector": "ANY"], "tsaConfig": ["selector": "ANY"],
            ],
        ]
        let configPath = "\(scratch)/\(testCase.name).trust-config.json"
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: configPath))
        let result = try await Tool.run(python, ["-m", "sigstore", "--trust-config", configPath, "verify", "identity", "--offline",
                                                 "--bundle", "\(testCase.path)/bundle.sigstore.json",
                                                 "--cert-identity", testCase.identity, "--cert-oidc-issuer", testCase.issuer,
                                                 testCase.artifactPath], timeout: .seconds(600))
        return result.succeeded
    }

    @Test(.enabled(if: available, "PyPI sigstore is not installed (scripts/install-deps.sh)"))
    func airlockAgreesWithSigstorePythonOnEveryCaseItGetsRight() async throws {
        let scratch = try TemporaryDirectory(prefix: "airlock-oracle")
        // Key-signed cases need `--key`, which sigstore-python's CLI does not have.
        let cases = ConformanceCase.all.filter { $0.file("key.pub") == nil }
        let verdicts = try await withThrowingTaskGroup(of: (ConformanceCase, Bool).self) { group in
            var results: [(ConformanceCase, Bool)] = []
            var pending = cases[...]
            for _ in 0..<2 {
                if let next = pending.popFirst() { group.addTask { (next, try await Self.pythonAccepts(next, scratch: scratch.path)) } }
            }
            while let result = try await group.next() {
                results.append(result)
                if let next = pending.popFirst() { group.addTask { (next, try await Self.pythonAccepts(next, scratch: scratch.path)) } }
            }
            return results
        }
        var supported = 0
        var unsupported: [String] = []
        for (testCase, pythonAccepted) in verdicts.sorted(by: { $0.0.name < $1.0.name }) {
            guard pythonAccepted != testCase.expectsFailure else { unsupported.append(testCase.name); continue }
            supported += 1
            let airlockAccepted = testCase.verify() == nil
            #expect(airlockAccepted == pythonAccepted, "\(testCase): sigstore-python \(pythonAccepted ? "accepts" : "refuses"), Airlock does not agree")
        }
        print("sigstore-python gets \(supported) of \(cases.count) keyless cases as expected; not: \(unsupported.joined(separator: ", "))")
        // sigstore-python 4.5.1 here: 65 of 67 (not intoto-with-custom-trust-root, an intoto 0.0.2 entry, nor
        // trust-root-tsa-validity-end-inclusive); a lower count means the oracle itself broke.
        #expect(supported >= 65, "sigstore-python got only \(supported) of \(cases.count) cases as expected")
    }
}
