/// A 64-bit integer as protobuf's JSON mapping writes it: a string, or (leniently) a number.
public struct ProtoInt64: Sendable, Decodable {
    public var value: Int64

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self), let parsed = Int64(text) {
            value = parsed
        } else {
            value = try container.decode(Int64.self)
        }
    }
}
