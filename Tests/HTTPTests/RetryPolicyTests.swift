import Foundation
@testable import HTTP
import Locking
import Testing

@Suite struct RetryPolicyTests {
    @Test func backsOffExponentiallyWithJitter() {
        let policy = RetryPolicy(attempts: 6, baseDelay: 1, maximumDelay: 8)
        for retry in 1...6 {
            let ceiling = min(8, Double(1 << (retry - 1)))
            let delay = policy.delay(beforeRetry: retry)
            #expect(delay >= ceiling / 2 && delay <= ceiling)
        }
    }

    @Test func honoursRetryAfter() {
        let policy = RetryPolicy()
        #expect(policy.delay(beforeRetry: 1, retryAfter: 3) == 3)
        #expect(RetryPolicy.retryAfterSeconds("7") == 7)
        #expect(RetryPolicy.retryAfterSeconds(nil) == nil)
        #expect(RetryPolicy.retryAfterSeconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0)
    }

    @Test func classifiesStatuses() {
        #expect(RetryPolicy.isTransient(status: 429))
        #expect(RetryPolicy.isTransient(status: 503))
        #expect(RetryPolicy.isTransient(status: 502))
        #expect(!RetryPolicy.isTransient(status: 501))
        #expect(!RetryPolicy.isTransient(status: 507))   // the registry's disk is full: seconds will not help
        #expect(!RetryPolicy.isTransient(status: 404))
        #expect(!RetryPolicy.isTransient(status: 401))
    }
}

/// Records the pauses `RetryPolicy.run` asks for instead of sleeping them.
final class SleepLog: Sendable {
    private let delays = Locked<[Double]>([])
    var recorded: [Double] { delays.withLock { $0 } }
    var sleep: @Sendable (Double) async throws -> Void { { [self] seconds in delays.withLock { $0.append(seconds) } } }
}

@Suite struct RetryRunTests {
    struct Refused: Error {}

    func policy(attempts: Int, _ log: SleepLog) -> RetryPolicy {
        RetryPolicy(attempts: attempts, baseDelay: 1, maximumDelay: 8, sleep: log.sleep)
    }

    @Test func waitsRetryAfterWhenTheServerGivesIt() async throws {
        let log = SleepLog()
        let result = try await policy(attempts: 6, log).run { attempt -> RetryStep<Int> in
            attempt < 3 ? .retry(after: 7, giveUp: .failure(Refused())) : .done(attempt)
        }
        #expect(result == 3)
        #expect(log.recorded == [7, 7])
    }

    @Test func backsOffExponentiallyOtherwise() async throws {
        let log = SleepLog()
        _ = try await policy(attempts: 5, log).run { attempt -> RetryStep<Void> in
            attempt < 5 ? .retry(giveUp: .failure(Refused())) : .done(())
        }
        let delays = log.recorded
        #expect(delays.count == 4)
        for (i, delay) in delays.enumerated() {
            let ceiling = min(8, Double(1 << i))
            #expect(delay >= ceiling / 2 && delay <= ceiling)
        }
    }

    @Test func stopsAfterTheAttemptsWithTheGiveUpResult() async throws {
        let log = SleepLog()
        var calls = 0
        await #expect(throws: Refused.self) {
            try await policy(attempts: 4, log).run { _ -> RetryStep<Int> in
                calls += 1
                return .retry(giveUp: .failure(Refused()))
            }
        }
        #expect(calls == 4)
        #expect(log.recorded.count == 3)
        // A give-up value is returned, not thrown: the last transient answer is the caller's to read.
        let last = try await policy(attempts: 2, log).run { attempt -> RetryStep<Int> in .retry(after: 0, giveUp: .success(attempt)) }
        #expect(last == 2)
    }

    @Test func givesUpAtOnceOnANonTransientError() async throws {
        let log = SleepLog()
        var calls = 0
        await #expect(throws: Refused.self) {
            try await policy(attempts: 6, log).run { _ -> RetryStep<Int> in
                calls += 1
                // CURLE_URL_MALFORMAT: a configuration problem, not worth another attempt.
                return try .transient(TransportError(code: 3, url: "http://x", detail: "malformed", bytesReceived: 0), giveUp: Refused())
            }
        }
        await #expect(throws: Refused.self) {
            try await policy(attempts: 6, log).run { _ -> RetryStep<Int> in
                calls += 1
                throw Refused()
            }
        }
        #expect(calls == 2)
        #expect(log.recorded.isEmpty)
    }

    @Test func retriesResetsAndTransientStatuses() async throws {
        let log = SleepLog()
        var calls = 0
        let result = try await policy(attempts: 6, log).run { _ -> RetryStep<String> in
            calls += 1
            if calls < 3 {
                // CURLE_COULDNT_CONNECT, then CURLE_RECV_ERROR (a reset).
                return try .transient(TransportError(code: calls == 1 ? 7 : 56, url: "http://x", detail: "reset", bytesReceived: 0), giveUp: Refused())
            }
            var headers = HTTPHeaders()
            headers.append(name: "Retry-After", value: "2")
            let busy = HTTPResponse(status: calls == 3 ? 503 : 429, headers: headers, body: Data(), url: "http://x")
            if calls < 5, let step = RetryStep<String>.transient(busy, giveUp: .failure(Refused())) { return step }
            #expect(RetryStep<String>.transient(HTTPResponse(status: 404, headers: HTTPHeaders(), body: Data(), url: "http://x"),
                                                giveUp: .failure(Refused())) == nil)
            return .done("ok")
        }
        #expect(result == "ok")
        #expect(calls == 5)
        let delays = log.recorded
        #expect(delays.count == 4)
        #expect(delays.suffix(2) == [2, 2])
    }

    @Test func progressCountsTheAttemptsAfresh() async throws {
        let log = SleepLog()
        var calls = 0
        // Two attempts allowed, yet three stalls pass because progress came between them.
        let result = try await policy(attempts: 2, log).run { _ -> RetryStep<Int> in
            calls += 1
            switch calls {
            case 1, 3: return .retry(giveUp: .failure(Refused()))
            case 2, 4: return .resume
            case 5: return .retry(after: 0, giveUp: .failure(Refused()))
            default: return .done(calls)
            }
        }
        #expect(result == 6)
        #expect(log.recorded.count == 3)
    }
}
