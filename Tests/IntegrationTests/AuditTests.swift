import Foundation
import Testing
import TestSupport

/// `airgap audit` of a real registry filled by `transit push` (signed, unsigned, signed by another key, attested and
/// not, countersigned at the push) and by skopeo behind Airlock's back (a signature copied onto another repository,
/// a second tag, an image outside every rule, an unsigned image a rule allows): the JSON classifies every tag; the
/// HTML renders the same rows in headless Chromium without a single request leaving the file; `--vsa-key` leaves
/// a verification summary that `airgap verify-attestation` verifies; `--bundle` audits a bundle before its push.
@Suite(.enabled(if: Peers.available, Comment(rawValue: Peers.unavailableReason)))
struct AuditTests {
    static let password = "correct horse"
    static let vsaType = "https://slsa.dev/verification_summary/v1"
    /// Text an attacker controls in a signed attestation: shown in the report, never markup.
    static let injected = #"https://airlock.test/"><script>document.title='pwned'</script><img src=x onerror=alert(1)>"#

    @Test func aRegistryFilledByTransitPushAndSkopeoIsClassifiedTagByTag() async throws {
        let source = try await RegistryServer()
        defer { source.stop() }
        let site = try await RegistryServer()
        defer { site.stop() }
        let scratch = try TemporaryDirectory(prefix: "airlock-audit")
        for name in ["src", "other", "site"] {
            try await AirlockTool.run("connected", ["generate-key-pair", "--output-key-prefix", scratch.file(name)],
                                      environment: ["COSIGN_PASSWORD": Self.password]).check()
        }
        let images = try await TestImages()
        var pushed: [String: PushedImage] = [:]
        for (position, name) in ["signed", "unsigned", "wrong", "attested", "unattested", "countersigned", "sideload", "public", "thing"].enumerated() {
            try await images.build(name, layerSizes: [20_000 + position * 1_000])
        }
        for name in ["signed", "unsigned", "wrong", "attested", "unattested", "countersigned"] {
            pushed[name] = try await images.push(name, to: source, repository: "team/\(name)", tag: "1")
        }
        // Signatures at the source, by Python `cryptography` (an independent signer): src signs, `other` signs `wrong`.
        for (name, key) in [("signed", "src"), ("wrong", "other"), ("attested", "src"), ("unattested", "src"), ("countersigned", "src")] {
            try await sign(pushed[name]!, on: source, with: key, scratch)
        }
        let attestations = AttestationFlowTests()
        try await attestations.attach([("https://slsa.dev/provenance/v0.2", pushed["attested"]!.digest), (Self.injected, pushed["attested"]!.digest)],
                                      to: pushed["attested"]!, source, scratch)

        // Two bundles through transit push under a prefix; the second countersigned by the site key at the push.
        let prefix = "\(site.host)/mirror"
        let plain = scratch.file("plain.tar")
        try await AirlockTool.run("connected", ["bundle", "-q", "-o", plain] + ["signed", "unsigned", "wrong", "attested", "unattested"].map { pushed[$0]!.reference }).check()
        try await AirlockTool.run("transit", ["push", "-q", plain, "--to", prefix]).check()
        let countersign = scratch.file("countersign.tar")
        try await AirlockTool.run("connected", ["bundle", "-q", "-o", countersign, pushed["countersigned"]!.reference]).check()
        try await AirlockTool.run("transit", ["push", "-q", countersign, "--to", prefix, "--sign-key", scratch.file("site.key")],
                                  environment: ["COSIGN_PASSWORD": Self.password]).check()
        // Behind Airlock's back: skopeo copies a signed image and its .sig onto another repository, adds a tag, and
        // pushes images from an OCI layout.
        let signed = pushed["signed"]!
        try await skopeoCopy(site, "\(prefix)/team/signed:1", to: "\(prefix)/team/copied:1")
        try await skopeoCopy(site, "\(prefix)/team/signed:\(signatureTag(signed)).sig", to: "\(prefix)/team/copied:\(signatureTag(signed)).sig")
        try await skopeoCopy(site, "\(prefix)/team/signed:1", to: "\(prefix)/team/signed:latest")
        let sideload = try await images.push("sideload", to: site, repository: "mirror/team/sideload", tag: "1")
        let publicImage = try await images.push("public", to: site, repository: "mirror/team/public", tag: "1")
        let thing = try await images.push("thing", to: site, repository: "mirror/other/thing", tag: "1")

        let policy = scratch.file("policy.yaml")
        try """
        version: 1
        keys:
          src: src.pub
        rules:
          - match: ["**/team/attested", "**/team/unattested"]
            keys: [src]
            attestations: [{type: slsaprovenance, key: src}]
          - match: "**/team/public"
            unsigned: allow
          - match: "**/team/**"
            keys: [src]
        """.write(toFile: policy, atomically: true, encoding: .utf8)
        let json = scratch.file("report.json")
        let html = scratch.file("report.html")
        let evidence = scratch.file("audit.evidence")
        let audit = try await AirlockTool.run("airgap", ["audit", "--registry", prefix, "--policy", policy, "--site-key", scratch.file("site.pub"),
                                                         "--json", json, "--html", html, "--jobs", "4", "--evidence", evidence])
        #expect(audit.status == 5, "\(audit.errorOutput)")
        #expect(audit.errorOutput.contains("6 of 11 tags do not satisfy the policy"), "\(audit.errorOutput)")

        // The evidence log holds the policy's decision for every tag (5 passed, 6 failed) and checks as a chain.
        let lines = try String(contentsOfFile: evidence, encoding: .utf8).split(separator: "\n")
        let decisions = lines.filter { $0.contains(#""kind":"policy-rule""#) && $0.contains("mirror/") }
        #expect(decisions.count >= 11, "\(decisions.count) policy lines")
        #expect(lines.last?.contains(#""exit":5"#) == true)
        try await AirlockTool.run("airgap", ["evidence", "verify", evidence]).check()

        // The golden classification: every tag, its state, who signed it (fingerprints), what attests it, its twins.
        let src = try await fingerprint(scratch.file("src.pub"))
        let siteKey = try await fingerprint(scratch.file("site.pub"))
        let expected: [String: (state: String, signers: [String], attested: [String], same: [String])] = [
            "mirror/team/signed:1": ("signed", [src], [], ["\(prefix)/team/signed:latest", "\(prefix)/team/copied:1"]),
            "mirror/team/signed:latest": ("signed", [src], [], ["\(prefix)/team/copied:1", "\(prefix)/team/signed:1"]),
            "mirror/team/copied:1": ("other-repository", [], [], ["\(prefix)/team/signed:1", "\(prefix)/team/signed:latest"]),
            "mirror/team/unsigned:1": ("unsigned", [], [], []),
            "mirror/team/wrong:1": ("invalid", [], [], []),
            "mirror/team/attested:1": ("signed", [src], ["https://slsa.dev/provenance/v0.2", Self.injected], []),
            "mirror/team/unattested:1": ("unattested", [src], [], []),
            "mirror/team/countersigned:1": ("countersigned", [src, "site " + siteKey], [], []),
            "mirror/team/sideload:1": ("unsigned", [], [], []),
            "mirror/team/public:1": ("unsigned-allowed", [], [], []),
            "mirror/other/thing:1": ("no-rule", [], [], []),
        ]
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
        #expect(report["schemaVersion"] as? Int == 1)
        #expect(report["source"] as? String == "registry \(prefix)")
        let tags = try #require(report["tags"] as? [[String: Any]])
        var seen: [String: String] = [:]
        for tag in tags {
            let reference = try #require(tag["repository"] as? String).dropFirst(site.host.count + 1) + ":" + (tag["tag"] as? String ?? "")
            let state = tag["state"] as? String ?? ""
            seen[String(reference)] = state
            guard let want = expected[String(reference)] else { continue }
            #expect(state == want.state, "\(reference): \(tag["problems"] ?? [])")
            #expect((tag["passes"] as? Bool) == ["signed", "countersigned", "unsigned-allowed"].contains(want.state), "\(reference)")
            let signers = (tag["signatures"] as? [[String: Any]] ?? []).map { (($0["site"] as? Bool) == true ? "site " : "") + ($0["fingerprint"] as? String ?? "") }
            #expect(signers == want.signers, "\(reference)")
            let attested = (tag["attestations"] as? [[String: Any]] ?? []).filter { $0["verified"] as? Bool == true }.compactMap { $0["predicateType"] as? String }
            #expect(attested.sorted() == want.attested.sorted(), "\(reference)")
            #expect(Set(tag["sameDigest"] as? [String] ?? []) == Set(want.same), "\(reference)")
            #expect((tag["problems"] as? [String] ?? []).isEmpty == (tag["passes"] as? Bool == true), "\(reference)")
        }
        #expect(seen == expected.mapValues(\.state), "\(audit.output)")
        let digests = ["mirror/team/signed:1": signed.digest, "mirror/team/sideload:1": sideload.digest, "mirror/team/public:1": publicImage.digest,
                       "mirror/other/thing:1": thing.digest]
        for tag in tags {
            let reference = (tag["repository"] as? String ?? "").dropFirst(site.host.count + 1) + ":" + (tag["tag"] as? String ?? "")
            if let digest = digests[String(reference)] { #expect(tag["digest"] as? String == digest, "\(reference)") }
        }
        let signedRow = try #require(tags.first { $0["tag"] as? String == "1" && ($0["repository"] as? String)?.hasSuffix("/team/signed") == true })
        #expect(signedRow["pushedFrom"] as? [String] == ["\(source.host)/team/signed"])
        let summary = try #require(report["summary"] as? [String: Any])
        #expect(summary["tags"] as? Int == 11 && summary["passing"] as? Int == 5 && summary["failing"] as? Int == 6, "\(summary)")
        // The terminal summary: a line per tag, and the counts.
        #expect(audit.output.contains("FAIL  other-repository  \(prefix)/team/copied:1"), "\(audit.output)")
        #expect(audit.output.contains("11 tags in 10 repositories of registry \(prefix): 5 pass, 6 fail"), "\(audit.output)")

        // The HTML: self-contained, escaped, and rendered by Chromium with the same rows.
        let page = try String(contentsOfFile: html, encoding: .utf8)
        // Markup of its own only: no element or style that loads anything (what the registry said is text, escaped).
        for element in page.matches(of: /<[^>]*>/) {
            #expect(!element.output.contains("src=") && !element.output.contains("href=") && !element.output.contains("url("), "\(element.output)")
        }
        #expect(!page.contains("url(") && !page.contains("@import"))
        #expect(!page.contains("<script>document.title"), "the attestation's predicate type was written as markup")
        #expect(page.contains("&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;"))
        let proxy = try await StaticHTTPServer(directory: scratch.file("empty-\(UUID().uuidString)").creatingDirectory())
        defer { proxy.stop() }
        let dom = try await chromium(["--dump-dom", "file://\(html)"], proxy: proxy)
        let rows = dom.matches(of: /<tr class="state-([a-z-]+)" data-state="[a-z-]+"[^>]*>.*?<td class="name">([^<]*)<\/td><td>([^<]*)<\/td>/.dotMatchesNewlines())
        #expect(rows.count == 11, "\(dom.prefix(2000))")
        var rendered: [String: String] = [:]
        for row in rows { rendered[String(row.output.2.dropFirst(site.host.count + 1)) + ":" + row.output.3] = String(row.output.1) }
        #expect(rendered == expected.mapValues(\.state))
        #expect(dom.contains("<title>Airlock audit: registry \(prefix)</title>"), "a script ran: \(dom.prefix(400))")
        #expect(dom.matches(of: /<script/).count == 1)
        #expect(dom.contains("<b id=\"shown\">11</b>"), "the page's own script did not run")
        let screenshot = scratch.file("report.png")
        _ = try await chromium(["--screenshot=\(screenshot)", "--window-size=1400,900", "file://\(html)"], proxy: proxy)
        #expect(try Data(contentsOf: URL(fileURLWithPath: screenshot)).prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        // How docs/audit-report.png is made: AIRLOCK_AUDIT_SCREENSHOT=docs/audit-report.png swift test --filter AuditTests.
        if let keep = ProcessInfo.processInfo.environment["AIRLOCK_AUDIT_SCREENSHOT"] {
            try? FileManager.default.removeItem(atPath: keep)
            try FileManager.default.copyItem(atPath: screenshot, toPath: keep)
        }
        // No request left the file: the proxy every request would go through saw none but Chromium's own.
        let browserOwn = ["update.googleapis.com", "redirector.gvt1.com", "accounts.google.com", "clients2.google.com", "optimizationguide-pa.googleapis.com"]
        let requests = proxy.requestLines().filter { line in line != "GET / HTTP/1.1" && !browserOwn.contains { line.contains("://\($0)/") || line.contains(" \($0):") } }
        #expect(requests.isEmpty, "\(requests)")
        // …and the proxy does see a page that reaches out (the check can fail).
        let leaking = scratch.file("leaking.html")
        try #"<html><body><img src="http://audit-leak.invalid/x.png"></body></html>"#.write(toFile: leaking, atomically: true, encoding: .utf8)
        _ = try await chromium(["--dump-dom", "file://\(leaking)"], proxy: proxy)
        #expect(proxy.requestLines().contains { $0.contains("audit-leak.invalid") }, "\(proxy.requestLines())")

        // --repos, and a signed verification summary for each passing image, which verify-attestation verifies.
        let subset = try await AirlockTool.run("airgap", ["audit", "--registry", prefix, "--policy", policy, "--repos", "mirror/team/signed",
                                                          "--vsa-key", scratch.file("site.key"), "--json", scratch.file("subset.json")],
                                               environment: ["COSIGN_PASSWORD": Self.password])
        #expect(subset.succeeded, "\(subset.errorOutput)")
        #expect(subset.output.contains("2 tags in 1 repositories of registry \(prefix): 2 pass, 0 fail"), "\(subset.output)")
        let verified = try await AirlockTool.run("airgap", ["verify-attestation", "--key", scratch.file("site.pub"), "--type", Self.vsaType, "\(prefix)/team/signed:1"])
        #expect(verified.succeeded, "\(verified.errorOutput)")
        let envelope = try #require(try JSONSerialization.jsonObject(with: Data(String(verified.output.split(separator: "\n").first ?? "").utf8)) as? [String: Any])
        let statement = try #require(try JSONSerialization.jsonObject(with: Data(base64Encoded: envelope["payload"] as? String ?? "") ?? Data()) as? [String: Any])
        let predicate = try #require(statement["predicate"] as? [String: Any])
        #expect(statement["predicateType"] as? String == Self.vsaType)
        #expect(predicate["verificationResult"] as? String == "PASSED")
        #expect(predicate["resourceUri"] as? String == "oci://\(prefix)/team/signed@\(signed.digest)")
        let policyDigest = try await Tool.run("sha256sum", [policy]).check().output.prefix(64)
        #expect(((predicate["policy"] as? [String: Any])?["digest"] as? [String: String])?["sha256"] == String(policyDigest))
        let inputs = (predicate["inputAttestations"] as? [[String: Any]] ?? []).compactMap { $0["uri"] as? String }
        #expect(inputs.contains("\(prefix)/team/signed:\(signatureTag(signed)).sig"), "\(inputs)")
        #expect(predicate["verifiedLevels"] as? [String] == ["AIRLOCK_SIGNATURE_VERIFIED"])
        let subsetReport = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: scratch.file("subset.json")))) as? [String: Any])
        let summaries = (subsetReport["tags"] as? [[String: Any]] ?? []).compactMap { $0["verificationSummary"] as? String }
        #expect(summaries == Array(repeating: "\(prefix)/team/signed:\(signatureTag(signed)).att", count: 2))
        // The summary is evidence, not a tag: the audit is unchanged by it.
        let again = try await AirlockTool.run("airgap", ["audit", "--registry", prefix, "--policy", policy, "--repos", "mirror/team/signed"])
        #expect(again.succeeded && again.output.contains("2 tags in 1 repositories"), "\(again.output)")

        // --since: images created after the far future are none; tags with no date would stay.
        let future = try await AirlockTool.run("airgap", ["audit", "--registry", prefix, "--key", scratch.file("src.pub"), "--since", "2999-01-01"])
        #expect(future.succeeded && future.output.contains("0 tags in 0 repositories"), "\(future.output)\(future.errorOutput)")

        // --bundle: the first bundle before its push, under its source names.
        let bundled = try await AirlockTool.run("airgap", ["audit", "--bundle", plain, "--key", scratch.file("src.pub"), "--json", scratch.file("bundle.json")])
        #expect(bundled.status == 5, "\(bundled.errorOutput)")
        let bundleReport = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: scratch.file("bundle.json")))) as? [String: Any])
        var bundleStates: [String: String] = [:]
        for tag in bundleReport["tags"] as? [[String: Any]] ?? [] {
            bundleStates["\(tag["repository"] as? String ?? ""):\(tag["tag"] as? String ?? "")"] = tag["state"] as? String
        }
        #expect(bundleStates == ["\(source.host)/team/signed:1": "signed", "\(source.host)/team/unsigned:1": "unsigned",
                                 "\(source.host)/team/wrong:1": "invalid", "\(source.host)/team/attested:1": "signed",
                                 "\(source.host)/team/unattested:1": "signed"], "\(bundled.output)")
    }

    @Test func badFlagsAreUsageErrors() async throws {
        for (arguments, message) in [
            (["--key", "k.pub"], "give --registry HOST[/PREFIX] or --bundle FILE"),
            (["--registry", "127.0.0.1:1"], "give --key, --certificate-identity (keyless) or --policy"),
            (["--registry", "127.0.0.1:1", "--key", "k.pub", "--since", "last tuesday"], "--since last tuesday"),
            (["--bundle", "b.tar", "--key", "k.pub", "--vsa-key", "k.key"], "--vsa-key attaches summaries in a registry"),
        ] {
            let result = try await AirlockTool.run("airgap", ["audit"] + arguments)
            #expect(result.status == 64, "\(arguments): \(result.errorOutput)")
            #expect(result.errorOutput.contains(message), "\(arguments): \(result.errorOutput)")
        }
    }

    /// Signs `image` at `registry` for its repository there with Python `cryptography` and cosign key `key`.
    func sign(_ image: PushedImage, on registry: RegistryServer, with key: String, _ scratch: TemporaryDirectory) async throws {
        let payloadFile = scratch.file("payload-\(image.repository.replacingOccurrences(of: "/", with: "-")).json")
        let keyFile = scratch.file("\(key).key")
        try await TestImages.pushCosignSignature(for: image, to: registry, signer: { payload in
            try payload.write(to: URL(fileURLWithPath: payloadFile))
            return try await Tool.run("python3", [Peers.script("cosign-check.py"), "sign", keyFile, Self.password, payloadFile]).check()
                .output.trimmingCharacters(in: .whitespacesAndNewlines)
        })
    }

    /// `sha256:<hex>` of a public key file's DER, computed by sha256sum.
    func fingerprint(_ file: String) async throws -> String {
        let pem = try String(contentsOfFile: file, encoding: .utf8)
        let der = try #require(Data(base64Encoded: pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()))
        let scratch = try TemporaryDirectory(prefix: "airlock-fingerprint")
        try der.write(to: URL(fileURLWithPath: scratch.file("key.der")))
        return "sha256:" + (try await Tool.run("sha256sum", [scratch.file("key.der")]).check().output.prefix(64))
    }

    func signatureTag(_ image: PushedImage) -> String { "sha256-" + image.digest.dropFirst("sha256:".count) }

    func skopeoCopy(_ registry: RegistryServer, _ from: String, to: String) async throws {
        try await Tool.run("skopeo", ["--insecure-policy", "copy", "-q", "--preserve-digests"]
                           + registry.skopeoOptions(.source, user: nil) + registry.skopeoOptions(.destination, user: nil)
                           + ["docker://\(from)", "docker://\(to)"]).check()
    }

    /// Headless Chromium (Debian's `chromium`; missing, the test fails) with every request sent to `proxy`.
    func chromium(_ arguments: [String], proxy: StaticHTTPServer) async throws -> String {
        let profile = try TemporaryDirectory(prefix: "airlock-chromium")
        let proxyAddress = proxy.url.replacingOccurrences(of: "http://", with: "")
        let result = try await Tool.run("chromium", ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=\(profile.path)",
                                                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                                                     "--proxy-server=\(proxyAddress)", "--proxy-bypass-list=<-loopback>"] + arguments,
                                        environment: ["HOME": profile.path], timeout: .seconds(300))
        #expect(result.succeeded, "chromium \(arguments): \(result.errorOutput.suffix(2000))")
        return result.output
    }
}

extension String {
    /// Makes the directory at this path and returns the path.
    func creatingDirectory() throws -> String {
        try FileManager.default.createDirectory(atPath: self, withIntermediateDirectories: true)
        return self
    }
}
