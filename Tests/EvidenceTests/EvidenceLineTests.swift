import Foundation
import OCI
import Testing
@testable import Evidence

/// The hand-written line encoding is what a canonical JSON writer makes, and reads back as it was written.
@Suite struct EvidenceLineTests {
    @Test func linesAreCanonicalJSON() throws {
        var start = EvidenceLine(type: .runStart, run: "r1", time: "2026-11-30T05:49:19.961Z",
                                 tool: .init(name: "transit", version: "0.1.0"), host: "landing")
        start.argv = ["transit", "push", "a \"quoted\" path/with\\backslash", "tab\there\nnewline", "café ☕", "\u{1b}[31m"]
        var check = EvidenceLine(check: CheckRecord(.policyRule, subject: "registry.site:5000/team/app:1", digest: Digest.sha256(of: Array("x".utf8)),
                                                    keyFingerprint: "sha256:ab", passed: false, reason: "no valid signature by /keys/\"other\".pub"),
                                 run: "r1", time: "2026-11-30T05:49:19.962Z", tool: .init(name: "airgap", version: "0.1.0"), host: "landing")
        check.prev = String(repeating: "f", count: 64)
        var end = EvidenceLine(type: .runEnd, run: "r1", time: "2026-11-30T05:49:20.000Z", tool: .init(name: "transit", version: "0.1.0"), host: "h")
        (end.checks, end.failures, end.exit) = (3, 1, 5)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for line in [start, check, end] {
            let written = line.encoded()
            #expect(try JSONDecoder().decode(EvidenceLine.self, from: written) == line)
            if !(line.argv ?? []).contains(where: { $0.unicodeScalars.contains { $0.value == 0x1b } }) {
                #expect(String(decoding: written, as: UTF8.self) == String(decoding: try encoder.encode(line), as: UTF8.self))
            }
        }
        #expect(String(decoding: start.encoded(), as: UTF8.self).contains(#""\u001b[31m""#))
    }

    @Test func timesAreRFC3339UTCWithMilliseconds() {
        #expect(EvidenceLine.timestamp(Date(timeIntervalSince1970: 1_796_017_759.961_4)) == "2026-11-30T05:49:19.961Z")
        #expect(EvidenceLine.timestamp(Date(timeIntervalSince1970: 0.25)) == "1970-01-01T00:00:00.250Z")
    }
}
