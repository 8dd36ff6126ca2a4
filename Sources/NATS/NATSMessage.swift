import CNATS
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// NATS message headers: an ordered list of name/value pairs; a name may repeat.
/// Names are case-sensitive, as in cnats.
public struct NATSHeaders: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    /// The name/value pairs in insertion order.
    public private(set) var fields: [(name: String, value: String)]

    /// Empty headers.
    public init() { fields = [] }

    /// Headers from a literal such as `["Nats-Msg-Id": "t-1"]`.
    public init(dictionaryLiteral elements: (String, String)...) {
        fields = elements.map { (name: $0.0, value: $0.1) }
    }

    /// True when there is no header.
    public var isEmpty: Bool { fields.isEmpty }

    /// The first value of `name`, or `nil`; setting replaces every value of `name`
    /// (`nil` removes them).
    public subscript(name: String) -> String? {
        get { fields.first { $0.name == name }?.value }
        set {
            fields.removeAll { $0.name == name }
            if let newValue { fields.append((name: name, value: newValue)) }
        }
    }

    /// Every value of `name`, in order.
    public func values(for name: String) -> [String] {
        fields.filter { $0.name == name }.map(\.value)
    }

    /// Appends a value for `name`, keeping existing ones.
    public mutating func add(_ name: String, _ value: String) {
        fields.append((name: name, value: value))
    }

    /// Iterates the name/value pairs.
    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        fields.makeIterator()
    }

    public static func == (a: NATSHeaders, b: NATSHeaders) -> Bool {
        a.fields.count == b.fields.count && zip(a.fields, b.fields).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        for f in fields {
            hasher.combine(f.name)
            hasher.combine(f.value)
        }
    }
}

/// A message received from a core subscription or a request: a plain value, safe to send
/// between tasks. The cnats message it was copied from has already been destroyed.
public struct NATSMessage: Sendable, Hashable {
    /// The subject the message was published to.
    public var subject: String
    /// The reply subject, if the publisher expects an answer.
    public var reply: String?
    /// Headers (empty if none).
    public var headers: NATSHeaders
    /// The payload bytes.
    public var payload: [UInt8]

    /// Creates a message value.
    public init(subject: String, reply: String? = nil, headers: NATSHeaders = NATSHeaders(), payload: [UInt8] = []) {
        self.subject = subject
        self.reply = reply
        self.headers = headers
        self.payload = payload
    }

    /// The payload decoded as UTF-8 (invalid bytes are repaired).
    public var string: String { String(decoding: payload, as: UTF8.self) }
}

// MARK: - Conversion to and from cnats messages

/// Copies the payload of a cnats message.
@inline(__always)
func copyPayload(_ m: OpaquePointer) -> [UInt8] {
    let len = Int(natsMsg_GetDataLength(m))
    guard len > 0, let data = natsMsg_GetData(m) else { return [] }
    return [UInt8](unsafeUninitializedCapacity: len) { buffer, count in
        memcpy(buffer.baseAddress!, data, len)
        count = len
    }
}

/// Copies the headers of a cnats message.
@inline(__always)
func copyHeaders(_ m: OpaquePointer) -> NATSHeaders {
    var headers = NATSHeaders()
    var keys: UnsafeMutablePointer<UnsafePointer<CChar>?>? = nil
    var count: Int32 = 0
    guard natsMsgHeader_Keys(m, &keys, &count) == NATS_OK, let keys else { return headers }
    defer { free(keys) }
    for i in 0..<Int(count) {
        guard let key = keys[i] else { continue }
        var values: UnsafeMutablePointer<UnsafePointer<CChar>?>? = nil
        var n: Int32 = 0
        let name = String(cString: key)
        if natsMsgHeader_Values(m, key, &values, &n) == NATS_OK, let values {
            for j in 0..<Int(n) {
                if let v = values[j] { headers.add(name, String(cString: v)) }
            }
            free(values)
        }
    }
    return headers
}

/// Copies a cnats message into a ``NATSMessage``. Does not destroy `m`.
@inline(__always)
func makeMessage(_ m: OpaquePointer) -> NATSMessage {
    let subject = String(cString: natsMsg_GetSubject(m))
    let reply = natsMsg_GetReply(m).flatMap { $0.pointee == 0 ? nil : String(cString: $0) }
    return NATSMessage(subject: subject, reply: reply, headers: copyHeaders(m), payload: copyPayload(m))
}

/// Creates a cnats message (caller destroys it, or hands ownership to cnats).
func createCMessage(subject: String, reply: String?, payload: UnsafeRawBufferPointer, headers: NATSHeaders) throws(NATSError) -> OpaquePointer {
    var msg: OpaquePointer? = nil
    let s = natsMsg_Create(&msg, subject, reply, payload.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(payload.count))
    try check(s, "creating a message for \(subject)")
    for field in headers.fields {
        let hs = natsMsgHeader_Add(msg, field.name, field.value)
        if hs != NATS_OK {
            let e = NATSError.fromLastError(hs, context: "setting header \(field.name)")
            natsMsg_Destroy(msg)
            throw e
        }
    }
    return msg!
}

/// Runs `body` with the payload's bytes, without copying when they are contiguous.
@inline(__always)
package func withPayloadBytes<P: Collection<UInt8>, R>(_ payload: P, _ body: (UnsafeRawBufferPointer) throws(NATSError) -> R) throws(NATSError) -> R {
    let direct: Result<R, NATSError>? = payload.withContiguousStorageIfAvailable { buffer in
        do throws(NATSError) { return .success(try body(UnsafeRawBufferPointer(buffer))) } catch { return .failure(error) }
    }
    if let direct { return try direct.get() }
    let copy = Array(payload)
    let r: Result<R, NATSError> = copy.withUnsafeBytes { raw in
        do throws(NATSError) { return .success(try body(raw)) } catch { return .failure(error) }
    }
    return try r.get()
}
