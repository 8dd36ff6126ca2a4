public import BusinessTime
public import Logging
import NATS
public import TicketRouting

/// How a command reaches NATS: server URLs, a connection name, credentials.
public struct ClientOptions: Sendable, Hashable {
    /// Credentials for the server.
    public enum Auth: Sendable, Hashable {
        case none
        case userPassword(user: String, password: String)
        case token(String)
        case credentialsFile(path: String)
        /// An NKey: the public key, and the seed file the connection signs the server's nonce with.
        case nkey(publicKey: String, seedFile: String)
    }

    /// TLS files: the CA to trust, and a client certificate and key for mutual TLS.
    public struct TLS: Sendable, Hashable {
        public var caFile: String?
        public var certificateFile: String?
        public var keyFile: String?

        public init(caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil) {
            self.caFile = caFile
            self.certificateFile = certificateFile
            self.keyFile = keyFile
        }
    }

    public var servers: [String]
    public var name: String
    public var auth: Auth
    /// TLS; nil for plain TCP (unless the URL scheme is `tls://`).
    public var tls: TLS?
    /// The prefix of this connection's reply subjects (`_INBOX_<identity>`), nil for `_INBOX`.
    public var inboxPrefix: String?

    public init(servers: [String], name: String, auth: Auth = .none, tls: TLS? = nil, inboxPrefix: String? = nil) {
        self.servers = servers
        self.name = name
        self.auth = auth
        self.tls = tls
        self.inboxPrefix = inboxPrefix
    }

    /// The client options: the first connect is retried every 2 s by cnats, then reconnects forever.
    var nats: NATSOptions {
        let natsAuth: NATSAuth = switch auth {
        case .none: .none
        case .userPassword(let user, let password): .userPassword(user: user, password: password)
        case .token(let token): .token(token)
        case .credentialsFile(let path): .credentialsFile(path: path)
        case .nkey(let publicKey, let seedFile): .nkey(publicKey: publicKey, seedFile: seedFile)
        }
        let natsTLS = tls.map { NATSTLSOptions(caFile: $0.caFile, certificateFile: $0.certificateFile, keyFile: $0.keyFile) }
        return NATSOptions(servers: servers, name: name, auth: natsAuth, tls: natsTLS, inboxPrefix: inboxPrefix)
    }
}

/// A failure talking to Meridian over NATS, with the client's own message.
public struct ClientError: Error, CustomStringConvertible, Sendable {
    /// The client's message (e.g. `no responders available for request`).
    public var description: String
    /// Nobody listens on the subject: no router (intake) or no worker (inbox) is running.
    public var isNoResponders: Bool

    init(_ error: NATSError) {
        description = "\(error)"
        isNoResponders = error.isNoResponders
    }

    init(_ description: String) {
        self.description = description
        isNoResponders = false
    }
}

/// One region's inbox answer: its open tickets, most urgent first, and how many it holds in all.
public struct InboxAnswer: Sendable {
    public var tickets: [TicketClockStatus]
    /// The region's open tickets in all (more than `tickets` when the answer was cut short).
    public var total: Int?
}

/// What recording a team action did.
public enum TicketActionResult: Sendable {
    /// The event was stored in its home region's log.
    case recorded(TicketEvent)
    /// The log already held this event (same message id): nothing new was stored.
    case alreadyRecorded(TicketEvent)
}

/// Why a team action could not be recorded.
public enum TicketActionError: Error, Sendable {
    /// No routed ticket with the id, and no region given.
    case unknownTicket(TicketID)
    /// No worker of the home region told the ticket's tier, or it is at l3.
    case unknownNextTier(TicketID, home: RegionID)
    /// Storing the event failed.
    case notRecorded(TicketEvent, ClientError)
}

/// The services' client API for the command line: submit, team actions, inboxes, alerts.
/// It is the only way the `meridian` commands reach NATS.
public final class MeridianClient: Sendable {
    let connection: NATSConnection
    public let options: ClientOptions

    private init(connection: NATSConnection, options: ClientOptions) {
        self.connection = connection
        self.options = options
    }

    /// Connects to the servers of `options`.
    /// - Throws: `ClientError` when no server answers.
    public static func connect(_ options: ClientOptions, logger: Logger) async throws(ClientError) -> MeridianClient {
        do {
            return MeridianClient(connection: try await NATSConnection.connect(options.nats, logger: logger),
                                  options: options)
        } catch {
            throw ClientError(error)
        }
    }

    /// Closes the connection at once.
    public func close() async {
        await connection.close()
    }

    /// Flushes what is pending and closes, within `timeout`.
    public func drain(timeout: Duration = .seconds(5)) async {
        try? await connection.drain(timeout: timeout)
    }

    // MARK: Intake

    /// Submits one ticket (JSON bytes) on `meridian.intake` and returns the router's answer as it
    /// came: the routing decision, or the error object (`{"error":...}`).
    public func submit(_ ticketJSON: [UInt8], timeout: Duration) async throws(ClientError) -> String {
        do {
            return try await connection.request(Subjects.intake, payload: ticketJSON, timeout: timeout).string
        } catch {
            throw ClientError(error)
        }
    }

    /// Publishes one ticket to the intake stream (stored once per ticket id) and returns its acknowledgement.
    public func queue(_ ticketJSON: [UInt8]) async throws(ClientError) -> (duplicate: Bool, sequence: UInt64) {
        let id = (try? JSONCoding.decode(TicketIDProbe.self, from: ticketJSON))?.id
        do {
            let ack = try await connection.jetStream().publish(
                Subjects.intakeQueue, payload: ticketJSON, messageID: id, expectedStream: MeridianStreams.intake)
            return (ack.duplicate, ack.sequence)
        } catch {
            throw ClientError(error)
        }
    }

    /// Just the id of a ticket, for the stream's de-duplication.
    private struct TicketIDProbe: Decodable { var id: String? }

    // MARK: Inbox

    /// Asks the workers of `home` for the open tickets whose home it is.
    public func inbox(_ home: RegionID, timeout: Duration = .seconds(5)) async throws(ClientError) -> InboxAnswer {
        let reply: NATSMessage
        do {
            reply = try await connection.request(Subjects.inbox(home), timeout: timeout)
        } catch {
            throw ClientError(error)
        }
        guard let tickets = try? JSONCoding.decode([TicketClockStatus].self, from: reply.payload) else {
            throw ClientError("unreadable answer")
        }
        return InboxAnswer(tickets: tickets, total: reply.headers["Meridian-Open-Tickets"].flatMap { Int($0) })
    }

    // MARK: Team actions

    /// Records a team action on a ticket in its home region's log.
    ///
    /// The home is `region`, else the routed ticket's; an escalation without `tier` goes to the
    /// tier after the one the home's workers report.
    public func record(
        _ kind: TicketEvent.Kind, ticket id: TicketID, at when: Instant, region: RegionID?, tier: Tier?,
        automatic: Bool?, note: String?, actor: String? = nil
    ) async throws(TicketActionError) -> TicketActionResult {
        let stored: Ticket?
        do {
            let bucket = try await connection.jetStream().keyValue(MeridianStreams.ticketsBucket)
            stored = try await bucket.get(id.rawValue).flatMap { try? JSONCoding.decode(Ticket.self, from: $0.value) }
        } catch {
            stored = nil
        }
        guard let home = region ?? stored?.region else { throw .unknownTicket(id) }
        var escalationTier = tier
        if kind == .escalated, escalationTier == nil {
            escalationTier = (try? await inbox(home, timeout: .seconds(3)))?.tickets.first { $0.ticket == id }?.tier.next
            guard escalationTier != nil else { throw .unknownNextTier(id, home: home) }
        }
        var event = TicketEvent(ticket: id, kind: kind, at: when, region: home, tier: escalationTier, automatic: automatic)
        event.note = note
        event.actor = actor
        do {
            let fresh = try await EventLog(try connection.jetStream()).append(event, id: event.messageID)
            return fresh ? .recorded(event) : .alreadyRecorded(event)
        } catch {
            throw .notRecorded(event, ClientError(error))
        }
    }

    // MARK: Alerts

    /// SLA alerts matching `filter`: those of the last `since` first, then live ones (see `AlertTail`).
    public func alerts(
        filter: AlertFilter, since: Duration?, onUnreadable: @escaping @Sendable (String) -> Void
    ) async throws(ClientError) -> AsyncThrowingStream<TicketEvent, any Error> {
        do {
            return try await AlertTail.follow(try connection.jetStream(), filter: filter, since: since,
                                              onUnreadable: onUnreadable)
        } catch {
            throw ClientError(error)
        }
    }
}

extension RouterService {
    /// A router on a client's connection.
    public convenience init(client: MeridianClient, config: MeridianConfig, clock: any ServiceClock,
                            streams: MeridianStreams = MeridianStreams(), options: RouterOptions = RouterOptions(),
                            logger: Logger, metrics: MeridianMetrics = MeridianMetrics()) {
        self.init(connection: client.connection, config: config, clock: clock, streams: streams, options: options,
                  logger: logger, metrics: metrics)
    }
}

extension WorkerService {
    /// A worker on a client's connection.
    public convenience init(client: MeridianClient, config: MeridianConfig, clock: any ServiceClock,
                            options: WorkerOptions, team: any TeamChannel, streams: MeridianStreams, logger: Logger,
                            metrics: MeridianMetrics = MeridianMetrics()) {
        self.init(connection: client.connection, config: config, clock: clock, options: options, team: team,
                  streams: streams, logger: logger, metrics: metrics)
    }
}

extension MetricsServer {
    /// The metrics endpoint of a service on a client's connection (its health follows the connection).
    public convenience init(address: ListenAddress, metrics: MeridianMetrics, readiness: Readiness,
                            client: MeridianClient, logger: Logger, sample: @escaping @Sendable () async -> Void) {
        self.init(address: address, metrics: metrics, readiness: readiness, connection: client.connection,
                  logger: logger, sample: sample)
    }
}

extension AlertmanagerBridge {
    /// The Alertmanager bridge on a client's connection.
    public convenience init(client: MeridianClient, alertmanager: AlertmanagerClient, warnings: Bool = false,
                            refresh: Duration, resolveTimeout: Duration, logger: Logger) {
        self.init(connection: client.connection, client: alertmanager, warnings: warnings, refresh: refresh,
                  resolveTimeout: resolveTimeout, logger: logger)
    }
}

extension MeridianClient {
    /// The stored ticket of `id` (the tickets bucket), nil when unknown or unreadable.
    public func storedTicket(_ id: TicketID) async -> Ticket? {
        guard let bucket = try? await connection.jetStream().keyValue(MeridianStreams.ticketsBucket),
              let entry = try? await bucket.get(id.rawValue) else { return nil }
        return try? JSONCoding.decode(Ticket.self, from: entry.value)
    }

    /// The last event stored on `subject` (e.g. a ticket's last `escalated`), nil when none.
    public func lastEvent(on subject: String) async throws(ClientError) -> TicketEvent? {
        do {
            return try await EventLog(try connection.jetStream()).last(on: subject)
        } catch {
            throw ClientError(error)
        }
    }

    /// Stores `event` in its region's log with its message id.
    /// - Returns: false when the log already held it.
    public func append(_ event: TicketEvent) async throws(ClientError) -> Bool {
        do {
            return try await EventLog(try connection.jetStream()).append(event, id: event.messageID)
        } catch {
            throw ClientError(error)
        }
    }

    /// Reads the whole event log once, in order, handing `body` the events of `kinds` (reports).
    public func scanLog(kinds: Set<TicketEvent.Kind>, _ body: (TicketEvent) -> Void) async throws -> EventLogScan.Summary {
        try await EventLogScan.read(try connection.jetStream(), kinds: kinds, body)
    }

    /// Creates or updates the streams, consumers and bucket (`meridian setup`, as admin).
    /// - Returns: what is ready, one line each.
    public func setUp(_ streams: MeridianStreams, config: MeridianConfig) async throws -> [MeridianStreams.Part] {
        try await streams.setUp(try connection.jetStream(), config: config)
    }

    /// The whole deployment's state now (see `StatusProbe.gather`).
    public func status(config: MeridianConfig, listen: Duration, now: Instant,
                       onUnreadable: @escaping @Sendable (String) -> Void) async throws -> DeploymentStatus {
        try await StatusProbe.gather(connection, config: config, listen: listen, now: now, onUnreadable: onUnreadable)
    }
}
