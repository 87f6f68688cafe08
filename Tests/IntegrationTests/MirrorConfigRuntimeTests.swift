import Foundation
import Testing
import TestSupport

/// `airgap mirror-config` output read by the real runtimes: Debian's containerd (`ctr content fetch --hosts-dir`) and
/// skopeo (`--registries-conf`, containers/image as CRI-O and podman use it), pulling from a private registry that
/// `transit push` filled, with and without a repository prefix, over plain HTTP and TLS with a test CA; the private
/// registry is CNCF distribution, or `airgap serve` (which must take the same configs unchanged).
@Suite(.enabled(if: Peers.available, Comment(rawValue: Peers.unavailableReason)),
       .enabled(if: Tool.available("containerd") && Tool.available("ctr") && getuid() == 0, "needs Debian's containerd and root"))
struct MirrorConfigRuntimeTests {
    /// An upstream registry with two images, a bundle of one of them, and the private registry it was pushed to.
    struct Site {
        let upstream: RegistryServer
        let mirror: RegistryServer
        let bundled: PushedImage
        let upstreamOnly: PushedImage
        let bundle: String
        let scratch: TemporaryDirectory
        let prefix: String?

        init(prefix: String?, tls: Bool, user: TestUser? = nil, serve: Bool = false) async throws {
            upstream = try await RegistryServer()
            let images = try await TestImages()
            try await images.build("app", layerSizes: [120_000])
            bundled = try await images.push("app", to: upstream, repository: "team/app", tag: "1")
            try await images.build("other", layerSizes: [40_000])
            upstreamOnly = try await images.push("other", to: upstream, repository: "team/other", tag: "1")
            scratch = try TemporaryDirectory(prefix: "airlock-mirror-config")
            bundle = scratch.file("site.tar")
            try await AirlockTool.run("connected", ["bundle", "-q", "-o", bundle, bundled.reference]).check()
            mirror = try await RegistryServer(tls: tls, authentication: user.map { .basic($0) } ?? .none,
                                              implementation: serve ? .airgap([]) : .distribution)
            self.prefix = prefix
            try await AirlockTool.run("transit", ["push", "-q", bundle, "--to", target] + (mirror.caFile.map { ["--ca-file", $0] } ?? [])
                                      + (user.map { ["--creds", $0.colonSeparated] } ?? [])).check()
        }

        /// `HOST:PORT[/PREFIX]`, as given to transit push and mirror-config.
        var target: String { mirror.host + (prefix.map { "/" + $0 } ?? "") }

        /// Runs mirror-config for `format` into a fresh directory and returns it.
        func mirrorConfig(_ format: String, _ extra: [String] = []) async throws -> String {
            let directory = scratch.file("\(format)-\(UUID().uuidString)")
            let tlsOptions = mirror.caFile.map { ["--ca-file", $0] } ?? ["--plain-http"]
            try await AirlockTool.run("airgap", ["mirror-config", "--registry", target, "--from-bundle", bundle, "--format", format, "-o", directory]
                                      + tlsOptions + extra).check()
            return directory
        }

        /// The access-log lines of requests for repository path `repository`: distribution's
        /// (`"HEAD /v2/REPO/manifests/1 HTTP/1.1"`) or airgap serve's (`TIME HEAD /v2/REPO/manifests/1 200 …`).
        static func requests(_ registry: RegistryServer, _ repository: String) throws -> [String] {
            let log = try String(contentsOfFile: registry.logFile, encoding: .utf8)
            return log.split(separator: "\n").map(String.init).filter { line in
                line.contains(" /v2/\(repository)/")
                    && (line.contains(" HTTP/") || line.range(of: #"^\S+ (GET|HEAD) /v2/"#, options: .regularExpression) != nil)
            }
        }

        func stop() {
            upstream.stop()
            mirror.stop()
        }
    }

    /// The source repository path `team/app` as the private registry holds it.
    func privatePath(_ site: Site, _ repository: String) -> String { (site.prefix.map { $0 + "/" } ?? "") + repository }

    @Test(arguments: [(nil, false, false), ("mirror", false, false), (nil, true, false), ("site/mirror", true, false),
                      ("mirror", false, true), (nil, true, true)] as [(String?, Bool, Bool)])
    func containerdAndSkopeoPullThroughTheMirror(prefix: String?, tls: Bool, serve: Bool) async throws {
        let site = try await Site(prefix: prefix, tls: tls, serve: serve)
        defer { site.stop() }
        let upstreamBefore = try Site.requests(site.upstream, "team/app").count

        // containerd: the upstream reference is fetched from the private registry, at transit push's repository.
        let containerd = try await ContainerdDaemon()
        defer { containerd.stop() }
        let hosts = try await site.mirrorConfig("containerd") + "/certs.d"
        let fetch = try await containerd.ctr(["content", "fetch", "--hosts-dir", hosts, site.bundled.reference])
        #expect(fetch.succeeded, "\(fetch.errorOutput)\n\(site.mirror.logTail())")
        let content = try await containerd.ctr(["content", "ls", "-q"]).check().output
        #expect(content.contains(site.bundled.digest))
        let mirrored = try Site.requests(site.mirror, privatePath(site, "team/app"))
        #expect(mirrored.contains { $0.contains("/manifests/1") })
        #expect(try Site.requests(site.upstream, "team/app").count == upstreamBefore, "containerd asked the upstream")

        // The private reference itself (what `airgap rewrite` writes) is fetched with the registry's own hosts.toml.
        let direct = try await containerd.ctr(["content", "fetch", "--hosts-dir", hosts, "\(site.target)/team/app:1@\(site.bundled.digest)"])
        #expect(direct.succeeded, "\(direct.errorOutput)")

        // skopeo with the CRI-O / podman drop-in: the same mirror, never the upstream.
        let crio = try await site.mirrorConfig("cri-o")
        let certificates = tls ? ["--cert-dir", crio + "/certs.d/" + site.mirror.host] : []
        let raw = try await Tool.run("skopeo", ["--registries-conf", crio + "/registries.conf.d/50-airlock.conf", "inspect", "--raw", "--retry-times", "0"]
                                     + certificates + ["docker://" + site.bundled.reference])
        #expect(raw.succeeded, "\(raw.errorOutput)")
        #expect("sha256:" + (try await Tool.output("sha256sum", input: raw.stdout)).prefix(64) == site.bundled.digest)
        #expect(try Site.requests(site.mirror, privatePath(site, "team/app")).count > mirrored.count)
        #expect(try Site.requests(site.upstream, "team/app").count == upstreamBefore, "skopeo asked the upstream")
    }

    @Test func credentialsInTheGeneratedFilesOpenAnAuthenticatedRegistry() async throws {
        let user = TestUser.random("puller")
        let site = try await Site(prefix: "mirror", tls: true, user: user)
        defer { site.stop() }
        let passwordFile = site.scratch.file("password")
        try Data((user.password + "\n").utf8).write(to: URL(fileURLWithPath: passwordFile))
        // --no-fallback, so that only the private registry can answer.
        let credentials = ["--username", user.username, "--password-file", passwordFile, "--no-fallback"]

        // containerd sends the hosts.toml Authorization header; ctr is given no credentials of its own.
        let containerd = try await ContainerdDaemon()
        defer { containerd.stop() }
        let hosts = try await site.mirrorConfig("containerd", credentials) + "/certs.d"
        let anonymous = try await site.mirrorConfig("containerd", ["--no-fallback"]) + "/certs.d"
        let refused = try await containerd.ctr(["content", "fetch", "--hosts-dir", anonymous, site.bundled.reference])
        #expect(!refused.succeeded)
        let fetch = try await containerd.ctr(["content", "fetch", "--hosts-dir", hosts, site.bundled.reference])
        #expect(fetch.succeeded, "\(fetch.errorOutput)\n\(site.mirror.logTail())")

        // skopeo reads the CRI-O output's auth.json.
        let crio = try await site.mirrorConfig("cri-o", credentials)
        let raw = try await Tool.run("skopeo", ["--registries-conf", crio + "/registries.conf.d/50-airlock.conf", "inspect", "--raw", "--retry-times", "0",
                                                "--authfile", crio + "/auth.json", "--cert-dir", crio + "/certs.d/" + site.mirror.host,
                                                "docker://" + site.bundled.reference])
        #expect(raw.succeeded, "\(raw.errorOutput)")
        #expect("sha256:" + (try await Tool.output("sha256sum", input: raw.stdout)).prefix(64) == site.bundled.digest)
    }

    @Test func noFallbackNeverAsksTheUpstream() async throws {
        let site = try await Site(prefix: "mirror", tls: false)
        defer { site.stop() }
        let containerd = try await ContainerdDaemon()
        defer { containerd.stop() }

        // With fallback, an image the mirror lacks comes from the upstream, as containerd's default host.
        let fallback = try await site.mirrorConfig("containerd") + "/certs.d"
        try await containerd.ctr(["content", "fetch", "--hosts-dir", fallback, site.upstreamOnly.reference]).check()
        let asked = try Site.requests(site.upstream, "team/other").count
        #expect(try Site.requests(site.mirror, "mirror/team/other").contains { $0.contains("/manifests/1") })

        // With --no-fallback the fetch fails and the upstream hears nothing.
        let strict = try await site.mirrorConfig("containerd", ["--no-fallback"]) + "/certs.d"
        let hostsFile = try String(contentsOfFile: strict + "/\(site.upstream.host.replacingOccurrences(of: ":", with: "_"))_/hosts.toml", encoding: .utf8)
        #expect(hostsFile.contains("server = \"http://\(site.mirror.host)/v2/mirror\""))
        _ = try await containerd.ctr(["content", "rm", site.upstreamOnly.digest])
        let refused = try await containerd.ctr(["content", "fetch", "--hosts-dir", strict, site.upstreamOnly.reference])
        #expect(!refused.succeeded)
        #expect(try Site.requests(site.upstream, "team/other").count == asked, "containerd fell back to the upstream")

        // skopeo: the upstream's own location is the private registry, so the upstream is never tried either.
        let crio = try await site.mirrorConfig("cri-o", ["--no-fallback"])
        let skopeo = try await Tool.run("skopeo", ["--registries-conf", crio + "/registries.conf.d/50-airlock.conf", "inspect", "--raw",
                                                   "--retry-times", "0", "docker://" + site.upstreamOnly.reference])
        #expect(!skopeo.succeeded)
        #expect(try Site.requests(site.upstream, "team/other").count == asked, "skopeo fell back to the upstream")
        let bundled = try await Tool.run("skopeo", ["--registries-conf", crio + "/registries.conf.d/50-airlock.conf", "inspect", "--raw",
                                                    "--retry-times", "0", "docker://" + site.bundled.reference])
        #expect(bundled.succeeded, "\(bundled.errorOutput)")
    }
}
