/// How a connection authenticates.
public enum NATSAuth: Sendable, Hashable {
    /// No credentials.
    case none
    /// User name and password.
    case userPassword(user: String, password: String)
    /// A token.
    case token(String)
    /// A `.creds` file (JWT and NKey seed), as written by `nsc`.
    case credentialsFile(path: String)
    /// An NKey: the public key the server knows and the file holding its seed (read at each connect).
    case nkey(publicKey: String, seedFile: String)
}

extension NATSAuth: CustomStringConvertible {
    /// The kind of credentials and their files, never a secret.
    public var description: String {
        switch self {
        case .none: "none"
        case .userPassword(let user, _): "user \(user) with a password"
        case .token: "a token"
        case .credentialsFile(let path): "credentials \(path)"
        case .nkey(let publicKey, let seedFile): "nkey \(publicKey) (seed \(seedFile))"
        }
    }
}

/// TLS settings. Setting any of them makes the connection require TLS.
public struct NATSTLSOptions: Sendable, Hashable {
    /// PEM file with the certificate authorities to trust.
    public var caFile: String?
    /// PEM file with the client certificate chain (for mutual TLS); needs ``keyFile``.
    public var certificateFile: String?
    /// PEM file with the client private key.
    public var keyFile: String?
    /// The host name expected in the server certificate.
    public var expectedHostname: String?
    /// Skips server certificate verification (tests only).
    public var skipServerVerification: Bool

    /// Creates TLS settings.
    public init(caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil,
                expectedHostname: String? = nil, skipServerVerification: Bool = false) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.expectedHostname = expectedHostname
        self.skipServerVerification = skipServerVerification
    }
}

/// Reconnection after a connection has been established: forever (by default) with
/// exponential backoff and random jitter.
public struct NATSReconnectPolicy: Sendable, Hashable {
    /// Whether to reconnect at all.
    public var enabled: Bool
    /// Attempts over the whole server list before giving up; `nil` means forever.
    public var maxAttempts: Int?
    /// Delay after the first failed pass over the server list.
    public var initialDelay: Duration
    /// Upper bound of the exponentially growing delay.
    public var maxDelay: Duration
    /// A random amount in `0...jitter` added to each delay.
    public var jitter: Duration
    /// Bytes of publishes buffered while disconnected (cnats default 8 MB).
    public var bufferSize: Int

    /// Creates a reconnect policy.
    public init(enabled: Bool = true, maxAttempts: Int? = nil, initialDelay: Duration = .milliseconds(50),
                maxDelay: Duration = .seconds(2), jitter: Duration = .milliseconds(100), bufferSize: Int = 8 * 1024 * 1024) {
        self.enabled = enabled
        self.maxAttempts = maxAttempts
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.jitter = jitter
        self.bufferSize = bufferSize
    }

    /// Reconnect forever with the default backoff (50 ms doubling up to 2 s, plus up to 100 ms jitter).
    public static let forever = NATSReconnectPolicy()
    /// Never reconnect: the connection closes when it is lost.
    public static let never = NATSReconnectPolicy(enabled: false)

    /// The delay before reconnect pass `attempt` (1-based) over the server list, without the
    /// jitter: `initialDelay · 2^(attempt−1)`, at most `maxDelay`. (The very first reconnect
    /// attempt after a disconnect is immediate; cnats asks for a delay after each failed pass.)
    public func delay(attempt: Int) -> Duration {
        let exponent = min(max(attempt - 1, 0), 20)
        let d = initialDelay * (1 << exponent)
        return min(d, maxDelay)
    }
}

/// Options of a ``NATSConnection``.
public struct NATSOptions: Sendable {
    /// Server URLs, e.g. `["nats://127.0.0.1:4222"]`; cnats tries them in order (no randomizing).
    public var servers: [String]
    /// The connection name shown by the server's monitoring.
    public var name: String?
    /// Credentials.
    public var auth: NATSAuth
    /// TLS; `nil` for plain TCP (unless the URL scheme is `tls://`).
    public var tls: NATSTLSOptions?
    /// Timeout of one connection attempt to one server.
    public var connectTimeout: Duration
    /// Reconnection policy once connected.
    public var reconnect: NATSReconnectPolicy
    /// When the very first connect fails, keep retrying: ``NATSConnection/connect(_:logger:)``
    /// then returns once a server answers (or throws after `reconnect.maxAttempts` attempts; with
    /// `nil` it waits for good). cnats retries that first connect every 2 s (its reconnect wait),
    /// not with the reconnect policy's delays, which apply only once connected. Default false:
    /// fail at once.
    public var retryOnFailedConnect: Bool
    /// Interval of client PINGs; a dead server is detected after `maxPingsOut` unanswered pings.
    public var pingInterval: Duration
    /// Unanswered PINGs before the connection is considered stale.
    public var maxPingsOut: Int
    /// Messages a subscription may hold before messages are dropped (slow consumer) or, in this
    /// module, before cnats' delivery thread waits for the Swift consumer.
    public var maxPendingMessages: Int
    /// Do not receive messages this connection publishes itself.
    public var noEcho: Bool
    /// The prefix of this connection's reply subjects (`_INBOX` when nil), e.g. `_INBOX_router`:
    /// with a per-identity prefix the server can let only this identity read its replies.
    public var inboxPrefix: String?

    /// Creates options; only `servers` is required.
    public init(servers: [String], name: String? = nil, auth: NATSAuth = .none, tls: NATSTLSOptions? = nil,
                connectTimeout: Duration = .seconds(2), reconnect: NATSReconnectPolicy = .forever,
                retryOnFailedConnect: Bool = false, pingInterval: Duration = .seconds(20), maxPingsOut: Int = 2,
                maxPendingMessages: Int = 65_536, noEcho: Bool = false, inboxPrefix: String? = nil) {
        self.servers = servers
        self.name = name
        self.auth = auth
        self.tls = tls
        self.connectTimeout = connectTimeout
        self.reconnect = reconnect
        self.retryOnFailedConnect = retryOnFailedConnect
        self.pingInterval = pingInterval
        self.maxPingsOut = maxPingsOut
        self.maxPendingMessages = maxPendingMessages
        self.noEcho = noEcho
        self.inboxPrefix = inboxPrefix
    }

    /// Options for one server URL with defaults for everything else.
    public init(url: String) { self.init(servers: [url]) }
}

extension Duration {
    /// Whole milliseconds, rounded up, at least `minimum`.
    func milliseconds(minimum: Int64 = 0) -> Int64 {
        let (s, atto) = components
        let ms = s * 1000 + (atto + 999_999_999_999_999) / 1_000_000_000_000_000
        return max(ms, minimum)
    }

    /// Whole nanoseconds.
    var nanoseconds: Int64 {
        let (s, atto) = components
        return s * 1_000_000_000 + atto / 1_000_000_000
    }

}
