import Foundation
import Testing
import TestSupport

/// The evidence log across the zones: pull, pack, transit verify, transit push and airgap verify all append to one
/// file; `airgap evidence verify` checks its chain and signed head, and names the line where a tampered, deleted or
/// swapped copy breaks; Python `cryptography` verifies the head's signature on its own.
@Suite(.enabled(if: Peers.available, Comment(rawValue: Peers.unavailableReason)))
struct EvidenceFlowTests {
    static let password = ["COSIGN_PASSWORD": "correct horse"]

    @Test func oneLogAcrossTheZonesVerifiesAndEveryTamperingIsNamed() async throws {
        let source = try await RegistryServer()
        defer { source.stop() }
        let site = try await RegistryServer()
        defer { site.stop() }
        let scratch = try TemporaryDirectory(prefix: "airlock-evidence")
        for name in ["src", "other", "auditor"] {
            try await AirlockTool.run("connected", ["generate-key-pair", "--output-key-prefix", scratch.file(name)], environment: Self.password).check()
        }
        let images = try await TestImages()
        try await images.build("app", layerSizes: [200_000, 30_000])
        let app = try await images.push("app", to: source, repository: "team/app", tag: "1")
        let (store, bundle, log) = (scratch.file("store"), scratch.file("site.tar"), scratch.file("evidence.jsonl"))
        let evidence = ["--evidence", log]

        try await AirlockTool.run("connected", ["pull", "-q", "--store", store, app.reference] + evidence).check()
        try await AirlockTool.run("connected", ["sign", "--key", scratch.file("src.key"), "--store", store, app.reference], environment: Self.password).check()
        try await AirlockTool.run("connected", ["pack", "-q", "--store", store, "-o", bundle] + evidence).check()
        try await AirlockTool.run("transit", ["verify", "-q", bundle, "--key", scratch.file("src.pub")] + evidence).check()
        try await AirlockTool.run("transit", ["push", "-q", bundle, "--to", site.host, "--key", scratch.file("src.pub"),
                                              "--creds", "tester:never-logged-secret"] + evidence).check()
        let pushed = "\(site.host)/team/app:1"
        let refused = try await AirlockTool.run("airgap", ["verify", "--key", scratch.file("other.pub"), pushed] + evidence)
        #expect(refused.status == 5, "\(refused.errorOutput)")
        try await AirlockTool.run("airgap", ["verify", "--key", scratch.file("src.pub"), pushed, "--evidence-key", scratch.file("auditor.key")] + evidence,
                                  environment: Self.password).check()

        // Every line a compact JSON object with sorted keys, chained; secrets never written.
        let text = try String(contentsOfFile: log, encoding: .utf8)
        #expect(!text.contains("never-logged-secret") && text.contains("\"--creds\",\"***\""))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        let parsed = try lines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        let canonical = "import json,sys\nfor n, line in enumerate(open(sys.argv[1], encoding='utf-8').read().split('\\n')[:-1], 1):\n"
            + "    if json.dumps(json.loads(line), sort_keys=True, separators=(',', ':'), ensure_ascii=False) != line: sys.exit(f'line {n}: {line}')\n"
        let compact = try await Tool.run("python3", ["-c", canonical, log])
        #expect(compact.succeeded, "not compact JSON with sorted keys: \(compact.errorOutput)")
        #expect(parsed.filter { $0["type"] as? String == "run-start" }.count == 6)
        let ends = parsed.filter { $0["type"] as? String == "run-end" }
        #expect(ends.map { $0["exit"] as? Int } == [0, 0, 0, 0, 5, 0])
        func checks(_ kind: String, _ result: String, tool: String? = nil) -> [[String: Any]] {
            parsed.filter { $0["kind"] as? String == kind && $0["result"] as? String == result
                            && (tool == nil || ($0["tool"] as? [String: Any])?["name"] as? String == tool) }
        }
        let srcFingerprint = try await fingerprint(scratch.file("src.pub"))
        #expect(checks("blob", "pass", tool: "connected").count >= 4)   // pulled, then packed: config and two layers each
        #expect(checks("blob", "pass", tool: "transit").count >= 6)     // hashed in the bundle, then as pushed
        #expect(checks("manifest", "pass").count >= 4)
        #expect(checks("bundle-record", "pass").count == 2)   // transit verify, then push's structure check
        let signatures = checks("signature", "pass")
        #expect(signatures.count == 3 && signatures.allSatisfy { $0["key"] as? String == srcFingerprint && $0["digest"] as? String == app.digest })
        #expect(checks("policy-rule", "pass").count == 3)
        let failed = checks("policy-rule", "fail")
        #expect(failed.count == 1 && (failed.first?["reason"] as? String ?? "").contains("no valid signature by \(scratch.file("other.pub"))"))

        let verified = try await AirlockTool.run("airgap", ["evidence", "verify", log, "--key", scratch.file("auditor.pub")])
        #expect(verified.succeeded, "\(verified.errorOutput)")
        #expect(verified.output.contains("chain intact, \(lines.count) lines") && verified.output.contains("runs: 6 (1 failed, 0 unfinished)"), "\(verified.output)")
        #expect(verified.output.contains("head signature verified with \(scratch.file("auditor.pub"))"), "\(verified.output)")
        let json = try await AirlockTool.run("airgap", ["evidence", "verify", "--json", log]).check()
        let summary = try #require(try JSONSerialization.jsonObject(with: json.stdout) as? [String: Any])
        #expect(summary["failures"] as? Int == 1 && summary["runs"] as? Int == 6)
        #expect((summary["tools"] as? [String])?.count == 3)

        // The signed head, checked by Python `cryptography` as `cosign verify-blob` would: ECDSA P-256 over SHA-256 of FILE.head.
        let head = try String(contentsOfFile: log + ".head", encoding: .utf8)
        #expect(head == (try await Tool.output("sh", ["-c", "tail -n 1 '\(log)' | tr -d '\\n' | sha256sum | cut -d' ' -f1"])).trimmingCharacters(in: .whitespacesAndNewlines) + "\n")
        let signature = try String(contentsOfFile: log + ".sig", encoding: .utf8)
        try await Tool.run("python3", [Peers.script("cosign-check.py"), "verify", scratch.file("auditor.pub"), log + ".head", signature]).check()
        let forged = try await Tool.run("python3", [Peers.script("cosign-check.py"), "verify", scratch.file("src.pub"), log + ".head", signature])
        #expect(forged.status == 1)

        // Copies with one line changed, one deleted, two swapped: each fails at the line where the chain breaks.
        let middle = lines.count / 2
        let cases: [(String, [String], Int)] = [
            ("tampered", lines.enumerated().map { $0.offset == middle - 1 ? $0.element.replacingOccurrences(of: "\"time\":\"2", with: "\"time\":\"1") : $0.element },
             middle + 1),
            ("deleted", lines.enumerated().filter { $0.offset != middle - 1 }.map(\.element), middle),
            ("swapped", lines.enumerated().map { $0.offset == middle - 1 ? lines[middle] : $0.offset == middle ? lines[middle - 1] : $0.element }, middle),
        ]
        for (name, changed, line) in cases {
            let copy = scratch.file("\(name).jsonl")
            try (changed.joined(separator: "\n") + "\n").write(toFile: copy, atomically: true, encoding: .utf8)
            for suffix in [".head", ".sig"] { try FileManager.default.copyItem(atPath: log + suffix, toPath: copy + suffix) }
            let broken = try await AirlockTool.run("airgap", ["evidence", "verify", copy, "--key", scratch.file("auditor.pub")])
            #expect(broken.status == 1, "\(name): \(broken.errorOutput)")
            #expect(broken.errorOutput.contains("airgap: error: \(copy): line \(line): the chain is broken"), "\(name): \(broken.errorOutput)")
        }
        let wrongKey = try await AirlockTool.run("airgap", ["evidence", "verify", log, "--key", scratch.file("other.pub")])
        #expect(wrongKey.status == 5 && wrongKey.errorOutput.contains("\(log).sig: does not verify \(log).head with \(scratch.file("other.pub"))"),
                "\(wrongKey.errorOutput)")
    }

    /// `sha256:<hex>` of the public key's DER, as openssl computes it.
    func fingerprint(_ publicKey: String) async throws -> String {
        let hex = try await Tool.output("sh", ["-c", "openssl pkey -pubin -in '\(publicKey)' -outform DER | sha256sum | cut -d' ' -f1"])
        return "sha256:" + hex.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
