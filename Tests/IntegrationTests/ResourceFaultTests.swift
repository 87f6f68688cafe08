import Foundation
import Testing
import TestSupport

/// Resource faults: a full disk, a read-only destination, too few file descriptors, and registries that answer
/// slowly, reset, fail in storms or lie about sizes and digests. Each ends in one clear error line and exit 1 (or
/// success where waiting is the right answer), nothing half-written, and the command's own peak memory bounded.
@Suite(.enabled(if: Peers.available, Comment(rawValue: Peers.unavailableReason)))
struct ResourceFaultTests {
    /// The peak resident memory any command may reach here (the README's bound), in KiB. Executables built with
    /// AddressSanitizer (`scripts/asan.sh`) carry a fixed 50–70 MiB more (shadow memory, allocator caches); their
    /// bound is doubled, still below the 160 MiB blob that a command holding a whole blob would add.
    static let memoryBoundKiB = AirlockTool.sanitizer == nil ? 100 * 1024 : 200 * 1024

    /// A source registry holding one 5 MB image (more than the 4 MiB tmpfs holds), pushed with skopeo.
    struct Source {
        let registry: RegistryServer
        let image: PushedImage
        let scratch: TemporaryDirectory

        init(layerSizes: [Int] = [3_000_000, 2_000_000]) async throws {
            registry = try await RegistryServer()
            let images = try await TestImages()
            try await images.build("app", layerSizes: layerSizes)
            image = try await images.push("app", to: registry, repository: "team/app", tag: "1")
            scratch = try TemporaryDirectory(prefix: "airlock-faults")
        }
    }

    /// Checks that `result` failed with exit 1 and exactly one `TOOL: error: …` line holding each of `phrases`.
    static func expectOneError(_ result: Tool.Result, _ tool: String, mentioning phrases: [String],
                               sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == 1, "\(result.errorOutput)", sourceLocation: sourceLocation)
        let lines = result.errorOutput.split(separator: "\n")
        #expect(lines.count == 1 && lines.first?.hasPrefix("\(tool): error: ") == true, "\(result.errorOutput)", sourceLocation: sourceLocation)
        for phrase in phrases {
            #expect(result.errorOutput.contains(phrase), "no \"\(phrase)\" in: \(result.errorOutput)", sourceLocation: sourceLocation)
        }
    }

    /// Checks that the store at `path` holds nothing partial and names nothing: no `index.json` entry, every blob
    /// whole, no ingest file left.
    static func expectNothingHalfWritten(inStore path: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        guard FileManager.default.fileExists(atPath: path + "/index.json") else { return }
        #expect(try await ContentCheck.problems(inLayout: path) == [], sourceLocation: sourceLocation)
        let index = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path + "/index.json"))) as? [String: Any]
        #expect((index?["manifests"] as? [Any])?.isEmpty == true, "index.json names something", sourceLocation: sourceLocation)
        #expect(DirectoryUsage.names(in: path + "/.ingest").filter { $0.hasSuffix(".part") } == [], sourceLocation: sourceLocation)
    }

    // MARK: Disk

    @Test(.enabled(if: TmpfsMount.available, "needs root to mount tmpfs"))
    func pullOntoAFullDiskFailsWithNothingHalfWritten() async throws {
        let source = try await Source()
        defer { source.registry.stop() }
        let disk = try await TmpfsMount(size: "4m")
        defer { disk.unmount() }
        let store = disk.path + "/store"
        let (result, peak) = try await AirlockTool.runMeasuringMemory("connected", ["pull", "-q", "--store", store, source.image.reference])
        Self.expectOneError(result, "connected", mentioning: ["No space left on device"])
        try await Self.expectNothingHalfWritten(inStore: store)
        #expect(peak < Self.memoryBoundKiB)
    }

    @Test(.enabled(if: TmpfsMount.available, "needs root to mount tmpfs"))
    func packOntoAFullDiskLeavesNoBundle() async throws {
        let source = try await Source()
        defer { source.registry.stop() }
        let store = source.scratch.file("store")
        try await AirlockTool.run("connected", ["pull", "-q", "--store", store, source.image.reference]).check()
        let disk = try await TmpfsMount(size: "4m")
        defer { disk.unmount() }
        for split in [[], ["--split", "1M"]] {
            let (result, peak) = try await AirlockTool.runMeasuringMemory("connected", ["pack", "-q", "--store", store, "-o", disk.path + "/site.tar"] + split)
            Self.expectOneError(result, "connected", mentioning: ["site.tar", "No space left on device"])
            #expect(DirectoryUsage.names(in: disk.path) == [], "\(split)")
            #expect(peak < Self.memoryBoundKiB)
        }
        // `connected bundle` with its scratch store beside the output on the full disk: the same, and no scratch store left.
        let (bundled, _) = try await AirlockTool.runMeasuringMemory("connected", ["bundle", "-q", "-o", disk.path + "/site.tar", source.image.reference])
        Self.expectOneError(bundled, "connected", mentioning: ["No space left on device"])
        #expect(DirectoryUsage.names(in: disk.path) == [])
    }

    @Test(.enabled(if: TmpfsMount.available, "needs root to mount tmpfs"))
    func serveUploadsOntoAFullDiskLeaveNoTag() async throws {
        let source = try await Source()
        defer { source.registry.stop() }
        let bundle = source.scratch.file("site.tar")
        try await AirlockTool.run("connected", ["bundle", "-q", "-o", bundle, source.image.reference]).check()
        let disk = try await TmpfsMount(size: "4m")
        defer { disk.unmount() }
        let store = disk.path + "/store"
        let server = try await RegistryServer(implementation: .airgap(["--store", store]))
        defer { server.stop() }
        let (result, peak) = try await AirlockTool.runMeasuringMemory("transit", ["push", "-q", bundle, "--to", "\(server.host)/mirror"])
        Self.expectOneError(result, "transit", mentioning: ["507", "No space left on device"])
        #expect(peak < Self.memoryBoundKiB)
        // The server is still up, names nothing, and holds nothing partial.
        let served = try await ContentCheck.content(of: server)
        #expect(served.tags == [:] && served.problems == [])
        try await Self.expectNothingHalfWritten(inStore: store)
        #expect(server.logTail(lines: 200).contains("No space left on device"))
    }

    @Test(.enabled(if: TmpfsMount.available, "needs root to mount tmpfs"))
    func aReadOnlyDestinationIsLeftAsItWas() async throws {
        let source = try await Source(layerSizes: [200_000])
        defer { source.registry.stop() }
        let disk = try await TmpfsMount(size: "8m")
        defer { disk.unmount() }
        let store = disk.path + "/store"
        try await AirlockTool.run("connected", ["pull", "-q", "--store", store, source.image.reference]).check()
        let images = try await TestImages()
        try await images.build("other", layerSizes: [100_000])
        let other = try await images.push("other", to: source.registry, repository: "team/other", tag: "1")
        let before = try String(contentsOfFile: store + "/index.json", encoding: .utf8)
        let blobsBefore = DirectoryUsage.names(in: store + "/blobs/sha256")
        try await disk.remountReadOnly()

        let pulled = try await AirlockTool.run("connected", ["pull", "-q", "--store", store, other.reference])
        Self.expectOneError(pulled, "connected", mentioning: ["Read-only file system"])
        let packed = try await AirlockTool.run("connected", ["pack", "-q", "--store", store, "-o", disk.path + "/site.tar"])
        Self.expectOneError(packed, "connected", mentioning: ["site.tar", "Read-only file system"])
        #expect(try String(contentsOfFile: store + "/index.json", encoding: .utf8) == before)
        #expect(DirectoryUsage.names(in: store + "/blobs/sha256") == blobsBefore)
        #expect(DirectoryUsage.names(in: disk.path) == ["store"])
        #expect(try await ContentCheck.problems(inLayout: store) == [])
    }

    // MARK: File descriptors

    @Test func tooFewFileDescriptorsFailCleanly() async throws {
        let source = try await Source(layerSizes: [300_000, 200_000, 100_000])
        defer { source.registry.stop() }
        let store = source.scratch.file("store")
        let limited = try await Tool.run("prlimit", ["--nofile=12:12", AirlockTool.binDirectory + "/connected",
                                                     "pull", "-q", "--store", store, source.image.reference],
                                         environment: ["NO_PROXY": "*", "no_proxy": "*"])
        Self.expectOneError(limited, "connected", mentioning: ["Too many open files"])
        try await Self.expectNothingHalfWritten(inStore: store)
        // With room to work, the same store takes the pull.
        try await AirlockTool.run("connected", ["pull", "-q", "--store", store, source.image.reference]).check()
        #expect(try await ContentCheck.problems(inLayout: store) == [])
    }

    // MARK: Registry faults

    /// A fault of the registry, seen through the fault proxy, and what it must end in.
    struct RegistryFault: Sendable, CustomTestStringConvertible {
        let name: String
        let faults: FaultProxy.Faults
        /// Phrases of the error line; nil when the pull must succeed.
        let error: [String]?
        var testDescription: String { name }
    }

    static let registryFaults: [RegistryFault] = [
        RegistryFault(name: "slow answers", faults: .delay(perRequest: .milliseconds(700), perMiB: .seconds(1)), error: nil),
        RegistryFault(name: "resets mid-blob, then resumes", faults: .cutBlobBodies(after: 400_000, count: 6), error: nil),
        RegistryFault(name: "resets every blob before a byte", faults: .cutBlobBodies(after: 0, count: 1000), error: ["blob", "sha256:"]),
        RegistryFault(name: "500 storm", faults: .internalServerError(count: 1000), error: ["500"]),
        RegistryFault(name: "429 storm", faults: .tooManyRequests(count: 1000), error: ["429"]),
        RegistryFault(name: "500 storm after the manifest", faults: FaultProxy.Faults(injectedStatus: 500, injectedStatusCount: 1000, injectedStatusSkip: 3),
                      error: ["500"]),
        RegistryFault(name: "Content-Length larger than the body", faults: FaultProxy.Faults(wrongLengthDelta: 1000), error: ["blob", "sha256:"]),
        RegistryFault(name: "Content-Length smaller than the body", faults: FaultProxy.Faults(wrongLengthDelta: -1000), error: ["blob", "sha256:"]),
        RegistryFault(name: "body altered", faults: FaultProxy.Faults(alterBlobBodies: true), error: ["blob", "sha256:"]),
    ]

    @Test(arguments: registryFaults)
    func pullMeetsAFaultyRegistry(_ fault: RegistryFault) async throws {
        let source = try await Source(layerSizes: [1_500_000, 500_000])
        defer { source.registry.stop() }
        let proxy = try await FaultProxy(upstream: source.registry, faults: fault.faults)
        defer { proxy.stop() }
        let store = source.scratch.file("store")
        let (result, peak) = try await AirlockTool.runMeasuringMemory("connected", ["pull", "-q", "--store", store, "\(proxy.host)/team/app:1"])
        #expect(peak < Self.memoryBoundKiB)
        if let phrases = fault.error {
            Self.expectOneError(result, "connected", mentioning: phrases)
            try await Self.expectNothingHalfWritten(inStore: store)
        } else {
            #expect(result.succeeded, "\(result.errorOutput)")
            #expect(try await ContentCheck.problems(inLayout: store) == [])
            #expect(try String(contentsOfFile: store + "/index.json", encoding: .utf8).contains(source.image.digest))
        }
    }

    @Test func pushMeetsA500StormMidwayAndTagsNothing() async throws {
        let source = try await Source(layerSizes: [1_500_000, 500_000])
        defer { source.registry.stop() }
        let bundle = source.scratch.file("site.tar")
        try await AirlockTool.run("connected", ["bundle", "-q", "-o", bundle, source.image.reference]).check()
        let target = try await RegistryServer()
        defer { target.stop() }
        // The probe and the first blob checks pass; everything after answers 500.
        let proxy = try await FaultProxy(upstream: target, faults: FaultProxy.Faults(injectedStatus: 500, injectedStatusCount: 10_000, injectedStatusSkip: 4))
        defer { proxy.stop() }
        let (result, peak) = try await AirlockTool.runMeasuringMemory("transit", ["push", "-q", bundle, "--to", "\(proxy.host)/mirror"])
        Self.expectOneError(result, "transit", mentioning: ["500"])
        #expect(peak < Self.memoryBoundKiB)
        let content = try await ContentCheck.content(of: target)
        #expect(content.tags == [:] && content.problems == [])
    }

    // MARK: Memory

    @Test func memoryStaysBoundedWhileABlobLargerThanTheBoundMoves() async throws {
        let size = 160 * 1024 * 1024
        let source = try await Source(layerSizes: [size])
        defer { source.registry.stop() }
        // Cut once mid-blob on the way in, so the resumed download is measured too.
        let proxy = try await FaultProxy(upstream: source.registry, faults: .cutBlobBodies(after: size / 2, count: 1))
        defer { proxy.stop() }
        let store = source.scratch.file("store")
        let (pulled, pullPeak) = try await AirlockTool.runMeasuringMemory("connected", ["pull", "-q", "--store", store, "\(proxy.host)/team/app:1"])
        #expect(pulled.succeeded, "\(pulled.errorOutput)")
        #expect(try await proxy.counters().cuts == 1)
        let bundle = source.scratch.file("site.tar")
        let (packed, packPeak) = try await AirlockTool.runMeasuringMemory("connected", ["pack", "-q", "--store", store, "-o", bundle])
        #expect(packed.succeeded, "\(packed.errorOutput)")
        let (verified, verifyPeak) = try await AirlockTool.runMeasuringMemory("transit", ["verify", "-q", bundle])
        #expect(verified.succeeded, "\(verified.errorOutput)")
        let target = try await RegistryServer()
        defer { target.stop() }
        let (pushed, pushPeak) = try await AirlockTool.runMeasuringMemory("transit", ["push", "-q", bundle, "--to", "\(target.host)/mirror"])
        #expect(pushed.succeeded, "\(pushed.errorOutput)")
        let digest = try await target.manifestHead("mirror/team/app", reference: "1").digest
        #expect(digest == source.image.digest)
        let peaks = ["pull": pullPeak, "pack": packPeak, "verify": verifyPeak, "push": pushPeak]
        print("peak resident memory moving a \(size >> 20) MiB blob (KiB): \(peaks.sorted { $0.key < $1.key })")
        for (command, peak) in peaks { #expect(peak < Self.memoryBoundKiB, "\(command): \(peak) KiB") }
    }
}
