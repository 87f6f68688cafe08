import Foundation

/// libFuzzer's driver over one parser of `targets`, the one the environment variable `AIRLOCK_FUZZ_TARGET` names;
/// an unknown name lists the known ones and exits 2. SwiftPM renames every executable's entry point, so a fuzz
/// executable's `main` calls this to start libFuzzer's driver itself.
public func runFuzzer(_ targets: [String: @Sendable (Data) -> Void]) -> Never {
    let name = ProcessInfo.processInfo.environment["AIRLOCK_FUZZ_TARGET"] ?? ""
    guard let parser = targets[name] else {
        FileHandle.standardError.write(Data("AIRLOCK_FUZZ_TARGET must be one of: \(targets.keys.sorted().joined(separator: ", "))\n".utf8))
        exit(2)
    }
    selectedParser = parser
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(runFuzzerDriver(&argc, &argv, fuzzOneInput))
}

/// The parser `runFuzzer` chose, set once before libFuzzer's driver starts (which then calls it from one thread).
nonisolated(unsafe) private var selectedParser: @Sendable (Data) -> Void = { _ in }

/// One input, under the name libFuzzer looks for.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    selectedParser(start.map { Data(bytes: $0, count: count) } ?? Data())
    return 0
}

/// libFuzzer's driver for programs with their own `main` (`LLVMFuzzerRunDriver`, LLVM 11 and later).
@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ input: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
