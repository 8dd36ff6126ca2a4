import CNATS

/// Awaits JetStream publish acknowledgments without a thread per publish.
///
/// One per connection (created on the first ``JetStream/publish(_:payload:headers:messageID:expectedStream:)``):
/// a cnats JetStream context with an asynchronous ack handler. A publish registers its
/// continuation under the address of its cnats message, hands the message to
/// `js_PublishMsgAsync` and suspends; cnats' reply thread resumes it with the ack, the server's
/// error, or a timeout after `MaxWait`. Nothing blocks: a thousand publishes in flight are a
/// thousand dictionary entries, not a thousand parked pool threads (the previous design:
/// `js_PublishMsg` on a `BlockingPool` thread per publish).
///
/// The object is retained for cnats' ack handler for the process lifetime (a few dozen bytes per
/// connection that ever published): cnats has no callback that says its handler can no longer run.
final class PublishAcks: @unchecked Sendable {
    typealias Outcome = Result<JetStreamPublishAck, NATSError>

    private let lock = ConditionLock()
    private var waiters: [UInt: UnsafeContinuation<Outcome, Never>] = [:]
    /// The async-publish context; destroyed with the connection.
    nonisolated(unsafe) private(set) var js: OpaquePointer? = nil

    private init() {}

    /// A context on `nc` whose acknowledgments resume publishers.
    static func make(_ nc: OpaquePointer) throws(NATSError) -> PublishAcks {
        let acks = PublishAcks()
        let closure = Unmanaged.passRetained(acks).toOpaque()   // kept: see the type's documentation
        acks.js = try JetStream.makeContext(nc, JetStreamOptions()) { o in
            o.PublishAsync.AckHandler = publishAckHandler
            o.PublishAsync.AckHandlerClosure = closure
            // Bounded by the callers' own concurrency; cnats' stall (a blocked caller) must not occur.
            o.PublishAsync.MaxPending = 1 << 20
            o.PublishAsync.StallWait = 1
        }
        return acks
    }

    /// Destroys the context (the connection is going away: nothing is in flight).
    func destroy() {
        if let js { jsCtx_Destroy(js) }
        js = nil
    }

    /// One publish attempt: suspends until the server acknowledges, refuses, or `maxWait` passes.
    func publish(_ subject: String, _ payload: [UInt8], headers: NATSHeaders, messageID: String?,
                 expectedStream: String?, maxWait: Int64) async -> Outcome {
        let created: OpaquePointer
        do {
            created = try withPayloadBytes(payload) { (raw) throws(NATSError) in
                try createCMessage(subject: subject, reply: nil, payload: raw, headers: headers)
            }
        } catch {
            return .failure(error)
        }
        let key = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(created)))
        return await withUnsafeContinuation { (c: UnsafeContinuation<Outcome, Never>) in
            // Registered first: the ack can arrive before js_PublishMsgAsync returns.
            lock.withLock { waiters[key] = c }
            var msg: OpaquePointer? = created
            var po = jsPubOptions()
            jsPubOptions_Init(&po)
            po.MaxWait = maxWait
            let s = withOptionalCString(messageID) { id in
                withOptionalCString(expectedStream) { stream in
                    po.MsgId = id
                    po.ExpectStream = stream
                    return js_PublishMsgAsync(js, &msg, &po)
                }
            }
            guard s != NATS_OK else { return }   // cnats owns the message now (msg is NULL)
            let error = NATSError.fromLastError(s, context: "JetStream publish to \(subject)")
            let waiter = lock.withLock { waiters.removeValue(forKey: key) }
            natsMsg_Destroy(msg)
            waiter?.resume(returning: .failure(error))
        }
    }

    /// Called on cnats' thread: the waiter of `msg`, removed.
    fileprivate func take(_ msg: OpaquePointer) -> UnsafeContinuation<Outcome, Never>? {
        let key = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(msg)))
        return lock.withLock { waiters.removeValue(forKey: key) }
    }
}

/// cnats' ack handler: resumes the publisher (last, after destroying the message).
private let publishAckHandler: jsPubAckHandler = { _, msg, pa, pae, closure in
    guard let msg, let closure else { return }
    let acks = Unmanaged<PublishAcks>.fromOpaque(closure).takeUnretainedValue()
    let outcome: PublishAcks.Outcome
    if let pa {
        outcome = .success(JetStreamPublishAck(stream: pa.pointee.Stream.map { String(cString: $0) } ?? "",
                                               sequence: pa.pointee.Sequence, duplicate: pa.pointee.Duplicate))
    } else {
        let err = pae?.pointee.Err ?? NATS_ERR
        let code = pae.map { Int($0.pointee.ErrCode.rawValue) } ?? 0
        let text = pae?.pointee.ErrText.map { String(cString: $0) } ?? String(cString: natsStatus_GetText(err))
        let subject = String(cString: natsMsg_GetSubject(msg))
        outcome = .failure(NATSError(status: NATSStatus(err), jetStreamCode: code == 0 ? nil : code,
                                     text: "JetStream publish to \(subject): \(text)"))
    }
    let waiter = acks.take(msg)
    natsMsg_Destroy(msg)
    waiter?.resume(returning: outcome)
}
