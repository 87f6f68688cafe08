import Charts
import Foundation
import Testing
import TestSupport

/// Helm's own test indexes: JSON, unordered, ChartMuseum style, legacy checksums, relative URLs.
@Suite struct RepositoryIndexTests {
    static let dir = Fixtures.charts + "/helm-testdata/indexes/"

    @Test(arguments: ["local-index.yaml", "local-index.json", "local-index-unordered.yaml", "local-index-annotations.yaml", "chartmuseum-index.yaml"])
    func readsNginxVersionsNewestFirst(_ file: String) throws {
        let index = try ChartRepositoryIndex(file: Self.dir + file, chart: "nginx", source: file)
        #expect(index.entries.map(\.version) == ["0.2.0", "0.1.0"])
        #expect(try index.select(nil).version == "0.2.0")
        #expect(try index.select("<0.2").version == "0.1.0")
    }

    @Test func unknownChartIsNamed() throws {
        #expect(throws: ChartError.unknownChart(chart: "nope", repository: "local-index.yaml")) {
            try ChartRepositoryIndex(file: Self.dir + "local-index.yaml", chart: "nope", source: "local-index.yaml")
        }
    }

    @Test func legacyChecksumIsNotADigest() throws {
        let index = try ChartRepositoryIndex(file: Self.dir + "testing-index.yaml", chart: "alpine", source: "testing-index.yaml")
        #expect(index.entries.allSatisfy { $0.digest == nil || $0.digest?.count == 64 || $0.digest == "1234567890abcdef" })
    }

    @Test func emptyAndNonIndexFilesAreRejected() {
        #expect(throws: ChartError.self) { try ChartRepositoryIndex(data: Data(), chart: "x", source: "empty") }
        #expect(throws: ChartError.self) { try ChartRepositoryIndex(data: Data("entries:\n  x:\n  - version: 1.0.0\n".utf8), chart: "x", source: "no-api") }
    }

    @Test(arguments: [
        ("charts/foo-1.2.3.tgz", "http://example.com/repo", "http://example.com/repo/charts/foo-1.2.3.tgz"),
        ("bar-1.2.3.tgz", "http://example.com/repo/", "http://example.com/repo/bar-1.2.3.tgz"),
        ("alpine-1.2.3.tgz", "http://example.com/with/path?token=abc", "http://example.com/with/path/alpine-1.2.3.tgz?token=abc"),
        ("https://other.example.com/a.tgz", "http://example.com/repo", "https://other.example.com/a.tgz"),
        ("/root/a.tgz", "http://example.com/repo", "http://example.com/root/a.tgz"),
    ])
    func chartURLsResolveAsHelmResolvesThem(_ row: (String, String, String)) {
        #expect(HTTPChartRepository.resolve(row.0, against: row.1) == row.2)
    }

    /// A 60 MB index (the real one's sections repeated under other names): only the wanted chart's lines are parsed.
    @Test func largeIndexFindsOneChartWithoutParsingTheRest() throws {
        let real = try String(contentsOfFile: Fixtures.charts + "/nginx-stable/index.full.yaml", encoding: .utf8)
        let body = real.components(separatedBy: "\nentries:\n")[1].components(separatedBy: "\ngenerated:")[0]
        var text = "apiVersion: v1\nentries:\n"
        var copies = 0
        while text.utf8.count < 60_000_000 {
            text += body.replacingOccurrences(of: "\n  nginx-ingress:\n", with: "\n  nginx-ingress-copy\(copies):\n")
                        .replacingOccurrences(of: "  f5-waf-policy-controller:\n", with: "  f5-waf-policy-controller-copy\(copies):\n") + "\n"
            copies += 1
        }
        text += "  nginx-ingress:\n" + body.components(separatedBy: "\n  nginx-ingress:\n")[1].components(separatedBy: "\n  nginx-service-mesh:")[0] + "\n"
        let directory = try TemporaryDirectory()
        let path = directory.file("index.yaml")
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        text = ""
        // CPU time of this thread, not the wall clock: a busy machine stretches the one, not the other. Composing
        // every chart of the 60 MB index would take far longer than finding one.
        let started = Self.threadCPUSeconds()
        let index = try ChartRepositoryIndex(file: path, chart: "nginx-ingress", source: "big")
        let seconds = Self.threadCPUSeconds() - started
        #expect(index.entries.first?.version == "2.6.4")
        #expect(seconds < 10, "took \(seconds) s of CPU")
        print("60 MB index, \(copies) copies: nginx-ingress found in \(String(format: "%.2f", seconds)) s of CPU")
    }

    /// CPU seconds the calling thread has used.
    static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
