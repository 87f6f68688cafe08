import Foundation

extension ImageIndex {
    /// The bytes of an index that lists only some of `source`'s children: every child for which `keep` is true, in
    /// source order, and every other field of `source` as it was (fields Airlock does not model included).
    ///
    /// `source` is an index's exact bytes. The result is JSON as Go writes it with object keys sorted (no spaces,
    /// Go's escaping, integers without a fraction), so the same source and the same choice always give the same bytes.
    public static func subsetBytes(of source: Data, keeping keep: (Descriptor) -> Bool) throws(ManifestError) -> Data {
        let what = "index \(Digest.sha256(of: source))"
        let object: [String: JSONValue]
        let parsed: ImageIndex
        do {
            object = try JSONDecoder().decode([String: JSONValue].self, from: source)
            parsed = try JSONDecoder().decode(ImageIndex.self, from: source)
        } catch {
            throw ManifestError(source: what, reason: "not an image index (\(Manifest.describe(error)))")
        }
        guard case .array(let children)? = object["manifests"], children.count == parsed.manifests.count else {
            throw ManifestError(source: what, reason: "has no manifests array")
        }
        var subset = object
        subset["manifests"] = .array(zip(children, parsed.manifests).filter { keep($0.1) }.map(\.0))
        return Data(JSONValue.object(subset).goJSON.text.utf8)
    }
}

/// Any JSON value, as parsed: what an index holds beyond the fields Airlock models is kept through it.
enum JSONValue: Decodable, Sendable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Int64.self) { self = .integer(n) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    /// The value as Go writes it, object keys sorted (as Go marshals a map).
    var goJSON: GoJSON {
        switch self {
        case .null: .null
        case .bool(let b): .bool(b)
        case .integer(let n): .integer(n)
        case .number(let d): .number(d)
        case .string(let s): .string(s)
        case .array(let items): .array(items.map(\.goJSON))
        case .object(let members): .object(members.sorted { $0.key < $1.key }.map { ($0.key, $0.value.goJSON) })
        }
    }
}
