import Foundation

/// CRI-O, podman, skopeo and buildah: a containers-registries.conf(5) v2 drop-in
/// (`/etc/containers/registries.conf.d/50-airlock.conf`), TLS files in containers-certs.d(5) form
/// (`/etc/containers/certs.d/HOST:PORT/`), and credentials as a containers-auth.json(5).
///
/// Each upstream is a `[[registry]]` whose `prefix` is the upstream and whose `[[registry.mirror]]` is
/// `HOST[:PORT]/PREFIX` (the rest of the repository path is appended, as `transit push` appended it); with
/// `--no-fallback` the upstream's `location` itself is the private registry, so the upstream is never asked.
/// `insecure = true` where the private registry speaks plain HTTP.
public enum CRIORegistriesConfig {
    public static func files(_ settings: MirrorSettings) -> [GeneratedFile] {
        var lines = ["# Written by airgap mirror-config: copy to /etc/containers/registries.conf.d/50-airlock.conf."]
        for upstream in settings.upstreams {
            lines.append("")
            lines.append("[[registry]]")
            lines.append("prefix = \(ConfigText.quoted(upstream))")
            if settings.fallback {
                lines.append("location = \(ConfigText.quoted(upstream))")
                lines.append("")
                lines.append("[[registry.mirror]]")
                lines.append("location = \(ConfigText.quoted(settings.mirrorLocation))")
            } else {
                lines.append("location = \(ConfigText.quoted(settings.mirrorLocation))")
            }
            if settings.plainHTTP { lines.append("insecure = true") }
        }
        var files = [GeneratedFile(path: "registries.conf.d/50-airlock.conf", contents: lines.joined(separator: "\n") + "\n")]
        let certs = "certs.d/" + settings.target.registry
        if !settings.plainHTTP {
            if let ca = settings.caCertificate { files.append(GeneratedFile(path: certs + "/ca.crt", contents: ca.contents)) }
            if let cert = settings.clientCertificate, let key = settings.clientKey {
                files.append(GeneratedFile(path: certs + "/client.cert", contents: cert.contents))
                files.append(GeneratedFile(path: certs + "/client.key", contents: key.contents, secret: true))
            }
        }
        if let credentials = settings.credentials {
            let auth = "{\n  \"auths\": {\n    \(ConfigText.quoted(settings.target.registry)): {\n      \"auth\": \(ConfigText.quoted(credentials.basicToken))\n    }\n  }\n}\n"
            files.append(GeneratedFile(path: "auth.json", contents: auth, secret: true))
        }
        return files
    }
}
