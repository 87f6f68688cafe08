import Charts
import Foundation
import Testing
import TestSupport

/// Real chart archives read as Helm reads them, and Helm's config blob for them.
@Suite struct ChartArchiveTests {
    static let helm = Fixtures.charts + "/helm-testdata/"
    static let nginx = Fixtures.charts + "/nginx-stable/"

    @Test(arguments: [
        ("signtest-0.1.0.tgz", "signtest", "0.1.0"), ("hashtest-1.2.3.tgz", "hashtest", "1.2.3"),
        ("compressedchart-with-hyphens-0.1.0.tgz", "compressedchart-with-hyphens", "0.1.0"),
        ("pre-release-chart-0.1.0-alpha.tgz", "pre-release-chart", "0.1.0-alpha"), ("frobnitz.v1.tgz", "frobnitz", "1.2.3"),
        ("oci-dependent-chart-0.1.0.tgz", "oci-dependent-chart", "0.1.0"),
        ("chart-with-compressed-dependencies-2.1.8.tgz", "chart-with-compressed-dependencies", "2.1.8"),
    ])
    func namesAndVersionsComeFromChartYAML(_ row: (String, String, String)) throws {
        let chart = try ChartArchive(path: Self.helm + row.0)
        #expect(chart.metadata.name == row.1)
        #expect(chart.metadata.version == row.2)
        #expect(chart.metadata.apiVersion == "v1" || chart.metadata.apiVersion == "v2")
    }

    @Test func fileNamesDoNotDecide() throws {
        #expect(try ChartArchive(path: Self.nginx + "nms-2.1.0.tgz").metadata.name == "nim")
        #expect(try ChartArchive(path: Self.nginx + "nms-adm-4.0.0-ea.3.tgz").metadata.version == "4.0.0")
    }

    @Test func emptyArchiveIsRejectedAsHelmRejectsIt() {
        #expect(throws: ChartError.invalidChart("corrupted", "is empty, expected a gzipped chart archive (.tgz)")) {
            try ChartArchive(path: Self.helm + "corrupted-compressed-chart.tgz", name: "corrupted")
        }
    }

    @Test func notGzipIsRejected() throws {
        let directory = try TemporaryDirectory()
        try Data("apiVersion: v2\nname: x\n".utf8).write(to: URL(fileURLWithPath: directory.file("x.tgz")))
        #expect(throws: ChartError.self) { try ChartArchive(path: directory.file("x.tgz")) }
    }

    @Test func subchartsDirectoriesNestedArchivesAndRequirements() throws {
        let frobnitz = try ChartArchive(path: Self.helm + "frobnitz.v1.tgz")
        #expect(frobnitz.allCharts.map(\.location) == ["", "charts/alpine", "charts/alpine/charts/mast1",
                                                       "charts/alpine/charts/mast2-0.1.0", "charts/mariner-4.3.2", "charts/mariner-4.3.2/charts/albatross-0.1.0"])
        #expect(frobnitz.metadata.dependencies.map(\.name) == ["alpine", "mariner"])
        let compressed = try ChartArchive(path: Self.helm + "chart-with-compressed-dependencies-2.1.8.tgz")
        #expect(compressed.subcharts.map(\.metadata.name) == ["mariadb"])
        // signtest carries a second chart directory outside charts/: not a subchart.
        #expect(try ChartArchive(path: Self.helm + "signtest-0.1.0.tgz").subcharts.isEmpty)
    }

    /// The config blobs `helm push` wrote (Helm v4.2.3, pushed to a local registry and read back).
    @Test func configJSONIsHelmsByteForByte() throws {
        #expect(try ChartArchive(path: Self.helm + "signtest-0.1.0.tgz").metadata.helmConfigJSON
                == #"{"name":"signtest","version":"0.1.0","description":"A Helm chart for Kubernetes","apiVersion":"v1"}"#)
        #expect(try ChartArchive(path: Self.nginx + "nginx-ingress-2.6.4.tgz").metadata.helmConfigJSON
                == #"{"name":"nginx-ingress","home":"https://github.com/nginx/kubernetes-ingress","sources":["https://github.com/nginx/kubernetes-ingress/tree/v5.5.4/charts/nginx-ingress"],"version":"2.6.4","description":"NGINX Ingress Controller","keywords":["ingress","nginx"],"maintainers":[{"name":"nginx","email":"kubernetes@nginx.com"}],"icon":"https://raw.githubusercontent.com/nginx/kubernetes-ingress/v5.5.4/charts/nginx-ingress/chart-icon.png","apiVersion":"v2","appVersion":"5.5.4","kubeVersion":"\u003e= 1.25.0-0","type":"application"}"#)
    }

    @Test func textFieldsAreCleanedAsHelmCleansThem() throws {
        var m = try ChartMetadata(chartYAML: "name: x\nversion: 1.0\ndescription: |\n  two\n  lines\n", chart: "x")
        try m.validate(chart: "x")
        #expect(m.version == "1")
        #expect(m.description == "two lines ")
        #expect(m.apiVersion == "v1")
    }
}
