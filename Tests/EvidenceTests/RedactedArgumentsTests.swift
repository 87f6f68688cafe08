import Testing
@testable import Evidence

/// Secrets never reach an evidence log's command line; files that hold them, and everything else, do.
@Suite struct RedactedArgumentsTests {
    @Test func secretValuesAreReplaced() {
        let argv = ["transit", "push", "site.tar", "--creds", "alice:s3cret", "--to=registry:5000", "--password=hunter2",
                    "--password-file", "pw.txt", "--evidence-key", "cosign.key", "--registry-token", "abc"]
        #expect(RedactedArguments.redact(argv) == ["transit", "push", "site.tar", "--creds", "***", "--to=registry:5000", "--password=***",
                                                   "--password-file", "pw.txt", "--evidence-key", "cosign.key", "--registry-token", "***"])
    }
}
