import Foundation
import Testing
import TestSupport

/// A loopback registry whose `/v2/` answers only 429 or 503 is reported with that status (exit 1), not as a TLS
/// failure (exit 4): HTTPS is tried only when nothing answers plain HTTP.
@Suite(.enabled(if: Peers.available, Comment(rawValue: Peers.unavailableReason)))
struct ProbeStatusTests {
    @Test(arguments: [429, 503])
    func statusStormIsReportedAsItself(status: Int) async throws {
        let registry = try await RegistryServer()
        defer { registry.stop() }
        let proxy = try await FaultProxy(upstream: registry, faults: FaultProxy.Faults(injectedStatus: status, injectedStatusCount: 1_000))
        defer { proxy.stop() }
        let scratch = try TemporaryDirectory(prefix: "airlock-probe")
        let result = try await AirlockTool.run("connected", ["pull", "--store", scratch.file("s"), "\(proxy.host)/any/image:1"])
        #expect(result.status == 1)
        #expect(result.errorOutput.contains("HTTP \(status)"), "\(result.errorOutput)")
        #expect(!result.errorOutput.lowercased().contains("tls"))
    }
}
