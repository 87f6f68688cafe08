import Foundation
import Testing
import TestSupport

/// `airgap lint` and `airgap rewrite` on the manifest corpus (Tests/Fixtures/manifests), a Helm chart rendered by the
/// real Helm engine, and images that `transit push` placed in a real registry.
@Suite(.enabled(if: Peers.available, Comment(rawValue: Peers.unavailableReason)))
struct ManifestLintRewriteTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/manifests").path
    static let registry = "registry.site.example:5000/mirror"

    struct Report: Decodable {
        struct Violation: Decodable { let file: String; let line: Int; let kind: String; let name: String; let container: String; let rule: String }
        let files: Int
        let images: Int
        let violations: [Violation]
    }

    /// A copy of `site/` plus `chart/rendered.yaml`: `helm template` of a chart made by `helm create` (a Deployment of
    /// nginx:APPVERSION and a test Pod of `busybox`), and the violations they hold as `file:line Kind/name container rule`.
    func corpusWithHelmChart() async throws -> (directory: TemporaryDirectory, expected: Set<String>) {
        let scratch = try TemporaryDirectory(prefix: "airlock-lint")
        try await Tool.run("cp", ["-R", Self.corpus + "/site", scratch.file("site")]).check()
        let helm = Peers.script("helmpy.py")
        try await Tool.run("python3", [helm, "create", "web", scratch.path]).check()
        let rendered = try await Tool.run("python3", [helm, "template", scratch.file("web"), "--name", "demo"]).check().stdout
        try FileManager.default.createDirectory(atPath: scratch.file("site/chart"), withIntermediateDirectories: true)
        try rendered.write(to: URL(fileURLWithPath: scratch.file("site/chart/rendered.yaml")))

        var expected = Set<String>()
        // Markers: `# lint: KIND/NAME CONTAINER RULE[,RULE]`, found by text, not by a YAML parser.
        let walker = FileManager.default.enumerator(atPath: scratch.file("site"))
        while let relative = walker?.nextObject() as? String {
            guard relative.hasSuffix(".yaml"), !relative.contains("/.") else { continue }
            let lines = try String(contentsOfFile: scratch.file("site/" + relative), encoding: .utf8).components(separatedBy: "\n")
            for (index, line) in lines.enumerated() {
                guard let marker = line.range(of: "# lint: ") else { continue }
                let fields = line[marker.upperBound...].split(separator: " ")
                for rule in fields[2].split(separator: ",") {
                    expected.insert("site/\(relative):\(index + 1) \(fields[0]) \(fields[1].replacingOccurrences(of: "_", with: " ")) \(rule)")
                }
            }
        }
        let chart = String(decoding: rendered, as: UTF8.self).components(separatedBy: "\n")
        let nginx = try #require(chart.firstIndex { $0.contains("image: \"nginx:") }) + 1
        let busybox = try #require(chart.firstIndex { $0.contains("image: busybox") }) + 1
        expected.insert("site/chart/rendered.yaml:\(nginx) Deployment/demo-web web private-registry")
        expected.insert("site/chart/rendered.yaml:\(busybox) Pod/demo-web-test-connection wget private-registry")
        expected.insert("site/chart/rendered.yaml:\(busybox) Pod/demo-web-test-connection wget tag-required")
        return (scratch, expected)
    }

    @Test func lintFindsEveryMarkedViolationAndNothingElse() async throws {
        let (scratch, expected) = try await corpusWithHelmChart()
        // Run from the scratch directory so file names are relative.
        let relative = try await Tool.run("/bin/sh", ["-c", "cd \"$1\" && exec \"$2\" lint site --registry \"$3\" --json", "sh",
                                                      scratch.path, AirlockTool.binDirectory + "/airgap", Self.registry])
        #expect(relative.status == 2, "\(relative.errorOutput)")
        let report = try JSONDecoder().decode(Report.self, from: relative.stdout)
        let found = Set(report.violations.map { "\($0.file):\($0.line) \($0.kind)/\($0.name) \($0.container) \($0.rule)" })
        #expect(found.subtracting(expected).isEmpty, "false positives: \(found.subtracting(expected).sorted())")
        #expect(expected.subtracting(found).isEmpty, "missed: \(expected.subtracting(found).sorted())")
        #expect(report.violations.count == found.count)
        #expect(report.files == 5)   // the hidden directory and NOTES.txt are not read

        // Text output: one line per violation, FILE:LINE: KIND/NAME: container C: RULE: why.
        let text = try await AirlockTool.run("airgap", ["lint", scratch.file("site/apps/cronjob.yaml"), "--registry", Self.registry])
        #expect(text.status == 2)
        #expect(text.output.hasPrefix(scratch.file("site/apps/cronjob.yaml") + ":18: CronJob/nightly-report: container wait-for-db (initContainers): private-registry: "))
        #expect(text.output.split(separator: "\n").count == 4)

        // Clean input exits 0; standard input is read with `-`.
        let clean = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a, image: \"\(Self.registry)/library/nginx:1.27\"}]}\n"
        let fromStdin = try await AirlockTool.run("airgap", ["lint", "-", "--registry", Self.registry], input: Data(clean.utf8))
        #expect(fromStdin.status == 0, "\(fromStdin.output)\(fromStdin.errorOutput)")
    }

    @Test(arguments: ["lint", "rewrite"])
    func malformedYAMLIsOneErrorWithFileAndLine(command: String) async throws {
        let scratch = try TemporaryDirectory(prefix: "airlock-lint-bad")
        let bad = scratch.file("bad.yaml")
        try Data("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: nginx:1\n   - name: b\n".utf8)
            .write(to: URL(fileURLWithPath: bad))
        let output = command == "rewrite" ? ["-o", scratch.file("out")] : []
        let result = try await AirlockTool.run("airgap", [command, bad, "--registry", Self.registry] + output)
        #expect(result.status == 65)
        let lines = result.errorOutput.split(separator: "\n")
        #expect(lines.count == 1, "\(result.errorOutput)")
        #expect(lines.first?.hasPrefix("airgap: error: \(bad):9: not valid YAML: ") == true, "\(result.errorOutput)")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("out")))
    }

    @Test func rewriteMatchesTheGoldenFilesAndChangesNothingElse() async throws {
        let scratch = try TemporaryDirectory(prefix: "airlock-rewrite")
        let out = scratch.file("out")
        try await AirlockTool.run("airgap", ["rewrite", Self.corpus + "/site", "--registry", Self.registry, "-o", out]).check()
        let golden = Self.corpus + "/rewritten"
        let files = try FileManager.default.subpathsOfDirectory(atPath: golden).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(try FileManager.default.subpathsOfDirectory(atPath: out).filter { $0.hasSuffix(".yaml") }.sorted() == files)
        for file in files {
            let written = try Data(contentsOf: URL(fileURLWithPath: out + "/" + file))
            #expect(written == (try Data(contentsOf: URL(fileURLWithPath: golden + "/" + file))), "\(file) differs from the golden file")
            // Independently of the golden file: each line is unchanged, or only its image value changed.
            let before = try String(contentsOfFile: Self.corpus + "/site/" + file, encoding: .utf8).components(separatedBy: "\n")
            let after = String(decoding: written, as: UTF8.self).components(separatedBy: "\n")
            #expect(before.count == after.count)
            for (old, new) in zip(before, after) where old != new {
                let prefix = zip(old, new).prefix { $0 == $1 }.count
                let suffix = zip(old.reversed(), new.reversed()).prefix { $0 == $1 }.count
                let changed = String(old.dropFirst(prefix).dropLast(suffix))
                #expect(old.contains("image:") && !changed.contains(" ") && !changed.contains("#"), "\(file): '\(old)' → '\(new)'")
            }
        }
        // A second run changes nothing, and -i gives the same bytes as -o.
        try await AirlockTool.run("airgap", ["rewrite", out, "--registry", Self.registry, "-o", scratch.file("again")]).check()
        for file in files {
            #expect(try Data(contentsOf: URL(fileURLWithPath: scratch.file("again/" + file))) == (try Data(contentsOf: URL(fileURLWithPath: out + "/" + file))))
        }
        try await Tool.run("cp", ["-R", Self.corpus + "/site", scratch.file("inplace")]).check()
        try await AirlockTool.run("airgap", ["rewrite", "-i", scratch.file("inplace"), "--registry", Self.registry]).check()
        for file in files {
            #expect(try Data(contentsOf: URL(fileURLWithPath: scratch.file("inplace/" + file))) == (try Data(contentsOf: URL(fileURLWithPath: golden + "/" + file))))
        }
    }

    /// NGINX's published charts (Tests/Fixtures/charts/nginx-stable), rendered by the real Helm engine: lint reports
    /// exactly the `image:` lines, rewrite changes exactly those, and a second rewrite changes nothing.
    @Test func realChartsRenderedByHelmAreLintedAndRewrittenLineForLine() async throws {
        let scratch = try TemporaryDirectory(prefix: "airlock-real-charts")
        let charts = URL(fileURLWithPath: Self.corpus).deletingLastPathComponent().appendingPathComponent("charts/nginx-stable").path
        try FileManager.default.createDirectory(atPath: scratch.file("in"), withIntermediateDirectories: true)
        for (chart, values) in [("nginx-devportal-1.7.2", [String]()), ("nms-2.1.0", ["--set", "adminPasswordHash=x"])] {
            let rendered = try await Tool.run("python3", [Peers.script("helmpy.py"), "template", "\(charts)/\(chart).tgz", "--name", "edge"] + values).check()
            try rendered.stdout.write(to: URL(fileURLWithPath: scratch.file("in/\(chart).yaml")))
        }
        // The image lines, found by text.
        var imageLines = Set<String>()
        for chart in ["nginx-devportal-1.7.2", "nms-2.1.0"] {
            let lines = try String(contentsOfFile: scratch.file("in/\(chart).yaml"), encoding: .utf8).components(separatedBy: "\n")
            for (index, line) in lines.enumerated() where line.trimmingCharacters(in: .whitespaces).hasPrefix("image:") {
                imageLines.insert("\(chart).yaml:\(index + 1)")
            }
        }
        #expect(imageLines.count == 13)
        let lint = try await AirlockTool.run("airgap", ["lint", scratch.file("in"), "--registry", Self.registry, "--json"])
        #expect(lint.status == 2)
        let report = try JSONDecoder().decode(Report.self, from: lint.stdout)
        #expect(report.images == imageLines.count)
        #expect(Set(report.violations.map { "\(($0.file as NSString).lastPathComponent):\($0.line)" }) == imageLines)

        try await AirlockTool.run("airgap", ["rewrite", scratch.file("in"), "--registry", Self.registry, "-o", scratch.file("out")]).check()
        for chart in ["nginx-devportal-1.7.2", "nms-2.1.0"] {
            let before = try String(contentsOfFile: scratch.file("in/\(chart).yaml"), encoding: .utf8).components(separatedBy: "\n")
            let after = try String(contentsOfFile: scratch.file("out/\(chart).yaml"), encoding: .utf8).components(separatedBy: "\n")
            #expect(before.count == after.count)
            for (index, (old, new)) in zip(before, after).enumerated() {
                #expect((old == new) != imageLines.contains("\(chart).yaml:\(index + 1)"), "\(chart):\(index + 1): '\(old)' → '\(new)'")
            }
        }
        // Every image is now private; what is left are the tags the charts chose.
        let after = try await AirlockTool.run("airgap", ["lint", scratch.file("out"), "--registry", Self.registry, "--json"])
        #expect(Set(try JSONDecoder().decode(Report.self, from: after.stdout).violations.map(\.rule)) == ["no-latest", "tag-required"])
        try await AirlockTool.run("airgap", ["rewrite", scratch.file("out"), "--registry", Self.registry, "-o", scratch.file("again")]).check()
        for chart in ["nginx-devportal-1.7.2", "nms-2.1.0"] {
            #expect(try Data(contentsOf: URL(fileURLWithPath: scratch.file("again/\(chart).yaml"))) == (try Data(contentsOf: URL(fileURLWithPath: scratch.file("out/\(chart).yaml")))))
        }
    }

    /// A source registry, a bundle of two images (one multi-platform), pushed with a prefix and countersigned.
    struct PushedSite {
        let source: RegistryServer
        let target: RegistryServer
        let app: PushedImage
        let multi: PushedImage
        let bundle: String
        let scratch: TemporaryDirectory
        var prefix: String { target.host + "/site/mirror" }

        init() async throws {
            source = try await RegistryServer()
            let images = try await TestImages()
            try await images.build("app", layerSizes: [50_000])
            app = try await images.push("app", to: source, repository: "team/app", tag: "1")
            try await images.buildIndex("multi", layerSizes: [20_000])
            multi = try await images.push("multi", to: source, repository: "library/multi", tag: "2")
            scratch = try TemporaryDirectory(prefix: "airlock-pin")
            bundle = scratch.file("site.tar")
            try await AirlockTool.run("connected", ["bundle", "-q", "-o", bundle, app.reference, multi.reference]).check()
            target = try await RegistryServer()
            try await AirlockTool.run("connected", ["generate-key-pair", "--output-key-prefix", scratch.file("site")], environment: ["COSIGN_PASSWORD": "pw"]).check()
            try await AirlockTool.run("connected", ["generate-key-pair", "--output-key-prefix", scratch.file("other")], environment: ["COSIGN_PASSWORD": "pw"]).check()
            try await AirlockTool.run("transit", ["push", "-q", bundle, "--to", prefix, "--sign-key", scratch.file("site.key")],
                                      environment: ["COSIGN_PASSWORD": "pw"]).check()
        }

        func manifest(_ images: [String]) -> String {
            """
            # Deployment and CronJob naming the source images.
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: app}
            spec:
              template:
                spec:
                  containers:
                    - name: app
                      image: \(images[0])   # the app
            ---
            apiVersion: batch/v1
            kind: CronJob
            metadata: {name: nightly}
            spec:
              jobTemplate:
                spec:
                  template:
                    spec:
                      initContainers:
                        - {name: init, image: "\(images[1])"}
                      containers:
                        - name: job
                          image: '\(images[0])'

            """
        }

        func stop() {
            source.stop()
            target.stop()
        }
    }

    @Test func pinnedRewriteFromBundleOrRegistryPassesLintRequireDigest() async throws {
        let site = try await PushedSite()
        defer { site.stop() }
        let input = site.scratch.file("in/app.yaml")
        try FileManager.default.createDirectory(atPath: site.scratch.file("in"), withIntermediateDirectories: true)
        try Data(site.manifest([site.app.reference, site.multi.reference]).utf8).write(to: URL(fileURLWithPath: input))

        // Before: every image breaks private-registry and digest-required.
        let before = try await AirlockTool.run("airgap", ["lint", input, "--registry", site.prefix, "--require-digest", "--json"])
        #expect(before.status == 2)
        let rules = try JSONDecoder().decode(Report.self, from: before.stdout).violations.map(\.rule)
        #expect(rules.filter { $0 == "digest-required" }.count == 3 && rules.filter { $0 == "private-registry" }.count == 3)

        let fromBundle = try await AirlockTool.run("airgap", ["rewrite", input, "--registry", site.prefix, "--pin-digests", "--from-bundle", site.bundle]).check().output
        let fromRegistry = try await AirlockTool.run("airgap", ["rewrite", input, "--registry", site.prefix, "--pin-digests", "--from-registry"]).check().output
        #expect(fromBundle == fromRegistry)
        let appRepository = site.prefix + "/team/app"
        #expect(fromBundle == site.manifest(["\(appRepository):1@\(site.app.digest)", "\(site.prefix)/library/multi:2@\(site.multi.digest)"]))

        // The output passes lint --require-digest, the registry has every image, and the site key signed them.
        let output = site.scratch.file("out.yaml")
        try Data(fromBundle.utf8).write(to: URL(fileURLWithPath: output))
        let lint = try await AirlockTool.run("airgap", ["lint", output, "--registry", site.prefix, "--require-digest", "--check-registry", "--key", site.scratch.file("site.pub")])
        #expect(lint.status == 0, "\(lint.output)\(lint.errorOutput)")
        let otherKey = try await AirlockTool.run("airgap", ["lint", output, "--registry", site.prefix, "--key", site.scratch.file("other.pub"), "--json"])
        #expect(otherKey.status == 2)
        #expect(Set(try JSONDecoder().decode(Report.self, from: otherKey.stdout).violations.map(\.rule)) == ["signed"])

        // A second pinned rewrite changes nothing.
        let again = try await AirlockTool.run("airgap", ["rewrite", output, "--registry", site.prefix, "--pin-digests", "--from-bundle", site.bundle]).check().output
        #expect(again == fromBundle)
    }

    @Test func anImageThatCannotBePinnedWritesNothing() async throws {
        let site = try await PushedSite()
        defer { site.stop() }
        let directory = site.scratch.file("in")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let good = site.manifest([site.app.reference, site.multi.reference])
        let missing = "\(site.source.host)/team/missing:1"
        try Data(good.utf8).write(to: URL(fileURLWithPath: directory + "/a.yaml"))
        try Data(site.manifest([site.app.reference, missing]).utf8).write(to: URL(fileURLWithPath: directory + "/b.yaml"))

        for source in [["--from-bundle", site.bundle], ["--from-registry"]] {
            let out = site.scratch.file("out-\(source.count)")
            let result = try await AirlockTool.run("airgap", ["rewrite", directory, "--registry", site.prefix, "--pin-digests", "-o", out] + source)
            #expect(result.status == 65)
            #expect(result.errorOutput.contains("\(directory)/b.yaml:21: CronJob/nightly: container init (initContainers): "), "\(result.errorOutput)")
            #expect(!FileManager.default.fileExists(atPath: out))
            let inPlace = try await AirlockTool.run("airgap", ["rewrite", "-i", directory, "--registry", site.prefix, "--pin-digests"] + source)
            #expect(inPlace.status == 65)
            #expect(try String(contentsOfFile: directory + "/a.yaml", encoding: .utf8) == good)
        }

        // --check-registry names a private image the registry lacks.
        let ghost = site.scratch.file("ghost.yaml")
        try Data(site.manifest(["\(site.prefix)/team/ghost:1", "\(site.prefix)/team/app:1"]).utf8).write(to: URL(fileURLWithPath: ghost))
        let lint = try await AirlockTool.run("airgap", ["lint", ghost, "--registry", site.prefix, "--check-registry", "--json"])
        #expect(lint.status == 2)
        let violations = try JSONDecoder().decode(Report.self, from: lint.stdout).violations
        #expect(violations.map { "\($0.line) \($0.rule)" } == ["10 in-registry", "24 in-registry"])
    }

    @Test func standardInputAndFlagsThatDoNotGoTogether() async throws {
        let text = "kind: Pod # a pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: a\n      image: nginx:1.27 # pinned later\n"
        let rewritten = try await AirlockTool.run("airgap", ["rewrite", "--registry", Self.registry], input: Data(text.utf8)).check()
        #expect(rewritten.output == text.replacingOccurrences(of: "nginx:1.27", with: "\(Self.registry)/library/nginx:1.27"))
        for arguments in [["rewrite", "--registry", Self.registry, "--pin-digests"],
                          ["rewrite", "--registry", Self.registry, "--from-bundle", "b.tar", "--from-registry"],
                          ["rewrite", "--registry", Self.registry, "-i"],
                          ["rewrite", "a.yaml", "--registry", Self.registry, "-i", "-o", "out"],
                          ["mirror-config", "--registry", "r.example", "--format", "k3s", "-o", "-"],
                          ["mirror-config", "--registry", "r.example", "--upstream", "docker.io", "--from-bundle", "b.tar", "--format", "k3s", "-o", "-"],
                          ["mirror-config", "--registry", "r.example", "--upstream", "docker.io", "--format", "k3s", "--plain-http", "--ca-file", "ca.pem", "-o", "-"],
                          ["mirror-config", "--registry", "r.example", "--upstream", "docker.io", "--format", "nomad", "-o", "-"]] {
            let result = try await AirlockTool.run("airgap", arguments)
            #expect(result.status == 64, "\(arguments): \(result.errorOutput)")
        }
        let badUpstream = try await AirlockTool.run("airgap", ["mirror-config", "--registry", "r.example", "--upstream", "nginx", "--format", "k3s", "-o", "-"])
        #expect(badUpstream.status == 64)
        #expect(badUpstream.errorOutput.contains("'nginx' is not a registry host"))
    }

    @Test func mirrorConfigSecretsGoOnlyToMode600Files() async throws {
        let scratch = try TemporaryDirectory(prefix: "airlock-secrets")
        let password = "pa55-\(UUID().uuidString)"
        try Data((password + "\n").utf8).write(to: URL(fileURLWithPath: scratch.file("password")))
        for format in ["containerd", "k3s", "cri-o", "talos", "talos-legacy"] {
            let out = scratch.file(format)
            let result = try await AirlockTool.run("airgap", ["mirror-config", "--registry", "r.example:5000/mirror", "--upstream", "docker.io,quay.io",
                                                              "--format", format, "--username", "puller", "--password-file", scratch.file("password"), "-o", out]).check()
            #expect(!result.output.contains(password) && !result.errorOutput.contains(password))
            let token = Data("puller:\(password)".utf8).base64EncodedString()
            var holders = 0
            for file in try FileManager.default.subpathsOfDirectory(atPath: out) {
                let path = out + "/" + file
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
                let text = try String(contentsOfFile: path, encoding: .utf8)
                let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? 0
                if text.contains(password) || text.contains(token) {
                    holders += 1
                    #expect(mode == 0o600, "\(format): \(file) holds the password with mode \(String(mode, radix: 8))")
                } else {
                    #expect(mode == 0o644, "\(format): \(file)")
                }
            }
            #expect(holders >= 1, "\(format): the credentials are written somewhere")
        }
        let echoed = try await AirlockTool.run("airgap", ["mirror-config", "--registry", "r.example:5000", "--upstream", "docker.io", "--format", "k3s",
                                                          "--username", "puller", "--password-file", scratch.file("password"), "-o", "-"])
        #expect(echoed.status == 64)
        #expect(!echoed.output.contains(password))
    }
}
