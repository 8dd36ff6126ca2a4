import CNATS
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A message that an asynchronous publish could not store.
public struct JetStreamPublishFailure: Sendable, Hashable {
    /// The subject it was published to.
    public var subject: String
    /// Its message id, if it had one.
    public var messageID: String?
    /// Why it failed.
    public var error: NATSError
}

/// The outcome of the asynchronous publishes since the previous ``JetStreamAsyncPublisher/complete()``.
public struct JetStreamAsyncPublishSummary: Sendable, Hashable {
    /// Messages the server acknowledged (duplicates included).
    public var acknowledged: Int
    /// Of those, how many were duplicates (already stored with the same message id).
    public var duplicates: Int
    /// Messages that failed for good.
    public var failures: [JetStreamPublishFailure]
}

/// Shared state between the Swift side and cnats' ack handler thread.
final class AsyncPublishState: @unchecked Sendable {
    let lock = ConditionLock()
    let maxInFlight: Int
    let retryBudget: Duration
    let maxWait: Int64
    var inFlight = 0
    var slotWaiters: [UnsafeContinuation<Void, Never>] = []
    var slotWaiterHead = 0
    var idleWaiters: [UnsafeContinuation<Void, Never>] = []
    var acknowledged = 0
    var duplicates = 0
    var failures: [JetStreamPublishFailure] = []
    var firstFailure: [UInt: ContinuousClock.Instant] = [:]
    var retries: [SendablePointer] = []
    var retrying = false
    nonisolated(unsafe) var js: OpaquePointer? = nil
    nonisolated(unsafe) var nc: OpaquePointer? = nil
    var apiPrefix = "$JS.API"

    /// Blocking (pool thread): whether some stream captures `subject`; nil if the server cannot tell.
    func streamCapturesBlocking(_ subject: String) -> Bool? {
        let body = #"{"subject":"\#(subject)"}"#
        var reply: OpaquePointer? = nil
        let s = natsConnection_RequestString(&reply, nc, "\(apiPrefix).STREAM.NAMES", body, maxWait)
        guard s == NATS_OK, let reply else { return nil }
        defer { natsMsg_Destroy(reply) }
        return parseStreamNamesTotal(copyPayload(reply)).map { $0 > 0 }
    }

    init(maxInFlight: Int, retryBudget: Duration, maxWait: Int64) {
        self.maxInFlight = max(maxInFlight, 1)
        self.retryBudget = retryBudget
        self.maxWait = maxWait
    }

    /// Waits for a free in-flight slot.
    func acquire() async {
        lock.lock()
        if inFlight < maxInFlight && slotWaiterHead == slotWaiters.count {
            inFlight += 1
            lock.unlock()
            return
        }
        lock.unlock()
        await withUnsafeContinuation { (c: UnsafeContinuation<Void, Never>) in
            lock.lock()
            if inFlight < maxInFlight && slotWaiterHead == slotWaiters.count {
                inFlight += 1
                lock.unlock()
                c.resume()
                return
            }
            slotWaiters.append(c)
            lock.unlock()
        }
    }

    /// Frees a slot (handing it to the next waiter, if any). Call with the lock held; resume the
    /// returned continuations after unlocking.
    func releaseLocked() -> [UnsafeContinuation<Void, Never>] {
        if slotWaiterHead < slotWaiters.count {
            let next = slotWaiters[slotWaiterHead]
            slotWaiterHead += 1
            if slotWaiterHead == slotWaiters.count {
                slotWaiters.removeAll(keepingCapacity: true)
                slotWaiterHead = 0
            }
            return [next]   // the slot passes on: inFlight unchanged
        }
        inFlight -= 1
        if inFlight == 0 {
            let idle = idleWaiters
            idleWaiters = []
            return idle
        }
        return []
    }

    func release() {
        lock.lock()
        let resume = releaseLocked()
        lock.unlock()
        for c in resume { c.resume() }
    }

    /// Waits until nothing is in flight; returns and resets the summary.
    func complete() async -> JetStreamAsyncPublishSummary {
        await withUnsafeContinuation { (c: UnsafeContinuation<Void, Never>) in
            lock.lock()
            if inFlight == 0 {
                lock.unlock()
                c.resume()
                return
            }
            idleWaiters.append(c)
            lock.unlock()
        }
        return lock.withLock {
            let summary = JetStreamAsyncPublishSummary(acknowledged: acknowledged, duplicates: duplicates, failures: failures)
            acknowledged = 0
            duplicates = 0
            failures = []
            return summary
        }
    }

    /// Resends messages that met "no responders" after a short pause, on one pool thread.
    func retryLoop() {
        while true {
            usleep(50_000)
            lock.lock()
            let batch = retries
            retries = []
            if batch.isEmpty {
                retrying = false
                lock.unlock()
                return
            }
            lock.unlock()
            var captured: [String: Bool] = [:]
            for p in batch {
                // No stream at all for this subject: fail now instead of spending the retry budget.
                let subject = String(cString: natsMsg_GetSubject(p.pointer))
                if captured[subject] == nil { captured[subject] = streamCapturesBlocking(subject) ?? true }
                if captured[subject] == false {
                    fail(p.pointer, NATSError(status: .noResponders, jetStreamCode: NATSError.jsStreamNotFound,
                                              text: "no JetStream stream captures subject \(subject)"))
                    continue
                }
                var msg: OpaquePointer? = p.pointer
                var po = jsPubOptions()
                jsPubOptions_Init(&po)
                po.MaxWait = maxWait
                let s = js_PublishMsgAsync(js, &msg, &po)
                if s != NATS_OK, let msg {
                    let error = NATSError.fromLastError(s, context: "JetStream async publish retry")
                    fail(msg, error)
                }
            }
        }
    }

    /// Records a final failure, destroys the message and frees its slot.
    func fail(_ msg: OpaquePointer, _ error: NATSError) {
        var id: UnsafePointer<CChar>? = nil
        let messageID = natsMsgHeader_Get(msg, "Nats-Msg-Id", &id) == NATS_OK ? id.map { String(cString: $0) } : nil
        let failure = JetStreamPublishFailure(subject: String(cString: natsMsg_GetSubject(msg)), messageID: messageID, error: error)
        natsMsg_Destroy(msg)
        lock.lock()
        firstFailure.removeValue(forKey: UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(msg))))
        failures.append(failure)
        let resume = releaseLocked()
        lock.unlock()
        for c in resume { c.resume() }
    }
}

/// cnats' per-message ack handler: counts, retries "no responders" within the budget, or records the
/// failure; destroys every message exactly once (unless it is handed back to cnats for a retry).
private let asyncAckHandler: jsPubAckHandler = { _, msg, pa, pae, closure in
    let state = Unmanaged<AsyncPublishState>.fromOpaque(closure!).takeUnretainedValue()
    guard let msg else { return }
    let key = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(msg)))
    if let pa {
        natsMsg_Destroy(msg)
        state.lock.lock()
        state.acknowledged += 1
        if pa.pointee.Duplicate { state.duplicates += 1 }
        state.firstFailure.removeValue(forKey: key)
        let resume = state.releaseLocked()
        state.lock.unlock()
        for c in resume { c.resume() }
        return
    }
    let err = pae?.pointee.Err ?? NATS_ERR
    let code = pae.map { Int($0.pointee.ErrCode.rawValue) } ?? 0
    let text = pae?.pointee.ErrText.map { String(cString: $0) } ?? String(cString: natsStatus_GetText(err))
    let error = NATSError(status: NATSStatus(err), jetStreamCode: code == 0 ? nil : code, text: text)
    if err == NATS_NO_RESPONDERS {
        let now = ContinuousClock.now
        state.lock.lock()
        let first = state.firstFailure[key] ?? now
        if now - first < state.retryBudget {
            state.firstFailure[key] = first
            state.retries.append(SendablePointer(msg))
            let start = !state.retrying
            state.retrying = true
            state.lock.unlock()
            if start { BlockingPool.shared.submit { state.retryLoop() } }
            return
        }
        state.lock.unlock()
    }
    state.fail(msg, error)
}

/// Publishes to JetStream without waiting for each acknowledgment, with at most `maxInFlight`
/// messages unacknowledged: ``publish(_:payload:headers:messageID:expectedStream:)`` suspends while
/// the limit is reached. Acknowledgments are counted on cnats' thread; "no responders" (no stream
/// leader yet) is retried within the context's retry budget. Call ``complete()`` to wait for all
/// acknowledgments and collect failures.
///
/// Uses its own cnats JetStream context (destroyed in `deinit`). The small handler state shared with
/// cnats is intentionally kept for the process lifetime, because cnats offers no callback telling
/// when its ack handler can no longer run.
public final class JetStreamAsyncPublisher: Sendable {
    /// The JetStream context it was made from.
    public let jetStream: JetStream
    let state: AsyncPublishState
    nonisolated(unsafe) let js: OpaquePointer

    init(jetStream: JetStream, maxInFlight: Int) throws(NATSError) {
        self.jetStream = jetStream
        let state = AsyncPublishState(maxInFlight: maxInFlight, retryBudget: jetStream.options.noRespondersRetryBudget,
                                      maxWait: jetStream.options.apiTimeout.milliseconds(minimum: 1))
        let closure = Unmanaged.passRetained(state).toOpaque()   // kept: see the type's documentation
        self.js = try JetStream.makeContext(jetStream.connection.nc, jetStream.options) { o in
            o.PublishAsync.AckHandler = asyncAckHandler
            o.PublishAsync.AckHandlerClosure = closure
        }
        state.js = js
        state.nc = jetStream.connection.nc
        state.apiPrefix = jetStream.apiPrefix
        self.state = state
    }

    deinit { jsCtx_Destroy(js) }

    /// The configured limit of unacknowledged messages.
    public var maxInFlight: Int { state.maxInFlight }

    /// Sends a message; suspends first while `maxInFlight` messages are unacknowledged.
    /// Does not wait for the acknowledgment: see ``complete()``.
    ///
    /// - Throws: ``NATSError`` if the message cannot be sent at all (e.g. connection closed).
    public func publish(_ subject: String, payload: some Collection<UInt8> = [UInt8](), headers: NATSHeaders = NATSHeaders(),
                        messageID: String? = nil, expectedStream: String? = nil) async throws(NATSError) {
        await state.acquire()
        do throws(NATSError) {
            try withPayloadBytes(payload) { (raw) throws(NATSError) in
                var msg: OpaquePointer? = try createCMessage(subject: subject, reply: nil, payload: raw, headers: headers)
                defer { natsMsg_Destroy(msg) }   // no-op once cnats took ownership (msg set to NULL)
                let arena = CStringArena()
                var po = jsPubOptions()
                jsPubOptions_Init(&po)
                po.MsgId = arena.dup(messageID)
                po.ExpectStream = arena.dup(expectedStream)
                po.MaxWait = state.maxWait
                let s = withExtendedLifetime(arena) { js_PublishMsgAsync(js, &msg, &po) }
                try check(s, "JetStream async publish to \(subject)")
            }
        } catch {
            state.release()
            throw error
        }
    }

    /// Waits until every message sent so far is acknowledged or has failed, and returns (and
    /// resets) the counts and failures since the previous call.
    public func complete() async -> JetStreamAsyncPublishSummary {
        await state.complete()
    }
}

extension JetStream {
    /// A publisher with at most `maxInFlight` unacknowledged messages (default 256).
    public func makeAsyncPublisher(maxInFlight: Int = 256) throws(NATSError) -> JetStreamAsyncPublisher {
        try JetStreamAsyncPublisher(jetStream: self, maxInFlight: maxInFlight)
    }
}
