import OCI
import Testing

@Suite struct PlatformTests {
    @Test(arguments: [
        ("linux/amd64", "linux/amd64"),
        ("linux/x86_64", "linux/amd64"),
        ("linux/arm64", "linux/arm64/v8"),
        ("linux/aarch64", "linux/arm64/v8"),
        ("linux/arm64/v8", "linux/arm64/v8"),
        ("linux/arm", "linux/arm/v7"),
        ("linux/arm/v6", "linux/arm/v6"),
        ("linux/armhf", "linux/arm/v7"),
        ("Linux/AMD64", "linux/amd64"),
        ("windows/amd64", "windows/amd64"),
        ("linux/386", "linux/386"),
        ("linux/s390x", "linux/s390x"),
    ])
    func normalises(text: String, expected: String) throws {
        #expect(try Platform(parsing: text).description == expected)
    }

    @Test(arguments: ["", "linux", "linux/", "/amd64", "linux/amd64/v8/extra", "linux/am d64"])
    func rejects(text: String) {
        #expect(throws: PlatformError.self) { try Platform(parsing: text) }
    }

    @Test func arm64MatchesV8AsContainerdDoes() throws {
        let wanted = try Platform(parsing: "linux/arm64")
        #expect(wanted.matches(Platform(os: "linux", architecture: "arm64", variant: "v8")))
        #expect(wanted.matches(Platform(os: "linux", architecture: "arm64")))
        #expect(!wanted.matches(Platform(os: "linux", architecture: "arm", variant: "v7")))
        #expect(!wanted.matches(Platform(os: "linux", architecture: "amd64")))
    }

    @Test func variantsMustAgree() throws {
        #expect(try !Platform(parsing: "linux/arm/v6").matches(Platform(os: "linux", architecture: "arm", variant: "v7")))
        #expect(try Platform(parsing: "linux/arm").matches(Platform(os: "linux", architecture: "arm", variant: "v7")))
        #expect(try !Platform(parsing: "linux/amd64").matches(Platform(os: "windows", architecture: "amd64")))
    }
}
