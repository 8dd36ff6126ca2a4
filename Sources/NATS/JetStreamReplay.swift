import CNATS

/// Where an ordered replay starts.
public enum ReplayStart: Sendable, Hashable {
    /// From the first message of the stream.
    case beginning
    /// From this stream sequence (inclusive).
    case sequence(UInt64)
}

/// An element of an ordered replay.
public enum ReplayEvent: Sendable {
    /// The next message matching the filter, in stream order.
    case message(JetStreamMessage)
    /// Every message stored when the replay was started has been delivered; what follows is live.
    /// Emitted exactly once.
    case caughtUp
}

/// State of a replay's message callback (one cnats delivery thread).
final class ReplayContext: @unchecked Sendable {
    let buffer: DeliveryBuffer<ReplayEvent>
    let connection: NATSConnection
    let lastSequenceAtStart: UInt64
    let caughtUpLock = ConditionLock()
    var caughtUp = false
    /// Names of the previous message (touched only by the subscription's delivery thread).
    var names = JetStreamNames()

    init(buffer: DeliveryBuffer<ReplayEvent>, connection: NATSConnection, lastSequenceAtStart: UInt64) {
        self.buffer = buffer
        self.connection = connection
        self.lastSequenceAtStart = lastSequenceAtStart
    }

    /// Marks caught-up once; true if this call did. Never held while pushing.
    func markCaughtUp() -> Bool {
        caughtUpLock.withLock {
            if caughtUp { return false }
            caughtUp = true
            return true
        }
    }

    var isCaughtUp: Bool { caughtUpLock.withLock { caughtUp } }
}

private let replayMessageHandler: natsMsgHandler = { _, sub, msg, closure in
    guard let msg else { return }
    let context = Unmanaged<ReplayContext>.fromOpaque(closure!).takeUnretainedValue()
    let message = makeJetStreamMessage(msg, connection: context.connection, names: &context.names)
    natsMsg_Destroy(msg)
    let seq = message.metadata.streamSequence
    if !context.isCaughtUp && seq > context.lastSequenceAtStart && context.markCaughtUp() {
        context.buffer.push(.caughtUp)
    }
    var queued: Int32 = 0
    var bytes: Int32 = 0
    let more = natsSubscription_GetPending(sub, &queued, &bytes) == NATS_OK && queued > 0
    context.buffer.push(.message(message), wake: !more)
    if !context.isCaughtUp && (seq >= context.lastSequenceAtStart || message.metadata.pending == 0) && context.markCaughtUp() {
        context.buffer.push(.caughtUp)
    }
}

private let replayCompleteHandler: natsOnCompleteCB = { closure in
    let unmanaged = Unmanaged<ReplayContext>.fromOpaque(closure!)
    unmanaged.takeUnretainedValue().buffer.finish()
    unmanaged.release()
}

/// An ordered replay of a stream's messages matching a subject filter, as an `AsyncSequence` of
/// ``ReplayEvent``: every matching message in stream order, with ``ReplayEvent/caughtUp`` once
/// everything stored at the start has been delivered, then live messages as they are stored.
///
/// Backed by a cnats ordered consumer (ephemeral, no acknowledgments, recreated by cnats on a gap),
/// which is deleted when the last reference to the replay goes away. Iterate from one task.
public final class JetStreamReplay: AsyncSequence, Sendable {
    public typealias Element = ReplayEvent
    public typealias Failure = NATSError

    let handle: SubscriptionHandle
    let buffer: DeliveryBuffer<ReplayEvent>
    /// The stream's last sequence when the replay started: ``ReplayEvent/caughtUp`` comes after it.
    public let lastSequenceAtStart: UInt64

    init(handle: SubscriptionHandle, buffer: DeliveryBuffer<ReplayEvent>, lastSequenceAtStart: UInt64) {
        self.handle = handle
        self.buffer = buffer
        self.lastSequenceAtStart = lastSequenceAtStart
    }

    /// Creates the iterator.
    public func makeAsyncIterator() -> Iterator { Iterator(replay: self) }

    /// Iterates replay events.
    public struct Iterator: AsyncIteratorProtocol {
        let replay: JetStreamReplay
        var batch: [ReplayEvent] = []
        var index = 0

        /// The next event; `nil` when the task is cancelled or the connection closed.
        public mutating func next() async throws(NATSError) -> ReplayEvent? {
            if index == batch.count {
                batch.removeAll(keepingCapacity: true)
                index = 0
                let (more, error) = await replay.buffer.take(into: &batch)
                if let error { throw error }
                guard more else { return nil }
            }
            // Move the event out (no retain/release of the message's storage), leaving a marker.
            var event = ReplayEvent.caughtUp
            swap(&event, &batch[index])
            index += 1
            return event
        }
    }
}

extension JetStream {
    /// Replays, in order, the messages of `stream` matching `filter` from `start`, then stays live.
    ///
    /// - Parameters:
    ///   - stream: the stream name.
    ///   - filter: a subject filter (wildcards allowed), e.g. `meridian.events.emea.>`.
    ///   - start: the first message to deliver.
    ///   - bufferSize: events held before cnats' delivery thread waits for the consumer.
    /// - Throws: ``NATSError`` (JetStream code 10059 if the stream does not exist).
    public func replay(stream: String, filter: String, from start: ReplayStart = .beginning,
                       bufferSize: Int = 65_536) async throws(NATSError) -> JetStreamReplay {
        let connection = self.connection
        return try await BlockingPool.shared.run { () throws(NATSError) -> JetStreamReplay in
            // The stream's last sequence now: "caught up" means having delivered up to here.
            var si: UnsafeMutablePointer<jsStreamInfo>? = nil
            var code = jsErrCode(rawValue: 0)
            try check(js_GetStreamInfo(&si, self.js, stream, nil, &code), code, "replay: stream info \(stream)")
            let last = si!.pointee.State.LastSeq
            jsStreamInfo_Destroy(si)

            let buffer = DeliveryBuffer<ReplayEvent>(capacity: bufferSize)
            let context = ReplayContext(buffer: buffer, connection: connection, lastSequenceAtStart: last)
            let startSeq: UInt64
            switch start {
            case .beginning: startSeq = 1
            case .sequence(let s): startSeq = max(s, 1)
            }
            if last < startSeq, context.markCaughtUp() { buffer.push(.caughtUp) }

            let arena = CStringArena()
            var so = jsSubOptions()
            jsSubOptions_Init(&so)
            so.Stream = arena.dup(stream)
            so.Ordered = true
            so.Config.FilterSubject = arena.dup(filter)
            if startSeq > 1 {
                so.Config.DeliverPolicy = js_DeliverByStartSequence
                so.Config.OptStartSeq = startSeq
            }
            let closure = Unmanaged.passRetained(context).toOpaque()
            var sub: OpaquePointer? = nil
            code = jsErrCode(rawValue: 0)
            let s = withExtendedLifetime(arena) {
                js_Subscribe(&sub, self.js, filter, replayMessageHandler, closure, nil, &so, &code)
            }
            if s != NATS_OK {
                let error = NATSError.fromLastError(s, jsCode: code, context: "replay of \(stream) \(filter)")
                Unmanaged<ReplayContext>.fromOpaque(closure).release()
                throw error
            }
            let handle = SubscriptionHandle(sub: sub!, connection: connection, onDeinit: { buffer.consumerDone() })
            let cs = natsSubscription_SetOnCompleteCB(sub, replayCompleteHandler, closure)
            if cs != NATS_OK {
                buffer.finish()   // context deliberately not released: see NATSConnection.subscribe
                throw NATSError.fromLastError(cs, context: "replay of \(stream) \(filter)")
            }
            // Nothing matching the filter before `last`? Then the replay is caught up at once.
            if !context.isCaughtUp {
                var ci: UnsafeMutablePointer<jsConsumerInfo>? = nil
                var icode = jsErrCode(rawValue: 0)
                if natsSubscription_GetConsumerInfo(&ci, sub, nil, &icode) == NATS_OK, let ci {
                    let nothing = ci.pointee.NumPending == 0 && ci.pointee.Delivered.Consumer == 0
                    jsConsumerInfo_Destroy(ci)
                    if nothing && context.markCaughtUp() { buffer.push(.caughtUp) }
                }
            }
            return JetStreamReplay(handle: handle, buffer: buffer, lastSequenceAtStart: last)
        }
    }
}
