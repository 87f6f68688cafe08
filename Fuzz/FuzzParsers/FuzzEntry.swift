import FuzzDriver

/// Runs libFuzzer over the parser `AIRLOCK_FUZZ_TARGET` names (see `ParserFuzzTargets`).
@main
struct FuzzEntry {
    static func main() {
        runFuzzer(ParserFuzzTargets.all)
    }
}
