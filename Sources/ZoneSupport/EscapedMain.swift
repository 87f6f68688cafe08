import ArgumentParser
import Foundation

extension AsyncParsableCommand {
    /// ArgumentParser's entry point, with usage errors made safe for the terminal as every other error is: an
    /// argument holding control bytes (an escape sequence, a NUL) is echoed back as `\u{1B}` escapes, one line each.
    public static func mainEscapingUsageErrors() async {
        do {
            var command = try parseAsRoot()
            if var asynchronous = command as? AsyncParsableCommand { try await asynchronous.run() } else { try command.run() }
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error).split(separator: "\n", omittingEmptySubsequences: false)
                .map { TerminalText.escaped(String($0)) }.joined(separator: "\n")
            if code == .success {
                print(message)
            } else if !message.isEmpty {
                FileHandle.standardError.write(Data((message + "\n").utf8))
            }
            Foundation.exit(code.rawValue)
        }
    }
}
