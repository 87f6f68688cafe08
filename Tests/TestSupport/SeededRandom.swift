import Foundation

/// A reproducible random number generator (SplitMix64): the same seed gives the same draws on every machine.
public struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    /// A generator whose draws follow from `seed`.
    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The seed of the crash-consistency loops: `AIRLOCK_CRASH_SEED` when set (to replay a failure), else a
    /// fresh one; print it with every failure.
    public static func crashSeed() throws -> UInt64 {
        guard let text = ProcessInfo.processInfo.environment["AIRLOCK_CRASH_SEED"] else { return UInt64.random(in: 0...UInt64.max) }
        guard let seed = UInt64(text) else { throw HarnessError("AIRLOCK_CRASH_SEED=\(text) is not an unsigned 64-bit number") }
        return seed
    }
}
