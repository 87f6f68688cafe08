import Foundation

/// An HTTP/1.1 proxy (`Tests/Peers/fault-proxy.py`) on 127.0.0.1 in front
/// of a plain-HTTP registry that injects network faults.
///
/// ```swift
/// let proxy = try await FaultProxy(upstream: registry, faults: .cutBlobBodies(after: 100_000, count: 2))
/// // pull through "\(proxy.host)/repo:tag", then check `try await proxy.counters().cuts == 2`
/// ```
public final class FaultProxy: Sendable {
    /// What to break; faults can be combined.
    public struct Faults: Sendable {
        /// Bytes of body sent before the connection is closed.
        public var cutAfterBytes: Int
        /// How many `GET …/blobs/sha256:…` responses (200 or 206, longer than
        /// ``cutAfterBytes``) are cut.
        public var cutCount: Int
        /// Whether GET responses on any path are cut (S3 objects), not only registry blobs.
        public var cutsAnyPath = false
        /// Delay before forwarding each request.
        public var delayPerRequest: Duration
        /// Delay per MiB of response body.
        public var delayPerMiB: Duration
        /// Status (429, 500 or 503) answered instead of forwarding; 429 carries `Retry-After: 1`.
        public var injectedStatus: Int?
        /// How many requests (to any path) get ``injectedStatus``.
        public var injectedStatusCount: Int
        /// How many requests are forwarded before the ``injectedStatus`` ones begin.
        public var injectedStatusSkip: Int
        /// Flip one byte in the middle of every blob GET body (the length stays right, the digest does not).
        public var alterBlobBodies: Bool
        /// Announce `Content-Length` = real + this on every blob GET, send at most that many bytes, then close.
        public var wrongLengthDelta: Int

        /// Faults from explicit values; the static helpers cover the usual cases.
        public init(
            cutAfterBytes: Int = 0, cutCount: Int = 0,
            delayPerRequest: Duration = .zero, delayPerMiB: Duration = .zero,
            injectedStatus: Int? = nil, injectedStatusCount: Int = 0, injectedStatusSkip: Int = 0,
            alterBlobBodies: Bool = false, wrongLengthDelta: Int = 0
        ) {
            self.cutAfterBytes = cutAfterBytes
            self.cutCount = cutCount
            self.delayPerRequest = delayPerRequest
            self.delayPerMiB = delayPerMiB
            self.injectedStatus = injectedStatus
            self.injectedStatusCount = injectedStatusCount
            self.injectedStatusSkip = injectedStatusSkip
            self.alterBlobBodies = alterBlobBodies
            self.wrongLengthDelta = wrongLengthDelta
        }

        /// No faults: a transparent proxy.
        public static let none = Faults()

        /// Cut the first `count` blob GETs after `bytes` bytes of body.
        public static func cutBlobBodies(after bytes: Int, count: Int = 1) -> Faults {
            Faults(cutAfterBytes: bytes, cutCount: count)
        }

        /// Cut the first `count` GETs on any path (S3 objects) after `bytes` bytes of body, as a storage
        /// server dying mid-transfer would.
        public static func cutObjectBodies(after bytes: Int, count: Int = 1) -> Faults {
            var faults = Faults(cutAfterBytes: bytes, cutCount: count)
            faults.cutsAnyPath = true
            return faults
        }

        /// Delay every request and/or every MiB of response body.
        public static func delay(perRequest: Duration = .zero, perMiB: Duration = .zero) -> Faults {
            Faults(delayPerRequest: perRequest, delayPerMiB: perMiB)
        }

        /// Answer the first `count` requests with 429 and `Retry-After: 1`.
        public static func tooManyRequests(count: Int = 1) -> Faults {
            Faults(injectedStatus: 429, injectedStatusCount: count)
        }

        /// Answer the first `count` requests with 503.
        public static func serviceUnavailable(count: Int = 1) -> Faults {
            Faults(injectedStatus: 503, injectedStatusCount: count)
        }

        /// Answer the first `count` requests with 500.
        public static func internalServerError(count: Int = 1) -> Faults {
            Faults(injectedStatus: 500, injectedStatusCount: count)
        }
    }

    /// What the proxy has seen and done so far.
    public struct Counters: Sendable, Decodable, Equatable {
        /// Requests forwarded or answered with an injected status.
        public let requests: Int
        /// Requests that carried a `Range` header.
        public let rangeRequests: Int
        /// Responses cut short.
        public let cuts: Int
        /// Requests answered with the injected status.
        public let injectedStatuses: Int
        /// `REPOSITORY@DIGEST` of every blob GET answered 200 or 206, in order.
        public let blobGets: [String]
        /// `REPOSITORY@DIGEST` of every blob upload finished with 201 (`PUT`/`POST …?digest=`), in order.
        public let blobPuts: [String]

        enum CodingKeys: String, CodingKey {
            case requests, cuts
            case rangeRequests = "range_requests"
            case injectedStatuses = "injected_statuses"
            case blobGets = "blob_gets"
            case blobPuts = "blob_puts"
        }
    }

    /// `127.0.0.1:PORT` of the proxy; use it in place of the registry's host.
    public let host: String
    /// `http://127.0.0.1:PORT`.
    public let url: URL
    /// The faults this proxy injects.
    public let faults: Faults
    private let directory: TemporaryDirectory
    private let process: ManagedProcess

    /// Starts a proxy in front of `registry`, which must serve plain HTTP.
    public convenience init(upstream registry: RegistryServer, faults: Faults) async throws {
        guard !registry.isTLS else {
            throw HarnessError("FaultProxy forwards plain HTTP only; start the registry with tls: false")
        }
        try await self.init(upstreamHost: registry.host, faults: faults)
    }

    /// Starts a proxy in front of the plain-HTTP server at `upstreamHost` (`HOST:PORT`).
    public init(upstreamHost: String, faults: Faults) async throws {
        self.faults = faults
        directory = try TemporaryDirectory(prefix: "airlock-fault-proxy")
        var arguments = [Peers.script("fault-proxy.py"), "--upstream", upstreamHost]
        if faults.cutCount > 0 {
            arguments += ["--cut-after", String(faults.cutAfterBytes), "--cut-count", String(faults.cutCount)]
            if faults.cutsAnyPath { arguments.append("--cut-any-path") }
        }
        if faults.delayPerRequest > .zero {
            arguments += ["--delay-per-request", Self.seconds(faults.delayPerRequest)]
        }
        if faults.delayPerMiB > .zero {
            arguments += ["--delay-per-mib", Self.seconds(faults.delayPerMiB)]
        }
        if let status = faults.injectedStatus {
            arguments += ["--status", String(status), "--status-count", String(faults.injectedStatusCount),
                          "--status-skip", String(faults.injectedStatusSkip)]
        }
        if faults.alterBlobBodies { arguments.append("--alter-blob-bodies") }
        if faults.wrongLengthDelta != 0 { arguments += ["--wrong-length", String(faults.wrongLengthDelta)] }
        process = try ManagedProcess("python3", arguments, logFile: directory.file("fault-proxy.log"))
        let port = try await process.announcedPort(name: "fault-proxy.py")
        host = "127.0.0.1:\(port)"
        url = URL(string: "http://\(host)")!
    }

    /// The proxy's log (one line per request), to print when a test fails.
    public var logFile: String { process.logFile }

    /// The last lines of the log.
    public func logTail(lines: Int = 40) -> String { process.logTail(lines: lines) }

    /// Current counters from `GET /_proxy/stats`.
    public func counters() async throws -> Counters {
        let response = try await Curl.request(url.absoluteString + "/_proxy/stats")
        guard response.status == 200 else {
            throw HarnessError("fault proxy stats answered \(response.status): \(response.text)")
        }
        return try JSONDecoder().decode(Counters.self, from: response.body)
    }

    /// Stops the proxy (also done when the value is released).
    public func stop() { process.stop() }

    deinit { process.stop() }

    private static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(Double(seconds) + Double(attoseconds) / 1e18)
    }
}
