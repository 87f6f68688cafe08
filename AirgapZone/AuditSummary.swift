import Foundation
import Pipeline
import ZoneSupport

/// The terminal summary of `airgap audit`: one line per tag (state, reference, short digest, and for a failing
/// tag its first problem), then the counts.
enum AuditSummary {
    static func text(_ report: AuditReport) -> String {
        let width = AuditState.allCases.map(\.rawValue.count).max() ?? 0
        var lines = report.tags.map { finding in
            let state = finding.state.rawValue.padding(toLength: width, withPad: " ", startingAt: 0)
            let digest = finding.digest.map { " \($0.algorithm):\($0.encoded.prefix(12))" } ?? ""
            let why = finding.problems.first.map { "  \($0)" } ?? ""
            return TerminalText.escaped("\(finding.passes ? "pass" : "FAIL")  \(state)  \(finding.reference)\(digest)\(why)")
        }
        let counts = AuditState.allCases.compactMap { state in
            report.summary.states[state.rawValue].flatMap { $0 > 0 ? "\(state.rawValue) \($0)" : nil }
        }
        lines.append("\(report.summary.tags) tags in \(report.summary.repositories) repositories of \(report.source): "
                     + "\(report.summary.passing) pass, \(report.summary.failing) fail" + (counts.isEmpty ? "" : " (\(counts.joined(separator: ", ")))"))
        return lines.joined(separator: "\n") + "\n"
    }
}
