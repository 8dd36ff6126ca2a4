import CNATS
public import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Something that happened to a connection, observed through ``NATSConnection/events()``.
public enum NATSConnectionEvent: Sendable, Hashable {
    /// The connection to the server was lost; cnats is reconnecting (if allowed).
    case disconnected
    /// The connection was re-established, to the given server URL.
    case reconnected(url: String)
    /// The connection is closed for good (after ``NATSConnection/close()``, a drain, or when
    /// reconnection gave up).
    case closed
    /// An asynchronous error, e.g. a slow consumer (status ``NATSStatus/slowConsumer``) on `subject`.
    case error(NATSError, subject: String?)
    /// The server entered lame duck mode (it will shut down soon).
    case lameDuckMode
}

/// The state of a connection.
public enum NATSConnectionStatus: Sendable, Hashable {
    case disconnected, connecting, connected, closed, reconnecting, draining
}

/// Receives cnats connection callbacks (on cnats' callback thread) and fans them out.
/// Retained once for cnats; released by the closed callback, which cnats invokes last.
final class ConnectionEventHub: @unchecked Sendable {
    private struct State {
        var nextID = 0
        var listeners: [Int: AsyncStream<NATSConnectionEvent>.Continuation] = [:]
        var closed = false
        var closedWaiters: [UnsafeContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())
    let logger: Logger
    let reconnect: NATSReconnectPolicy
    /// Set when this process closes or drains the connection: the disconnect cnats reports
    /// then is expected and logged at debug level.
    let closing = Atomic<Bool>(false)
    /// The NKey seed file the connect nonce is signed with (``NATSAuth/nkey(publicKey:seedFile:)``).
    let seedFile: String?

    init(logger: Logger, reconnect: NATSReconnectPolicy, seedFile: String? = nil) {
        self.logger = logger
        self.reconnect = reconnect
        self.seedFile = seedFile
    }

    func emit(_ event: NATSConnectionEvent) {
        let listeners = state.withLock { s -> [AsyncStream<NATSConnectionEvent>.Continuation] in
            if event == .closed { s.closed = true }
            return Array(s.listeners.values)
        }
        for l in listeners { l.yield(event) }
        if event == .closed {
            let (waiters, finished) = state.withLock { s in
                let w = s.closedWaiters
                s.closedWaiters = []
                let ls = Array(s.listeners.values)
                s.listeners = [:]
                return (w, ls)
            }
            for l in finished { l.finish() }   // outside the lock: finish() runs onTermination
            for w in waiters { w.resume() }
        }
    }

    func stream() -> AsyncStream<NATSConnectionEvent> {
        let (stream, continuation) = AsyncStream<NATSConnectionEvent>.makeStream(bufferingPolicy: .bufferingNewest(1024))
        let alreadyClosed = state.withLock { s -> Bool in
            if s.closed { return true }
            let id = s.nextID
            s.nextID += 1
            s.listeners[id] = continuation
            continuation.onTermination = { [weak self] _ in
                _ = self?.state.withLock { $0.listeners.removeValue(forKey: id) }
            }
            return false
        }
        if alreadyClosed {
            continuation.yield(.closed)
            continuation.finish()
        }
        return stream
    }

    var isClosed: Bool { state.withLock { $0.closed } }

    func waitUntilClosed() async {
        await withUnsafeContinuation { (c: UnsafeContinuation<Void, Never>) in
            let done = state.withLock { s -> Bool in
                if s.closed { return true }
                s.closedWaiters.append(c)
                return false
            }
            if done { c.resume() }
        }
    }
}

// C callbacks: plain nonisolated functions with no captures; context via Unmanaged.

func hub(_ closure: UnsafeMutableRawPointer?) -> ConnectionEventHub {
    Unmanaged<ConnectionEventHub>.fromOpaque(closure!).takeUnretainedValue()
}

private let disconnectedCallback: natsConnectionHandler = { _, closure in
    let h = hub(closure)
    if h.closing.load(ordering: .relaxed) {
        h.logger.debug("NATS disconnected (closing)")
    } else {
        h.logger.warning("NATS disconnected")
    }
    h.emit(.disconnected)
}

private let reconnectedCallback: natsConnectionHandler = { nc, closure in
    let h = hub(closure)
    var buffer = [CChar](repeating: 0, count: 256)
    var url = ""
    if natsConnection_GetConnectedUrl(nc, &buffer, buffer.count) == NATS_OK {
        url = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
    h.logger.info("NATS reconnected", metadata: ["url": "\(url)"])
    h.emit(.reconnected(url: url))
}

private let closedCallback: natsConnectionHandler = { _, closure in
    let unmanaged = Unmanaged<ConnectionEventHub>.fromOpaque(closure!)
    let h = unmanaged.takeUnretainedValue()
    h.logger.debug("NATS connection closed")
    h.emit(.closed)
    unmanaged.release()   // cnats invokes no callback of this connection after "closed"
}

private let lameDuckCallback: natsConnectionHandler = { _, closure in
    let h = hub(closure)
    h.logger.warning("NATS server entered lame duck mode")
    h.emit(.lameDuckMode)
}

private let errorCallback: natsErrHandler = { nc, sub, status, closure in
    let h = hub(closure)
    var text: UnsafePointer<CChar>? = nil
    var message = String(cString: natsStatus_GetText(status))
    if natsConnection_GetLastError(nc, &text) != NATS_OK, let text { message = String(cString: text) }
    let subject = sub.flatMap { natsSubscription_GetSubject($0) }.map { String(cString: $0) }
    let error = NATSError(status: NATSStatus(status), text: message)
    h.logger.warning("NATS asynchronous error", metadata: ["error": "\(error)", "subject": "\(subject ?? "")"])
    h.emit(.error(error, subject: subject))
}

private let reconnectDelayCallback: natsCustomReconnectDelayHandler = { _, attempts, closure in
    let h = hub(closure)
    let base = h.reconnect.delay(attempt: Int(attempts)).milliseconds()
    let jitter = h.reconnect.jitter.milliseconds()
    return base + (jitter > 0 ? Int64.random(in: 0...jitter) : 0)
}

/// Opens cnats once, before the first connection, without lock spinning: by default every cnats
/// mutex spins up to 2,000 times before sleeping, which on a small machine shared by the
/// services and nats-server burned ~6 % of the pipeline's CPU in `natsMutex_Lock` (perf profile
/// of `meridian bench e2e`, Docs/PERFORMANCE.md). A failure leaves cnats to open itself lazily
/// with its defaults.
let libraryOpened: Void = {
    _ = nats_Open(0)
}()

/// A connection to a NATS server (or cluster), over cnats.
///
/// Thread-safe; share one connection per process. cnats delivers messages and events on its own
/// threads; blocking calls run on a dedicated thread pool, never on Swift's cooperative pool.
/// The C connection is closed and destroyed when the last reference goes away.
public final class NATSConnection: Sendable {
    nonisolated(unsafe) package let nc: OpaquePointer
    let hub: ConnectionEventHub
    let options: NATSOptions
    /// The logger given to ``connect(_:logger:)``.
    public let logger: Logger
    /// JetStream publish acknowledgments (created on the first JetStream publish).
    private let acks = Mutex<PublishAcks?>(nil)
    /// Requests awaiting their reply (created on the first request).
    private let requests = Mutex<RequestMultiplexer?>(nil)

    private init(nc: OpaquePointer, hub: ConnectionEventHub, options: NATSOptions, logger: Logger) {
        self.nc = nc
        self.hub = hub
        self.options = options
        self.logger = logger
    }

    deinit {
        hub.closing.store(true, ordering: .relaxed)
        let nc = SendablePointer(self.nc)
        let acks = self.acks.withLock { $0.take() }
        let requests = self.requests.withLock { $0.take() }
        BlockingPool.shared.submit {   // closing flushes: keep it off the cooperative pool
            acks?.destroy()
            requests?.destroy()
            natsConnection_Close(nc.pointer)
            natsConnection_Destroy(nc.pointer)
        }
    }

    /// Connects to the servers in `options`.
    ///
    /// - Throws: ``NATSError`` with status ``NATSStatus/noServer`` when no server answers within
    ///   `options.connectTimeout` (unless `retryOnFailedConnect` is set), ``NATSStatus/authFailed``, ...
    public static func connect(_ options: NATSOptions, logger: Logger = Logger(label: "meridian.nats")) async throws(NATSError) -> NATSConnection {
        _ = libraryOpened
        var seedFile: String? = nil
        if case .nkey(_, let file) = options.auth { seedFile = file }
        let hub = ConnectionEventHub(logger: logger, reconnect: options.reconnect, seedFile: seedFile)
        let nc = try await BlockingPool.shared.run { () throws(NATSError) -> SendablePointer in
            SendablePointer(try makeConnection(options, hub: hub))
        }.pointer
        logger.debug("NATS connected", metadata: ["servers": "\(options.servers)"])
        return NATSConnection(nc: nc, hub: hub, options: options, logger: logger)
    }

    /// Blocking: builds cnats options and connects. Runs on a pool thread.
    private static func makeConnection(_ options: NATSOptions, hub: ConnectionEventHub) throws(NATSError) -> OpaquePointer {
        var opts: OpaquePointer? = nil
        try check(natsOptions_Create(&opts), "creating options")
        defer { natsOptions_Destroy(opts) }
        let servers = options.servers.map { strdup($0) }
        defer { servers.forEach { free($0) } }
        var serverPointers = servers.map { UnsafePointer<CChar>($0) }
        try check(serverPointers.withUnsafeMutableBufferPointer {
            natsOptions_SetServers(opts, $0.baseAddress, Int32($0.count))
        }, "setting servers \(options.servers)")
        try check(natsOptions_SetNoRandomize(opts, true))
        if let name = options.name { try check(natsOptions_SetName(opts, name)) }
        switch options.auth {
        case .none: break
        case .userPassword(let user, let password): try check(natsOptions_SetUserInfo(opts, user, password))
        case .token(let token): try check(natsOptions_SetToken(opts, token))
        case .credentialsFile(let path): try check(natsOptions_SetUserCredentialsFromFiles(opts, path, nil), "loading credentials \(path)")
        case .nkey(let publicKey, _):
            // Signed in Swift from the seed file at each connect (NKeySigning.swift says why).
            try check(natsOptions_SetNKey(opts, publicKey, nkeySignatureCallback, Unmanaged.passUnretained(hub).toOpaque()),
                      "setting the NKey")
        }
        if let prefix = options.inboxPrefix {
            try check(natsOptions_SetCustomInboxPrefix(opts, prefix), "setting inbox prefix \(prefix)")
        }
        if let tls = options.tls {
            try check(natsOptions_SetSecure(opts, true), "enabling TLS")
            if let ca = tls.caFile { try check(natsOptions_LoadCATrustedCertificates(opts, ca), "loading CA file \(ca)") }
            if let cert = tls.certificateFile {
                try check(natsOptions_LoadCertificatesChain(opts, cert, tls.keyFile), "loading certificate \(cert)")
            }
            if let host = tls.expectedHostname { try check(natsOptions_SetExpectedHostname(opts, host)) }
            if tls.skipServerVerification { try check(natsOptions_SkipServerVerification(opts, true)) }
        }
        try check(natsOptions_SetTimeout(opts, options.connectTimeout.milliseconds(minimum: 1)))
        try check(natsOptions_SetPingInterval(opts, options.pingInterval.milliseconds(minimum: 1)))
        try check(natsOptions_SetMaxPingsOut(opts, Int32(options.maxPingsOut)))
        try check(natsOptions_SetMaxPendingMsgs(opts, Int32(clamping: options.maxPendingMessages)))
        if options.noEcho { try check(natsOptions_SetNoEcho(opts, true)) }
        let reconnect = options.reconnect
        try check(natsOptions_SetAllowReconnect(opts, reconnect.enabled))
        if reconnect.enabled {
            try check(natsOptions_SetMaxReconnect(opts, Int32(clamping: reconnect.maxAttempts ?? -1)))
            try check(natsOptions_SetReconnectBufSize(opts, Int32(clamping: reconnect.bufferSize)))
        }
        let closure = Unmanaged.passUnretained(hub).toOpaque()
        if reconnect.enabled {
            try check(natsOptions_SetCustomReconnectDelay(opts, reconnectDelayCallback, closure))
        }
        try check(natsOptions_SetDisconnectedCB(opts, disconnectedCallback, closure))
        try check(natsOptions_SetReconnectedCB(opts, reconnectedCallback, closure))
        try check(natsOptions_SetClosedCB(opts, closedCallback, closure))
        try check(natsOptions_SetErrorHandler(opts, errorCallback, closure))
        try check(natsOptions_SetLameDuckModeCB(opts, lameDuckCallback, closure))
        if options.retryOnFailedConnect {
            // No connected-callback: cnats retries inside natsConnection_Connect (on this pool thread).
            try check(natsOptions_SetRetryOnFailedConnect(opts, true, nil, nil))
            try check(natsOptions_SetMaxReconnect(opts, Int32(clamping: reconnect.maxAttempts ?? -1)))
        }
        // The +1 owned by cnats' callbacks; the closed callback releases it.
        _ = Unmanaged.passRetained(hub)
        var nc: OpaquePointer? = nil
        let s = natsConnection_Connect(&nc, opts)
        if s != NATS_OK {
            // No callback runs for a connection that never connected.
            let error = NATSError.fromLastError(s, context: "connecting to \(options.servers.joined(separator: ","))")
            if let nc { natsConnection_Destroy(nc) }
            Unmanaged.passUnretained(hub).release()
            throw error
        }
        return nc!
    }

    /// A new stream of connection events (disconnected, reconnected, closed, errors).
    /// Each call returns an independent stream; it finishes after ``NATSConnectionEvent/closed``.
    public func events() -> AsyncStream<NATSConnectionEvent> { hub.stream() }

    /// The current state of the connection.
    public var status: NATSConnectionStatus {
        switch natsConnection_Status(nc) {
        case NATS_CONN_STATUS_DISCONNECTED: .disconnected
        case NATS_CONN_STATUS_CONNECTING: .connecting
        case NATS_CONN_STATUS_CONNECTED: .connected
        case NATS_CONN_STATUS_CLOSED: .closed
        case NATS_CONN_STATUS_RECONNECTING: .reconnecting
        default: .draining
        }
    }

    /// The URL of the server currently connected to, or `nil`.
    public var connectedURL: String? {
        var buffer = [CChar](repeating: 0, count: 256)
        guard natsConnection_GetConnectedUrl(nc, &buffer, buffer.count) == NATS_OK else { return nil }
        let url = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return url.isEmpty ? nil : url
    }

    // MARK: Publish

    /// Publishes `payload` to `subject`. Does not wait for the server: the bytes are buffered
    /// (also while reconnecting, up to the reconnect buffer) and flushed by cnats.
    ///
    /// - Parameters:
    ///   - subject: a subject without wildcards.
    ///   - payload: the bytes; contiguous collections (`[UInt8]`, `Data`) are not copied.
    ///   - headers: optional headers (needs a server with header support, nats-server ≥ 2.2).
    ///   - reply: an optional reply subject.
    public func publish(_ subject: String, payload: some Collection<UInt8> = [UInt8](), headers: NATSHeaders = NATSHeaders(),
                        reply: String? = nil) throws(NATSError) {
        try withPayloadBytes(payload) { (raw) throws(NATSError) in
            if headers.isEmpty {
                if let reply {
                    try check(natsConnection_PublishRequest(nc, subject, reply, raw.baseAddress, Int32(raw.count)), "publishing to \(subject)")
                } else {
                    try check(natsConnection_Publish(nc, subject, raw.baseAddress, Int32(raw.count)), "publishing to \(subject)")
                }
            } else {
                let msg = try createCMessage(subject: subject, reply: reply, payload: raw, headers: headers)
                defer { natsMsg_Destroy(msg) }
                try check(natsConnection_PublishMsg(nc, msg), "publishing to \(subject)")
            }
        }
    }

    /// Publishes a UTF-8 string.
    public func publish(_ subject: String, string: String, headers: NATSHeaders = NATSHeaders()) throws(NATSError) {
        try publish(subject, payload: Array(string.utf8), headers: headers)
    }

    /// Answers a request message: publishes to its reply subject.
    /// - Throws: ``NATSStatus/invalidArgument`` if `request` has no reply subject.
    public func respond(to request: NATSMessage, payload: some Collection<UInt8>, headers: NATSHeaders = NATSHeaders()) throws(NATSError) {
        guard let reply = request.reply else {
            throw NATSError(status: .invalidArgument, text: "message on \(request.subject) has no reply subject")
        }
        try publish(reply, payload: payload, headers: headers)
    }

    /// Waits until the server has processed everything published so far (a PING/PONG round trip).
    public func flush(timeout: Duration = .seconds(5)) async throws(NATSError) {
        try await BlockingPool.shared.run { () throws(NATSError) in
            try check(natsConnection_FlushTimeout(self.nc, timeout.milliseconds(minimum: 1)), "flush")
        }
    }

    // MARK: Request

    /// Sends a request and waits for the first reply.
    ///
    /// - Throws: ``NATSError`` with ``NATSStatus/noResponders`` at once when nobody subscribes to
    ///   `subject`, or ``NATSStatus/timeout`` when no reply arrives within `timeout`.
    public func request(_ subject: String, payload: some Collection<UInt8> = [UInt8](), headers: NATSHeaders = NATSHeaders(),
                        timeout: Duration = .seconds(5)) async throws(NATSError) -> NATSMessage {
        let mux = try requestMultiplexer()
        return try await mux.request(nc, subject, Array(payload), headers: headers, timeout: timeout).get()
    }

    /// The connection's JetStream acknowledgment router, created on first use.
    func publishAcks() throws(NATSError) -> PublishAcks {
        try acks.withLock { (acks) throws(NATSError) -> PublishAcks in
            if let acks { return acks }
            let made = try PublishAcks.make(nc)
            acks = made
            return made
        }
    }

    /// The connection's request multiplexer, created on first use.
    func requestMultiplexer() throws(NATSError) -> RequestMultiplexer {
        try requests.withLock { (requests) throws(NATSError) -> RequestMultiplexer in
            if let requests { return requests }
            let made = try RequestMultiplexer.make(nc, inboxPrefix: options.inboxPrefix)
            requests = made
            return made
        }
    }

    // MARK: Drain and close

    /// Drains: unsubscribes every subscription, lets already received messages be delivered,
    /// flushes publishes, then closes. Returns when the connection is closed.
    public func drain(timeout: Duration = .seconds(10)) async throws(NATSError) {
        hub.closing.store(true, ordering: .relaxed)
        let s = natsConnection_DrainTimeout(nc, timeout.milliseconds(minimum: 1))
        if s == NATS_CONNECTION_CLOSED { return }
        if s != NATS_OK {
            // `fromLastError` must run on this thread; the drain call itself does not block.
            throw NATSError.fromLastError(s, context: "drain")
        }
        await hub.waitUntilClosed()
    }

    /// Closes the connection (pending publishes are flushed best-effort). Idempotent.
    public func close() async {
        hub.closing.store(true, ordering: .relaxed)
        await BlockingPool.shared.perform { natsConnection_Close(self.nc) }
        await hub.waitUntilClosed()
    }
}
