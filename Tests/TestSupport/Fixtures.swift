import Foundation

/// Paths of the shared test fixtures (`../shared/fixtures` beside the repository).
public enum Fixtures {
    /// `../shared/fixtures/charts`: Helm's own test charts and a real vendor chart repository (see its README).
    public static let charts: String = {
        let root = #filePath.components(separatedBy: "/Tests/TestSupport/")[0]
        return (root as NSString).deletingLastPathComponent + "/shared/fixtures/charts"
    }()

    /// `../shared/tools/helmpy.py`, a helm-like CLI over PyPI's helm-python-sdk (the real Helm engine).
    public static let helmpy: String = {
        let root = #filePath.components(separatedBy: "/Tests/TestSupport/")[0]
        return (root as NSString).deletingLastPathComponent + "/shared/tools/helmpy.py"
    }()
}
