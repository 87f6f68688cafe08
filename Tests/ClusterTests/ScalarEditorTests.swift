import Cluster
import Testing

/// In-place edits keep every byte outside the image scalars.
struct ScalarEditorTests {
    func rewrite(_ text: String, _ replacement: (String) -> String) throws -> String {
        let file = ManifestFile(path: "t.yaml", relativePath: "t.yaml", text: text)
        let edits = try ManifestScanner.images(in: file).map { ScalarEditor.Edit(occurrence: $0, replacement: replacement($0.value)) }
        return try ScalarEditor.apply(edits, to: text)
    }

    @Test func plainQuotedAndFlowScalarsAreEditedInPlace() throws {
        let text = """
            # a comment
            apiVersion: v1
            kind: Pod
            metadata: {name: p}   # flow mapping
            spec:
              containers:
                - name: a
                  image: nginx:1.27 # trailing comment
                - {name: b, image: 'redis:7'}
                - name: c
                  image: "ghcr.io/o/ü:1"
              initContainers: [{name: d, image: busybox:1.36}]

            """
        let result = try rewrite(text) { "r.example/" + $0 }
        #expect(result == text
            .replacingOccurrences(of: "image: nginx:1.27", with: "image: r.example/nginx:1.27")
            .replacingOccurrences(of: "'redis:7'", with: "'r.example/redis:7'")
            .replacingOccurrences(of: "\"ghcr.io/o/ü:1\"", with: "\"r.example/ghcr.io/o/ü:1\"")
            .replacingOccurrences(of: "image: busybox:1.36", with: "image: r.example/busybox:1.36"))
    }

    @Test func nonAsciiBeforeTheScalarOnTheSameLineIsCountedInScalars() throws {
        let text = "kind: Pod\nmetadata: {name: ä}\nspec: {containers: [{name: \"é\", image: x:1}]}\n"
        #expect(try rewrite(text) { $0 + "0" } == text.replacingOccurrences(of: "x:1", with: "x:10"))
    }

    @Test func aBlockScalarIsRefusedWithItsLine() throws {
        let text = "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: |\n      nginx:1\n"
        #expect { try rewrite(text) { $0 } } throws: { error in
            "\(error)".hasPrefix("t.yaml:6: image 'nginx:1\n' is a block scalar")
        }
    }
}
