import Foundation
import Testing

/// Deliberate defects, one per sanitizer, that `scripts/tsan.sh` and `scripts/asan.sh` run after the real tests to
/// prove the sanitizer and its report collection work: a sanitizer run that reports nothing means something only if
/// it reports these. Each runs only when `AIRLOCK_SANITIZER_CANARY` names its sanitizer, so `swift test` skips them.
@Suite struct SanitizerCanaries {
    static let requested = ProcessInfo.processInfo.environment["AIRLOCK_SANITIZER_CANARY"]

    /// Two threads of their own increment an unguarded counter: a data race. Neither waits for the other, so the
    /// sanitizer sees two unordered writes however the threads happen to be scheduled (a thread pool might run both
    /// on one thread, one after the other, where there is nothing to see).
    @Test(.enabled(if: requested == "thread"))
    func dataRace() {
        final class Unguarded: @unchecked Sendable { var count = 0 }
        let counter = Unguarded()
        let finished = DispatchSemaphore(value: 0)
        for _ in 0..<2 {
            Thread {
                for _ in 0..<1_000 { counter.count += 1 }
                finished.signal()
            }.start()
        }
        finished.wait()
        finished.wait()
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
