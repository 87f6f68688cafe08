/// Runs an operation once per key, however many tasks ask for it at once; a failed run is forgotten, so a
/// later caller tries again. `first` tells a caller whether its own call did the work. A finished run keeps only
/// its value, not its task, so memory per key stays small however many keys a copy touches.
public actor Once<Key: Hashable & Sendable, Value: Sendable> {
    private enum Run {
        case running(Task<Value, any Error>)
        case done(Value)
    }
    private var runs: [Key: Run] = [:]

    public init() {}

    public func value(for key: Key, _ operation: @escaping @Sendable () async throws -> Value) async throws -> (value: Value, first: Bool) {
        switch runs[key] {
        case .done(let value): return (value, false)
        case .running(let run): return (try await run.value, false)
        case nil: break
        }
        let run = Task { try await operation() }
        runs[key] = .running(run)
        do {
            let value = try await run.value
            runs[key] = .done(value)
            return (value, true)
        } catch {
            runs[key] = nil
            throw error
        }
    }
}
