import CNATS
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Request/reply without a thread per request.
///
/// One per connection (created on the first ``NATSConnection/request(_:payload:headers:timeout:)``):
/// one wildcard subscription `_INBOX.<unique>.*`; each request gets the reply subject
/// `_INBOX.<unique>.<n>`, registers its continuation under `n`, publishes and suspends. cnats'
/// delivery thread resumes it with the reply (or "no responders", the server's 503 status), a
/// timer task with a timeout. The previous design parked a `BlockingPool` thread in
/// `natsConnection_RequestMsg` per request: 256 concurrent requests held every pool thread.
///
/// Retained for cnats' message handler for the process lifetime, like ``PublishAcks``.
final class RequestMultiplexer: @unchecked Sendable {
    typealias Outcome = Result<NATSMessage, NATSError>

    private struct Waiter {
        var continuation: UnsafeContinuation<Outcome, Never>
        var subject: String
        var timer: Task<Void, Never>?
    }

    private let lock = ConditionLock()
    private var waiters: [UInt64: Waiter] = [:]
    private var next: UInt64 = 0
    /// `_INBOX.<unique>.`
    let prefix: String
    private let prefixLength: Int
    nonisolated(unsafe) private var sub: OpaquePointer? = nil

    private init(prefix: String) {
        self.prefix = prefix
        self.prefixLength = prefix.utf8.count
    }

    /// - Parameter inboxPrefix: the connection's custom inbox prefix (`_INBOX_<identity>`), which
    ///   the server's permissions allow replies on; nil for `_INBOX`.
    static func make(_ nc: OpaquePointer, inboxPrefix: String?) throws(NATSError) -> RequestMultiplexer {
        var inbox: UnsafeMutablePointer<CChar>? = nil
        try check(natsInbox_Create(&inbox), "creating a request inbox")
        var unique = String(cString: inbox!)   // `_INBOX.<nuid>`: cnats' helper ignores a custom prefix
        natsInbox_Destroy(inbox)
        if let inboxPrefix, unique.hasPrefix("_INBOX.") { unique = inboxPrefix + unique.dropFirst("_INBOX".count) }
        let mux = RequestMultiplexer(prefix: unique + ".")
        let closure = Unmanaged.passRetained(mux).toOpaque()   // kept: see the type's documentation
        var sub: OpaquePointer? = nil
        try check(natsConnection_Subscribe(&sub, nc, mux.prefix + "*", replyHandler, closure), "subscribing to replies")
        // Replies are handled in O(1) each; never drop one as a slow consumer.
        natsSubscription_SetPendingLimits(sub, -1, -1)
        mux.sub = sub
        return mux
    }

    /// Unsubscribes (the connection is going away).
    func destroy() {
        guard let sub else { return }
        natsSubscription_Unsubscribe(sub)
        natsSubscription_Destroy(sub)
        self.sub = nil
    }

    /// Sends a request and suspends until the reply, "no responders" or `timeout`.
    func request(_ nc: OpaquePointer, _ subject: String, _ payload: [UInt8], headers: NATSHeaders,
                 timeout: Duration) async -> Outcome {
        await withUnsafeContinuation { (c: UnsafeContinuation<Outcome, Never>) in
            let token = lock.withLock { () -> UInt64 in
                next &+= 1
                waiters[next] = Waiter(continuation: c, subject: subject, timer: nil)
                return next
            }
            let reply = prefix + String(token)
            let sent: Result<Void, NATSError>
            do throws(NATSError) {
                try withPayloadBytes(payload) { (raw) throws(NATSError) in
                    if headers.isEmpty {
                        try check(natsConnection_PublishRequest(nc, subject, reply, raw.baseAddress, Int32(raw.count)),
                                  "request on \(subject)")
                        return
                    }
                    let msg = try createCMessage(subject: subject, reply: reply, payload: raw, headers: headers)
                    defer { natsMsg_Destroy(msg) }
                    try check(natsConnection_PublishMsg(nc, msg), "request on \(subject)")
                }
                sent = .success(())
            } catch {
                sent = .failure(error)
            }
            if case .failure(let error) = sent {
                finish(token) { _ in .failure(error) }
                return
            }
            let timer = Task { [weak self] in
                do { try await Task.sleep(for: timeout) } catch { return }
                self?.finish(token) { _ in .failure(NATSError(status: .timeout, text: "no reply on \(subject) within \(timeout)")) }
            }
            // The reply may already have come: then the timer has nothing to do.
            let pending = lock.withLock { () -> Bool in
                guard waiters[token] != nil else { return false }
                waiters[token]!.timer = timer
                return true
            }
            if !pending { timer.cancel() }
        }
    }

    /// Resumes the request `token` once (the reply, the timeout, or a send failure: first wins)
    /// with the outcome made from its subject.
    func finish(_ token: UInt64, _ outcome: (_ subject: String) -> Outcome) {
        guard let waiter = lock.withLock({ waiters.removeValue(forKey: token) }) else { return }
        waiter.timer?.cancel()
        waiter.continuation.resume(returning: outcome(waiter.subject))
    }

    /// The request token of a reply subject, or nil for a subject this multiplexer did not make.
    fileprivate func token(_ subject: UnsafePointer<CChar>) -> UInt64? {
        var p = subject + prefixLength
        guard strlen(subject) > prefixLength else { return nil }
        var value: UInt64 = 0
        while p.pointee != 0 {
            let d = UInt8(bitPattern: p.pointee) &- 48
            guard d < 10 else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(d))
            guard !o1, !o2 else { return nil }
            value = s
            p += 1
        }
        return value
    }
}

/// cnats' handler of the wildcard reply subscription.
private let replyHandler: natsMsgHandler = { _, _, msg, closure in
    guard let msg, let closure else { return }
    let mux = Unmanaged<RequestMultiplexer>.fromOpaque(closure).takeUnretainedValue()
    defer { natsMsg_Destroy(msg) }
    guard let subject = natsMsg_GetSubject(msg), let token = mux.token(subject) else { return }
    if natsMsg_IsNoResponders(msg) {
        mux.finish(token) { subject in .failure(NATSError(status: .noResponders, text: "no responders on \(subject)")) }
        return
    }
    mux.finish(token) { _ in .success(makeMessage(msg)) }
}
