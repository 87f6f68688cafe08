import Cluster
import Foundation
import OCI
import Pipeline
import Testing
import Yams

/// The k3s and Talos outputs checked as data: each endpoint is normalised the way k3s and Talos normalise it (the
/// behaviour their own test tables pin down), and the request it leads to must be the repository `transit push` wrote.
struct MirrorConfigFormatTests {
    static let pem = "-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n"

    func settings(_ target: String, upstreams: [String] = ["docker.io", "ghcr.io"], plainHTTP: Bool = false,
                  fallback: Bool = true, credentials: Bool = false) throws -> MirrorSettings {
        var settings = try MirrorSettings(target: try PushTarget(parsing: target), upstreams: upstreams)
        settings.plainHTTP = plainHTTP
        settings.fallback = fallback
        if !plainHTTP { settings.caCertificate = .init(path: "ca.pem", contents: Self.pem) }
        if credentials { settings.credentials = .init(username: "puller", password: "s3cret \"quoted\"") }
        return settings
    }

    func yaml(_ files: [GeneratedFile], _ path: String) throws -> Node {
        let file = try #require(files.first { $0.path == path })
        return try #require(try Yams.compose(yaml: file.contents))
    }

    /// The path containerd asks for `reference`'s manifest at a mirror endpoint (`override_path`: the endpoint path
    /// as it is; otherwise the path plus `/v2`).
    func manifestPath(endpointPath: String, overridePath: Bool, _ reference: String) throws -> String {
        let parsed = try Reference(parsing: reference)
        let root = overridePath ? endpointPath : (endpointPath.isEmpty || endpointPath == "/" ? "/v2" : endpointPath)
        return "\(root)/\(parsed.repository)/manifests/\(parsed.tag ?? "")"
    }

    /// What transit push wrote for `reference`: the path on the private registry.
    func pushedPath(_ target: String, _ reference: String) throws -> String {
        "/v2/" + (try PushTarget(parsing: target)).repository(for: try Reference(parsing: reference)).path + "/manifests/" + (try Reference(parsing: reference).tag ?? "")
    }

    // MARK: k3s

    /// k3s's `normalizeEndpointAddress` (pkg/agent/containerd/config.go, and its table in config_test.go): the scheme
    /// defaults to https (http for localhost on an odd port); a path of "", "/" or "/v2" becomes "/v2" without
    /// override; any other path is used as it is, with override_path.
    func k3sNormalise(_ endpoint: String) throws -> (url: URL, overridePath: Bool) {
        let withScheme = endpoint.contains("://") ? endpoint : "https://" + endpoint
        var components = try #require(URLComponents(string: withScheme))
        switch components.path {
        case "", "/", "/v2":
            components.path = "/v2"
            return (try #require(components.url), false)
        default:
            return (try #require(components.url), true)
        }
    }

    @Test(arguments: [
        ("endpoint without a path: /v2 appended, no override", "registry.example.com:5000", nil as String?),
        ("endpoint with a one-segment prefix: override_path", "registry.example.com:5000", "mirror"),
        ("endpoint with a nested prefix: override_path", "10.0.0.5:443", "site/mirror"),
    ])
    func k3sEndpointsLeadToThePushedRepositories(_ name: String, host: String, prefix: String?) throws {
        let target = host + (prefix.map { "/" + $0 } ?? "")
        let files = K3sRegistriesConfig.files(try settings(target, credentials: true))
        let root = try yaml(files, "registries.yaml")
        for (upstream, reference) in [("docker.io", "docker.io/library/nginx:1.27"), ("ghcr.io", "ghcr.io/org/app:2")] {
            let endpoints = try #require(root["mirrors"]?[upstream]?["endpoint"]?.sequence)
            #expect(endpoints.count == 1, "\(name)")
            let (url, overridePath) = try k3sNormalise(try #require(endpoints[0].string))
            #expect(overridePath == (prefix != nil), "\(name)")
            #expect(url.scheme == "https")
            #expect(try manifestPath(endpointPath: url.path, overridePath: overridePath, reference) == (try pushedPath(target, reference)), "\(name)")
            // configs are looked up by the endpoint's host:port.
            let hostPort = url.host! + (url.port.map { ":\($0)" } ?? "")
            #expect(root["configs"]?[hostPort]?["auth"]?["password"]?.string == "s3cret \"quoted\"")
            #expect(root["configs"]?[hostPort]?["tls"]?["ca_file"]?.string == "/etc/rancher/airlock/ca.crt")
        }
        #expect(files.first { $0.path == "airlock/ca.crt" }?.contents == Self.pem)
        #expect(files.first { $0.path == "registries.yaml" }?.secret == true)
    }

    @Test func k3sPlainHTTPEndpointsNameTheirScheme() throws {
        // Without a scheme k3s would pick http only for localhost on an odd port; Airlock always writes it.
        let files = K3sRegistriesConfig.files(try settings("registry.internal:5000/mirror", plainHTTP: true))
        let endpoint = try #require(try yaml(files, "registries.yaml")["mirrors"]?["docker.io"]?["endpoint"]?[0]?.string)
        #expect(endpoint == "http://registry.internal:5000/v2/mirror")
        #expect(try yaml(files, "registries.yaml")["configs"] == nil)
        #expect(files.count == 1)
    }

    // MARK: Talos

    /// Talos (internal/pkg/containers/cri/containerd/hosts.go, tested in hosts_test.go "config with override path" and
    /// TestGenerateHostsWithHarbor): an endpoint without overridePath gets `/v2` appended; with it, its path is used as it
    /// is. Registry config (TLS, auth) is keyed by the endpoint's host:port.
    @Test(arguments: [nil, "mirror", "site/mirror"] as [String?])
    func talosDocumentsLeadToThePushedRepositories(prefix: String?) throws {
        let target = "registry.example.com:5000" + (prefix.map { "/" + $0 } ?? "")
        let files = TalosRegistryPatch.files(try settings(target, fallback: false, credentials: true), form: .documents)
        let text = try #require(files.first?.contents)
        let documents = try Array(Yams.compose_all(yaml: text))
        let mirrors = documents.filter { $0["kind"]?.string == "RegistryMirrorConfig" }
        #expect(mirrors.map { $0["name"]?.string } == ["docker.io", "ghcr.io"])
        for (mirror, reference) in zip(mirrors, ["docker.io/library/nginx:1.27", "ghcr.io/org/app:2"]) {
            let endpoint = try #require(mirror["endpoints"]?[0])
            let url = try #require(URL(string: endpoint["url"]?.string ?? ""))
            let overridePath = endpoint["overridePath"]?.bool ?? false
            #expect(overridePath == (prefix != nil))
            #expect(mirror["skipFallback"]?.bool == true)
            #expect(try manifestPath(endpointPath: url.path, overridePath: overridePath, reference) == (try pushedPath(target, reference)))
        }
        let tls = try #require(documents.first { $0["kind"]?.string == "RegistryTLSConfig" })
        #expect(tls["name"]?.string == "registry.example.com:5000")
        #expect(tls["ca"]?.string == Self.pem)
        let auth = try #require(documents.first { $0["kind"]?.string == "RegistryAuthConfig" })
        #expect(auth["name"]?.string == "registry.example.com:5000")
        #expect(auth["username"]?.string == "puller")
        #expect(files.first?.secret == true)
    }

    @Test(arguments: [nil, "mirror"] as [String?])
    func talosLegacyPatchLeadsToThePushedRepositories(prefix: String?) throws {
        let target = "registry.example.com:5000" + (prefix.map { "/" + $0 } ?? "")
        let files = TalosRegistryPatch.files(try settings(target, upstreams: ["registry.k8s.io"], fallback: true), form: .legacy)
        let registries = try #require(try Yams.compose(yaml: files.first?.contents ?? "")?["machine"]?["registries"])
        let mirror = try #require(registries["mirrors"]?["registry.k8s.io"])
        let url = try #require(URL(string: mirror["endpoints"]?[0]?.string ?? ""))
        let overridePath = mirror["overridePath"]?.bool ?? false
        #expect(overridePath == (prefix != nil))
        #expect(mirror["skipFallback"] == nil)
        let reference = "registry.k8s.io/pause:3.10"
        #expect(try manifestPath(endpointPath: url.path, overridePath: overridePath, reference) == (try pushedPath(target, reference)))
        // Legacy TLS material is base64 of the PEM, keyed by the endpoint's host:port.
        let ca = try #require(registries["config"]?["registry.example.com:5000"]?["tls"]?["ca"]?.string)
        #expect(Data(base64Encoded: ca).map { String(decoding: $0, as: UTF8.self) } == Self.pem)
        #expect(files.first?.secret == false)
    }

    // MARK: containerd and CRI-O text

    @Test func containerdWritesOverridePathOnlyWithAPrefix() throws {
        let withPrefix = ContainerdHostsConfig.files(try settings("r.example:5000/mirror"))
        let hosts = try #require(withPrefix.first { $0.path == "certs.d/docker.io/hosts.toml" }?.contents)
        #expect(hosts.contains("server = \"https://registry-1.docker.io\""))
        #expect(hosts.contains("[host.\"https://r.example:5000/v2/mirror\"]\n  capabilities = [\"pull\", \"resolve\"]\n  override_path = true\n  ca = \"ca.crt\""))
        #expect(withPrefix.contains { $0.path == "certs.d/r.example_5000_/hosts.toml" })
        #expect(ContainerdHostsConfig.directoryName("[::1]:5000") == "[::1]_5000_")
        #expect(ContainerdHostsConfig.directoryName("[::1]") == "[::1]")
        #expect(ContainerdHostsConfig.directoryName("quay.io") == "quay.io")
        let without = ContainerdHostsConfig.files(try settings("r.example:5000"))
        #expect(!(without.first { $0.path == "certs.d/ghcr.io/hosts.toml" }?.contents.contains("override_path") ?? true))
    }

    @Test func crioMirrorsKeepThePrefixAndAreInsecureOverHTTP() throws {
        let files = CRIORegistriesConfig.files(try settings("r.example:5000/site/mirror", plainHTTP: true, credentials: true))
        let conf = try #require(files.first?.contents)
        #expect(conf.contains("[[registry]]\nprefix = \"docker.io\"\nlocation = \"docker.io\"\n\n[[registry.mirror]]\nlocation = \"r.example:5000/site/mirror\"\ninsecure = true"))
        let auth = try #require(files.first { $0.path == "auth.json" })
        #expect(auth.secret)
        let decoded = try JSONSerialization.jsonObject(with: Data(auth.contents.utf8)) as? [String: [String: [String: String]]]
        #expect(decoded?["auths"]?["r.example:5000"]?["auth"] == Data("puller:s3cret \"quoted\"".utf8).base64EncodedString())
    }

    @Test(arguments: MirrorConfigFormat.allCases)
    func clientKeysAreSecretAndPlainHTTPHasNoTLS(format: MirrorConfigFormat) throws {
        var tls = try settings("r.example:5000/mirror")
        tls.clientCertificate = .init(path: "c.pem", contents: "-----BEGIN CERTIFICATE-----\nCLIENT\n-----END CERTIFICATE-----\n")
        let key = "-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n"
        tls.clientKey = .init(path: "k.pem", contents: key)
        let files = format.files(tls)
        // The key as PEM, or base64 of the PEM (Talos legacy).
        func holdsKey(_ file: GeneratedFile) -> Bool { file.contents.contains("KEY\n") || file.contents.contains(Data(key.utf8).base64EncodedString()) }
        let holders = files.filter(holdsKey)
        #expect(!holders.isEmpty)
        #expect(holders.filter { !$0.secret }.isEmpty, "\(format): \(holders.filter { !$0.secret }.map(\.path))")
        #expect(files.filter(\.secret).filter { !holdsKey($0) }.isEmpty)
        // Over plain HTTP no CA, client certificate or skip_verify is written.
        var plain = try settings("r.example:5000/mirror", plainHTTP: true)
        plain.caCertificate = tls.caCertificate
        let text = format.files(plain).map(\.contents).joined()
        #expect(!text.contains("MIIBtest") && !text.contains("ca_file") && !text.contains("skip_verify") && !text.contains("insecureSkipVerify"))
        #expect(text.contains("http://r.example:5000") || text.contains("insecure = true"))
    }

    @Test(arguments: ["index.docker.io", "quay.io", "registry.local:5000", "localhost"])
    func upstreamsAreNormalised(_ name: String) throws {
        let settings = try MirrorSettings(target: try PushTarget(parsing: "r.example:5000"), upstreams: [name, " "])
        #expect(settings.upstreams == [name == "index.docker.io" ? "docker.io" : name])
    }

    @Test(arguments: ["nginx", "r.example:5000", "https://quay.io", "quay.io/org"])
    func badUpstreamsAreRefused(_ name: String) throws {
        #expect(throws: ClusterInputError.self) { try MirrorSettings(target: try PushTarget(parsing: "r.example:5000"), upstreams: [name]) }
    }
}
