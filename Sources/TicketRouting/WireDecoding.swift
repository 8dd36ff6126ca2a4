public import BusinessTime
import Foundation

/// The error of reading any message from the bus (event, work item, heartbeat, stored ticket):
/// the same shape as the intake error object — a stable code, the field (a dotted path such as
/// `ticket.region`) and a sentence — so a rejected message is logged and counted the same way.
public typealias WireError = ValidationError

/// The bounds every message read from the bus is held to.
public enum WireLimits {
    /// The largest message a service decodes: 64 KiB (an intake ticket's limit; events and work
    /// items carry at most one ticket).
    public static let maxPayloadBytes = 64 * 1024
    /// The instants a message may name: 2000-01-01T00:00:00Z ... 2199-12-31T23:59:59Z. Inside every
    /// calendar's domain and far from the clock's "no instant" sentinel (year 9999).
    public static let instants = Instant(unixSeconds: 946_684_800)...Instant(unixSeconds: 7_258_118_399)
    /// The longest duration a message may carry, in seconds: 100 years.
    public static let maxSeconds: Int64 = 100 * 366 * 86_400
    /// The largest count (backlog, clocks) a message may carry.
    public static let maxCount = 1_000_000_000
}

/// Decodes untrusted JSON bytes into a message type whose `init(from:)` checks its fields with
/// `WireReader`; every failure becomes a `WireError`.
public enum WireDecoding {
    /// Decodes `bytes` (at most `limit` bytes) as `T`.
    /// - Throws: `WireError`: `too_large`, `bad_json`, or the first field that failed its check.
    /// - Complexity: O(bytes.count).
    public static func decode<T: Decodable>(
        _ type: T.Type, from bytes: some Collection<UInt8>, limit: Int = WireLimits.maxPayloadBytes
    ) throws(WireError) -> T {
        guard bytes.count <= limit else {
            throw WireError(
                code: .tooLarge, field: "", message: "the message is \(bytes.count) bytes; the limit is \(limit) bytes")
        }
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch let error as WireError {
            throw error
        } catch let error as DecodingError {
            throw wireError(error)
        } catch {
            throw WireError(code: .badJSON, field: "", message: "not a JSON object")
        }
    }

    /// A `DecodingError` (from the container, not from a field check) as a `WireError`.
    static func wireError(_ error: DecodingError) -> WireError {
        func path(_ keys: [any CodingKey]) -> String { keys.map(\.stringValue).joined(separator: ".") }
        switch error {
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return WireError(code: .missingField, field: field, message: "\(field) is required")
        case .valueNotFound(_, let context):
            let field = path(context.codingPath)
            return WireError(code: .missingField, field: field, message: "\(field) is required")
        case .typeMismatch(let type, let context):
            let field = path(context.codingPath)
            return WireError(
                code: .badType, field: field,
                message: context.codingPath.isEmpty ? "expected a JSON object" : "\(field) must be \(describe(type))")
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            guard !field.isEmpty else { return WireError(code: .badJSON, field: "", message: "not a JSON object") }
            let detail = context.underlyingError.map { "\($0)" } ?? context.debugDescription
            return WireError(code: .badJSON, field: field, message: "\(field): \(detail)")
        @unknown default:
            return WireError(code: .badJSON, field: "", message: "\(error)")
        }
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "text"
        case is Bool.Type: "true or false"
        case is Double.Type, is Int.Type, is Int64.Type: "a number"
        default: "a JSON object"
        }
    }
}

/// Reads the fields of one JSON object with the checks of the wire contract, throwing a
/// `WireError` that names the field's full path (`ticket.created_at`).
///
/// Text is bounded in characters, ids are subject tokens, numbers are range-checked (a JSON
/// number that does not fit an integer is `out_of_range`, never a trap), instants lie in
/// `WireLimits.instants`, enumerations name their allowed values.
public struct WireReader<Key: CodingKey> {
    let container: KeyedDecodingContainer<Key>

    /// Opens `decoder` as an object keyed by `Key`.
    public init(_ decoder: any Decoder, keyedBy: Key.Type) throws(WireError) {
        do {
            container = try decoder.container(keyedBy: Key.self)
        } catch let error as DecodingError {
            throw WireDecoding.wireError(error)
        } catch {
            throw WireError(code: .badType, field: "", message: "expected a JSON object")
        }
    }

    /// The dotted path of `key`.
    public func field(_ key: Key) -> String {
        (container.codingPath + [key]).map(\.stringValue).joined(separator: ".")
    }

    func fail(_ key: Key, _ code: WireError.Code, _ message: String) -> WireError {
        WireError(code: code, field: field(key), message: "\(field(key)) \(message)")
    }

    /// A value decoded by its own `Decodable` conformance (which may throw `WireError` itself);
    /// nil when absent or null.
    public func nested<T: Decodable>(_ type: T.Type, _ key: Key) throws(WireError) -> T? {
        do {
            guard container.contains(key), try !container.decodeNil(forKey: key) else { return nil }
            return try container.decode(T.self, forKey: key)
        } catch let error as WireError {
            throw error
        } catch let error as DecodingError {
            throw WireDecoding.wireError(error)
        } catch {
            throw fail(key, .badJSON, "cannot be read: \(error)")
        }
    }

    /// `value`, or `missing_field` when it is nil.
    public func required<T>(_ value: T?, _ key: Key) throws(WireError) -> T {
        guard let value else { throw fail(key, .missingField, "is required") }
        return value
    }

    /// Text of at most `maxLength` characters; nil when absent or null (empty text is kept).
    public func text(_ key: Key, maxLength: Int) throws(WireError) -> String? {
        guard let value = try nested(String.self, key) else { return nil }
        guard value.utf8.count <= maxLength || value.count <= maxLength else {
            throw fail(key, .tooLong, "has \(value.count) characters; the limit is \(maxLength)")
        }
        return value
    }

    /// A typed id that is a NATS subject token (`SubjectToken`).
    public func token<ID: TypedIdentifier>(_ type: ID.Type, _ key: Key) throws(WireError) -> ID? {
        guard let value = try nested(String.self, key) else { return nil }
        guard SubjectToken.isValid(value) else {
            throw fail(key, type == TicketID.self ? .badID : .badToken, "must be 1-64 characters of letters, digits, '-' and '_'")
        }
        return ID(unchecked: value)
    }

    /// A value of a `String`-backed enumeration; `unknown_value` naming the allowed ones otherwise.
    public func choice<E: RawRepresentable & CaseIterable>(_ type: E.Type, _ key: Key) throws(WireError) -> E?
    where E.RawValue == String {
        guard let value = try nested(String.self, key) else { return nil }
        guard let choice = E(rawValue: value) else {
            let allowed = E.allCases.map(\.rawValue).joined(separator: ", ")
            throw fail(key, .unknownValue, "\"\(value.prefix(64))\" is not one of \(allowed)")
        }
        return choice
    }

    /// An instant in `WireLimits.instants`.
    public func instant(_ key: Key) throws(WireError) -> Instant? {
        guard let value = try text(key, maxLength: 64) else { return nil }
        guard let instant = Instant(iso8601: value) else {
            throw fail(key, .badTimestamp, "\"\(value)\" is not an ISO-8601 date-time with an offset")
        }
        guard WireLimits.instants.contains(instant) else {
            throw fail(key, .outOfRange, "\(instant.iso8601) is outside 2000-01-01T00:00:00Z...2199-12-31T23:59:59Z")
        }
        return instant
    }

    /// An integer in `range`. A JSON number that is fractional, non-finite or beyond the range
    /// is `out_of_range`.
    public func integer<I: FixedWidthInteger>(_ type: I.Type, _ key: Key, in range: ClosedRange<I>) throws(WireError) -> I? {
        guard let value = try number(key) else { return nil }
        guard let integer = I(exactly: value), range.contains(integer) else {
            throw fail(key, .outOfRange, "\(value) is not a whole number in \(range.lowerBound)...\(range.upperBound)")
        }
        return integer
    }

    /// A finite number in `range`.
    public func double(_ key: Key, in range: ClosedRange<Double>) throws(WireError) -> Double? {
        guard let value = try number(key) else { return nil }
        guard value.isFinite, range.contains(value) else {
            throw fail(key, .outOfRange, "\(value) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    /// A JSON number read as `Double` (every JSON number fits one; beyond ±1.8e308 it is infinite
    /// or a decoding error, both refused by the callers).
    func number(_ key: Key) throws(WireError) -> Double? {
        try nested(Double.self, key)
    }

    /// true or false.
    public func bool(_ key: Key) throws(WireError) -> Bool? {
        try nested(Bool.self, key)
    }
}
