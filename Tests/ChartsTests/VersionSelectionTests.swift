import Charts
import Foundation
import Testing
import TestSupport

/// Helm's version choice over the real nginx repository index (201 versions). Every expectation was taken from
/// Helm v4.2.3 itself (helm-python-sdk: `helmpy.py pull NAME --version C --repo URL` against this index served
/// on loopback); the file is the basename of the URL Helm downloaded.
@Suite struct VersionSelectionTests {
    static let index = Fixtures.charts + "/nginx-stable/index.full.yaml"

    static let table: [(chart: String, constraint: String?, file: String?)] = [
        ("nginx-ingress", nil, "nginx-ingress-2.6.4.tgz"),
        ("nginx-ingress", "2.6.2", "nginx-ingress-2.6.2.tgz"),
        ("nginx-ingress", "^1.2", "nginx-ingress-1.4.2.tgz"),
        ("nginx-ingress", "~1.2.0", "nginx-ingress-1.2.2.tgz"),
        ("nginx-ingress", "~0.16", "nginx-ingress-0.16.2.tgz"),
        ("nginx-ingress", ">=1.0 <2.0", "nginx-ingress-1.4.2.tgz"),
        ("nginx-ingress", ">=1.0, <2.0", "nginx-ingress-1.4.2.tgz"),
        ("nginx-ingress", "1.x", "nginx-ingress-1.4.2.tgz"),
        ("nginx-ingress", "2.4.*", "nginx-ingress-2.4.4.tgz"),
        ("nginx-ingress", "0.x || 1.1.x", "nginx-ingress-1.1.3.tgz"),
        ("nginx-ingress", "<0.12 || >=2.5.1 <2.5.3", "nginx-ingress-2.5.2.tgz"),
        ("nginx-ingress", "0.13.1 - 0.16.1", "nginx-ingress-0.16.1.tgz"),
        ("nginx-ingress", "!=2.6.4", "nginx-ingress-2.6.3.tgz"),
        ("nginx-ingress", ">2.6.4", nil),
        ("nginx-ingress", "^0.11.2", "nginx-ingress-0.11.3.tgz"),
        ("nginx-ingress", "v1.0.1", "nginx-ingress-1.0.1.tgz"),
        ("nginx-ingress", "=1.3", "nginx-ingress-1.3.2.tgz"),
        ("nginx-ingress", "~>2.3", "nginx-ingress-2.3.1.tgz"),
        ("nginx-ingress", "<=1.0", "nginx-ingress-1.0.2.tgz"),
        ("nginx-ingress", "*", "nginx-ingress-2.6.4.tgz"),
        // nms-adm lists 4.0.0 twice (files -ea.1 and -ea.3) and 4.0.0-ea.2: pre-release rules and index order.
        ("nms-adm", nil, "nms-adm-4.0.0-ea.1.tgz"),
        ("nms-adm", "4.0.0-ea.2", "nms-adm-4.0.0-ea.2.tgz"),
        ("nms-adm", ">=4.0.0-0 <4.0.0", "nms-adm-4.0.0-ea.2.tgz"),
        ("nms-adm", "<4.0.0", nil),
        ("nms-adm", "^4.0.0-0", "nms-adm-4.0.0-ea.1.tgz"),
        ("nms-adm", "4.0.0-ea.3", nil),
        ("nim", "~2.1", "nim-2.1.1.tgz"),
        ("nim", ">2.1.1", "nim-2.2.2.tgz"),
        ("nginx-service-mesh", "^0.4", "nginx-service-mesh-0.4.1.tgz"),
        ("nginx-service-mesh", "2", "nginx-service-mesh-2.0.0.tgz"),
    ]

    @Test(arguments: table.indices)
    func picksWhatHelmPicks(_ row: Int) throws {
        let (chart, constraint, file) = Self.table[row]
        let index = try ChartRepositoryIndex(file: Self.index, chart: chart, source: "index.full.yaml")
        if let file {
            let entry = try index.select(constraint)
            #expect(entry.urls.first.map { ($0 as NSString).lastPathComponent } == file, "\(chart) \(constraint ?? "(newest)")")
        } else {
            #expect(throws: ChartError.self) { try index.select(constraint) }
        }
    }

    @Test func newestFirstAsHelmSorts() throws {
        let index = try ChartRepositoryIndex(file: Self.index, chart: "nginx-ingress", source: "index")
        #expect(index.entries.count == 68 || index.entries.count > 60)
        let versions = index.entries.compactMap { SemanticVersion($0.version) }
        #expect(zip(versions, versions.dropFirst()).allSatisfy { $0.compare($1) >= 0 })
        #expect(index.entries.first?.digest == "9bdca757183ba4b3248bc73ca48d3ea40c338bd1fc6e4e0249b8c59fc9333577")
    }

    @Test(arguments: ["foo", ">=", "1.2.3.4", "^", ">=1.0 ||", "1.2.3 garbage"])
    func invalidConstraintsAreRejected(_ text: String) {
        #expect(throws: ChartError.self) { try VersionConstraint(text) }
    }

    @Test func prereleaseOnlyWhenTheAlternativeNamesOne() throws {
        let pre = try #require(SemanticVersion("1.0.0-beta.2"))
        #expect(try VersionConstraint(">=1.0.0-0").allows(pre))
        #expect(!(try VersionConstraint(">=0.9").allows(pre)))
        #expect(try VersionConstraint(">=0.9 || >=1.0.0-beta.1").allows(pre))
        #expect(SemanticVersion("1.0.0-alpha")! < SemanticVersion("1.0.0-alpha.1")!)
        #expect(SemanticVersion("1.0.0-2")! < SemanticVersion("1.0.0-10")!)
        #expect(SemanticVersion("1.0.0-rc.1")! < SemanticVersion("1.0.0")!)
        #expect(SemanticVersion("1.0.0-01") == nil)
    }
}
