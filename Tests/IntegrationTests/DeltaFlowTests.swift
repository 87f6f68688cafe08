import Foundation
import Testing
import TestSupport

/// Week 1 bundle, then week 2 with one image changed in one layer, as a delta (`connected bundle --since`),
/// verified and pushed against real registries, checked with skopeo.
@Suite(.enabled(if: Peers.available, Comment(rawValue: Peers.unavailableReason)))
struct DeltaFlowTests {
    struct PushReport: Decodable {
        struct Artifact: Decodable, Hashable { let source: String; let kind: String; let digest: String }
        let artifacts: [Artifact]
        let blobsUploaded: Int
    }

    struct Fixture {
        let source: RegistryServer
        let scratch: TemporaryDirectory
        let week1: String, week2: String, delta: String, store: String, lock: String
        let app1: PushedImage, app2: PushedImage, tool: PushedImage
        let references: [String]

        init() async throws {
            source = try await RegistryServer()
            let images = try await TestImages()
            try await images.build("base", layerSizes: [600_000])
            try await images.build("app-week1", layerSizes: [200_000], base: "base")
            try await images.build("tool", layerSizes: [150_000])
            app1 = try await images.push("app-week1", to: source, repository: "team/app", tag: "1")
            tool = try await images.push("tool", to: source, repository: "team/tool", tag: "1")
            references = [app1.reference, tool.reference]
            scratch = try TemporaryDirectory(prefix: "airlock-delta")
            week1 = scratch.file("week1.tar")
            store = scratch.file("week1-store")
            try await AirlockTool.run("connected", ["bundle", "-q", "-o", week1, "--store", store] + references).check()
            lock = scratch.file("week1.lock")
            try await AirlockTool.run("connected", ["lock", "-q", "-o", lock] + references).check()

            // Week 2: the app's top layer changes; its base layer and the tool stay.
            try await images.build("app-week2", layerSizes: [200_000], base: "base")
            app2 = try await images.push("app-week2", to: source, repository: "team/app", tag: "1")
            week2 = scratch.file("week2.tar")
            delta = scratch.file("week2-delta.tar")
            try await AirlockTool.run("connected", ["bundle", "-q", "-o", week2] + references).check()
            let made = try await AirlockTool.run("connected", ["bundle", "-o", delta, "--since", week1] + references)
            guard made.succeeded else { throw HarnessError("delta bundle failed: \(made.errorOutput)") }
        }
    }

    /// The digests of a bundle's `blobs/sha256/` entries.
    func blobs(_ bundle: String) async throws -> Set<String> {
        let names = try await Tool.run("tar", ["-tf", bundle]).check().output.split(separator: "\n")
        return Set(names.filter { $0.hasPrefix("blobs/sha256/") && $0.count > "blobs/sha256/".count }.map { "sha256:" + $0.dropFirst("blobs/sha256/".count) })
    }

    func push(_ bundle: String, to registry: RegistryServer) async throws -> Tool.Result {
        try await AirlockTool.run("transit", ["push", bundle, "--to", "\(registry.host)/mirror", "--json"])
    }

    @Test func deltaHoldsOnlyNewBlobsAndEveryManifest() async throws {
        let f = try await Fixture()
        defer { f.source.stop() }
        #expect(f.app1.digest != f.app2.digest)
        let (week1, week2, delta) = (try await blobs(f.week1), try await blobs(f.week2), try await blobs(f.delta))
        let manifests: Set<String> = [f.app2.digest, f.tool.digest]
        #expect(delta == week2.subtracting(week1).union(manifests))
        let newLayer = try #require(f.app2.image.layers.last?.digest)
        #expect(delta.contains(newLayer))
        #expect(delta.contains(try #require(f.app2.image.config?.digest)))
        #expect(!delta.contains(try #require(f.app2.image.layers.first?.digest)), "the base layer came in week 1")
        #expect(!delta.contains(try #require(f.tool.image.layers.first?.digest)), "the tool did not change")
        #expect(delta.count == 4)

        // The same delta from week 1's record alone (walked at the source) is the same bytes; from the store, the same blobs.
        let record = f.scratch.file("week1-record.json")
        try await Tool.run("tar", ["-xf", f.week1, "-C", f.scratch.path, "airlock-bundle.json"]).check()
        try FileManager.default.moveItem(atPath: f.scratch.file("airlock-bundle.json"), toPath: record)
        let fromRecord = f.scratch.file("from-record.tar")
        try await AirlockTool.run("connected", ["bundle", "-q", "-o", fromRecord, "--since", record] + f.references).check()
        #expect(try Data(contentsOf: URL(fileURLWithPath: fromRecord)) == Data(contentsOf: URL(fileURLWithPath: f.delta)))
        let fromStore = f.scratch.file("from-store.tar")
        // The week's pull may go into the base store itself: its blobs are listed before the pull.
        try await AirlockTool.run("connected", ["bundle", "-q", "-o", fromStore, "--store", f.store, "--since-store", f.store] + f.references).check()
        #expect(try await blobs(fromStore) == delta)
        let fromLock = f.scratch.file("from-lock.tar")
        try await AirlockTool.run("connected", ["bundle", "-q", "-o", fromLock, "--since", f.lock] + f.references).check()
        #expect(try await blobs(fromLock) == delta)
    }

    @Test func verifyListsWhatTheDeltaExpectsAndChecksThePair() async throws {
        let f = try await Fixture()
        defer { f.source.stop() }
        let alone = try await AirlockTool.run("transit", ["verify", f.delta])
        #expect(alone.succeeded, "\(alone.errorOutput)")
        #expect(alone.output.contains("delta bundle: expects 3 blobs"), "\(alone.output)")
        #expect(alone.output.contains("expects \(try #require(f.app2.image.layers.first?.digest))"))

        let pair = try await AirlockTool.run("transit", ["verify", f.delta, "--base", f.week1])
        #expect(pair.succeeded, "\(pair.errorOutput)")
        #expect(pair.output.contains("checked in \(f.week1)"))

        // Loaded into a store: refused where the base's blobs are missing, accepted over week 1's store.
        let emptyStore = f.scratch.file("empty-store")
        let refused = try await AirlockTool.run("transit", ["load", f.delta, "--store", emptyStore])
        #expect(refused.status == 1)
        #expect(refused.errorOutput.contains("lacks 3 of the blobs it leaves to its base"), "\(refused.errorOutput)")
        let loaded = try await AirlockTool.run("transit", ["load", f.delta, "--store", f.store])
        #expect(loaded.succeeded, "\(loaded.errorOutput)")
        #expect(try await AirlockTool.corruptBlobs(in: f.store).isEmpty)

        let wrong = try await AirlockTool.run("transit", ["verify", f.delta, "--base", f.week2])
        #expect(wrong.status == 1)
        #expect(wrong.errorOutput.contains("is not this delta's base"), "\(wrong.errorOutput)")
    }

    @Test func deltaOntoWeekOneEqualsAFullPushAndOntoAnEmptyRegistryIsRefused() async throws {
        let f = try await Fixture()
        defer { f.source.stop() }
        let site = try await RegistryServer()
        defer { site.stop() }
        try await push(f.week1, to: site).check()
        let deltaPush = try await push(f.delta, to: site)
        #expect(deltaPush.succeeded, "\(deltaPush.errorOutput)")

        let reference = try await RegistryServer()
        defer { reference.stop() }
        let fullPush = try await push(f.week2, to: reference)
        #expect(fullPush.succeeded, "\(fullPush.errorOutput)")
        let viaDelta = try JSONDecoder().decode(PushReport.self, from: deltaPush.stdout)
        let viaFull = try JSONDecoder().decode(PushReport.self, from: fullPush.stdout)
        #expect(Set(viaDelta.artifacts) == Set(viaFull.artifacts))
        #expect(viaDelta.blobsUploaded == 2, "only the new layer and config travel")
        for image in [f.app2, f.tool] {
            let path = "mirror/" + image.repository + ":" + image.tag
            let raw = try await Tool.run("skopeo", ["inspect", "--raw"] + site.skopeoOptions(.inspect, user: nil) + ["docker://\(site.host)/\(path)"]).check()
            #expect("sha256:" + (try await Tool.output("sha256sum", input: raw.stdout)).prefix(64) == image.digest)
        }

        let empty = try await RegistryServer()
        defer { empty.stop() }
        let refused = try await push(f.delta, to: empty)
        #expect(refused.status == 1)
        #expect(refused.errorOutput.contains("the target lacks 3 of the blobs it leaves to its base"), "\(refused.errorOutput)")
        #expect(refused.errorOutput.contains(try #require(f.app2.image.layers.first?.digest)))
        let catalog = try await empty.request("/v2/_catalog", as: nil)
        let repositories = (try JSONSerialization.jsonObject(with: catalog.body) as? [String: Any])?["repositories"] as? [String]
        #expect(repositories == [], "nothing was uploaded: \(String(decoding: catalog.body, as: UTF8.self))")
    }
}
