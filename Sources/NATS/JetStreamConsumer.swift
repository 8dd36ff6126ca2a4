import CNATS
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Metadata of a message delivered by a JetStream consumer.
public struct JetStreamMetadata: Sendable, Hashable {
    /// The stream the message is stored in.
    public var stream: String
    /// The consumer that delivered it.
    public var consumer: String
    /// Its sequence in the stream.
    public var streamSequence: UInt64
    /// Its sequence in the consumer's deliveries.
    public var consumerSequence: UInt64
    /// How many times it has been delivered (1 the first time).
    public var deliveryCount: UInt64
    /// Messages still pending for the consumer after this one.
    public var pending: UInt64
    /// When the stream stored it, in nanoseconds since 1970-01-01 UTC.
    public var timestampNanoseconds: Int64
}

/// A message delivered by a JetStream consumer (pull fetch or replay): a value with the copied
/// subject, headers, payload and metadata, plus the means to acknowledge it.
///
/// Acknowledgments are published to the message's reply subject on the connection it came from;
/// the cnats message itself was destroyed when it was copied.
public struct JetStreamMessage: Sendable {
    /// The subject the message was published to.
    public var subject: String
    /// Headers (empty if none).
    public var headers: NATSHeaders
    /// The payload bytes.
    public var payload: [UInt8]
    /// The consumer's acknowledgment subject.
    public var reply: String?
    /// Stream/consumer sequences, delivery count and timestamp.
    public var metadata: JetStreamMetadata
    let connection: NATSConnection

    /// The payload decoded as UTF-8.
    public var string: String { String(decoding: payload, as: UTF8.self) }

    private func send(_ body: String) throws(NATSError) {
        guard let reply else { throw NATSError(status: .illegalState, text: "message on \(subject) cannot be acknowledged") }
        try connection.publish(reply, payload: Array(body.utf8))
    }

    /// Acknowledges the message (fire and forget): it is not delivered again.
    public func ack() throws(NATSError) { try send("+ACK") }

    /// Acknowledges and waits for the server to confirm it recorded the acknowledgment.
    public func ackSync(timeout: Duration = .seconds(5)) async throws(NATSError) {
        guard let reply else { throw NATSError(status: .illegalState, text: "message on \(subject) cannot be acknowledged") }
        _ = try await connection.request(reply, payload: Array("+ACK".utf8), timeout: timeout)
    }

    /// Negative acknowledgment: deliver it again, after `delay` if given (else at once).
    public func nak(delay: Duration? = nil) throws(NATSError) {
        if let delay { try send(#"-NAK {"delay":\#(delay.nanoseconds)}"#) } else { try send("-NAK") }
    }

    /// Work in progress: resets the ack wait timer.
    public func inProgress() throws(NATSError) { try send("+WPI") }

    /// Terminates: never deliver it again (without acknowledging it as processed).
    public func term() throws(NATSError) { try send("+TERM") }
}

/// The stream and consumer names of the previous message of one subscription: a message from the
/// same consumer shares them instead of allocating two new strings (a consumer name does not fit
/// in a small string). Used from one cnats delivery thread at a time.
struct JetStreamNames {
    var stream = ""
    var consumer = ""

    /// `text` as a String, reusing `cached` when equal.
    @inline(__always)
    static func reuse(_ text: UnsafePointer<CChar>?, _ cached: inout String) -> String {
        guard let text else { return "" }
        let length = strlen(text)
        let same = cached.utf8.count == length && cached.utf8.withContiguousStorageIfAvailable {
            memcmp($0.baseAddress!, text, length) == 0
        } == true
        if !same { cached = String(cString: text) }
        return cached
    }
}

/// Copies a JetStream message (does not destroy `m`).
func makeJetStreamMessage(_ m: OpaquePointer, connection: NATSConnection) -> JetStreamMessage {
    var names = JetStreamNames()
    return makeJetStreamMessage(m, connection: connection, names: &names)
}

/// Copies a JetStream message (does not destroy `m`), sharing stream and consumer names with `names`.
func makeJetStreamMessage(_ m: OpaquePointer, connection: NATSConnection, names: inout JetStreamNames) -> JetStreamMessage {
    var meta: UnsafeMutablePointer<jsMsgMetaData>? = nil
    var metadata = JetStreamMetadata(stream: "", consumer: "", streamSequence: 0, consumerSequence: 0, deliveryCount: 0,
                                     pending: 0, timestampNanoseconds: 0)
    if natsMsg_GetMetaData(&meta, m) == NATS_OK, let meta {
        let md = meta.pointee
        metadata = JetStreamMetadata(stream: JetStreamNames.reuse(md.Stream, &names.stream),
                                     consumer: JetStreamNames.reuse(md.Consumer, &names.consumer),
                                     streamSequence: md.Sequence.Stream, consumerSequence: md.Sequence.Consumer,
                                     deliveryCount: md.NumDelivered, pending: md.NumPending, timestampNanoseconds: md.Timestamp)
        jsMsgMetaData_Destroy(meta)
    }
    return JetStreamMessage(subject: String(cString: natsMsg_GetSubject(m)),
                            headers: copyHeaders(m), payload: copyPayload(m),
                            reply: natsMsg_GetReply(m).flatMap { $0.pointee == 0 ? nil : String(cString: $0) },
                            metadata: metadata, connection: connection)
}

/// Configuration of a durable pull consumer.
public struct ConsumerConfig: Sendable, Hashable {
    /// Where a new consumer starts in the stream.
    public enum DeliverPolicy: Sendable, Hashable {
        /// From the first message.
        case all
        /// Only messages stored after the consumer is created.
        case new
        /// From the last message.
        case last
        /// From the last message of each subject.
        case lastPerSubject
        /// From this stream sequence.
        case startSequence(UInt64)
    }

    /// The durable name (no `.`).
    public var durable: String
    /// Only messages of these subjects (wildcards allowed); `nil` for all of the stream.
    public var filterSubject: String?
    /// How long the server waits for an acknowledgment before delivering again.
    public var ackWait: Duration
    /// Deliveries of one message at most; `nil` for unlimited.
    public var maxDeliver: Int?
    /// Redelivery delays (replacing `ackWait` for the n-th redelivery); needs `maxDeliver` > count.
    public var backoff: [Duration]
    /// Unacknowledged messages outstanding at most; `nil` for the server default (1000).
    public var maxAckPending: Int?
    /// Where a new consumer starts.
    public var deliverPolicy: DeliverPolicy
    /// A description.
    public var description: String?

    /// Creates a consumer configuration.
    public init(durable: String, filterSubject: String? = nil, ackWait: Duration = .seconds(30), maxDeliver: Int? = nil,
                backoff: [Duration] = [], maxAckPending: Int? = nil, deliverPolicy: DeliverPolicy = .all, description: String? = nil) {
        self.durable = durable
        self.filterSubject = filterSubject
        self.ackWait = ackWait
        self.maxDeliver = maxDeliver
        self.backoff = backoff
        self.maxAckPending = maxAckPending
        self.deliverPolicy = deliverPolicy
        self.description = description
    }

    func fill(_ cc: inout jsConsumerConfig, arena: CStringArena) {
        jsConsumerConfig_Init(&cc)
        cc.Durable = arena.dup(durable)
        cc.Description = arena.dup(description)
        cc.FilterSubject = arena.dup(filterSubject)
        cc.AckPolicy = js_AckExplicit
        cc.AckWait = ackWait.nanoseconds
        if let maxDeliver { cc.MaxDeliver = Int64(maxDeliver) }
        if !backoff.isEmpty {
            cc.BackOff = arena.int64s(backoff.map(\.nanoseconds))
            cc.BackOffLen = Int32(backoff.count)
        }
        if let maxAckPending { cc.MaxAckPending = Int64(maxAckPending) }
        switch deliverPolicy {
        case .all: cc.DeliverPolicy = js_DeliverAll
        case .new: cc.DeliverPolicy = js_DeliverNew
        case .last: cc.DeliverPolicy = js_DeliverLast
        case .lastPerSubject: cc.DeliverPolicy = js_DeliverLastPerSubject
        case .startSequence(let seq):
            cc.DeliverPolicy = js_DeliverByStartSequence
            cc.OptStartSeq = seq
        }
    }
}

/// The state of a consumer.
public struct ConsumerInfo: Sendable, Hashable {
    /// The stream.
    public var stream: String
    /// The consumer name.
    public var name: String
    /// Messages not yet delivered.
    public var pending: UInt64
    /// Delivered but not yet acknowledged.
    public var ackPending: Int
    /// Messages delivered more than once.
    public var redelivered: Int
    /// Stream sequence of the last delivered message.
    public var deliveredStreamSequence: UInt64
    /// Stream sequence below which everything is acknowledged.
    public var ackFloorStreamSequence: UInt64

    init(_ ci: UnsafeMutablePointer<jsConsumerInfo>) {
        let c = ci.pointee
        stream = String(cString: c.Stream)
        name = String(cString: c.Name)
        pending = c.NumPending
        ackPending = Int(c.NumAckPending)
        redelivered = Int(c.NumRedelivered)
        deliveredStreamSequence = c.Delivered.Stream
        ackFloorStreamSequence = c.AckFloor.Stream
    }
}

/// Owns a cnats pull subscription bound to an existing durable consumer. Fetches on it are
/// serialized (cnats allows one at a time); unsubscribing does not delete the durable.
final class PullSubscriptionHandle: @unchecked Sendable {
    let sub: OpaquePointer
    let fetchLock = ConditionLock()

    init(sub: OpaquePointer) { self.sub = sub }

    deinit {
        let sub = SendablePointer(self.sub)
        BlockingPool.shared.submit {   // may talk to the server: never on the cooperative pool
            natsSubscription_Unsubscribe(sub.pointer)
            natsSubscription_Destroy(sub.pointer)
        }
    }
}

/// A durable pull consumer: fetch messages in batches, acknowledge each.
public final class PullConsumer: Sendable {
    /// The stream.
    public let stream: String
    /// The durable consumer name.
    public let name: String
    /// The JetStream context.
    public let jetStream: JetStream
    let handle: PullSubscriptionHandle

    init(stream: String, name: String, jetStream: JetStream, handle: PullSubscriptionHandle) {
        self.stream = stream
        self.name = name
        self.jetStream = jetStream
        self.handle = handle
    }

    /// Fetches up to `batch` messages, waiting up to `timeout` for the first ones.
    /// Returns fewer (possibly none) when no more are available in time; never throws for a timeout.
    ///
    /// - Throws: ``NATSError`` when the consumer is gone or the connection is closed.
    public func fetch(batch: Int, timeout: Duration = .seconds(5)) async throws(NATSError) -> [JetStreamMessage] {
        let connection = jetStream.connection
        return try await BlockingPool.shared.run { () throws(NATSError) -> [JetStreamMessage] in
            self.handle.fetchLock.lock()
            defer { self.handle.fetchLock.unlock() }
            var list = natsMsgList()
            var code = jsErrCode(rawValue: 0)
            let s = natsSubscription_Fetch(&list, self.handle.sub, Int32(clamping: max(batch, 1)), timeout.milliseconds(minimum: 1), &code)
            defer { natsMsgList_Destroy(&list) }   // destroys every message exactly once
            // Messages in the list are delivered whatever the status: dropping one would leave it
            // unacknowledged until its ack wait expires. An error with nothing received is thrown.
            if list.Count == 0 {
                if s == NATS_TIMEOUT || s == NATS_OK { return [] }
                try check(s, code, "fetching from \(self.stream)/\(self.name)")
            }
            var messages: [JetStreamMessage] = []
            messages.reserveCapacity(Int(list.Count))
            var names = JetStreamNames()
            for i in 0..<Int(list.Count) {
                if let m = list.Msgs[i] { messages.append(makeJetStreamMessage(m, connection: connection, names: &names)) }
            }
            return messages
        }
    }

    /// An endless sequence of messages fetched in batches of `batch`, each fetch waiting up to
    /// `expires`. It ends when the iterating task is cancelled, and throws when a fetch fails.
    public func messages(batch: Int = 64, expires: Duration = .seconds(5)) -> JetStreamMessages {
        JetStreamMessages(consumer: self, batch: batch, expires: expires)
    }

    /// The consumer's current state.
    public func info() async throws(NATSError) -> ConsumerInfo {
        try await jetStream.consumerInfo(stream: stream, name: name)
    }
}

/// Messages of a ``PullConsumer``, fetched in batches; see ``PullConsumer/messages(batch:expires:)``.
public struct JetStreamMessages: AsyncSequence, Sendable {
    public typealias Element = JetStreamMessage
    public typealias Failure = NATSError
    let consumer: PullConsumer
    let batch: Int
    let expires: Duration

    /// Creates the iterator.
    public func makeAsyncIterator() -> Iterator { Iterator(sequence: self) }

    /// Iterates fetched messages.
    public struct Iterator: AsyncIteratorProtocol {
        let sequence: JetStreamMessages
        var buffer: [JetStreamMessage] = []
        var index = 0

        /// The next message; `nil` once the task is cancelled.
        public mutating func next() async throws(NATSError) -> JetStreamMessage? {
            while index == buffer.count {
                if Task.isCancelled { return nil }
                buffer = try await sequence.consumer.fetch(batch: sequence.batch, timeout: sequence.expires)
                index = 0
            }
            defer { index += 1 }
            return buffer[index]
        }
    }
}

extension JetStream {
    /// Creates the durable pull consumer, or updates it in place if it exists, and binds to it.
    ///
    /// - Throws: ``NATSError`` with the JetStream code (e.g. 10059 when the stream does not exist).
    public func createOrUpdateConsumer(stream: String, _ config: ConsumerConfig) async throws(NATSError) -> PullConsumer {
        try await BlockingPool.shared.run { () throws(NATSError) -> PullConsumer in
            let arena = CStringArena()
            var cc = jsConsumerConfig()
            config.fill(&cc, arena: arena)
            try withExtendedLifetime(arena) { () throws(NATSError) in
                var ci: UnsafeMutablePointer<jsConsumerInfo>? = nil
                var code = jsErrCode(rawValue: 0)
                var s = js_AddConsumer(&ci, self.js, stream, &cc, nil, &code)
                if s != NATS_OK && Int(code.rawValue) != NATSError.jsStreamNotFound && code.rawValue != 0 {
                    // Exists with another configuration: update in place.
                    code = jsErrCode(rawValue: 0)
                    s = js_UpdateConsumer(&ci, self.js, stream, &cc, nil, &code)
                    try check(s, code, "updating consumer \(stream)/\(config.durable)")
                } else {
                    try check(s, code, "creating consumer \(stream)/\(config.durable)")
                }
                jsConsumerInfo_Destroy(ci)
            }
            return try self.bindPull(stream: stream, durable: config.durable, filter: config.filterSubject)
        }
    }

    /// Binds to an existing durable pull consumer.
    /// - Throws: ``NATSError`` with JetStream code 10014 if it does not exist.
    public func pullConsumer(stream: String, durable: String) async throws(NATSError) -> PullConsumer {
        try await BlockingPool.shared.run { () throws(NATSError) -> PullConsumer in
            try self.bindPull(stream: stream, durable: durable, filter: nil)
        }
    }

    /// Blocking: a pull subscription bound to `stream`/`durable`.
    func bindPull(stream: String, durable: String, filter: String?) throws(NATSError) -> PullConsumer {
        var so = jsSubOptions()
        jsSubOptions_Init(&so)
        let arena = CStringArena()
        so.Stream = arena.dup(stream)
        so.Consumer = arena.dup(durable)
        var sub: OpaquePointer? = nil
        var code = jsErrCode(rawValue: 0)
        let s = withExtendedLifetime(arena) { js_PullSubscribe(&sub, js, filter ?? "", durable, nil, &so, &code) }
        try check(s, code, "binding to consumer \(stream)/\(durable)")
        return PullConsumer(stream: stream, name: durable, jetStream: self, handle: PullSubscriptionHandle(sub: sub!))
    }

    /// The state of a consumer.
    public func consumerInfo(stream: String, name: String) async throws(NATSError) -> ConsumerInfo {
        try await BlockingPool.shared.run { () throws(NATSError) -> ConsumerInfo in
            var ci: UnsafeMutablePointer<jsConsumerInfo>? = nil
            var code = jsErrCode(rawValue: 0)
            try check(js_GetConsumerInfo(&ci, self.js, stream, name, nil, &code), code, "consumer info \(stream)/\(name)")
            defer { jsConsumerInfo_Destroy(ci) }
            return ConsumerInfo(ci!)
        }
    }

    /// Deletes a consumer (administration and tests).
    public func deleteConsumer(stream: String, name: String) async throws(NATSError) {
        try await BlockingPool.shared.run { () throws(NATSError) in
            var code = jsErrCode(rawValue: 0)
            try check(js_DeleteConsumer(self.js, stream, name, nil, &code), code, "deleting consumer \(stream)/\(name)")
        }
    }
}
