package import CNATS

/// A cnats status code (`natsStatus`), e.g. ``NATSStatus/timeout`` or ``NATSStatus/noResponders``.
public struct NATSStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The numeric `natsStatus` value of cnats 3.4.
    public var rawValue: Int32
    /// Wraps a numeric `natsStatus` value.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// `NATS_OK`.
    public static let ok = NATSStatus(NATS_OK)
    /// `NATS_ERR`: generic error (JetStream API errors carry their code in ``NATSError/jetStreamCode``).
    public static let error = NATSStatus(NATS_ERR)
    /// `NATS_IO_ERROR`.
    public static let ioError = NATSStatus(NATS_IO_ERROR)
    /// `NATS_CONNECTION_CLOSED`: the connection is closed.
    public static let connectionClosed = NATSStatus(NATS_CONNECTION_CLOSED)
    /// `NATS_NO_SERVER`: no server could be reached.
    public static let noServer = NATSStatus(NATS_NO_SERVER)
    /// `NATS_CONNECTION_DISCONNECTED`.
    public static let connectionDisconnected = NATSStatus(NATS_CONNECTION_DISCONNECTED)
    /// `NATS_CONNECTION_AUTH_FAILED`.
    public static let authFailed = NATSStatus(NATS_CONNECTION_AUTH_FAILED)
    /// `NATS_NOT_PERMITTED`.
    public static let notPermitted = NATSStatus(NATS_NOT_PERMITTED)
    /// `NATS_NOT_FOUND`: e.g. a key-value key or a stream message does not exist.
    public static let notFound = NATSStatus(NATS_NOT_FOUND)
    /// `NATS_INVALID_SUBJECT`.
    public static let invalidSubject = NATSStatus(NATS_INVALID_SUBJECT)
    /// `NATS_INVALID_ARG`.
    public static let invalidArgument = NATSStatus(NATS_INVALID_ARG)
    /// `NATS_INVALID_SUBSCRIPTION`.
    public static let invalidSubscription = NATSStatus(NATS_INVALID_SUBSCRIPTION)
    /// `NATS_ILLEGAL_STATE`.
    public static let illegalState = NATSStatus(NATS_ILLEGAL_STATE)
    /// `NATS_SLOW_CONSUMER`: a subscription's pending limit was reached and messages were dropped.
    public static let slowConsumer = NATSStatus(NATS_SLOW_CONSUMER)
    /// `NATS_MAX_PAYLOAD`.
    public static let maxPayload = NATSStatus(NATS_MAX_PAYLOAD)
    /// `NATS_TIMEOUT`: an operation timed out.
    public static let timeout = NATSStatus(NATS_TIMEOUT)
    /// `NATS_SSL_ERROR`.
    public static let sslError = NATSStatus(NATS_SSL_ERROR)
    /// `NATS_DRAINING`.
    public static let draining = NATSStatus(NATS_DRAINING)
    /// `NATS_NO_RESPONDERS`: nobody subscribes to the request subject (distinct from ``timeout``).
    public static let noResponders = NATSStatus(NATS_NO_RESPONDERS)

    /// cnats' own text for the status, e.g. "Timeout".
    public var description: String {
        String(cString: natsStatus_GetText(natsStatus(rawValue: UInt32(bitPattern: rawValue))))
    }

    init(_ s: natsStatus) { self.rawValue = Int32(bitPattern: s.rawValue) }
}

/// The one error type of the NATS module: the cnats status, the JetStream error code (if the
/// server answered with one) and a human-readable text.
public struct NATSError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The cnats status of the failed call.
    public var status: NATSStatus
    /// The JetStream API error code (`err_code`, e.g. 10071 "wrong last sequence"), if any.
    public var jetStreamCode: Int?
    /// What went wrong, from cnats' thread-local error text or from this module.
    public var text: String

    /// Creates an error value.
    public init(status: NATSStatus, jetStreamCode: Int? = nil, text: String) {
        self.status = status
        self.jetStreamCode = jetStreamCode
        self.text = text
    }

    /// True when a request found no subscriber (cnats `NATS_NO_RESPONDERS`).
    public var isNoResponders: Bool { status == .noResponders }
    /// True when the operation timed out.
    public var isTimeout: Bool { status == .timeout }

    /// "NATS error: <status text> (<status>), JetStream error 10071: <text>".
    public var description: String {
        var d = "NATS error: \(status) (\(status.rawValue))"
        if let code = jetStreamCode { d += ", JetStream error \(code)" }
        if !text.isEmpty && text != status.description { d += ": \(text)" }
        return d
    }

    // JetStream error codes this module tests for.
    static let jsStreamNotFound = 10059
    static let jsStreamNameExist = 10058
    static let jsWrongLastSequence = 10071
    static let jsNoMessageFound = 10037
}

extension NATSError {
    /// Builds an error from a failed cnats call. Must run on the thread that made the call:
    /// cnats keeps the error text in thread-local storage.
    package static func fromLastError(_ s: natsStatus, jsCode: jsErrCode = jsErrCode(rawValue: 0), context: String? = nil) -> NATSError {
        var last = NATS_OK
        var text = ""
        if let p = nats_GetLastError(&last) { text = String(cString: p) }
        if text.isEmpty { text = String(cString: natsStatus_GetText(s)) }
        if let context { text = "\(context): \(text)" }
        let code = Int(jsCode.rawValue)
        return NATSError(status: NATSStatus(s), jetStreamCode: code == 0 ? nil : code, text: text)
    }
}

/// Throws a ``NATSError`` if `s` is not `NATS_OK`. Call on the thread that made the cnats call.
@inline(__always)
package func check(_ s: natsStatus, _ context: @autoclosure () -> String? = nil) throws(NATSError) {
    if s != NATS_OK { throw NATSError.fromLastError(s, context: context()) }
}

/// Throws a ``NATSError`` with the JetStream code if `s` is not `NATS_OK`.
@inline(__always)
package func check(_ s: natsStatus, _ code: jsErrCode, _ context: @autoclosure () -> String? = nil) throws(NATSError) {
    if s != NATS_OK { throw NATSError.fromLastError(s, jsCode: code, context: context()) }
}
