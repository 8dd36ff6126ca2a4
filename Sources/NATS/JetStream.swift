package import CNATS
import Foundation

/// Settings of a ``JetStream`` context.
public struct JetStreamOptions: Sendable, Hashable {
    /// Timeout of each JetStream API request and of each publish acknowledgment.
    public var apiTimeout: Duration
    /// How long ``JetStream/publish(_:payload:headers:messageID:expectedStream:)`` keeps retrying
    /// while the stream has no leader ("no responders", e.g. during a leader election, about 5 s on
    /// a 3-node cluster). Zero disables retries.
    public var noRespondersRetryBudget: Duration
    /// The JetStream domain, if the server uses one.
    public var domain: String?

    /// Creates options; the defaults are a 5 s API timeout and a 10 s retry budget.
    public init(apiTimeout: Duration = .seconds(5), noRespondersRetryBudget: Duration = .seconds(10), domain: String? = nil) {
        self.apiTimeout = apiTimeout
        self.noRespondersRetryBudget = noRespondersRetryBudget
        self.domain = domain
    }
}

/// The acknowledgment of a message stored by JetStream.
public struct JetStreamPublishAck: Sendable, Hashable {
    /// The stream that stored the message.
    public var stream: String
    /// Its sequence in the stream.
    public var sequence: UInt64
    /// True when the message id was seen within the stream's duplicate window: not stored again.
    public var duplicate: Bool

    /// Creates an acknowledgment value (for tests and test doubles).
    public init(stream: String, sequence: UInt64, duplicate: Bool) {
        self.stream = stream
        self.sequence = sequence
        self.duplicate = duplicate
    }
}

/// A message read directly from a stream (not through a consumer).
public struct StoredMessage: Sendable, Hashable {
    /// The subject it was published to.
    public var subject: String
    /// Its headers (empty if none).
    public var headers: NATSHeaders
    /// The payload bytes.
    public var payload: [UInt8]
    /// Its sequence in the stream.
    public var sequence: UInt64
    /// When the stream stored it, in nanoseconds since 1970-01-01 UTC.
    public var timestampNanoseconds: Int64

    /// The payload decoded as UTF-8.
    public var string: String { String(decoding: payload, as: UTF8.self) }
}

/// Configuration of a stream. Only the fields Meridian needs; the rest keep server defaults.
public struct StreamConfig: Sendable, Hashable {
    /// When messages are removed.
    public enum Retention: Sendable, Hashable {
        /// Kept until a limit (age, count, bytes) is reached.
        case limits
        /// Kept while a consumer has not acknowledged them.
        case interest
        /// Removed as soon as one consumer acknowledges them (work queue).
        case workQueue
    }
    /// Where messages are kept.
    public enum Storage: Sendable, Hashable { case file, memory }
    /// What happens when a limit is reached.
    public enum Discard: Sendable, Hashable { case old, new }

    /// Stream name (no `.`, `*`, `>`).
    public var name: String
    /// Subjects captured by the stream (wildcards allowed).
    public var subjects: [String]
    /// Retention policy.
    public var retention: Retention
    /// Storage type.
    public var storage: Storage
    /// Number of replicas (1, or 3 on a 3-node cluster).
    public var replicas: Int
    /// Maximum age of a message; `nil` for unlimited.
    public var maxAge: Duration?
    /// Maximum number of messages; `nil` for unlimited.
    public var maxMessages: Int64?
    /// Maximum total bytes; `nil` for unlimited.
    public var maxBytes: Int64?
    /// Maximum messages per subject; `nil` for unlimited.
    public var maxMessagesPerSubject: Int64?
    /// Discard policy when a limit is reached.
    public var discard: Discard
    /// The window in which message ids are de-duplicated; `nil` for the server default (2 min).
    public var duplicateWindow: Duration?
    /// A description.
    public var description: String?

    /// Creates a stream configuration.
    public init(name: String, subjects: [String], retention: Retention = .limits, storage: Storage = .file, replicas: Int = 1,
                maxAge: Duration? = nil, maxMessages: Int64? = nil, maxBytes: Int64? = nil, maxMessagesPerSubject: Int64? = nil,
                discard: Discard = .old, duplicateWindow: Duration? = nil, description: String? = nil) {
        self.name = name
        self.subjects = subjects
        self.retention = retention
        self.storage = storage
        self.replicas = replicas
        self.maxAge = maxAge
        self.maxMessages = maxMessages
        self.maxBytes = maxBytes
        self.maxMessagesPerSubject = maxMessagesPerSubject
        self.discard = discard
        self.duplicateWindow = duplicateWindow
        self.description = description
    }

    func fill(_ cfg: inout jsStreamConfig, arena: CStringArena) {
        jsStreamConfig_Init(&cfg)
        cfg.Name = arena.dup(name)
        cfg.Description = arena.dup(description)
        cfg.Subjects = arena.array(subjects)
        cfg.SubjectsLen = Int32(subjects.count)
        cfg.Retention = switch retention {
        case .limits: js_LimitsPolicy
        case .interest: js_InterestPolicy
        case .workQueue: js_WorkQueuePolicy
        }
        cfg.Storage = storage == .file ? js_FileStorage : js_MemoryStorage
        cfg.Replicas = Int64(replicas)
        if let maxAge { cfg.MaxAge = maxAge.nanoseconds }
        if let maxMessages { cfg.MaxMsgs = maxMessages }
        if let maxBytes { cfg.MaxBytes = maxBytes }
        if let maxMessagesPerSubject { cfg.MaxMsgsPerSubject = maxMessagesPerSubject }
        cfg.Discard = discard == .old ? js_DiscardOld : js_DiscardNew
        if let duplicateWindow { cfg.Duplicates = duplicateWindow.nanoseconds }
    }
}

/// The state of a stream.
public struct StreamInfo: Sendable, Hashable {
    /// Stream name.
    public var name: String
    /// Captured subjects.
    public var subjects: [String]
    /// Messages stored.
    public var messages: UInt64
    /// Bytes stored.
    public var bytes: UInt64
    /// Sequence of the first stored message.
    public var firstSequence: UInt64
    /// Sequence of the last stored message (0 if the stream never stored one).
    public var lastSequence: UInt64
    /// Number of consumers.
    public var consumerCount: Int
    /// Replicas configured.
    public var replicas: Int

    init(_ si: UnsafeMutablePointer<jsStreamInfo>) {
        let cfg = si.pointee.Config!.pointee
        name = String(cString: cfg.Name)
        subjects = (0..<Int(cfg.SubjectsLen)).compactMap { cfg.Subjects[$0].map { String(cString: $0) } }
        messages = si.pointee.State.Msgs
        bytes = si.pointee.State.Bytes
        firstSequence = si.pointee.State.FirstSeq
        lastSequence = si.pointee.State.LastSeq
        consumerCount = Int(si.pointee.State.Consumers)
        replicas = Int(cfg.Replicas)
    }
}

/// A JetStream context on a connection: streams, publishing, consumers, replay and key-value.
///
/// Publishes and stored-message look-ups suspend without a thread (the connection's
/// `PublishAcks` and `RequestMultiplexer`); every other call that waits for the server runs on the
/// module's blocking thread pool, never on Swift's cooperative pool. The C context is destroyed in `deinit`.
public final class JetStream: Sendable {
    /// The connection this context uses.
    public let connection: NATSConnection
    /// The options given at creation.
    public let options: JetStreamOptions
    nonisolated(unsafe) let js: OpaquePointer

    init(connection: NATSConnection, options: JetStreamOptions, js: OpaquePointer) {
        self.connection = connection
        self.options = options
        self.js = js
    }

    deinit { jsCtx_Destroy(js) }

    /// The JetStream API prefix, e.g. `$JS.API`.
    var apiPrefix: String { options.domain.map { "$JS.\($0).API" } ?? "$JS.API" }

    package static func makeContext(_ nc: OpaquePointer, _ options: JetStreamOptions, configure: (inout jsOptions) -> Void = { _ in }) throws(NATSError) -> OpaquePointer {
        let arena = CStringArena()
        var o = jsOptions()
        jsOptions_Init(&o)
        o.Wait = options.apiTimeout.milliseconds(minimum: 1)
        o.Domain = arena.dup(options.domain)
        configure(&o)
        var js: OpaquePointer? = nil
        try withExtendedLifetime(arena) { () throws(NATSError) in
            try check(natsConnection_JetStream(&js, nc, &o), "creating a JetStream context")
        }
        return js!
    }

    // MARK: Streams

    /// Creates the stream, or updates it in place if it exists with another configuration.
    /// Never deletes and re-creates a stream (on nats-server 2.9 that leaves a restarted replica stale).
    ///
    /// - Throws: ``NATSError`` with the JetStream code when the server refuses (e.g. 10065 subjects overlap,
    ///   or a change that cannot be made in place such as the retention policy).
    @discardableResult
    public func createOrUpdateStream(_ config: StreamConfig) async throws(NATSError) -> StreamInfo {
        try await BlockingPool.shared.run { () throws(NATSError) -> StreamInfo in
            let arena = CStringArena()
            var cfg = jsStreamConfig()
            config.fill(&cfg, arena: arena)
            return try withExtendedLifetime(arena) { () throws(NATSError) -> StreamInfo in
                var si: UnsafeMutablePointer<jsStreamInfo>? = nil
                var code = jsErrCode(rawValue: 0)
                var s = js_AddStream(&si, self.js, &cfg, nil, &code)
                if s != NATS_OK && Int(code.rawValue) == NATSError.jsStreamNameExist {
                    code = jsErrCode(rawValue: 0)
                    s = js_UpdateStream(&si, self.js, &cfg, nil, &code)
                    try check(s, code, "updating stream \(config.name)")
                } else {
                    try check(s, code, "creating stream \(config.name)")
                }
                defer { jsStreamInfo_Destroy(si) }
                return StreamInfo(si!)
            }
        }
    }

    /// The current state of a stream.
    /// - Throws: ``NATSError`` with JetStream code 10059 if the stream does not exist.
    public func streamInfo(_ name: String) async throws(NATSError) -> StreamInfo {
        try await BlockingPool.shared.run { () throws(NATSError) -> StreamInfo in
            var si: UnsafeMutablePointer<jsStreamInfo>? = nil
            var code = jsErrCode(rawValue: 0)
            try check(js_GetStreamInfo(&si, self.js, name, nil, &code), code, "stream info \(name)")
            defer { jsStreamInfo_Destroy(si) }
            return StreamInfo(si!)
        }
    }

    /// Deletes a stream and all its messages (administration and tests; services never call this).
    public func deleteStream(_ name: String) async throws(NATSError) {
        try await BlockingPool.shared.run { () throws(NATSError) in
            var code = jsErrCode(rawValue: 0)
            try check(js_DeleteStream(self.js, name, nil, &code), code, "deleting stream \(name)")
        }
    }

    /// The stored message at `sequence` of `stream`, or `nil` if there is none (never stored,
    /// deleted, or removed by a work-queue acknowledgment).
    public func message(stream: String, sequence: UInt64) async throws(NATSError) -> StoredMessage? {
        try await getStoredMessage(stream: stream, request: #"{"seq":\#(sequence)}"#, what: "\(stream) #\(sequence)")
    }

    /// The last message stored on exactly `subject` in `stream` (e.g. the latest event of one
    /// ticket), or `nil` if there is none. A request through the connection's multiplexer
    /// (StreamMessageGet.swift): no thread waits for the answer.
    public func lastMessage(stream: String, subject: String) async throws(NATSError) -> StoredMessage? {
        try await getStoredMessage(stream: stream, request: #"{"last_by_subj":\#(Self.jsonString(subject))}"#,
                                   what: "the last message of \(stream) on \(subject)")
    }

    // MARK: Publish

    /// Publishes a message to a stream and waits for its acknowledgment.
    ///
    /// While the stream has no leader the server answers "no responders"; the publish is retried
    /// (and a timed-out publish with a `messageID` too, dedup makes it safe) for up to
    /// ``JetStreamOptions/noRespondersRetryBudget``.
    ///
    /// - Parameters:
    ///   - subject: a subject captured by a stream.
    ///   - payload: the bytes.
    ///   - headers: optional headers.
    ///   - messageID: the de-duplication id (`Nats-Msg-Id`); the same id within the duplicate
    ///     window is stored once and acknowledged with `duplicate == true`.
    ///   - expectedStream: fail unless this stream stores the message.
    /// - Throws: ``NATSError``: status ``NATSStatus/noResponders`` with JetStream code 10059 at once when
    ///   no stream captures `subject`; code 10060 when `expectedStream` does not match; the last
    ///   error when the retry budget is spent.
    @discardableResult
    public func publish(_ subject: String, payload: some Collection<UInt8> = [UInt8](), headers: NATSHeaders = NATSHeaders(),
                        messageID: String? = nil, expectedStream: String? = nil) async throws(NATSError) -> JetStreamPublishAck {
        let bytes = Array(payload)
        let clock = ContinuousClock()
        let deadline = clock.now + options.noRespondersRetryBudget
        var delay = Duration.milliseconds(25)
        var checkedStream = false
        let acks = try connection.publishAcks()
        let maxWait = options.apiTimeout.milliseconds(minimum: 1)
        while true {
            // No thread waits for the ack: cnats' reply thread resumes this task (PublishAcks).
            let result = await acks.publish(subject, bytes, headers: headers, messageID: messageID,
                                            expectedStream: expectedStream, maxWait: maxWait)
            let error: NATSError
            switch result {
            case .success(let ack): return ack
            case .failure(let e): error = e
            }
            let transient = error.status == .noResponders
                || (error.status == .timeout && messageID != nil)
                || error.jetStreamCode == 10008   // JetStream system temporarily unavailable
            guard transient else { throw error }
            if error.status == .noResponders && !checkedStream {
                checkedStream = true
                if await streamCaptures(subject) == false {
                    throw NATSError(status: .noResponders, jetStreamCode: NATSError.jsStreamNotFound,
                                    text: "no JetStream stream captures subject \(subject)")
                }
            }
            if clock.now + delay > deadline { throw error }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .milliseconds(250))
        }
    }

    /// Whether some stream captures `subject`: true, false, or nil when the server cannot tell now.
    func streamCaptures(_ subject: String) async -> Bool? {
        let body = Array(#"{"subject":"\#(subject)"}"#.utf8)
        guard let reply = try? await connection.request("\(apiPrefix).STREAM.NAMES", payload: body, timeout: options.apiTimeout)
        else { return nil }
        return parseStreamNamesTotal(reply.payload).map { $0 > 0 }
    }
}

extension NATSConnection {
    /// A JetStream context on this connection.
    public func jetStream(_ options: JetStreamOptions = JetStreamOptions()) throws(NATSError) -> JetStream {
        JetStream(connection: self, options: options, js: try JetStream.makeContext(nc, options))
    }
}

/// The `total` of a `$JS.API.STREAM.NAMES` response, or nil for an error response.
func parseStreamNamesTotal(_ payload: [UInt8]) -> Int? {
    guard let json = try? JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any], json["error"] == nil
    else { return nil }
    return json["total"] as? Int
}
