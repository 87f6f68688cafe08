import Foundation
import Locking
import Testing

/// `Locked` excludes: threads that increment one counter through it lose no update. The canary, which
/// `scripts/tsan.sh` runs on its own, is the same work without the lock: the proof that the sanitizer run would see
/// a race if Airlock had one.
@Suite struct LockedTests {
    static let threads = 8
    static let increments = 20_000

    @Test func concurrentIncrementsAreNotLost() {
        let counter = Locked(0)
        DispatchQueue.concurrentPerform(iterations: Self.threads) { _ in
            for _ in 0..<Self.increments { counter.withLock { $0 += 1 } }
        }
        #expect(counter.withLock { $0 } == Self.threads * Self.increments)
    }

    @Test func aThrowingBodyReleasesTheLock() {
        struct Refused: Error {}
        let value = Locked([1])
        #expect(throws: Refused.self) { try value.withLock { _ in throw Refused() } }
        #expect(value.withLock { $0.count } == 1)
    }

    /// An unguarded counter shared by two threads: a data race on purpose, run only under the thread sanitizer
    /// (`AIRLOCK_TSAN_CANARY=1`), which must report it.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["AIRLOCK_TSAN_CANARY"] == "1"))
    func tsanCanary() {
        final class Unguarded: @unchecked Sendable { var count = 0 }
        let counter = Unguarded()
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            for _ in 0..<1_000 { counter.count += 1 }
        }
        #expect(counter.count > 0)
    }
}
