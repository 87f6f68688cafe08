/// k3s and RKE2 `registries.yaml` (`/etc/rancher/k3s/registries.yaml`, `/etc/rancher/rke2/registries.yaml`).
///
/// `mirrors` sends each upstream to the private registry; `configs` (keyed by the endpoint's `host:port`, as k3s
/// looks it up) carries TLS and credentials. k3s normalises an endpoint as containerd does: a path of ``, `/` or
/// `/v2` becomes `/v2`; any other path is used as it is (`override_path`), so a prefix is written `…/v2/PREFIX`.
/// The scheme is always written, since k3s would pick `http` for a loopback endpoint with a port.
public enum K3sRegistriesConfig {
    /// Where TLS files are referenced from on a node (copy `airlock/` there).
    public static let nodeTLSDirectory = "/etc/rancher/airlock"

    public static func files(_ settings: MirrorSettings) -> [GeneratedFile] {
        var lines = ["# Written by airgap mirror-config: copy to /etc/rancher/k3s/registries.yaml (RKE2: /etc/rancher/rke2/registries.yaml)."]
        if !settings.fallback {
            lines.append("# --no-fallback: also start k3s/RKE2 with --disable-default-registry-endpoint, so the upstream is never tried.")
        }
        lines.append("mirrors:")
        for upstream in settings.upstreams {
            lines.append("  \(ConfigText.quoted(upstream)):")
            lines.append("    endpoint:")
            lines.append("      - \(ConfigText.quoted(settings.mirrorURL))")
        }
        var files: [GeneratedFile] = []
        var config: [String] = []
        if let credentials = settings.credentials {
            config += ["    auth:",
                       "      username: \(ConfigText.quoted(credentials.username))",
                       "      password: \(ConfigText.quoted(credentials.password))"]
        }
        if !settings.plainHTTP && settings.hasTLSMaterial {
            config.append("    tls:")
            if let ca = settings.caCertificate {
                config.append("      ca_file: \(ConfigText.quoted(nodeTLSDirectory + "/ca.crt"))")
                files.append(GeneratedFile(path: "airlock/ca.crt", contents: ca.contents))
            }
            if let cert = settings.clientCertificate, let key = settings.clientKey {
                config.append("      cert_file: \(ConfigText.quoted(nodeTLSDirectory + "/client.crt"))")
                config.append("      key_file: \(ConfigText.quoted(nodeTLSDirectory + "/client.key"))")
                files.append(GeneratedFile(path: "airlock/client.crt", contents: cert.contents))
                files.append(GeneratedFile(path: "airlock/client.key", contents: key.contents, secret: true))
            }
            config.append("      insecure_skip_verify: false")
        }
        if !config.isEmpty {
            lines.append("configs:")
            lines.append("  \(ConfigText.quoted(settings.target.registry)):")
            lines += config
        }
        files.insert(GeneratedFile(path: "registries.yaml", contents: lines.joined(separator: "\n") + "\n", secret: settings.credentials != nil), at: 0)
        return files
    }
}
