import ArgumentParser
import Bundle
import Foundation
import OCI
import Pipeline
import Trust
import ZoneSupport

/// `connected sign`: sign images in a content store as `cosign sign --key` would in a registry.
struct Sign: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign images in a content store with a cosign key (legacy .sig form, appended to existing signatures).",
        discussion: "Each reference must be an image in the store. A key that already signed an image adds nothing."
    )

    @Option(help: ArgumentHelp("Private key: cosign's encrypted format or a plain PEM key.", valueName: "file"))
    var key: String

    @Option(help: ArgumentHelp("Content store directory.", valueName: "dir"))
    var store: String

    @Option(name: [.customShort("a"), .customLong("annotation")], help: ArgumentHelp("Payload annotation key=value (cosign -a).", valueName: "key=value"))
    var annotations: [String] = []

    @Argument(help: "Image references in the store.")
    var references: [String]

    @OptionGroup var output: OutputOptions

    struct Signed: Encodable {
        var reference: String
        var digest: Digest
        var signature: String?
    }

    func validate() throws {
        if references.isEmpty { throw ValidationError("give the references of the images to sign") }
        if annotations.contains(where: { !$0.contains("=") }) { throw ValidationError("-a takes key=value") }
    }

    func run() async throws {
        try await runReportingErrors("connected") {
            let key = try loadSigningKey(self.key)   // a wrong password fails before anything is touched
            let store = try ContentStore(at: self.store, create: false)
            let signer = ImageSigner(key: key, annotations: annotations.isEmpty ? nil : Dictionary(annotations.map {
                let parts = $0.split(separator: "=", maxSplits: 1)
                return (String(parts[0]), String(parts[1]))
            }, uniquingKeysWith: { $1 }))
            let images = try store.entries().filter { $0.kind == .image }
            var byName: [String: LayoutEntry] = [:]
            for entry in images { if let name = entry.name { byName[name] = entry } }
            let targets = try references.map { text in
                let reference = try Reference(parsing: text)
                guard let entry = byName[reference.description] ?? images.first(where: {
                    reference.digest == $0.descriptor.digest && (try? $0.reference())?.name == reference.name
                }) else {
                    throw StoreError(path: store.root, reason: "\(reference) is not an image in the store (pull it first)")
                }
                return (reference: try entry.reference(), digest: entry.descriptor.digest)
            }
            let written = try await signer.sign(targets, at: StoreEndpoint(store: store))
            let results = zip(targets, written).map { Signed(reference: $0.reference.description, digest: $0.digest, signature: $1?.name) }
            if !output.quiet && !output.json {
                for result in results {
                    print("\(result.reference)@\(result.digest): " + (result.signature.map { "signed (\($0))" } ?? "already signed with this key"))
                }
            }
            if output.json { try printJSON(results) }
        }
    }
}
