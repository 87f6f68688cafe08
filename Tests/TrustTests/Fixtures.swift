import Foundation
import OCI
import TestSupport
import Trust

/// The shared test vectors in Tests/Fixtures (see its README for each file's source and expected result).
enum Fixture {
    static let root = Fixtures.root

    static func path(_ relative: String) -> String { "\(root)/\(relative)" }

    static func data(_ relative: String) -> Data {
        FileManager.default.contents(atPath: path(relative))!
    }

    static func key(_ relative: String) throws -> PublicKey { try PublicKey(file: path(relative)) }

    /// A containers/image `dir:` signature file (`\0sigstore-json\n{mimeType, payload, annotations}`) as a layer.
    static func dirSignature(_ relative: String) throws -> CosignSignatureLayer {
        let raw = data(relative)
        let prefix = Data("\u{0}sigstore-json\n".utf8)
        precondition(raw.starts(with: prefix), "\(relative) is not a dir: signature")
        struct Entry: Decodable {
            var mimeType: String
            var payload: Data
            var annotations: [String: String]
        }
        let entry = try JSONDecoder().decode(Entry.self, from: raw.dropFirst(prefix.count))
        let layer = Descriptor(mediaType: entry.mimeType, digest: .sha256(of: entry.payload), size: Int64(entry.payload.count),
                               annotations: entry.annotations)
        return CosignSignatureLayer(layer: layer, payload: entry.payload)
    }

    /// The digest of a `dir:` fixture's manifest.json.
    static func manifestDigest(_ directory: String) -> Digest { .sha256(of: data("\(directory)/manifest.json")) }
}
