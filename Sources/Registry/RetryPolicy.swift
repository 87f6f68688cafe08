import Foundation

/// Exponential backoff with full jitter for transient failures: dropped connections, 5xx and 429.
public struct RetryPolicy: Sendable {
    /// Attempts in all, the first included.
    public var attempts: Int = 6
    public var baseDelay: Double = 0.25
    public var maximumDelay: Double = 20

    public init() {}

    public init(attempts: Int, baseDelay: Double = 0.25, maximumDelay: Double = 20) {
        self.attempts = attempts
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
    }

    /// The pause before retry number `retry` (1 for the first retry), honouring a server's `Retry-After` seconds.
    public func delay(beforeRetry retry: Int, retryAfter: Double? = nil) -> Double {
        if let retryAfter { return min(max(retryAfter, 0), maximumDelay * 3) }
        let ceiling = min(maximumDelay, baseDelay * pow(2, Double(retry - 1)))
        return Double.random(in: ceiling / 2 ... ceiling)
    }

    /// Whether an HTTP status is worth retrying.
    public static func isTransient(status: Int) -> Bool {
        status == 429 || status == 408 || (500...599).contains(status) && status != 501 && status != 505
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
