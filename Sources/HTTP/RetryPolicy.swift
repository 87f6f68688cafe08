import Foundation

/// Exponential backoff with jitter for transient failures: dropped connections, 5xx and 429.
/// `run` is the one retry loop of the project: every request that retries goes through it.
public struct RetryPolicy: Sendable {
    /// Attempts in all, the first included.
    public var attempts: Int = 6
    public var baseDelay: Double = 0.25
    public var maximumDelay: Double = 20
    /// Waits the given seconds between attempts; tests replace it to run without the wall clock.
    public var sleep: @Sendable (_ seconds: Double) async throws -> Void = RetryPolicy.taskSleep

    public init() {}

    public init(attempts: Int, baseDelay: Double = 0.25, maximumDelay: Double = 20,
                sleep: @escaping @Sendable (_ seconds: Double) async throws -> Void = RetryPolicy.taskSleep) {
        self.attempts = attempts
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
        self.sleep = sleep
    }

    @Sendable public static func taskSleep(_ seconds: Double) async throws {
        try await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1_000_000_000))
    }

    /// Runs `attempt` (numbered from 1) until it is `.done`, throws, or asks for a retry with no attempts left;
    /// then the retry's `giveUp` is returned or thrown. Between attempts it waits `Retry-After` when the
    /// attempt gave one, else the backoff. `.resume` (progress was made) starts at once and counts afresh.
    public func run<T>(_ attempt: (_ number: Int) async throws -> RetryStep<T>) async throws -> T {
        var number = 1
        while true {
            switch try await attempt(number) {
            case .done(let value):
                return value
            case .resume:
                number = 1
            case .retry(let after, let giveUp):
                guard number < attempts else { return try giveUp.get() }
                try await sleep(delay(beforeRetry: number, retryAfter: after))
                number += 1
            }
        }
    }

    /// The pause before retry number `retry` (1 for the first retry), honouring a server's `Retry-After` seconds.
    public func delay(beforeRetry retry: Int, retryAfter: Double? = nil) -> Double {
        if let retryAfter { return min(max(retryAfter, 0), maximumDelay * 3) }
        let ceiling = min(maximumDelay, baseDelay * pow(2, Double(retry - 1)))
        return Double.random(in: ceiling / 2 ... ceiling)
    }

    /// Whether an HTTP status is worth retrying.
    public static func isTransient(status: Int) -> Bool {
        // 501, 505 and 507 (Insufficient Storage: the registry's disk is full) do not pass in seconds.
        status == 429 || status == 408 || (500...599).contains(status) && status != 501 && status != 505 && status != 507
    }

    /// Seconds from a `Retry-After` header: delta-seconds or an HTTP date.
    public static func retryAfterSeconds(_ header: String?) -> Double? {
        guard let header = header?.trimmingCharacters(in: .whitespaces), !header.isEmpty else { return nil }
        if let seconds = Double(header) { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: header) else { return nil }
        return max(0, date.timeIntervalSinceNow)
    }
}

/// What one attempt of `RetryPolicy.run` came to.
public enum RetryStep<T> {
    /// Finished with this value.
    case done(T)
    /// Try again after `after` seconds (a server's `Retry-After`; nil for the backoff); when no attempt is
    /// left, `giveUp` is the result.
    case retry(after: Double?, giveUp: Result<T, any Error>)
    /// Progress was made (part of a body arrived): try again at once, the attempts counted afresh.
    case resume

    /// A retry after the backoff.
    public static func retry(giveUp: Result<T, any Error>) -> RetryStep { .retry(after: nil, giveUp: giveUp) }

    /// A retry when `response` is transient (429, 5xx: after its `Retry-After`), nil when it is final.
    public static func transient(_ response: HTTPResponse, giveUp: Result<T, any Error>) -> RetryStep? {
        guard RetryPolicy.isTransient(status: response.status) else { return nil }
        return .retry(after: RetryPolicy.retryAfterSeconds(response.headers["Retry-After"]), giveUp: giveUp)
    }

    /// A retry when `error` is transient (a reset, a timeout, a refused connection); otherwise throws `giveUp`.
    public static func transient(_ error: TransportError, giveUp: any Error) throws -> RetryStep {
        guard error.isTransient else { throw giveUp }
        return .retry(after: nil, giveUp: .failure(giveUp))
    }
}
