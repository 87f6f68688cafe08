import Foundation
import Testing
@testable import OCI

// Fixtures shared by the reference tests.
private let hex64 = String(repeating: "0123456789abcdef", count: 4)
private let sha256 = "sha256:" + hex64
private let sha256b = "sha256:" + String(repeating: "fedcba9876543210", count: 4)
private let sha512 = "sha512:" + String(repeating: "0123456789abcdef", count: 8)

/// A reference that must parse, with its expected normalised parts and forms.
struct ValidReferenceCase: Sendable, CustomTestStringConvertible {
    let input: String
    let registry: String
    let repository: String
    let tag: String?
    let digest: String?
    let canonical: String
    let familiar: String
    var testDescription: String { input.count > 60 ? String(input.prefix(57)) + "…" : input }

    init(_ input: String, _ registry: String, _ repository: String, tag: String? = nil, digest: String? = nil,
         canonical: String, familiar: String) {
        self.input = input
        self.registry = registry
        self.repository = repository
        self.tag = tag
        self.digest = digest
        self.canonical = canonical
        self.familiar = familiar
    }
}

/// A string that must be rejected, and the reason it must give.
struct InvalidReferenceCase: Sendable, CustomTestStringConvertible {
    let input: String
    let reason: String
    let why: String
    var testDescription: String {
        let shown = input.count > 50 ? String(input.prefix(47)) + "…" : input
        return "\(why): '\(shown)'"
    }

    init(_ input: String, _ reason: String, _ why: String) {
        self.input = input
        self.reason = reason
        self.why = why
    }
}

private let invalidFormat = "invalid reference format"
private let mustBeLowercase = "repository name must be lowercase"
private let tooLong = "repository name must not be more than 255 characters"
private let hexIdentifier = "cannot specify 64-byte hexadecimal strings"

private let validCases: [ValidReferenceCase] = [
    // Docker Hub short names gain docker.io and library/, and the default tag.
    .init("nginx", "docker.io", "library/nginx", tag: "latest",
          canonical: "docker.io/library/nginx:latest", familiar: "nginx:latest"),
    .init("nginx:1.27.2", "docker.io", "library/nginx", tag: "1.27.2",
          canonical: "docker.io/library/nginx:1.27.2", familiar: "nginx:1.27.2"),
    .init("library/nginx:1.27.2", "docker.io", "library/nginx", tag: "1.27.2",
          canonical: "docker.io/library/nginx:1.27.2", familiar: "nginx:1.27.2"),
    .init("docker.io/nginx", "docker.io", "library/nginx", tag: "latest",
          canonical: "docker.io/library/nginx:latest", familiar: "nginx:latest"),
    .init("docker.io/library/nginx:1", "docker.io", "library/nginx", tag: "1",
          canonical: "docker.io/library/nginx:1", familiar: "nginx:1"),
    .init("index.docker.io/nginx:1", "docker.io", "library/nginx", tag: "1",
          canonical: "docker.io/library/nginx:1", familiar: "nginx:1"),
    .init("index.docker.io/library/nginx", "docker.io", "library/nginx", tag: "latest",
          canonical: "docker.io/library/nginx:latest", familiar: "nginx:latest"),
    .init("index.docker.io/org/app:1", "docker.io", "org/app", tag: "1",
          canonical: "docker.io/org/app:1", familiar: "org/app:1"),
    .init("org/app", "docker.io", "org/app", tag: "latest",
          canonical: "docker.io/org/app:latest", familiar: "org/app:latest"),
    .init("org/team/app:v2", "docker.io", "org/team/app", tag: "v2",
          canonical: "docker.io/org/team/app:v2", familiar: "org/team/app:v2"),
    .init("other/library", "docker.io", "other/library", tag: "latest",
          canonical: "docker.io/other/library:latest", familiar: "other/library:latest"),
    // Nested paths under library/ keep the namespace in the familiar form, as docker does.
    .init("docker.io/library/foo/bar:1", "docker.io", "library/foo/bar", tag: "1",
          canonical: "docker.io/library/foo/bar:1", familiar: "library/foo/bar:1"),
    // A first component without '.', ':' or uppercase is a Docker Hub namespace.
    .init("test_com/foo", "docker.io", "test_com/foo", tag: "latest",
          canonical: "docker.io/test_com/foo:latest", familiar: "test_com/foo:latest"),
    // Without a '/', anything is a Docker Hub official image, even if it looks like a host.
    .init("ghcr.io", "docker.io", "library/ghcr.io", tag: "latest",
          canonical: "docker.io/library/ghcr.io:latest", familiar: "ghcr.io:latest"),
    .init("localhost", "docker.io", "library/localhost", tag: "latest",
          canonical: "docker.io/library/localhost:latest", familiar: "localhost:latest"),
    .init("localhost:5000", "docker.io", "library/localhost", tag: "5000",
          canonical: "docker.io/library/localhost:5000", familiar: "localhost:5000"),
    .init("example.com:8080", "docker.io", "library/example.com", tag: "8080",
          canonical: "docker.io/library/example.com:8080", familiar: "example.com:8080"),
    .init("192.168.1.1:5000", "docker.io", "library/192.168.1.1", tag: "5000",
          canonical: "docker.io/library/192.168.1.1:5000", familiar: "192.168.1.1:5000"),
    // Other registries keep their paths as given (no library/).
    .init("ghcr.io/org/app:1", "ghcr.io", "org/app", tag: "1",
          canonical: "ghcr.io/org/app:1", familiar: "ghcr.io/org/app:1"),
    .init("ghcr.io/app", "ghcr.io", "app", tag: "latest",
          canonical: "ghcr.io/app:latest", familiar: "ghcr.io/app:latest"),
    .init("gcr.io/library/busybox", "gcr.io", "library/busybox", tag: "latest",
          canonical: "gcr.io/library/busybox:latest", familiar: "gcr.io/library/busybox:latest"),
    .init("sub-dom1.foo.com/bar/baz/quux:some-long-tag", "sub-dom1.foo.com", "bar/baz/quux", tag: "some-long-tag",
          canonical: "sub-dom1.foo.com/bar/baz/quux:some-long-tag", familiar: "sub-dom1.foo.com/bar/baz/quux:some-long-tag"),
    .init("b.gcr.io/test.example.com/my-app:test.example.com", "b.gcr.io", "test.example.com/my-app",
          tag: "test.example.com", canonical: "b.gcr.io/test.example.com/my-app:test.example.com",
          familiar: "b.gcr.io/test.example.com/my-app:test.example.com"),
    .init("xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com", "myimage", tag: "xn--n3h.com",
          canonical: "xn--n3h.com/myimage:xn--n3h.com", familiar: "xn--n3h.com/myimage:xn--n3h.com"),
    .init("Example.COM/app", "Example.COM", "app", tag: "latest",
          canonical: "Example.COM/app:latest", familiar: "Example.COM/app:latest"),
    .init("registry-1.docker.io/library/nginx:1", "registry-1.docker.io", "library/nginx", tag: "1",
          canonical: "registry-1.docker.io/library/nginx:1", familiar: "registry-1.docker.io/library/nginx:1"),
    // localhost, ports, and hosts recognised by ':' or uppercase.
    .init("localhost/app", "localhost", "app", tag: "latest",
          canonical: "localhost/app:latest", familiar: "localhost/app:latest"),
    .init("localhost:5000/team/app:dev", "localhost:5000", "team/app", tag: "dev",
          canonical: "localhost:5000/team/app:dev", familiar: "localhost:5000/team/app:dev"),
    .init("registry:5000/app", "registry:5000", "app", tag: "latest",
          canonical: "registry:5000/app:latest", familiar: "registry:5000/app:latest"),
    .init("example.com:443/a.b/c-d:1", "example.com:443", "a.b/c-d", tag: "1",
          canonical: "example.com:443/a.b/c-d:1", familiar: "example.com:443/a.b/c-d:1"),
    .init("Registry/app", "Registry", "app", tag: "latest",
          canonical: "Registry/app:latest", familiar: "Registry/app:latest"),
    .init("LOCALHOST/app", "LOCALHOST", "app", tag: "latest",
          canonical: "LOCALHOST/app:latest", familiar: "LOCALHOST/app:latest"),
    // IPv4 and IPv6 literals.
    .init("127.0.0.1:5000/org/app:1", "127.0.0.1:5000", "org/app", tag: "1",
          canonical: "127.0.0.1:5000/org/app:1", familiar: "127.0.0.1:5000/org/app:1"),
    .init("192.168.1.1/repo", "192.168.1.1", "repo", tag: "latest",
          canonical: "192.168.1.1/repo:latest", familiar: "192.168.1.1/repo:latest"),
    .init("192.168.1.1:5000/repo:5050", "192.168.1.1:5000", "repo", tag: "5050",
          canonical: "192.168.1.1:5000/repo:5050", familiar: "192.168.1.1:5000/repo:5050"),
    .init("[::1]:5000/app:1", "[::1]:5000", "app", tag: "1",
          canonical: "[::1]:5000/app:1", familiar: "[::1]:5000/app:1"),
    .init("[2001:db8::1]/app", "[2001:db8::1]", "app", tag: "latest",
          canonical: "[2001:db8::1]/app:latest", familiar: "[2001:db8::1]/app:latest"),
    .init("[2001:db8:1:2:3:4:5:6]:443/a/b", "[2001:db8:1:2:3:4:5:6]:443", "a/b", tag: "latest",
          canonical: "[2001:db8:1:2:3:4:5:6]:443/a/b:latest", familiar: "[2001:db8:1:2:3:4:5:6]:443/a/b:latest"),
    .init("[2001:db8::]:5000/repo@\(sha256)", "[2001:db8::]:5000", "repo", digest: sha256,
          canonical: "[2001:db8::]:5000/repo@\(sha256)", familiar: "[2001:db8::]:5000/repo@\(sha256)"),
    // Digests, alone and with a tag.
    .init("nginx@\(sha256)", "docker.io", "library/nginx", digest: sha256,
          canonical: "docker.io/library/nginx@\(sha256)", familiar: "nginx@\(sha256)"),
    .init("nginx:1.27@\(sha256)", "docker.io", "library/nginx", tag: "1.27", digest: sha256,
          canonical: "docker.io/library/nginx:1.27@\(sha256)", familiar: "nginx:1.27@\(sha256)"),
    .init("docker.io/library/nginx:1.27.2@\(sha256)", "docker.io", "library/nginx", tag: "1.27.2", digest: sha256,
          canonical: "docker.io/library/nginx:1.27.2@\(sha256)", familiar: "nginx:1.27.2@\(sha256)"),
    .init("ghcr.io/org/app:v1@\(sha512)", "ghcr.io", "org/app", tag: "v1", digest: sha512,
          canonical: "ghcr.io/org/app:v1@\(sha512)", familiar: "ghcr.io/org/app:v1@\(sha512)"),
    .init("my-registry.local:5000/team/app@\(sha256)", "my-registry.local:5000", "team/app", digest: sha256,
          canonical: "my-registry.local:5000/team/app@\(sha256)", familiar: "my-registry.local:5000/team/app@\(sha256)"),
    // Separators inside path components.
    .init("foo_bar", "docker.io", "library/foo_bar", tag: "latest",
          canonical: "docker.io/library/foo_bar:latest", familiar: "foo_bar:latest"),
    .init("dock__er/docker", "docker.io", "dock__er/docker", tag: "latest",
          canonical: "docker.io/dock__er/docker:latest", familiar: "dock__er/docker:latest"),
    .init("docker---rules/docker", "docker.io", "docker---rules/docker", tag: "latest",
          canonical: "docker.io/docker---rules/docker:latest", familiar: "docker---rules/docker:latest"),
    .init("example.com/some_separator__underscore/my.image-name", "example.com",
          "some_separator__underscore/my.image-name", tag: "latest",
          canonical: "example.com/some_separator__underscore/my.image-name:latest",
          familiar: "example.com/some_separator__underscore/my.image-name:latest"),
    .init("a/b/c/d/e", "docker.io", "a/b/c/d/e", tag: "latest",
          canonical: "docker.io/a/b/c/d/e:latest", familiar: "a/b/c/d/e:latest"),
    .init("a", "docker.io", "library/a", tag: "latest",
          canonical: "docker.io/library/a:latest", familiar: "a:latest"),
    .init("0101/2", "docker.io", "0101/2", tag: "latest",
          canonical: "docker.io/0101/2:latest", familiar: "0101/2:latest"),
    // Tags may use uppercase, underscores, dots and dashes (but not start with '.' or '-').
    .init("nginx:Latest_V1.2-rc", "docker.io", "library/nginx", tag: "Latest_V1.2-rc",
          canonical: "docker.io/library/nginx:Latest_V1.2-rc", familiar: "nginx:Latest_V1.2-rc"),
    .init("nginx:_private", "docker.io", "library/nginx", tag: "_private",
          canonical: "docker.io/library/nginx:_private", familiar: "nginx:_private"),
    // 64-hex strings are only refused when they are the whole reference.
    .init("\(hex64):tag", "docker.io", "library/\(hex64)", tag: "tag",
          canonical: "docker.io/library/\(hex64):tag", familiar: "\(hex64):tag"),
    .init("docker.io/\(hex64)", "docker.io", "library/\(hex64)", tag: "latest",
          canonical: "docker.io/library/\(hex64):latest", familiar: "\(hex64):latest"),
    .init("org/\(hex64)", "docker.io", "org/\(hex64)", tag: "latest",
          canonical: "docker.io/org/\(hex64):latest", familiar: "org/\(hex64):latest"),
    .init(String(hex64.dropLast()), "docker.io", "library/\(hex64.dropLast())", tag: "latest",
          canonical: "docker.io/library/\(hex64.dropLast()):latest", familiar: "\(hex64.dropLast()):latest"),
    .init(hex64 + "0", "docker.io", "library/\(hex64)0", tag: "latest",
          canonical: "docker.io/library/\(hex64)0:latest", familiar: "\(hex64)0:latest"),
    // Unlike docker, the familiar form keeps docker.io/ when the first component would read as a registry.
    .init("docker.io/example.com/app:1", "docker.io", "example.com/app", tag: "1",
          canonical: "docker.io/example.com/app:1", familiar: "docker.io/example.com/app:1"),
    .init("docker.io/localhost/app:1", "docker.io", "localhost/app", tag: "1",
          canonical: "docker.io/localhost/app:1", familiar: "docker.io/localhost/app:1"),
]

private let invalidCases: [InvalidReferenceCase] = [
    // Empty and bare separators.
    .init("", "repository name must have at least one component", "empty"),
    .init(":tag", invalidFormat, "tag without a name"),
    .init("@\(sha256)", invalidFormat, "digest without a name"),
    .init("nginx:", invalidFormat, "':' without a tag"),
    .init("nginx@", invalidFormat, "'@' without a digest"),
    .init("nginx:@\(sha256)", invalidFormat, "empty tag before a digest"),
    .init("nginx:1@", invalidFormat, "tag then '@' without a digest"),
    .init("docker.io/", invalidFormat, "registry without a repository"),
    .init("ghcr.io/", invalidFormat, "registry and '/' only"),
    .init("/", invalidFormat, "slash only"),
    // Uppercase in the repository.
    .init("Nginx", mustBeLowercase, "uppercase official image"),
    .init("docker.io/library/Nginx:1", mustBeLowercase, "uppercase after library/"),
    .init("org/App:1", mustBeLowercase, "uppercase Docker Hub repository"),
    .init("ghcr.io/Org/app", mustBeLowercase, "uppercase namespace on another registry"),
    .init("localhost:5000/App", mustBeLowercase, "uppercase on a local registry"),
    .init("test:5000/Uppercase/lowercase:tag", mustBeLowercase, "uppercase first path component after a port"),
    .init("Foo$bar", mustBeLowercase, "uppercase is reported before other bad characters"),
    .init("nginx@SHA256:\(hex64)", mustBeLowercase, "docker's check covers everything before the first ':'"),
    // Bare image IDs.
    .init(hex64, hexIdentifier, "64-hex identifier"),
    .init(hex64.uppercased(), mustBeLowercase, "uppercase 64-hex is a name, and uppercase"),
    // Bad separators in path components.
    .init("-nginx", invalidFormat, "leading dash"),
    .init("nginx-", invalidFormat, "trailing dash"),
    .init("_nginx", invalidFormat, "leading underscore"),
    .init("nginx_", invalidFormat, "trailing underscore"),
    .init(".nginx", invalidFormat, "leading dot"),
    .init("nginx.", invalidFormat, "trailing dot"),
    .init("ngi..nx", invalidFormat, "double dot"),
    .init("ngi___nx", invalidFormat, "triple underscore"),
    .init("ngi._nx", invalidFormat, "dot then underscore"),
    .init("dock-.er/docker", invalidFormat, "dash then dot"),
    .init("-docker/docker", invalidFormat, "leading dash in namespace"),
    .init("docker-/docker", invalidFormat, "trailing dash in namespace"),
    .init("____/____", invalidFormat, "underscores only"),
    .init("org//app", invalidFormat, "double slash"),
    .init("docker///docker", invalidFormat, "triple slash"),
    .init("org/app/", invalidFormat, "trailing slash"),
    .init("/org/app", invalidFormat, "leading slash"),
    .init("aa/asdf$$^/aa", invalidFormat, "punctuation in path"),
    .init("ngïnx", invalidFormat, "non-ASCII letter"),
    .init(" nginx", invalidFormat, "leading space"),
    .init("nginx ", invalidFormat, "trailing space"),
    .init("https://ghcr.io/org/app", invalidFormat, "URL scheme"),
    // Bad registries.
    .init("-ghcr.io/app", invalidFormat, "registry with leading dash"),
    .init("ghcr-.io/app", invalidFormat, "registry component with trailing dash"),
    .init("ghcr..io/app", invalidFormat, "registry with empty component"),
    .init("ghcr.io:http/app", invalidFormat, "non-numeric port"),
    .init("ghcr.io:/app", invalidFormat, "empty port"),
    .init("foo_bar.com:8080/app", invalidFormat, "underscore in registry with port"),
    .init("foo_bar.com/app", invalidFormat, "underscore in registry (docker leaves such names without a registry)"),
    .init("Foo_bar.com/app", mustBeLowercase, "invalid registry that would be an uppercase path component"),
    .init("Foo_Bar/app", mustBeLowercase, "uppercase first component that is not a valid host"),
    .init("Foo$/app", invalidFormat, "uppercase first component that is neither host nor path"),
    .init("[::1]", invalidFormat, "IPv6 literal alone"),
    .init("[::1]:5000", invalidFormat, "IPv6 literal and port alone"),
    .init("[::1]/", invalidFormat, "IPv6 registry without a repository"),
    .init("[]:5000/app", invalidFormat, "empty brackets"),
    .init("[::1:5000/app", invalidFormat, "unclosed bracket"),
    .init("[::1]5000/app", invalidFormat, "port without ':'"),
    .init("[::1]::5000/app", invalidFormat, "doubled port separator"),
    .init("::1/app", invalidFormat, "unbracketed IPv6"),
    .init("fc00::1:5000/app", invalidFormat, "unbracketed IPv6 with port"),
    .init("[fe80::1%eth0]:5000/app", invalidFormat, "IPv6 zone identifier"),
    .init("[2001:db8:3:4::192.0.2.33]:5000/app", invalidFormat, "IPv4-in-IPv6 form"),
    // Bad tags.
    .init("nginx:-tag", invalidFormat, "tag starting with '-'"),
    .init("nginx:.tag", invalidFormat, "tag starting with '.'"),
    .init("nginx:tag with space", invalidFormat, "space in tag"),
    .init("nginx:1.0:2.0", invalidFormat, "':' in tag"),
    .init("nginx:a/b", invalidFormat, "'/' in tag"),
    .init("nginx:" + String(repeating: "t", count: 129), invalidFormat, "129-character tag"),
    // Bad digests.
    .init("nginx@sha256:abc", invalidFormat, "digest shorter than 32 hex"),
    .init("nginx@sha256:" + String(repeating: "g", count: 64), invalidFormat, "non-hex digest"),
    .init("nginx@sha256", invalidFormat, "digest without ':'"),
    .init("nginx@:\(hex64)", invalidFormat, "digest without algorithm"),
    .init("nginx@1sha:\(hex64)", invalidFormat, "algorithm starting with a digit"),
    .init("nginx@sha256+:\(hex64)", invalidFormat, "algorithm ending with a separator"),
    .init("nginx@\(sha256)@\(sha256b)", invalidFormat, "two digests"),
    .init("nginx@\(sha256):tag", invalidFormat, "tag after digest"),
    .init("nginx@sha256:" + String(repeating: "f", count: 34), "invalid digest: sha256 needs 64 lowercase hex characters",
          "sha256 digest of the wrong length"),
    .init("nginx@sha256:" + String(repeating: "f", count: 65), "invalid digest: sha256 needs 64 lowercase hex characters",
          "sha256 digest one too long"),
    .init("nginx@sha256:" + hex64.uppercased(), "invalid digest: sha256 needs 64 lowercase hex characters",
          "uppercase hex"),
    .init("nginx@md5:" + String(repeating: "a", count: 32),
          "invalid digest: unsupported algorithm 'md5' (sha256 and sha512 are supported)", "unknown algorithm"),
    .init("nginx:1@sha512:\(hex64)", "invalid digest: sha512 needs 128 lowercase hex characters",
          "sha512 with a sha256-sized hex"),
    // Length.
    .init("example.com/" + String(repeating: "a", count: 256), tooLong, "256-character path on a registry"),
    .init(String(repeating: "a", count: 248), tooLong, "library/ pushes a 248-character name over"),
    .init("org/" + String(repeating: "a", count: 252), tooLong, "256-character Docker Hub path"),
    .init(String(repeating: "ab/", count: 85) + "a:tag", tooLong, "many components over the limit"),
]

@Suite("Reference parsing")
struct ReferenceParsingTests {
    @Test("valid references normalise like docker", arguments: validCases)
    func parsesValid(_ c: ValidReferenceCase) throws {
        let ref = try Reference(parsing: c.input)
        #expect(ref.registry == c.registry)
        #expect(ref.repository == c.repository)
        #expect(ref.tag == c.tag)
        #expect(ref.digest?.description == c.digest)
        #expect(ref.name == "\(c.registry)/\(c.repository)")
        #expect(ref.description == c.canonical)
        #expect(ref.familiar == c.familiar)
    }

    @Test("canonical and familiar forms parse back to the same reference", arguments: validCases)
    func roundTrips(_ c: ValidReferenceCase) throws {
        let ref = try Reference(parsing: c.input)
        #expect(try Reference(parsing: ref.description) == ref)
        #expect(try Reference(parsing: ref.familiar) == ref)
        #expect(try Reference(registry: ref.registry, repository: ref.repository, tag: ref.tag, digest: ref.digest) == ref)
    }

    @Test("invalid references are rejected with a reason", arguments: invalidCases)
    func rejectsInvalid(_ c: InvalidReferenceCase) {
        let error = #expect(throws: ReferenceError.self) { try Reference(parsing: c.input) }
        #expect(error?.reason == c.reason)
        #expect(error?.text == c.input)
    }

    @Test func errorDescriptionNamesTextAndReason() {
        let error = #expect(throws: ReferenceError.self) { try Reference(parsing: "Nginx") }
        #expect(error?.description == "invalid reference 'Nginx': repository name must be lowercase")
    }

    @Test func tagLengthLimit() throws {
        let longest = String(repeating: "t", count: 128)
        #expect(try Reference(parsing: "nginx:\(longest)").tag == longest)
        #expect(try Reference(parsing: "nginx:_" + String(repeating: "-", count: 127)).tag?.count == 128)
        #expect(throws: ReferenceError(text: "nginx:\(longest)x", reason: invalidFormat)) {
            try Reference(parsing: "nginx:\(longest)x")
        }
    }

    @Test func repositoryLengthLimitCountsThePathNotTheRegistry() throws {
        // The limit (distribution v0.6) is on the repository path; the registry does not count.
        let onRegistry = try Reference(parsing: "example.com/" + String(repeating: "a", count: 255) + ":tag")
        #expect(onRegistry.repository.count == 255)
        #expect(onRegistry.name.count > 255)
        // library/ counts: 8 + 247 = 255.
        #expect(try Reference(parsing: String(repeating: "a", count: 247)).repository.count == 255)
        #expect(try Reference(parsing: "org/" + String(repeating: "a", count: 251)).repository.count == 255)
        #expect(try Reference(parsing: String(repeating: "a/", count: 127) + "a:tag").repository.count == 255)
        // Validity is checked before length.
        #expect(throws: ReferenceError(text: "example.com/-" + String(repeating: "a", count: 300), reason: invalidFormat)) {
            try Reference(parsing: "example.com/-" + String(repeating: "a", count: 300))
        }
    }

    @Test func hexIdentifiersAreOnlyRefusedAlone() throws {
        #expect(throws: ReferenceError(text: hex64, reason: hexIdentifier)) { try Reference(parsing: hex64) }
        let withDigest = try Reference(parsing: "\(hex64)@\(sha256)")
        #expect(withDigest.repository == "library/\(hex64)")
        #expect(withDigest.tag == nil)
    }

    @Test func tagDefaultsToLatestOnlyWithoutDigest() throws {
        #expect(try Reference(parsing: "nginx").tag == "latest")
        #expect(try Reference(parsing: "nginx@\(sha256)").tag == nil)
        #expect(try Reference(parsing: "nginx:stable@\(sha256)").tag == "stable")
    }

    @Test func equivalentSpellingsAreEqual() throws {
        let spellings = ["nginx", "nginx:latest", "library/nginx", "docker.io/nginx", "docker.io/library/nginx:latest",
                         "index.docker.io/nginx", "index.docker.io/library/nginx:latest"]
        let refs = try Set(spellings.map { try Reference(parsing: $0) })
        #expect(refs.count == 1)
        #expect(try Reference(parsing: "nginx:1") != Reference(parsing: "nginx:2"))
        #expect(try Reference(parsing: "nginx@\(sha256)") != Reference(parsing: "nginx:latest@\(sha256)"))
    }
}

@Suite("Reference hosts")
struct ReferenceHostTests {
    @Test(arguments: [
        ("nginx", "registry-1.docker.io"),
        ("docker.io/org/app", "registry-1.docker.io"),
        ("index.docker.io/org/app", "registry-1.docker.io"),
        ("registry-1.docker.io/library/nginx", "registry-1.docker.io"),
        ("ghcr.io/org/app", "ghcr.io"),
        ("localhost:5000/app", "localhost:5000"),
        ("[::1]:5000/app", "[::1]:5000"),
    ])
    func apiHost(_ input: String, _ host: String) throws {
        #expect(try Reference(parsing: input).apiHost == host)
    }

    @Test(arguments: [
        ("localhost/app", true), ("localhost:5000/app", true), ("LOCALHOST/app", true),
        ("127.0.0.1/app", true), ("127.0.0.1:5000/app", true), ("127.1.2.3:80/app", true),
        ("127.255.255.254/app", true), ("[::1]/app", true), ("[::1]:5000/app", true),
        ("[0:0:0:0:0:0:0:1]:5000/app", true), ("[::0001]/app", true),
        ("nginx", false), ("docker.io/org/app", false), ("ghcr.io/org/app", false),
        ("128.0.0.1/app", false), ("10.0.0.1:5000/app", false), ("127.0.0.256/app", false),
        ("127.0.0/app", false), ("[::2]/app", false), ("[::]:5000/app", false), ("[1::1]/app", false),
        ("[::1::]/app", false), ("localhost.example.com/app", false), ("mylocalhost:5000/app", false),
        ("127.0.0.1.nip.io/app", false),
    ])
    func isLoopback(_ input: String, _ loopback: Bool) throws {
        #expect(try Reference(parsing: input).isLoopback == loopback)
    }

    @Test(arguments: [
        ("localhost:5000/app", "localhost"), ("[::1]:5000/app", "::1"), ("[2001:db8::1]/app", "2001:db8::1"),
        ("127.0.0.1/app", "127.0.0.1"), ("nginx", "docker.io"),
    ])
    func registryHost(_ input: String, _ host: String) throws {
        #expect(try Reference(parsing: input).registryHost == host)
    }
}

@Suite("Reference building")
struct ReferenceBuildingTests {
    @Test func withTagReplacesTagAndDropsDigest() throws {
        let pinned = try Reference(parsing: "ghcr.io/org/app:1@\(sha256)")
        let retagged = try pinned.withTag("2")
        #expect(retagged.description == "ghcr.io/org/app:2")
        #expect(retagged.digest == nil)
        let error = #expect(throws: ReferenceError.self) { try pinned.withTag("-bad") }
        #expect(error?.reason == "invalid tag format")
        #expect(throws: ReferenceError.self) { try pinned.withTag("") }
        #expect(throws: ReferenceError.self) { try pinned.withTag(String(repeating: "x", count: 129)) }
    }

    @Test func withDigestKeepsTag() throws {
        let digest = try Digest(parsing: sha256)
        let ref = try Reference(parsing: "nginx:1.27").withDigest(digest)
        #expect(ref.description == "docker.io/library/nginx:1.27@\(sha256)")
        #expect(ref.familiar == "nginx:1.27@\(sha256)")
        #expect(ref.manifestReference == sha256)
    }

    @Test func withoutTagKeepsDigest() throws {
        let ref = try Reference(parsing: "nginx:1.27@\(sha256)").withoutTag()
        #expect(ref.description == "docker.io/library/nginx@\(sha256)")
        let tagged = try Reference(parsing: "nginx:1.27")
        #expect(tagged.manifestReference == "1.27")
        let bare = tagged.withoutTag()
        #expect(bare.tag == nil && bare.digest == nil)
        #expect(bare.description == "docker.io/library/nginx")
        #expect(bare.familiar == "nginx")
        #expect(bare.manifestReference == "latest")
    }

    @Test func memberwiseInitNormalises() throws {
        let official = try Reference(registry: "index.docker.io", repository: "nginx", tag: "1", digest: nil)
        #expect(official.description == "docker.io/library/nginx:1")
        #expect(official == (try Reference(parsing: "nginx:1")))
        let digest = try Digest(parsing: sha256)
        let pinned = try Reference(registry: "ghcr.io", repository: "app", tag: nil, digest: digest)
        #expect(pinned.description == "ghcr.io/app@\(sha256)")
        #expect(pinned.tag == nil)
        #expect(try Reference(registry: "[::1]:5000", repository: "a/b", tag: "x", digest: nil).isLoopback)
    }

    @Test func bareNameFromPartsHasNeitherTagNorDigest() throws {
        let name = try Reference(registry: "docker.io", repository: "org/app", tag: nil, digest: nil)
        #expect(name.tag == nil && name.digest == nil)
        #expect(name.description == "docker.io/org/app")
        #expect(name.familiar == "org/app")
        // It parses back the way docker reads a bare name: with the default tag.
        #expect(try Reference(parsing: name.description) == name.withTag("latest"))
        // Pinning a bare name gives name@digest, with no invented tag.
        let digest = try Digest(parsing: sha256)
        #expect(name.withDigest(digest).description == "docker.io/org/app@\(sha256)")
        #expect(try name.withTag("v1").description == "docker.io/org/app:v1")
    }

    @Test(arguments: [
        ("", "org/app", "1", "invalid registry host ''"),
        ("ghcr.io/", "org/app", "1", "invalid registry host 'ghcr.io/'"),
        ("-a.com", "org/app", "1", "invalid registry host '-a.com'"),
        ("foo_bar.com", "org/app", "1", "invalid registry host 'foo_bar.com'"),
        ("registry", "org/app", "1", "'registry' would not be read as a registry (it needs a '.' or ':port', or must be 'localhost')"),
        ("ghcr.io", "Org/app", "1", mustBeLowercase),
        ("ghcr.io", "org//app", "1", invalidFormat),
        ("ghcr.io", "", "1", invalidFormat),
        ("ghcr.io", "org/app:1", "1", invalidFormat),
        ("ghcr.io", "org/app", "-1", "invalid tag format"),
        ("ghcr.io", "org/app", "", "invalid tag format"),
        ("docker.io", String(repeating: "a", count: 248), "1", tooLong),
    ])
    func memberwiseInitValidates(_ registry: String, _ repository: String, _ tag: String, _ reason: String) {
        let error = #expect(throws: ReferenceError.self) {
            try Reference(registry: registry, repository: repository, tag: tag, digest: nil)
        }
        #expect(error?.reason == reason)
    }
}

@Suite("Reference coding")
struct ReferenceCodingTests {
    @Test func encodesDescription() throws {
        let ref = try Reference(parsing: "nginx:1.27.2@\(sha256)")
        let data = try JSONEncoder().encode([ref])
        #expect(String(decoding: data, as: UTF8.self) == "[\"docker.io\\/library\\/nginx:1.27.2@\(sha256)\"]"
            || String(decoding: data, as: UTF8.self) == "[\"docker.io/library/nginx:1.27.2@\(sha256)\"]")
        #expect(try JSONDecoder().decode([Reference].self, from: data) == [ref])
    }

    @Test func decodingNormalises() throws {
        let decoded = try JSONDecoder().decode([Reference].self, from: Data("[\"nginx\"]".utf8))
        #expect(decoded.first?.description == "docker.io/library/nginx:latest")
    }

    @Test func decodingRejectsInvalid() {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([Reference].self, from: Data("[\"Nginx\"]".utf8))
        }
    }
}

@Suite("Reference grammar helpers")
struct ReferenceGrammarTests {
    @Test(arguments: [
        ("test.com", true), ("test.com:10304", true), ("localhost:8080", true), ("a", true), ("a-b.com", true),
        ("ab.c-om", true), ("xn--n3h.com", true), ("Asdf.com", true), ("192.168.1.1:75050", true),
        ("[fd00:1:2::3]:75050", true), ("[2001:0db8:85a3:0000:0000:8a2e:0370:7334]:443", true),
        ("test.com:http", false), ("-ab.com", false), ("ab-.com", false), ("ab.-com", false), ("ab.com-", false),
        ("ab..com", false), ("ab.com.", false), (".ab.com", false), ("[fd00:1:2::3]75050", false),
        ("[fd00:1:2::3]::75050", false), ("[fd00:1:2::3%eth0]:75050", false), ("fd00:1:2::3:75050", false),
        ("test.com:", false), ("", false),
    ])
    func domainGrammar(_ domain: String, _ valid: Bool) {
        #expect(ReferenceGrammar.isDomainAndPort(Array(domain.utf8)[...]) == valid)
    }
}
