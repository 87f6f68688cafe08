import Archive
import Dispatch
import Foundation
import OCI
import Locking

/// What a bundle's artifacts need, as a walk of their manifest graphs found it: every manifest and blob by
/// digest with its size, and a line for each artifact that could not be walked.
public struct BundleContent: Sendable {
    public var manifests: [Digest: Int64] = [:]
    public var blobs: [Digest: Int64] = [:]
    public var failures: [String] = []
    public init() {}
}

/// Checks a bundle offline: every volume against its metadata, every blob against its digest (in parallel,
/// one thread per core), every manifest's references present, no entry that does not belong, and the
/// record in agreement with `index.json`. Collects every failure instead of stopping at the first.
public struct BundleVerifier: Sendable {
    /// What a verification found.
    public struct Report: Codable, Sendable {
        public var bundle: String
        public var volumes: Int
        public var artifacts: Int
        public var blobs: Int
        public var bytes: Int64
        public var seconds: Double
        public var failures: [String]
        /// For a delta bundle: the base's digest and the blobs it expects the base (or the target) to have.
        public var base: BundleRecord.Base?
        /// Whether those blobs were checked in a base bundle (`transit verify --base`).
        public var baseChecked: Bool
        public var verified: Bool { failures.isEmpty }
    }

    public let bundle: BundleFile
    public let threads: Int
    /// Whether blob contents are hashed; `transit push` checks structure first and hashes blobs as it sends them.
    public let hashBlobs: Bool
    /// The bundle a delta bundle builds on, when given: the blobs the delta expects are checked in it.
    public let base: BundleFile?

    public init(bundle: BundleFile, threads: Int = ProcessInfo.processInfo.activeProcessorCount, hashBlobs: Bool = true, base: BundleFile? = nil) {
        self.bundle = bundle
        self.threads = max(1, threads)
        self.hashBlobs = hashBlobs
        self.base = base
    }

    /// Verifies the bundle; `walk` says what its artifacts need (the copy engine's walk, run while helper
    /// threads hash the largest blobs).
    public func verify(walk: () async -> BundleContent) async -> Report {
        let started = Date()
        var failures: [String] = []
        func fail(_ artifact: String, _ reason: String) { failures.append("\(artifact): \(reason)") }

        if let parts = bundle.parts { failures += checkVolumes(parts) }

        // Hashing is most of the work, and bounded by the largest blob: helper threads start on the largest blobs
        // now; this thread checks the structure, then joins them, so no more threads run than there are cores.
        let candidates = bundle.entries.entries.filter { $0.name.hasPrefix("blobs/sha256/") && !$0.isDirectory }
        // A delta's record is read first: the blobs it expects are hashed in the base, when there is one.
        var record: BundleRecord?
        do { record = try bundle.record() } catch { failures.append("\(error)") }
        var fromBase: [(BundleFile, TarIndex.Entry)] = []
        if let base, let expected = record?.base {
            failures += Self.checkBase(base, expected: expected)
            fromBase = expected.blobs.compactMap { blob in base.entries[BundleFile.blobName(blob.digest)].map { (base, $0) } }
        }
        let hashing = BlobHashQueue(primary: bundle.path, hashBlobs ? candidates.map { (bundle, $0) } + fromBase : [])
        let helpers = startThreads(threads - 1) { hashing.drain() }

        let fixed = ["oci-layout", "index.json", BundleFile.indexSignatureName, BundleRecord.fileName, "manifest.json", "blobs", "blobs/sha256"]
        var index = ImageIndex(manifests: [])
        do {
            let bytes = try bundle.contents(of: "oci-layout")
            let layout = (try? JSONSerialization.jsonObject(with: bytes)) as? [String: Any]
            if let layout {
                if layout["imageLayoutVersion"] as? String != "1.0.0" { fail("oci-layout", "imageLayoutVersion is not 1.0.0") }
            } else {
                fail("oci-layout", "not a JSON object; expected {\"imageLayoutVersion\":\"1.0.0\"}")
            }
        } catch { failures.append("\(error)") }
        do { index = try bundle.layoutIndex() } catch { failures.append("\(error)") }

        // Everything the artifacts need, as the one graph walk found it (manifests checked as they were read).
        let content = await walk()
        failures += content.failures
        var needed = content.manifests
        let expected = Dictionary(record?.base?.blobs.map { ($0.digest, $0.size) } ?? [], uniquingKeysWith: { first, _ in first })
        for (digest, size) in content.blobs.sorted(by: { $0.key < $1.key }) {
            needed[digest] = size
            let name = BundleFile.blobName(digest)
            guard let entry = bundle.entries[name] else {
                if let listed = expected[digest] {
                    if listed != size { fail(name, "expected from the base as \(listed) bytes, its descriptor says \(size)") }
                } else {
                    fail(name, "missing from the bundle")
                }
                continue
            }
            if entry.size != size { fail(name, "is \(entry.size) bytes, its descriptor says \(size)") }
        }

        // Every entry must belong.
        var blobEntries: [TarIndex.Entry] = []
        for entry in bundle.entries.entries {
            if fixed.contains(entry.name) { continue }
            guard entry.name.hasPrefix("blobs/sha256/"), let digest = try? Digest(parsing: "sha256:" + entry.name.dropFirst("blobs/sha256/".count)) else {
                fail(entry.name, "unexpected entry in a bundle"); continue
            }
            guard needed[digest] != nil else { fail(entry.name, "unexpected entry: no manifest of the bundle refers to it"); continue }
            blobEntries.append(entry)
        }
        hashing.drain()
        helpers.wait()
        failures += hashing.failures

        if let record {
            let problems = Self.compare(record: record, index: index, blobs: blobEntries.count, bundle: bundle.path)
            CheckRecording.report(CheckRecord(.bundleRecord, subject: "\(bundle.path): \(BundleRecord.fileName)", passed: problems.isEmpty,
                                              reason: problems.isEmpty ? nil : problems.joined(separator: "; ")))
            failures += problems
        }
        return Report(bundle: bundle.path, volumes: bundle.parts?.parts.count ?? 1, artifacts: index.manifests.count,
                      blobs: blobEntries.count, bytes: blobEntries.reduce(0) { $0 + $1.size },
                      seconds: Date().timeIntervalSince(started), failures: failures, base: record?.base, baseChecked: base != nil && record?.base != nil)
    }

    /// The base bundle must be the one the delta was made from (when it names one) and hold every expected
    /// blob at its size; the blobs' hashes are checked with the delta's own.
    static func checkBase(_ base: BundleFile, expected: BundleRecord.Base) -> [String] {
        var problems: [String] = []
        if let digest = expected.digest {
            do {
                let actual = Digest.sha256(of: try base.contents(of: BundleRecord.fileName))
                if actual != digest { problems.append("\(base.path): is not this delta's base (its record is \(actual), the delta expects \(digest))") }
            } catch { problems.append("\(error)") }
        }
        for blob in expected.blobs {
            let name = BundleFile.blobName(blob.digest)
            guard let entry = base.entries[name] else { problems.append("\(base.path): \(name): expected by the delta, missing from the base"); continue }
            if entry.size != blob.size { problems.append("\(base.path): \(name): is \(entry.size) bytes, the delta expects \(blob.size)") }
        }
        return problems
    }

    /// Each volume's size and SHA-256 against the metadata.
    func checkVolumes(_ parts: BundleParts) -> [String] {
        guard let files = (bundle.source as? ConcatenatedFiles)?.files else { return [] }
        var problems: [String] = []
        let total = parts.parts.reduce(0) { $0 + $1.size }
        if total != parts.totalSize { problems.append("\(BundleParts.metadataPath(for: bundle.path)): parts add up to \(total) bytes, totalSize says \(parts.totalSize)") }
        let failures = Locked<[String]>([])
        let next = Locked(0)
        let recorder = CheckRecording.recorder   // the threads below do not inherit the task's recorder
        runOnThreads(min(threads, files.count)) {
          while let i = next.withLock({ n -> Int? in defer { n += 1 }; return n < files.count ? n : nil }) {
            var verifier = DigestVerifier("\(parts.parts[i].name): volume", digest: parts.parts[i].sha256, size: parts.parts[i].size)
            let part = parts.parts[i]
            do {
                _ = try files[i].scan(from: 0, length: files[i].size) { verifier.update($0) }
                try verifier.finish()
                recorder?.record(CheckRecord(.bundleVolume, subject: part.name, digest: part.sha256, passed: true))
            } catch {
                recorder?.record(CheckRecord(.bundleVolume, subject: part.name, digest: part.sha256, passed: false, reason: "\(error)"))
                failures.withLock { $0.append("\(part.name): \(error)") }
            }
          }
        }
        return problems + failures.withLock { $0 }.sorted()
    }

    /// The record must list exactly the index's artifacts.
    static func compare(record: BundleRecord, index: ImageIndex, blobs: Int, bundle: String) -> [String] {
        var problems: [String] = []
        let name = BundleRecord.fileName
        if record.format != BundleRecord.currentFormat { problems.append("\(name): format '\(record.format)', expected '\(BundleRecord.currentFormat)'") }
        func key(_ kind: String, _ reference: String, _ digest: Digest) -> String { "\(kind) \(reference) \(digest)" }
        let recorded = Set(record.artifacts.map { key($0.kind.rawValue, $0.reference, $0.digest) })
        let indexed = Set(index.manifests.compactMap { try? LayoutEntry(indexEntry: $0) }.map { key($0.kind.rawValue, $0.label, $0.descriptor.digest) })
        for missing in indexed.subtracting(recorded).sorted() { problems.append("\(name): does not list index.json's \(missing)") }
        for extra in recorded.subtracting(indexed).sorted() { problems.append("\(name): lists \(extra), which index.json does not have") }
        if record.blobCount != blobs { problems.append("\(name): says \(record.blobCount) blobs, the bundle has \(blobs)") }
        return problems
    }
}

/// Starts `body` on `count` threads of their own; wait on the group for all of them to end. (libdispatch's
/// concurrentPerform runs serially when called from a busy worker thread; hashing needs every core.)
func startThreads(_ count: Int, _ body: @escaping @Sendable () -> Void) -> DispatchGroup {
    let done = DispatchGroup()
    for _ in 0..<max(0, count) {
        done.enter()
        Thread { body(); done.leave() }.start()
    }
    return done
}

/// Runs `body` on `count` threads of their own and waits for all of them.
func runOnThreads(_ count: Int, _ body: @escaping @Sendable () -> Void) {
    startThreads(max(1, count), body).wait()
}

/// Blob entries waiting to be hashed, largest first, taken by whichever thread is free; collects the mismatches.
final class BlobHashQueue: Sendable {
    private let pending: Locked<[(BundleFile, TarIndex.Entry)]>
    private let found = Locked<[String]>([])
    /// The bundle being verified; failures in another one (a delta's base) are prefixed with its path.
    let primary: String
    /// Where each hashed blob is recorded: the creating task's recorder (the hashing threads have no task).
    let recorder = CheckRecording.recorder

    /// `entries` are blob entries of `blobs/sha256/`, each with the bundle it is in.
    init(primary: String, _ entries: [(BundleFile, TarIndex.Entry)]) {
        self.primary = primary
        pending = Locked(entries.sorted { $0.1.size > $1.1.size })
    }

    /// Every failure so far, sorted.
    var failures: [String] { found.withLock { $0 }.sorted() }

    /// Hashes entries until none is left: each one's SHA-256 against its name.
    func drain() {
        while let (bundle, entry) = pending.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) {
            let place = bundle.path == primary ? "" : "\(bundle.path): "
            var named: Digest?
            do {
                let digest = try Digest(parsing: "sha256:" + entry.name.dropFirst("blobs/sha256/".count))
                named = digest
                var verifier = DigestVerifier("\(entry.name): content", digest: digest, size: entry.size)
                try bundle.entries.read(entry, from: bundle.source) { verifier.update($0) }
                try verifier.finish()
                recorder?.record(CheckRecord(.blob, subject: bundle.path, digest: digest, passed: true))
            } catch {
                recorder?.record(CheckRecord(.blob, subject: bundle.path, digest: named, passed: false, reason: "\(entry.name): \(error)"))
                found.withLock { $0.append(place + "\(entry.name): \(error)") }
            }
        }
    }
}
