import CNATS
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The context cnats passes to a subscription's callbacks. Retained once for cnats and
/// released only in the subscription's on-complete callback, after which cnats never calls
/// the message handler again.
/// Only cnats' delivery thread of the subscription touches `lastSubject`.
final class SubscriptionContext: @unchecked Sendable {
    let buffer: DeliveryBuffer<NATSMessage>
    /// The previous message's subject, reused (no allocation) while subjects repeat.
    var lastSubject = ""

    init(buffer: DeliveryBuffer<NATSMessage>) { self.buffer = buffer }

    @inline(__always)
    func subject(of m: OpaquePointer) -> String {
        let c = natsMsg_GetSubject(m)!
        if lastSubject.utf8.withContiguousStorageIfAvailable({ bytes in
            bytes.count == strlen(c) && memcmp(bytes.baseAddress!, c, bytes.count) == 0
        }) == true {
            return lastSubject
        }
        lastSubject = String(cString: c)
        return lastSubject
    }
}

/// Core message handler: copies the message, destroys it (exactly once), hands the copy over.
/// The consumer is woken once cnats has no more messages queued for this subscription (or a batch
/// is full), not once per message.
private let coreMessageHandler: natsMsgHandler = { _, sub, msg, closure in
    guard let msg else { return }
    let context = Unmanaged<SubscriptionContext>.fromOpaque(closure!).takeUnretainedValue()
    let message = NATSMessage(subject: context.subject(of: msg),
                              reply: natsMsg_GetReply(msg).flatMap { $0.pointee == 0 ? nil : String(cString: $0) },
                              headers: copyHeaders(msg), payload: copyPayload(msg))
    natsMsg_Destroy(msg)
    var queued: Int32 = 0
    var bytes: Int32 = 0
    let more = natsSubscription_GetPending(sub, &queued, &bytes) == NATS_OK && queued > 0
    context.buffer.push(message, wake: !more)
}

private let coreCompleteHandler: natsOnCompleteCB = { closure in
    let unmanaged = Unmanaged<SubscriptionContext>.fromOpaque(closure!)
    unmanaged.takeUnretainedValue().buffer.finish()
    unmanaged.release()
}

/// Owns a cnats subscription: unsubscribes and destroys it in `deinit`.
final class SubscriptionHandle: @unchecked Sendable {
    let sub: OpaquePointer
    let connection: NATSConnection
    let onDeinit: (@Sendable () -> Void)?

    init(sub: OpaquePointer, connection: NATSConnection, onDeinit: (@Sendable () -> Void)? = nil) {
        self.sub = sub
        self.connection = connection
        self.onDeinit = onDeinit
    }

    deinit {
        onDeinit?()
        // Unsubscribing a JetStream subscription may delete its consumer (a blocking API request),
        // and this deinit may run on the cooperative pool: do it on the blocking pool.
        let sub = SendablePointer(self.sub)
        BlockingPool.shared.submit {
            natsSubscription_Unsubscribe(sub.pointer)
            natsSubscription_Destroy(sub.pointer)
        }
    }
}

/// A core NATS subscription, consumed as an `AsyncSequence` of ``NATSMessage``.
///
/// Messages are copied out of cnats on its delivery thread and handed to the iterating task in
/// batches. Iterate it from one task. The sequence ends when the subscription is unsubscribed or
/// drained, or the connection closes; cancelling the iterating task also ends the iteration.
/// The server-side interest is removed when the last reference to the subscription goes away.
public final class NATSSubscription: AsyncSequence, Sendable {
    public typealias Element = NATSMessage
    public typealias Failure = Never

    let handle: SubscriptionHandle
    let buffer: DeliveryBuffer<NATSMessage>
    /// The subject (possibly with wildcards) this subscription listens on.
    public let subject: String
    /// The queue group, if any.
    public let queueGroup: String?

    init(handle: SubscriptionHandle, buffer: DeliveryBuffer<NATSMessage>, subject: String, queueGroup: String?) {
        self.handle = handle
        self.buffer = buffer
        self.subject = subject
        self.queueGroup = queueGroup
    }

    /// Stops receiving: remaining buffered messages are still delivered, then the sequence ends.
    public func unsubscribe() throws(NATSError) {
        try check(natsSubscription_Unsubscribe(handle.sub), "unsubscribing \(subject)")
    }

    /// Drains: unsubscribes at the server, delivers what was already received, then ends the sequence.
    public func drain() throws(NATSError) {
        try check(natsSubscription_Drain(handle.sub), "draining \(subject)")
    }

    /// Messages dropped by cnats because this subscription fell behind (slow consumer).
    public var droppedCount: Int {
        var dropped: Int64 = 0
        natsSubscription_GetDropped(handle.sub, &dropped)
        return Int(dropped)
    }

    /// Creates the iterator; iterate from one task only.
    public func makeAsyncIterator() -> Iterator { Iterator(subscription: self) }

    /// Iterates the messages of a ``NATSSubscription``.
    public struct Iterator: AsyncIteratorProtocol {
        let subscription: NATSSubscription
        var batch: [NATSMessage] = []
        var index = 0

        init(subscription: NATSSubscription) { self.subscription = subscription }

        /// The next message, or `nil` when the subscription ended or the task was cancelled.
        public mutating func next() async -> NATSMessage? {
            if index < batch.count {
                defer { index += 1 }
                return batch[index]
            }
            batch.removeAll(keepingCapacity: true)
            index = 0
            let (more, _) = await subscription.buffer.take(into: &batch)
            guard more else { return nil }
            index = 1
            return batch[0]
        }
    }
}

extension NATSConnection {
    /// Subscribes to `subject` (wildcards `*` and `>` allowed).
    ///
    /// - Parameters:
    ///   - subject: the subject or pattern.
    ///   - queueGroup: if set, each message goes to one member of the group only.
    ///   - pendingLimit: messages held for this subscription before cnats drops (slow consumer);
    ///     defaults to the connection's `maxPendingMessages`.
    public func subscribe(to subject: String, queueGroup: String? = nil, pendingLimit: Int? = nil) throws(NATSError) -> NATSSubscription {
        let limit = pendingLimit ?? options.maxPendingMessages
        let buffer = DeliveryBuffer<NATSMessage>(capacity: limit)
        let context = SubscriptionContext(buffer: buffer)
        let closure = Unmanaged.passRetained(context).toOpaque()
        var sub: OpaquePointer? = nil
        let s: natsStatus
        if let queueGroup {
            s = natsConnection_QueueSubscribe(&sub, nc, subject, queueGroup, coreMessageHandler, closure)
        } else {
            s = natsConnection_Subscribe(&sub, nc, subject, coreMessageHandler, closure)
        }
        if s != NATS_OK {
            let error = NATSError.fromLastError(s, context: "subscribing to \(subject)")
            Unmanaged<SubscriptionContext>.fromOpaque(closure).release()
            throw error
        }
        let handle = SubscriptionHandle(sub: sub!, connection: self, onDeinit: { buffer.consumerDone() })
        let cs = natsSubscription_SetOnCompleteCB(sub, coreCompleteHandler, closure)
        if cs != NATS_OK {
            // The subscription is already closed (connection closing); cnats may still be in the
            // handler, so the context is deliberately not released (a small leak, never a crash).
            buffer.finish()
            throw NATSError.fromLastError(cs, context: "subscribing to \(subject)")
        }
        if pendingLimit != nil {
            natsSubscription_SetPendingLimits(sub, Int32(clamping: limit), -1)
        }
        return NATSSubscription(handle: handle, buffer: buffer, subject: subject, queueGroup: queueGroup)
    }
}
