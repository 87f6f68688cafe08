import Foundation
import HTTPTypes
import Hummingbird

/// One line per request on standard error: method, path, status, bytes, digest and time, as text or JSON, and for
/// a failure of the server itself (5xx) what failed.
struct AccessLog: Sendable {
    let json: Bool

    func record(_ request: Request, status: HTTPResponse.Status, bytes: Int64?, digest: String?, elapsed: Duration, problem: String? = nil) {
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        let time = Date().formatted(.iso8601)
        let line: String
        if json {
            var fields: [String: Any] = [
                "time": time, "method": request.method.rawValue, "path": request.uri.description,
                "status": status.code, "ms": (milliseconds * 1000).rounded() / 1000,
            ]
            if let bytes { fields["bytes"] = bytes }
            if let digest { fields["digest"] = digest }
            if let problem { fields["error"] = problem }
            let data = (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            line = String(decoding: data, as: UTF8.self)
        } else {
            line = "\(time) \(request.method.rawValue) \(request.uri) \(status.code) \(bytes.map(String.init) ?? "-") "
                + "\(digest ?? "-") \(String(format: "%.3f", milliseconds))ms" + (problem.map { " error: \($0)" } ?? "")
        }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
