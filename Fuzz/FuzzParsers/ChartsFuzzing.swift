@testable import Charts
import Foundation

/// Helm repositories: `index.yaml` (asked for the chart the seeds name most) and chart archives.
enum ChartsFuzzing {
    @Sendable static func repositoryIndex(_ data: Data) {
        for chart in ["nginx", "alpine", "nginx-ingress"] {
            _ = try? ChartRepositoryIndex(data: data, chart: chart, source: "fuzz")
        }
    }

    @Sendable static func archive(_ data: Data) {
        _ = try? ChartArchive(bytes: [UInt8](data), label: "fuzz.tgz", location: "fuzz")
    }
}
