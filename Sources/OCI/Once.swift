/// Runs an operation once per key, however many tasks ask for it at once; a failed run is forgotten, so a
/// later caller tries again. `first` tells a caller whether its own call did the work.
public actor Once<Key: Hashable & Sendable, Value: Sendable> {
    private var runs: [Key: Task<Value, any Error>] = [:]

    public init() {}

    public func value(for key: Key, _ operation: @escaping @Sendable () async throws -> Value) async throws -> (value: Value, first: Bool) {
        if let run = runs[key] { return (try await run.value, false) }
        let run = Task { try await operation() }
        runs[key] = run
        do { return (try await run.value, true) } catch {
            runs[key] = nil
            throw error
        }
    }
}
