import Foundation

/// Runs libFuzzer's driver over the parser `AIRLOCK_FUZZ_TARGET` names (see `ParserFuzzTargets`); an unknown name
/// lists the known ones and exits 2. SwiftPM renames every executable's entry point, so this `main` starts libFuzzer's driver itself.
@main
struct FuzzEntry {
    static func main() {
        let name = ProcessInfo.processInfo.environment["AIRLOCK_FUZZ_TARGET"] ?? ""
        guard ParserFuzzTargets.all[name] != nil else {
            FileHandle.standardError.write(Data("AIRLOCK_FUZZ_TARGET must be one of: \(ParserFuzzTargets.all.keys.sorted().joined(separator: ", "))\n".utf8))
            exit(2)
        }
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv, fuzzOneInput))
    }
}

/// One input, under the name libFuzzer's own `main` looks for too (it links in whichever `main` wins).
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    selectedParser(start.map { Data(bytes: $0, count: count) } ?? Data())
    return 0
}

/// The parser chosen by `AIRLOCK_FUZZ_TARGET`, checked by `main` before the first input.
let selectedParser: @Sendable (Data) -> Void =
    ParserFuzzTargets.all[ProcessInfo.processInfo.environment["AIRLOCK_FUZZ_TARGET"] ?? ""] ?? { @Sendable _ in }

/// libFuzzer's driver for programs with their own `main` (`LLVMFuzzerRunDriver`, LLVM 11 and later).
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ input: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
