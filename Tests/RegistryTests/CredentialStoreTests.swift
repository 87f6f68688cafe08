import Foundation
@testable import Registry
import Testing

@Suite struct CredentialStoreTests {
    func write(_ json: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-creds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("config.json").path
        try Data(json.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func readsDockerAuthsInEveryKeyForm() throws {
        let auth = Data("alice:s3cr:et".utf8).base64EncodedString()
        let path = try write("""
        {"auths": {
          "https://index.docker.io/v1/": {"auth": "\(auth)"},
          "http://registry.local:5000/v2/": {"username": "bob", "password": "pw"},
          "ghcr.io/org": {"identitytoken": "refresh-me"}
        }}
        """)
        let store = try CredentialStore(authFile: path, environment: [:])
        #expect(try store.credentials(registry: "docker.io", repository: "library/nginx") == .basic(username: "alice", password: "s3cr:et"))
        #expect(try store.credentials(registry: "registry.local:5000", repository: "x") == .basic(username: "bob", password: "pw"))
        #expect(try store.credentials(registry: "ghcr.io", repository: "org/app") == .identityToken("refresh-me"))
        #expect(try store.credentials(registry: "ghcr.io", repository: "other/app") == nil)
        #expect(try store.credentials(registry: "quay.io", repository: "a/b") == nil)
    }

    @Test func explicitCredentialsWin() throws {
        let store = try CredentialStore(authFile: nil, explicit: .basic(username: "u", password: "p"), environment: [:])
        #expect(try store.credentials(registry: "quay.io", repository: "a/b") == .basic(username: "u", password: "p"))
    }

    @Test func searchesTheEnvironmentLikeDockerAndPodman() throws {
        let path = try write(#"{"auths":{"quay.io":{"auth":"\#(Data("q:w".utf8).base64EncodedString())"}}}"#)
        let dir = (path as NSString).deletingLastPathComponent
        let viaDockerConfig = try CredentialStore(environment: ["DOCKER_CONFIG": dir])
        #expect(viaDockerConfig.authFile == path)
        #expect(try viaDockerConfig.credentials(registry: "quay.io", repository: "a") == .basic(username: "q", password: "w"))
        let viaRegistryAuthFile = try CredentialStore(environment: ["REGISTRY_AUTH_FILE": path, "HOME": "/nonexistent"])
        #expect(viaRegistryAuthFile.authFile == path)
    }

    @Test func runsCredentialHelpers() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-helper-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let helper = dir.appendingPathComponent("docker-credential-airlocktest").path
        try """
        #!/bin/sh
        read server
        if [ "$server" = "helped.example" ]; then echo '{"ServerURL":"helped.example","Username":"carol","Secret":"from-helper"}'; exit 0; fi
        echo "credentials not found in native keychain"; exit 1
        """.write(toFile: helper, atomically: true, encoding: .utf8)
        chmod(helper, 0o755)
        let path = try write(#"{"credHelpers":{"helped.example":"airlocktest"},"credsStore":"airlocktest"}"#)
        let store = try CredentialStore(authFile: path, environment: ["PATH": dir.path + ":/usr/bin:/bin"])
        #expect(try store.credentials(registry: "helped.example", repository: "a") == .basic(username: "carol", password: "from-helper"))
        #expect(try store.credentials(registry: "unknown.example", repository: "a") == nil)
    }

    @Test func namesTheFileWhenItIsBroken() throws {
        let path = try write("{not json")
        #expect { try CredentialStore(authFile: path, environment: [:]) } throws: { "\($0)".contains(path) }
        #expect { try CredentialStore(authFile: "/nonexistent/auth.json", environment: [:]) } throws: { "\($0)".contains("no such file") }
        let badAuth = try write(#"{"auths":{"quay.io":{"auth":"!!!"}}}"#)
        let store = try CredentialStore(authFile: badAuth, environment: [:])
        #expect { try store.credentials(registry: "quay.io", repository: "x") } throws: { "\($0)".contains("base64") }
    }

    @Test func normalisesKeys() {
        #expect(CredentialStore.normalizedKey("https://index.docker.io/v1/") == "docker.io")
        #expect(CredentialStore.normalizedKey("http://host:5000/v2/") == "host:5000")
        #expect(CredentialStore.normalizedKey("registry-1.docker.io") == "docker.io")
        #expect(CredentialStore.lookupKeys(registry: "h", repository: "a/b/c") == ["h/a/b/c", "h/a/b", "h/a", "h"])
    }
}
