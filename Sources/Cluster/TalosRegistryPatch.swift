import Foundation

/// Talos machine configuration patches for the private registry, applied with `talosctl patch mc --patch @FILE`
/// or at generation (`talosctl gen config --config-patch @FILE`).
///
/// - `.legacy` (Talos ≤ 1.11): `machine.registries.mirrors` (endpoints, `overridePath`, `skipFallback`) and
///   `machine.registries.config` keyed by the endpoint's `host:port` (TLS material base64-encoded, auth).
/// - `.documents` (Talos ≥ 1.12): one `RegistryMirrorConfig` per upstream, `RegistryAuthConfig` and
///   `RegistryTLSConfig` for the private registry (PEM written as is).
///
/// Talos appends `/v2/` to an endpoint unless `overridePath` is set, so a prefix is written `…/v2/PREFIX` with it.
public enum TalosRegistryPatch {
    public enum Form: Sendable { case legacy, documents }

    public static func files(_ settings: MirrorSettings, form: Form) -> [GeneratedFile] {
        let text = form == .legacy ? legacy(settings) : documents(settings)
        return [GeneratedFile(path: "talos-registries.patch.yaml", contents: text, secret: settings.credentials != nil || settings.clientKey != nil)]
    }

    static func legacy(_ settings: MirrorSettings) -> String {
        var lines = ["# Written by airgap mirror-config (Talos <= 1.11): talosctl patch mc --patch @talos-registries.patch.yaml",
                     "machine:", "  registries:", "    mirrors:"]
        for upstream in settings.upstreams {
            lines.append("      \(ConfigText.quoted(upstream)):")
            lines.append("        endpoints:")
            lines.append("          - \(ConfigText.quoted(settings.mirrorURL))")
            if settings.overridesPath { lines.append("        overridePath: true") }
            if !settings.fallback { lines.append("        skipFallback: true") }
        }
        var config: [String] = []
        if !settings.plainHTTP && settings.hasTLSMaterial {
            config.append("        tls:")
            if let ca = settings.caCertificate { config.append("          ca: \(ConfigText.quoted(Data(ca.contents.utf8).base64EncodedString()))") }
            if let cert = settings.clientCertificate, let key = settings.clientKey {
                config += ["          clientIdentity:",
                           "            crt: \(ConfigText.quoted(Data(cert.contents.utf8).base64EncodedString()))",
                           "            key: \(ConfigText.quoted(Data(key.contents.utf8).base64EncodedString()))"]
            }
            config.append("          insecureSkipVerify: false")
        }
        if let credentials = settings.credentials {
            config += ["        auth:",
                       "          username: \(ConfigText.quoted(credentials.username))",
                       "          password: \(ConfigText.quoted(credentials.password))"]
        }
        if !config.isEmpty {
            lines += ["    config:", "      \(ConfigText.quoted(settings.target.registry)):"] + config
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func documents(_ settings: MirrorSettings) -> String {
        var documents: [[String]] = []
        for upstream in settings.upstreams {
            var lines = ["apiVersion: v1alpha1", "kind: RegistryMirrorConfig", "name: \(ConfigText.quoted(upstream))", "endpoints:",
                         "  - url: \(ConfigText.quoted(settings.mirrorURL))"]
            if settings.overridesPath { lines.append("    overridePath: true") }
            if !settings.fallback { lines.append("skipFallback: true") }
            documents.append(lines)
        }
        if let credentials = settings.credentials {
            documents.append(["apiVersion: v1alpha1", "kind: RegistryAuthConfig", "name: \(ConfigText.quoted(settings.target.registry))",
                              "username: \(ConfigText.quoted(credentials.username))", "password: \(ConfigText.quoted(credentials.password))"])
        }
        if !settings.plainHTTP && settings.hasTLSMaterial {
            var lines = ["apiVersion: v1alpha1", "kind: RegistryTLSConfig", "name: \(ConfigText.quoted(settings.target.registry))"]
            if let ca = settings.caCertificate { lines.append("ca: " + ConfigText.literalBlock(ca.contents, indent: 2)) }
            if let cert = settings.clientCertificate, let key = settings.clientKey {
                lines += ["clientIdentity:",
                          "  cert: " + ConfigText.literalBlock(cert.contents, indent: 4),
                          "  key: " + ConfigText.literalBlock(key.contents, indent: 4)]
            }
            lines.append("insecureSkipVerify: false")
            documents.append(lines)
        }
        return "# Written by airgap mirror-config (Talos >= 1.12): talosctl patch mc --patch @talos-registries.patch.yaml\n"
            + documents.map { $0.joined(separator: "\n") + "\n" }.joined(separator: "---\n")
    }
}
