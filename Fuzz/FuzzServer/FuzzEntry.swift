import FuzzDriver

/// Runs libFuzzer over the request parser `AIRLOCK_FUZZ_TARGET` names (see `ServerFuzzTargets`).
@main
struct FuzzEntry {
    static func main() {
        runFuzzer(ServerFuzzTargets.all)
    }
}
