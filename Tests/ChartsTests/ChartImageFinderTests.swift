import Charts
import Foundation
import Testing
import TestSupport

/// The images each fixture chart names, with where they were found.
@Suite struct ChartImageFinderTests {
    static let table: [(file: String, images: [String: String])] = [
        ("nginx-stable/nginx-ingress-0.2.0.tgz", [
            "docker.io/nginx/nginx-ingress:1.4.5": "values.yaml: controller.image",
            "docker.io/nginx/nginx-prometheus-exporter:0.2.0": "values.yaml: prometheus.image"]),
        ("nginx-stable/nginx-ingress-2.6.4.tgz", [
            "docker.io/nginx/nginx-ingress:5.5.4": "values.yaml: controller.image (tag from appVersion)",
            "private-registry.nginx.com/nap/waf-enforcer:5.13.4": "values.yaml: controller.appprotect.enforcer.image",
            "private-registry.nginx.com/nap/waf-config-mgr:5.13.4": "values.yaml: controller.appprotect.configManager.image",
            "private-registry.nginx.com/nap/waf-ip-intelligence:5.13.4": "values.yaml: controller.appprotect.ipIntelligence.image"]),
        ("nginx-stable/nginx-devportal-1.7.2.tgz", [
            "docker.io/library/apigw:latest": "values.yaml: apigw.image", "docker.io/library/api:latest": "values.yaml: api.image",
            "docker.io/library/postgres:12-alpine": "values.yaml: embeddedPostgres.image"]),
        ("nginx-stable/nginx-appprotect-dos-arbitrator-0.1.0.tgz", [
            "docker-registry.nginx.com/nap-dos/app_protect_dos_arb:1.1.0": "values.yaml: arbitrator.image"]),
        ("nginx-stable/nginx-appprotect-dos-arbitrator-0.2.0.tgz", [
            "docker-registry.nginx.com/nap-dos/app_protect_dos_arb:1.2.0": "values.yaml: image (tag from appVersion)"]),
        ("helm-testdata/chart-with-compressed-dependencies-2.1.8.tgz", [
            "docker.io/bitnami/wordpress:4.9.8-debian-9": "values.yaml: image",
            "docker.io/bitnami/mariadb:10.1.34-debian-9": "charts/mariadb/values.yaml: image",
            "docker.io/prom/mysqld-exporter:v0.10.0": "charts/mariadb/values.yaml: metrics.image"]),
        ("helm-testdata/oci-dependent-chart-0.1.0.tgz", ["docker.io/library/nginx:1.16.0": "values.yaml: image (tag from appVersion)"]),
        ("helm-testdata/signtest-0.1.0.tgz", [:]),
    ]

    @Test(arguments: table.indices)
    func findsTheExpectedImages(_ row: Int) throws {
        let (file, expected) = Self.table[row]
        let found = ChartImageFinder.images(in: try ChartArchive(path: Fixtures.charts + "/" + file))
        #expect(Dictionary(uniqueKeysWithValues: found.map { ($0.reference, $0.foundIn.joined(separator: "; ")) }) == expected, "\(file)")
    }

    @Test func annotationsAndImagesLock() async throws {
        let chartYAML = """
            apiVersion: v2
            name: app
            version: 1.0.0
            annotations:
              artifacthub.io/images: |
                - name: app
                  image: ghcr.io/org/app:1.0.0
              helm.sh/images: |
                - name: sidecar
                  image: quay.io/org/sidecar:2
            """
        var metadata = try ChartMetadata(chartYAML: chartYAML, chart: "app")
        try metadata.validate(chart: "app")
        let directory = try TemporaryDirectory()
        let root = directory.file("app")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try Data(chartYAML.utf8).write(to: URL(fileURLWithPath: root + "/Chart.yaml"))
        try Data("images:\n  - name: db\n    image: docker.io/bitnami/postgresql:16.4.0-debian-12-r0\n    chart: app\n".utf8)
            .write(to: URL(fileURLWithPath: root + "/images.lock"))
        try Data("image:\n  registry: docker.io\n  repository: bitnami/redis\n  tag: 7.4.1\nnotAnImage:\n  repository: https://git.example.com/x.git\n".utf8)
            .write(to: URL(fileURLWithPath: root + "/values.yaml"))
        _ = try await Tool.run("tar", ["-C", directory.path, "-czf", directory.file("app-1.0.0.tgz"), "app"]).check()
        let found = ChartImageFinder.images(in: try ChartArchive(path: directory.file("app-1.0.0.tgz")))
        #expect(found.map(\.reference) == ["quay.io/org/sidecar:2", "ghcr.io/org/app:1.0.0",
                                           "docker.io/bitnami/postgresql:16.4.0-debian-12-r0", "docker.io/bitnami/redis:7.4.1"])
        #expect(found[1].foundIn == ["Chart.yaml: annotations.artifacthub.io/images"])
        #expect(found[2].foundIn == ["images.lock"])
        #expect(metadata.annotations.count == 2)
    }
}
