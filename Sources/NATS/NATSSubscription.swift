import CNATS

/// The context cnats passes to a subscription's callbacks. Retained once for cnats and
/// released only in the subscription's on-complete callback, after which cnats never calls
/// the message handler again.
final class SubscriptionContext<Element: Sendable>: @unchecked Sendable {
    let buffer: DeliveryBuffer<Element>
    let convert: @Sendable (OpaquePointer) -> Element?
    init(buffer: DeliveryBuffer<Element>, convert: @escaping @Sendable (OpaquePointer) -> Element?) {
        self.buffer = buffer
        self.convert = convert
    }
}

/// Core message handler: copies the message, destroys it (exactly once), hands the copy over.
private let coreMessageHandler: natsMsgHandler = { _, _, msg, closure in
    guard let msg else { return }
    let context = Unmanaged<SubscriptionContext<NATSMessage>>.fromOpaque(closure!).takeUnretainedValue()
    let message = makeMessage(msg)
    natsMsg_Destroy(msg)
    context.buffer.push(message)
}

private let coreCompleteHandler: natsOnCompleteCB = { closure in
    let unmanaged = Unmanaged<SubscriptionContext<NATSMessage>>.fromOpaque(closure!)
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
        natsSubscription_Unsubscribe(sub)
        natsSubscription_Destroy(sub)
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
        let context = SubscriptionContext<NATSMessage>(buffer: buffer, convert: { makeMessage($0) })
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
            Unmanaged<SubscriptionContext<NATSMessage>>.fromOpaque(closure).release()
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
