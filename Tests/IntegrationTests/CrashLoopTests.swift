import Foundation
import Testing
import TestSupport

/// Crash consistency: each command is killed with SIGKILL 20 times at a point drawn from a seeded generator (a
/// number of bytes written to its destination, so the point does not depend on the machine's speed), then run
/// again to completion. After every kill, nothing names missing or unverified content; after every rerun, the
/// result equals an uninterrupted run's and nothing finished before the kill was transferred again.
/// `AIRLOCK_CRASH_SEED=N` replays a failure (the seed is in every failure message).
@Suite(.enabled(if: Peers.available, Comment(rawValue: Peers.unavailableReason)), .serialized)
struct CrashLoopTests {
    static let iterations = 20

    /// A source registry with a two-layer image on a shared base, a signature and a two-platform index, read
    /// through a proxy that counts blob transfers and slows bodies a little, so kills land mid-transfer.
    struct Source {
        let registry: RegistryServer
        let proxy: FaultProxy
        let references: [String]
        let scratch: TemporaryDirectory

        init() async throws {
            registry = try await RegistryServer()
            let images = try await TestImages()
            try await images.build("base", layerSizes: [700_000, 300_000])
            try await images.build("app", layerSizes: [400_000], base: "base")
            let app = try await images.push("app", to: registry, repository: "team/app", tag: "1")
            _ = try await TestImages.pushCosignSignature(for: app, to: registry)
            _ = try await images.buildIndex("multi", layerSizes: [200_000])
            _ = try await images.push("multi", to: registry, repository: "library/multi", tag: "2")
            proxy = try await FaultProxy(upstream: registry, faults: .delay(perMiB: .milliseconds(300)))
            references = ["\(proxy.host)/team/app:1", "\(proxy.host)/library/multi:2"]
            scratch = try TemporaryDirectory(prefix: "airlock-crash")
        }

        func stop() {
            proxy.stop()
            registry.stop()
        }

        /// `REPOSITORY@DIGEST` of the blobs fetched through the proxy so far.
        func blobGets() async throws -> [String] { try await proxy.counters().blobGets }
    }

    /// Where a failure replays from.
    static func label(_ seed: UInt64, _ iteration: Int) -> Comment {
        Comment(rawValue: "AIRLOCK_CRASH_SEED=\(seed), iteration \(iteration)")
    }

    /// The hex digests of the blobs under `layout/blobs/sha256`.
    static func blobNames(_ layout: String) -> Set<String> {
        Set(DirectoryUsage.names(in: layout + "/blobs/sha256"))
    }

    /// The manifests of a layout's push records (`airlock-push-…`, the record in an annotation), which name the
    /// host pushed to and so differ between two servers by design.
    static func pushRecordBlobs(_ layout: String) throws -> Set<String> {
        let index = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: layout + "/index.json"))) as? [String: Any]
        var blobs: Set<String> = []
        for entry in index?["manifests"] as? [[String: Any]] ?? [] {
            let name = (entry["annotations"] as? [String: String])?["org.opencontainers.image.ref.name"] ?? ""
            guard name.contains("airlock-push-"), let digest = entry["digest"] as? String else { continue }
            blobs.insert(hex(digest))
        }
        return blobs
    }

    /// The hex part of `REPOSITORY@sha256:HEX`.
    static func hex(_ located: String) -> String {
        String(located.split(separator: ":").last ?? "")
    }

    @Test func pullKilledAtRandomPointsResumesToTheSameStore() async throws {
        let seed = try SeededRandom.crashSeed()
        var random = SeededRandom(seed: seed)
        let source = try await Source()
        defer { source.stop() }
        let reference = source.scratch.file("reference")
        try await AirlockTool.run("connected", ["pull", "-q", "--store", reference] + source.references).check()
        let referenceIndex = try Data(contentsOf: URL(fileURLWithPath: reference + "/index.json"))
        let referenceBytes = DirectoryUsage.bytes(under: reference)
        var kills = 0

        for iteration in 1...Self.iterations {
            let label = Self.label(seed, iteration)
            let store = source.scratch.file("pull-\(iteration)")
            let threshold = Int64.random(in: 0..<referenceBytes, using: &random)
            let run = try RunningTool("connected", ["pull", "-q", "--store", store] + source.references)
            let (result, killed) = try await run.kill(whenProgressReaches: threshold) { DirectoryUsage.bytes(under: store) }
            if killed { kills += 1 } else { #expect(result.succeeded, label) }
            if FileManager.default.fileExists(atPath: store + "/index.json") {
                #expect(try await ContentCheck.problems(inLayout: store) == [], label)
            }
            let finished = Self.blobNames(store)

            let before = try await source.blobGets().count
            let rerun = try await AirlockTool.run("connected", ["pull", "-q", "--store", store] + source.references)
            #expect(rerun.succeeded, "\(rerun.errorOutput) \(label)")
            let fetchedAgain = try await source.blobGets().dropFirst(before).map(Self.hex).filter(finished.contains)
            #expect(fetchedAgain == [], label)
            #expect(try Data(contentsOf: URL(fileURLWithPath: store + "/index.json")) == referenceIndex, label)
            #expect(Self.blobNames(store) == Self.blobNames(reference), label)
            #expect(DirectoryUsage.names(in: store + "/.ingest").allSatisfy { !$0.hasSuffix(".part") }, label)
            try? FileManager.default.removeItem(atPath: store)
        }
        print("\(#function): \(kills) of \(Self.iterations) runs killed before they finished, AIRLOCK_CRASH_SEED=\(seed)")
        #expect(kills >= Self.iterations / 2, "only \(kills) of \(Self.iterations) runs were killed before they finished (seed \(seed))")
    }

    @Test(arguments: [false, true])
    func bundleKilledAtRandomPointsResumesToTheSameBytes(split: Bool) async throws {
        let seed = try SeededRandom.crashSeed()
        var random = SeededRandom(seed: seed)
        let source = try await Source()
        defer { source.stop() }
        let splitArguments = split ? ["--split", "1M"] : []
        let referenceDirectory = source.scratch.file("reference")
        try FileManager.default.createDirectory(atPath: referenceDirectory, withIntermediateDirectories: true)
        try await AirlockTool.run("connected", ["bundle", "-q", "-o", referenceDirectory + "/site.tar"] + splitArguments + source.references).check()
        let outputs = DirectoryUsage.names(in: referenceDirectory)
        let referenceFiles = try outputs.map { try Data(contentsOf: URL(fileURLWithPath: referenceDirectory + "/" + $0)) }
        // The temporary store and the bundle being written sit side by side at the peak.
        let peakBytes = 2 * DirectoryUsage.bytes(under: referenceDirectory)
        var kills = 0

        for iteration in 1...Self.iterations {
            let label = Self.label(seed, iteration)
            let directory = source.scratch.file("bundle-\(iteration)")
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let threshold = Int64.random(in: 0..<peakBytes, using: &random)
            let run = try RunningTool("connected", ["bundle", "-q", "-o", directory + "/site.tar"] + splitArguments + source.references)
            let (result, killed) = try await run.kill(whenProgressReaches: threshold) { DirectoryUsage.bytes(under: directory) }
            if killed {
                kills += 1
                // Nothing appears under the bundle's name unless the whole bundle was written. Volumes are renamed
                // one by one, so some may be in place, but the volume list (what names a split bundle) comes last.
                let visible = DirectoryUsage.names(in: directory).filter { !$0.hasPrefix(".") }
                let unfinishedVolumes = split && !visible.contains("site.tar.parts.json") && visible.allSatisfy(outputs.contains)
                #expect(visible == [] || visible == outputs || unfinishedVolumes, "\(visible) \(label)")
            } else {
                #expect(result.succeeded, label)
            }
            // A scratch store killed while being deleted (`….removed`) is not taken over: its blobs may be fetched again.
            let finished = DirectoryUsage.names(in: directory).filter { $0.hasPrefix(".site.tar.store") && !$0.hasSuffix(".removed") }
                .reduce(into: Set<String>()) { $0.formUnion(Self.blobNames(directory + "/" + $1)) }

            let before = try await source.blobGets().count
            let rerun = try await AirlockTool.run("connected", ["bundle", "-q", "-o", directory + "/site.tar"] + splitArguments + source.references)
            #expect(rerun.succeeded, "\(rerun.errorOutput) \(label)")
            let fetchedAgain = try await source.blobGets().dropFirst(before).map(Self.hex).filter(finished.contains)
            #expect(fetchedAgain == [], label)
            // Exactly the bundle's files, byte for byte; nothing a killed run left behind.
            #expect(DirectoryUsage.names(in: directory) == outputs, label)
            for (name, bytes) in zip(outputs, referenceFiles) {
                #expect(FileManager.default.contents(atPath: directory + "/" + name) == bytes, "\(name) \(label)")
            }
            try? FileManager.default.removeItem(atPath: directory)
        }
        print("\(#function): \(kills) of \(Self.iterations) runs killed before they finished, AIRLOCK_CRASH_SEED=\(seed)")
        #expect(kills >= Self.iterations / 2, "only \(kills) of \(Self.iterations) runs were killed before they finished (seed \(seed))")
    }

    /// A bundle of the source's images (read directly, not through the proxy) for the push loops.
    static func bundle(of source: Source) async throws -> String {
        let bundle = source.scratch.file("site.tar")
        let direct = source.references.map { $0.replacingOccurrences(of: source.proxy.host, with: source.registry.host) }
        try await AirlockTool.run("connected", ["bundle", "-q", "-o", bundle] + direct).check()
        return bundle
    }

    @Test func pushKilledAtRandomPointsResumesToTheSameRegistry() async throws {
        let seed = try SeededRandom.crashSeed()
        var random = SeededRandom(seed: seed)
        let source = try await Source()
        defer { source.stop() }
        let bundle = try await Self.bundle(of: source)
        let reference = try await RegistryServer()
        defer { reference.stop() }
        try await AirlockTool.run("transit", ["push", "-q", bundle, "--to", "\(reference.host)/mirror"]).check()
        let expected = try await ContentCheck.content(of: reference)
        #expect(expected.problems == [] && !expected.tags.isEmpty)
        let referenceBytes = DirectoryUsage.bytes(under: reference.dataDirectory)
        var kills = 0

        for iteration in 1...Self.iterations {
            let label = Self.label(seed, iteration)
            let target = try await RegistryServer()
            defer { target.stop() }
            let proxy = try await FaultProxy(upstream: target, faults: .delay(perRequest: .milliseconds(10)))
            defer { proxy.stop() }
            let threshold = Int64.random(in: 0..<referenceBytes, using: &random)
            let run = try RunningTool("transit", ["push", "-q", bundle, "--to", "\(proxy.host)/mirror"])
            let (result, killed) = try await run.kill(whenProgressReaches: threshold) { DirectoryUsage.bytes(under: target.dataDirectory) }
            if killed { kills += 1 } else { #expect(result.succeeded, label) }
            // Every tag the registry has names whole content.
            #expect(try await ContentCheck.content(of: target).problems == [], label)
            var finished: Set<String> = []
            for blob in expected.blobs where try await ContentCheck.hasBlob(String(blob.split(separator: "@")[1]),
                                                                           in: String(blob.split(separator: "@")[0]), of: target) {
                finished.insert(blob)
            }

            let before = try await proxy.counters().blobPuts.count
            let rerun = try await AirlockTool.run("transit", ["push", "-q", bundle, "--to", "\(proxy.host)/mirror"])
            #expect(rerun.succeeded, "\(rerun.errorOutput) \(label)")
            let sentAgain = try await proxy.counters().blobPuts.dropFirst(before).filter(finished.contains)
            #expect(sentAgain == [], label)
            let pushed = try await ContentCheck.content(of: target)
            #expect(pushed.problems == [], label)
            #expect(pushed.tags == expected.tags, label)
        }
        print("\(#function): \(kills) of \(Self.iterations) runs killed before they finished, AIRLOCK_CRASH_SEED=\(seed)")
        #expect(kills >= Self.iterations / 2, "only \(kills) of \(Self.iterations) runs were killed before they finished (seed \(seed))")
    }

    /// `index.json` entries of a store written by `airgap serve`, with the server's address (which changes
    /// when it restarts) taken out, sorted.
    static func servedEntries(_ store: String, hosts: [String]) throws -> [String] {
        var text = try String(contentsOfFile: store + "/index.json", encoding: .utf8)
        for host in hosts { text = text.replacingOccurrences(of: host, with: "HOST") }
        let index = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        let entries = (index?["manifests"] as? [[String: Any]] ?? []).filter {
            !((($0["annotations"] as? [String: String])?["org.opencontainers.image.ref.name"] ?? "").contains("airlock-push-"))
        }
        return try entries.map {
            String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self)
        }.sorted()
    }

    @Test func serveKilledDuringUploadsRestartsWithNothingHalfWritten() async throws {
        let seed = try SeededRandom.crashSeed()
        var random = SeededRandom(seed: seed)
        let source = try await Source()
        defer { source.stop() }
        let bundle = try await Self.bundle(of: source)
        let referenceStore = source.scratch.file("served-reference")
        let reference = try await RegistryServer(implementation: .airgap(["--store", referenceStore]))
        try await AirlockTool.run("transit", ["push", "-q", bundle, "--to", "\(reference.host)/mirror"]).check()
        let expected = try await ContentCheck.content(of: reference)
        reference.stop()
        #expect(expected.problems == [] && !expected.tags.isEmpty)
        let referenceEntries = try Self.servedEntries(referenceStore, hosts: [reference.host])
        let referenceBytes = DirectoryUsage.bytes(under: referenceStore)
        var kills = 0

        for iteration in 1...Self.iterations {
            let label = Self.label(seed, iteration)
            let store = source.scratch.file("served-\(iteration)")
            let first = try await RegistryServer(implementation: .airgap(["--store", store]))
            let threshold = Int64.random(in: 0..<referenceBytes, using: &random)
            let push = try RunningTool("transit", ["push", "-q", bundle, "--to", "\(first.host)/mirror"])
            // The server is the process under test: it is killed; the client, which would only retry, goes too.
            var serverKilled = false
            let (pushed, _) = try await push.kill(whenProgressReaches: threshold) {
                let bytes = DirectoryUsage.bytes(under: store)
                if bytes >= threshold && !serverKilled {
                    first.kill()
                    serverKilled = true
                }
                return bytes
            }
            if serverKilled { kills += 1 } else { #expect(pushed.succeeded, label); first.kill() }
            #expect(try await ContentCheck.problems(inLayout: store) == [], label)

            let second = try await RegistryServer(implementation: .airgap(["--store", store]))
            defer { second.stop() }
            let restarted = try await ContentCheck.content(of: second)
            #expect(restarted.problems == [], label)
            var finished: Set<String> = []
            for blob in expected.blobs where try await ContentCheck.hasBlob(String(blob.split(separator: "@")[1]),
                                                                           in: String(blob.split(separator: "@")[0]), of: second) {
                finished.insert(blob)
            }
            let proxy = try await FaultProxy(upstream: second, faults: .none)
            defer { proxy.stop() }
            let rerun = try await AirlockTool.run("transit", ["push", "-q", bundle, "--to", "\(proxy.host)/mirror"])
            #expect(rerun.succeeded, "\(rerun.errorOutput) \(label)")
            #expect(try await proxy.counters().blobPuts.filter(finished.contains) == [], label)
            let final = try await ContentCheck.content(of: second)
            #expect(final.problems == [], label)
            #expect(final.tags == expected.tags, label)
            second.stop()
            #expect(Self.blobNames(store).subtracting(try Self.pushRecordBlobs(store))
                    == Self.blobNames(referenceStore).subtracting(try Self.pushRecordBlobs(referenceStore)), label)
            #expect(try Self.servedEntries(store, hosts: [first.host, second.host, proxy.host]) == referenceEntries, label)
            #expect(try await ContentCheck.problems(inLayout: store) == [], label)
            try? FileManager.default.removeItem(atPath: store)
        }
        print("\(#function): \(kills) of \(Self.iterations) runs killed before they finished, AIRLOCK_CRASH_SEED=\(seed)")
        #expect(kills >= Self.iterations / 2, "only \(kills) of \(Self.iterations) runs were killed before they finished (seed \(seed))")
    }
}
