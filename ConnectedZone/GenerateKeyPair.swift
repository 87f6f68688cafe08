import ArgumentParser
import Foundation
import Trust
import ZoneSupport

/// `connected generate-key-pair`: a cosign-format key pair (`cosign generate-key-pair` equivalent).
struct GenerateKeyPair: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-key-pair",
        abstract: "Write an ECDSA P-256 key pair in cosign's format: PREFIX.key (encrypted, mode 0600) and PREFIX.pub.",
        discussion: "The password comes from COSIGN_PASSWORD when it is set (even empty), else a prompt on a terminal, else standard input."
    )

    @Option(name: .customLong("output-key-prefix"), help: ArgumentHelp("File name prefix.", valueName: "prefix"))
    var prefix = "cosign"

    @Flag(help: "Overwrite existing key files.")
    var force = false

    func run() async throws {
        try await runReportingErrors("connected") {
            let privatePath = "\(prefix).key", publicPath = "\(prefix).pub"
            for path in [privatePath, publicPath] where !force && FileManager.default.fileExists(atPath: path) {
                throw KeyFileExists(path: path)
            }
            let key = try PrivateKey.generateP256()
            let encrypted = try CosignKeyFile.encrypt(key, password: try KeyPassword.readNew())
            try write(encrypted, to: privatePath, mode: 0o600)
            try write(key.publicKey.pem, to: publicPath, mode: 0o644)
            FileHandle.standardError.write(Data("Private key written to \(privatePath)\nPublic key written to \(publicPath)\n".utf8))
        }
    }

    /// Writes `text` to a temporary file with `mode`, then renames it into place.
    func write(_ text: String, to path: String, mode: mode_t) throws {
        let temporary = "\(path).\(getpid()).tmp"
        let fd = open(temporary, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode)
        guard fd >= 0 else { throw KeyFileExists(path: path, reason: "cannot be written (\(String(cString: strerror(errno))))") }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        do {
            try handle.write(contentsOf: Data(text.utf8))
            try handle.synchronize()
            try handle.close()
        } catch {
            unlink(temporary)
            throw KeyFileExists(path: path, reason: "cannot be written (\(error))")
        }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw KeyFileExists(path: path, reason: "cannot be written (\(String(cString: strerror(errno))))")
        }
    }
}

/// A key file that is there already (or cannot be written).
struct KeyFileExists: Error, CustomStringConvertible {
    let path: String
    var reason = "exists; pass --force to overwrite it"
    var description: String { "\(path): \(reason)" }
}
