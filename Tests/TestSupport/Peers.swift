import Foundation

/// The external programs the integration tests talk to, and where the
/// Python peers live.
///
/// Gate tests with `.enabled(if: Peers.available, Comment(rawValue: Peers.unavailableReason))`
/// so that a missing peer skips them and says which one.
public enum Peers {
    /// Executables the harness runs.
    public static let executables = [
        "docker-registry", "skopeo", "umoci", "openssl", "htpasswd", "jq", "curl", "python3",
    ]

    /// The `Tests/Peers` directory holding the Python peers (token service, fault proxy, cosign checks).
    public static let directory: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Peers").path

    /// What is missing on this machine, e.g. `["umoci", "python3 module cryptography"]`.
    public static let missing: [String] = {
        var missing = executables.filter { !Tool.available($0) }
        for module in ["cryptography", "nacl"] where !missing.contains("python3") && !pythonHas(module) {
            missing.append("python3 module \(module)")
        }
        for script in ["token-server.py", "fault-proxy.py", "cosign-check.py"]
        where !FileManager.default.fileExists(atPath: "\(directory)/\(script)") {
            missing.append("\(directory)/\(script)")
        }
        return missing
    }()

    /// Whether every peer is present, so integration tests can run.
    public static var available: Bool { missing.isEmpty }

    /// Why integration tests are skipped, e.g. `"missing peers: umoci"`.
    public static var unavailableReason: String {
        "missing peers: " + missing.joined(separator: ", ")
    }

    /// Path of a Python peer script in ``directory``.
    public static func script(_ name: String) -> String {
        "\(directory)/\(name)"
    }

    private static func pythonHas(_ module: String) -> Bool {
        guard let python = Tool.path(of: "python3") else { return false }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", "import \(module)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? ProcessLaunch.start(process)) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
