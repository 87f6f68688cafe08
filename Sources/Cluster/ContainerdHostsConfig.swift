/// containerd's registry host configuration (`/etc/containerd/certs.d/<host>/hosts.toml`, read by containerd 1.5+
/// and 2.x, by the CRI plugin through `config_path` and by `ctr --hosts-dir`), plus the `config.toml` lines that
/// point the CRI plugin at the directory.
///
/// One directory per upstream registry sends pulls and resolves to the private registry; with a repository prefix
/// the mirror URL is `…/v2/PREFIX` with `override_path = true`, so containerd asks `/v2/PREFIX/REPO/manifests/…`
/// (without the override it would ask `/v2/PREFIX/v2/…` and fall back to the upstream). The private registry's
/// own directory carries its TLS settings for images named by their private references. TLS files are copied
/// beside each `hosts.toml` and named relatively, which containerd resolves against that directory.
public enum ContainerdHostsConfig {
    /// Where the files go on a node.
    public static let nodeDirectory = "/etc/containerd/certs.d"

    /// `certs.d/<host>/hosts.toml` (+ TLS files) per upstream and for the private registry, and the two config.toml fragments.
    public static func files(_ settings: MirrorSettings) -> [GeneratedFile] {
        var files: [GeneratedFile] = []
        for upstream in settings.upstreams {
            files += hostDirectory(upstream, settings: settings, mirror: true)
        }
        files += hostDirectory(settings.target.registry, settings: settings, mirror: false)
        files.append(GeneratedFile(path: "containerd-1.x-config.toml", contents: """
            # containerd 1.x (config version 2): merge into /etc/containerd/config.toml and restart containerd.
            version = 2

            [plugins."io.containerd.grpc.v1.cri".registry]
              config_path = \(ConfigText.quoted(nodeDirectory))

            """))
        files.append(GeneratedFile(path: "containerd-2.x-config.toml", contents: """
            # containerd 2.x (config version 3): merge into /etc/containerd/config.toml and restart containerd.
            version = 3

            [plugins."io.containerd.cri.v1.images".registry]
              config_path = \(ConfigText.quoted(nodeDirectory))

            """))
        return files
    }

    /// The directory containerd looks up for `registry`: the name itself (`docker.io`), or for a registry with a port
    /// `host_port_` (`registry.local_5000_`). containerd tries `host_port_` first, then `host:port`, so this spelling
    /// is the one an older `host:port` directory on the node cannot shadow (and one Windows can hold).
    public static func directoryName(_ registry: String) -> String {
        guard let colon = registry.lastIndex(of: ":"), registry.first != "[" || registry[..<colon].hasSuffix("]") else { return registry }
        return registry[..<colon] + "_" + registry[registry.index(after: colon)...] + "_"
    }

    static func hostDirectory(_ registry: String, settings: MirrorSettings, mirror: Bool) -> [GeneratedFile] {
        let directory = "certs.d/" + directoryName(registry)
        let url = mirror ? settings.mirrorURL : settings.registryURL
        let override = mirror && settings.overridesPath
        var files: [GeneratedFile] = []
        // What the private registry needs wherever it is named: path override, TLS files, credentials.
        var endpoint = ["capabilities = [\"pull\", \"resolve\"]"]
        if override { endpoint.append("override_path = true") }
        if !settings.plainHTTP && settings.hasTLSMaterial {
            if let ca = settings.caCertificate {
                endpoint.append("ca = \"ca.crt\"")
                files.append(GeneratedFile(path: directory + "/ca.crt", contents: ca.contents))
            }
            if let cert = settings.clientCertificate, let key = settings.clientKey {
                endpoint.append("client = [[\"client.crt\", \"client.key\"]]")
                files.append(GeneratedFile(path: directory + "/client.crt", contents: cert.contents))
                files.append(GeneratedFile(path: directory + "/client.key", contents: key.contents, secret: true))
            }
            endpoint.append("skip_verify = false")
        }
        let header = settings.credentials.map { ["Authorization = \(ConfigText.quoted("Basic " + $0.basicToken))"] }

        var lines = ["# Written by airgap mirror-config."]
        let privateServer: Bool
        if !mirror {
            lines.append("# The private registry itself, for images named by their private references.")
            privateServer = true
        } else if settings.fallback {
            lines.append("# Pulls of \(registry) go to the private registry \(settings.target) first, then to the upstream.")
            lines.append("server = \(ConfigText.quoted(MirrorSettings.upstreamServer(registry)))")
            privateServer = false
        } else {
            // containerd always adds the root entry as the last host and fills an empty `server` with the upstream,
            // so the only way never to reach the upstream is to make the root entry the private registry too.
            lines.append("# Pulls of \(registry) go to the private registry \(settings.target) only (--no-fallback):")
            lines.append("# the server is the private registry too, so the upstream is never asked.")
            privateServer = true
        }
        if privateServer {
            lines.append("server = \(ConfigText.quoted(url))")
            lines += endpoint
            if let header { lines += ["", "[header]"] + header.map { "  " + $0 } }
        }
        // containerd 1.6/1.7 ignore a hosts.toml without a [host] table, so the private registry always has one.
        lines += ["", "[host.\(ConfigText.quoted(url))]"] + endpoint.map { "  " + $0 }
        if let header { lines += ["", "[host.\(ConfigText.quoted(url)).header]"] + header.map { "  " + $0 } }
        files.insert(GeneratedFile(path: directory + "/hosts.toml", contents: lines.joined(separator: "\n") + "\n", secret: settings.credentials != nil), at: 0)
        return files
    }
}
