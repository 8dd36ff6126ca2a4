public import Foundation

/// The one JSON set-up of Meridian's wire and command output: sorted keys, slashes unescaped;
/// compact for messages, events and JSON Lines, pretty for `meridian route` and friends.
public enum JSONCoding {
    /// Compact, sorted keys, `/` not escaped.
    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// Pretty-printed, sorted keys, `/` not escaped.
    public static let prettyEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return encoder
    }()

    /// Encodes a value as compact JSON bytes.
    public static func encode(_ value: some Encodable) throws -> [UInt8] {
        Array(try encoder.encode(value))
    }

    /// Compact JSON text; `fallback` when the value does not encode.
    public static func string(_ value: some Encodable, fallback: String = "") -> String {
        (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? fallback
    }

    /// Pretty JSON text; empty when the value does not encode.
    public static func prettyString(_ value: some Encodable) -> String {
        (try? prettyEncoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// Decodes JSON bytes.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: some Collection<UInt8>) throws -> T {
        try JSONDecoder().decode(type, from: Data(bytes))
    }
}
