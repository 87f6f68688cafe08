import Foundation
import Testing

/// Deliberate defects, one per sanitizer, that `scripts/tsan.sh` and `scripts/asan.sh` run after the real tests to
/// prove the sanitizer and its report collection work: a sanitizer run that reports nothing means something only if
/// it reports these. Each runs only when `AIRLOCK_SANITIZER_CANARY` names its sanitizer, so `swift test` skips them.
@Suite struct SanitizerCanaries {
    static let requested = ProcessInfo.processInfo.environment["AIRLOCK_SANITIZER_CANARY"]

    /// Two threads increment an unguarded counter: a data race.
    @Test(.enabled(if: requested == "thread"))
    func dataRace() {
        final class Unguarded: @unchecked Sendable { var count = 0 }
        let counter = Unguarded()
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            for _ in 0..<1_000 { counter.count += 1 }
        }
        #expect(counter.count > 0)
    }

    /// A read one byte past a 16-byte heap allocation: a heap buffer overflow.
    @Test(.enabled(if: requested == "address"))
    func heapBufferOverflow() {
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: 16)
        defer { buffer.deallocate() }
        buffer.initialize(repeating: 1, count: 16)
        let past = buffer.advanced(by: 16).pointee
        #expect(past >= 0)
    }
}
