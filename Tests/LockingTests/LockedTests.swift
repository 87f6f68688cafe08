import Foundation
import Locking
import Testing

/// `Locked` excludes: threads that increment one counter through it lose no update.
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
}
