import Foundation

/// Paths of the test fixtures in `Tests/Fixtures` (copied from the project's shared fixture set; see its README).
public enum Fixtures {
    /// `Tests/Fixtures`.
    public static let root: String = #filePath.components(separatedBy: "/Tests/TestSupport/")[0] + "/Tests/Fixtures"

    /// Helm's own test charts and a real vendor chart repository (see `charts/README.md`).
    public static let charts = root + "/charts"

    /// `Tests/Peers/helmpy.py`, a helm-like CLI over PyPI's helm-python-sdk (the real Helm engine).
    public static let helmpy = Peers.directory + "/helmpy.py"
}
