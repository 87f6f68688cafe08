import Archive
import Foundation
import HTTP
import OCI

/// An object written as a multipart upload, its parts sent in parallel while the next one fills: nothing appears
/// under its key before `commit()` completes the upload. Each part carries its real SHA-256. An upload an
/// earlier run left unfinished is resumed: a part it already holds with the same bytes (size and MD5 ETag) is
/// not sent again. A failed or abandoned upload is left in place, invisible, for a rerun to resume.
final class S3Volume: StagedVolume {
    /// Every part but the last holds this many bytes: S3's minimum, so the memory held stays small.
    static let partSize = 5 << 20
    /// Parts sent at once; with the one filling, the memory this volume holds (20 MiB).
    static let partsInFlight = 3
    /// S3's limit on the parts of one upload.
    static let maximumParts = 10_000

    let destination: String
    private(set) var committed = false
    private let location: S3Location
    private let client: S3Client

    private var buffer: PartBuffer?
    private var filled = 0
    private var sha256 = ContentHasher()
    private var md5 = PartHash()
    private var partCount = 0
    private var uploadID: String?
    /// Parts an earlier run left: number → (ETag, size).
    private var earlier: [Int: (etag: String, size: Int64)] = [:]
    private let sent = SentParts()
    /// Buffers of parts already sent, used again: the volume allocates at most `partsInFlight + 1`.
    private let spare = SpareBuffers()
    private let slots = DispatchSemaphore(value: S3Volume.partsInFlight)
    private let inFlight = DispatchGroup()
    private var sealed = false

    init(_ location: S3Location, client: S3Client) {
        self.location = location
        self.client = client
        destination = location.description
    }

    deinit { inFlight.wait() }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard !sealed, let base = bytes.baseAddress else {
            if sealed { throw S3Error.malformed(location, operation: "write", detail: "written after it was sealed") }
            return
        }
        var offset = 0
        while offset < bytes.count {
            if buffer == nil { buffer = spare.take() ?? PartBuffer(size: Self.partSize) }
            let n = min(bytes.count - offset, Self.partSize - filled)
            let piece = UnsafeRawBufferPointer(start: base + offset, count: n)
            buffer!.memory.baseAddress!.advanced(by: filled).copyMemory(from: base + offset, byteCount: n)
            sha256.update(piece)
            md5.update(piece)
            filled += n
            offset += n
            if filled == Self.partSize { try sendPart() }
        }
    }

    func seal() throws {
        guard !sealed else { return }
        if filled > 0 || partCount == 0 { try sendPart() }
        inFlight.wait()
        sealed = true
        if let error = sent.firstError { throw error }
    }

    func commit() throws {
        try seal()
        guard !committed else { return }
        guard let uploadID else { return }
        try client.completeUpload(uploadID, parts: sent.list(count: partCount), at: location)
        committed = true
    }

    /// Leaves the upload for a rerun to resume; waits for the parts in flight, so no thread outlives the volume's buffers.
    func discard() {
        sealed = true
        inFlight.wait()
    }

    /// Sends the filled buffer as the next part, on a thread of its own once a slot is free.
    private func sendPart() throws {
        if let error = sent.firstError { throw error }
        partCount += 1
        guard partCount <= Self.maximumParts else {
            throw S3Error.malformed(location, operation: "UploadPart", detail: "an object holds at most \(Self.maximumParts) parts of \(Self.partSize >> 20) MiB (48 GiB); split the bundle into volumes (--split 40G)")
        }
        let number = partCount, size = filled
        let digest = sha256.finalize(), etag = md5.finalize()
        filled = 0
        if uploadID == nil { try startOrResume() }
        if let old = earlier[number], old.size == Int64(size), old.etag == etag {
            sent.record(number, etag: old.etag)
            return
        }
        guard let part = buffer else { return }
        buffer = nil
        slots.wait()
        inFlight.enter()
        let (client, location, id, sent, slots, inFlight, spare) = (client, location, uploadID!, sent, slots, inFlight, spare)
        let thread = Thread {
            defer { spare.put(part); slots.signal(); inFlight.leave() }
            do {
                let etag = try S3Volume.withRetries {
                    try client.uploadPart(UnsafeRawBufferPointer(rebasing: part.memory[..<size]), sha256: digest, number: number, of: id, to: location)
                }
                sent.record(number, etag: etag)
            } catch {
                sent.fail(error)
            }
        }
        thread.stackSize = 512 * 1024
        thread.start()
    }

    /// Takes up the newest unfinished upload of this key with the parts it holds, else starts one.
    private func startOrResume() throws {
        if let id = try client.uploads(of: location).last {
            do {
                for part in try client.parts(of: id, at: location) { earlier[part.number] = (part.etag, part.size) }
                uploadID = id
                return
            } catch let error as S3Error {
                guard case .refused(_, _, 404, _, _) = error else { throw error }
            }
        }
        uploadID = try client.startUpload(to: location)
    }

    /// `body`, again after a transient failure (a broken connection, 5xx, 429), a few times.
    static func withRetries<T>(_ body: () throws -> T) throws -> T {
        var failures = 0
        while true {
            do { return try body() } catch where S3Object.isTransient(error) && failures + 1 < S3Object.attempts {
                failures += 1
                Thread.sleep(forTimeInterval: RetryPolicy().delay(beforeRetry: failures))
            }
        }
    }
}

/// The memory of one part, handed from the writer to the thread sending it.
final class PartBuffer: @unchecked Sendable {
    let memory: UnsafeMutableRawBufferPointer
    init(size: Int) { memory = .allocate(byteCount: size, alignment: 16) }
    deinit { memory.deallocate() }
}

/// Part buffers waiting to be filled again.
final class SpareBuffers: @unchecked Sendable {
    private let lock = NSLock()
    private var buffers: [PartBuffer] = []

    func take() -> PartBuffer? { lock.withLock { buffers.popLast() } }
    func put(_ buffer: PartBuffer) { lock.withLock { buffers.append(buffer) } }
}

/// The parts sent so far (number → ETag) and the first failure, shared with the sending threads.
final class SentParts: @unchecked Sendable {
    private let lock = NSLock()
    private var etags: [Int: String] = [:]
    private var failure: (any Error)?

    func record(_ number: Int, etag: String) { lock.withLock { etags[number] = etag } }
    func fail(_ error: any Error) { lock.withLock { if failure == nil { failure = error } } }
    var firstError: (any Error)? { lock.withLock { failure } }

    /// Parts 1…count in order, for completing the upload.
    func list(count: Int) -> [(number: Int, etag: String)] {
        lock.withLock { (1...max(1, count)).map { ($0, etags[$0] ?? "") } }
    }
}
