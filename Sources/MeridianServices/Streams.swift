public import NATS
import Logging
public import TicketRouting

/// The JetStream streams and durable consumers Meridian runs on, created or updated at
/// start-up by every router and worker (never deleted: on nats-server 2.9 deleting and
/// re-creating a stream leaves a restarted replica stale).
///
/// | stream | subjects | retention |
/// | --- | --- | --- |
/// | `MERIDIAN_WORK` | `meridian.work.>` | work queue: a message is gone once a worker acknowledges it |
/// | `MERIDIAN_EVENTS` | `meridian.events.>` | limits (`eventMaxAge`): the event log, the truth the clocks are rebuilt from |
/// | `MERIDIAN_INTAKE` | `meridian.intake.queue` | work queue: fire-and-forget intake, taken by the routers |
///
/// Durable pull consumers: `work-<region>-<tier>` (shared by every worker of the region),
/// `router-intake` and `router-escalations` (shared by every router). Tickets are also kept
/// in the key-value bucket `meridian_tickets` (id → ticket JSON), so that a handoff or an
/// escalation can hand the whole ticket to the next team.
public struct MeridianStreams: Sendable {
    public static let work = "MERIDIAN_WORK"
    public static let events = "MERIDIAN_EVENTS"
    public static let intake = "MERIDIAN_INTAKE"
    public static let ticketsBucket = "meridian_tickets"
    public static let intakeConsumer = "router-intake"
    public static let escalationConsumer = "router-escalations"

    /// Stream replicas: 1 on one server, 3 on a 3-node cluster.
    public var replicas: Int
    /// How long the event log keeps events.
    public var eventMaxAge: Duration
    /// Whether a missing stream, consumer or bucket is created (true: no credentials, the demo)
    /// or only bound to, as `meridian setup` made it (false: an identity that may not create).
    public var createsMissing = true
    /// The de-duplication window of message ids.
    public var duplicateWindow: Duration
    /// How long a worker may hold a work item before it is delivered again.
    public var workAckWait: Duration

    public init(replicas: Int = 1, eventMaxAge: Duration = .seconds(90 * 86_400),
                duplicateWindow: Duration = .seconds(120), workAckWait: Duration = .seconds(30)) {
        self.replicas = replicas
        self.eventMaxAge = eventMaxAge
        self.duplicateWindow = duplicateWindow
        self.workAckWait = workAckWait
    }

    /// The durable consumer name of a region's tier.
    public static func workConsumer(_ region: RegionID, _ tier: Tier) -> String {
        "work-\(region.rawValue)-\(tier.rawValue)"
    }

    /// Creates or updates the three streams and the tickets bucket.
    public func ensureStreams(_ js: JetStream) async throws(NATSError) {
        guard createsMissing else { return }
        _ = try await js.createOrUpdateStream(StreamConfig(
            name: Self.work, subjects: [Subjects.allWork], retention: .workQueue, replicas: replicas,
            duplicateWindow: duplicateWindow, description: "Meridian routed work, one subject per region and tier"))
        _ = try await js.createOrUpdateStream(StreamConfig(
            name: Self.events, subjects: [Subjects.allEvents], retention: .limits, replicas: replicas,
            maxAge: eventMaxAge, duplicateWindow: duplicateWindow,
            description: "Meridian ticket lifecycle events and SLA alerts: the log clocks are rebuilt from"))
        _ = try await js.createOrUpdateStream(StreamConfig(
            name: Self.intake, subjects: [Subjects.intakeQueue], retention: .workQueue, replicas: replicas,
            duplicateWindow: duplicateWindow, description: "Meridian fire-and-forget ticket intake"))
    }

    /// The tickets bucket, created if missing.
    public func ticketsBucket(_ js: JetStream) async throws(NATSError) -> KeyValueBucket {
        guard createsMissing else { return try await js.keyValue(Self.ticketsBucket) }
        return try await js.createKeyValue(KeyValueConfig(
            bucket: Self.ticketsBucket, history: 1, ttl: eventMaxAge, replicas: replicas,
            description: "Meridian tickets by id"))
    }

    /// The work consumer of a region's tier, created or updated.
    public func workConsumer(_ js: JetStream, region: RegionID, tier: Tier) async throws(NATSError) -> PullConsumer {
        guard createsMissing else { return try await js.pullConsumer(stream: Self.work, durable: Self.workConsumer(region, tier)) }
        return try await js.createOrUpdateConsumer(stream: Self.work, ConsumerConfig(
            durable: Self.workConsumer(region, tier), filterSubject: Subjects.work(region, tier),
            ackWait: workAckWait, maxAckPending: 1_000,
            description: "work for \(region.rawValue) \(tier.rawValue), shared by the region's workers"))
    }

    /// The routers' consumer of the intake stream.
    public func intakeConsumer(_ js: JetStream) async throws(NATSError) -> PullConsumer {
        guard createsMissing else { return try await js.pullConsumer(stream: Self.intake, durable: Self.intakeConsumer) }
        return try await js.createOrUpdateConsumer(stream: Self.intake, ConsumerConfig(
            durable: Self.intakeConsumer, ackWait: .seconds(30), maxAckPending: 1_000,
            description: "fire-and-forget intake, shared by the routers"))
    }

    /// The routers' consumer of `escalated` events, which become work for the next tier.
    public func escalationConsumer(_ js: JetStream) async throws(NATSError) -> PullConsumer {
        guard createsMissing else { return try await js.pullConsumer(stream: Self.events, durable: Self.escalationConsumer) }
        return try await js.createOrUpdateConsumer(stream: Self.events, ConsumerConfig(
            durable: Self.escalationConsumer, filterSubject: Subjects.events(kind: .escalated),
            ackWait: .seconds(30), maxAckPending: 1_000,
            description: "escalations, turned into work for the next tier by the routers"))
    }
}

/// Runs a start-up step against JetStream, retrying for up to `budget` while the server is
/// not ready (starting, electing a leader, or another node creating the same stream at the
/// same moment); each failed attempt is logged.
/// - Throws: the last error once the budget is spent, or `CancellationError`.
func startUpStep<T: Sendable>(
    _ what: String, logger: Logger, budget: Duration = .seconds(30),
    _ body: () async throws(NATSError) -> T
) async throws -> T {
    let deadline = ContinuousClock.now + budget
    var delay = Duration.milliseconds(100)
    while true {
        do {
            return try await body()
        } catch {
            if ContinuousClock.now + delay > deadline { throw error }
            logger.warning("start-up: \(what) failed; retrying", metadata: ["error": "\(error)"])
            try await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(2))
        }
    }
}
