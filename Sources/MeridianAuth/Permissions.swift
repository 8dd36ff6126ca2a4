import MeridianServices
public import TicketRouting

/// The subjects one identity may publish to and subscribe to: the server's allow lists.
/// Everything not listed is denied by nats-server.
public struct Permissions: Hashable, Sendable {
    /// Subjects (with NATS wildcards) the identity may publish to.
    public var publish: [String]
    /// Subjects the identity may subscribe to.
    public var subscribe: [String]
    /// Whether it may answer requests it received (each reply subject once, for a short while):
    /// nats-server's `allow_responses`, so that a responder needs no grant on anyone's inbox.
    public var allowResponses: Bool
}

/// The least-privilege grants of every identity, derived from the subjects each service uses
/// (Subjects.swift, Streams.swift and the JetStream API subjects cnats 3.4 sends to nats-server 2.9).
///
/// JetStream is reached through subjects too, so the same allow lists decide who may manage
/// streams (`$JS.API.STREAM.CREATE.<stream>` …), who may fetch from a durable consumer
/// (`$JS.API.CONSUMER.MSG.NEXT.<stream>.<consumer>`), who may acknowledge its messages
/// (`$JS.ACK.<stream>.<consumer>.>`) and who may open a read-only replay of the event log.
///
/// A replay is an ephemeral ordered consumer, which cnats 3.4 creates on
/// `$JS.API.CONSUMER.CREATE.<stream>` with the filter in the request body: the grant cannot pin
/// the filter to one region, so workers and the monitor can *read* every region's events (they
/// cannot change any: that endpoint refuses a durable name, and the server refuses a delivery
/// subject inside the stream). Docs/SECURITY.md says so.
///
/// Docs/SECURITY.md has the table of what each identity may do and why.
public enum Grants {
    static let api = "$JS.API"
    static let work = MeridianStreams.work, events = MeridianStreams.events, intake = MeridianStreams.intake
    static let kvStream = "KV_\(MeridianStreams.ticketsBucket)"

    /// Team actions, the only event kinds a team may record (never alerts, routing or assignment).
    public static let teamActions: [TicketEvent.Kind] = [
        .responded, .waitingOnCustomer, .customerReplied, .escalated, .planChanged, .resolved, .reopened,
    ]

    /// The permissions of `identity` in a deployment with `config`'s regions and tiers.
    public static func permissions(of identity: Identity, config: MeridianConfig) -> Permissions {
        let inbox = identity.inboxPrefix + ".>"
        switch identity.role {
        case .admin:
            // Creates, updates and inspects streams, consumers and the bucket; reads (not writes) Meridian subjects.
            return Permissions(publish: ["\(api).>"], subscribe: [inbox], allowResponses: false)

        case .router:
            return Permissions(
                publish: [
                    streamInfo(work), streamInfo(events), streamInfo(intake), streamInfo(kvStream),
                    "\(api).CONSUMER.INFO.\(intake).\(MeridianStreams.intakeConsumer)",
                    "\(api).CONSUMER.INFO.\(events).\(MeridianStreams.escalationConsumer)",
                    next(intake, MeridianStreams.intakeConsumer), ack(intake, MeridianStreams.intakeConsumer),
                    next(events, MeridianStreams.escalationConsumer), ack(events, MeridianStreams.escalationConsumer),
                ] + MeridianStreams.followUpConsumers.flatMap { [next(events, $0.name), ack(events, $0.name)] } + [
                    replay(events), "\(api).CONSUMER.INFO.\(events).*",
                    "\(api).STREAM.MSG.GET.\(events)",                 // the last `routed` of a ticket (duplicates)
                    "\(api).INFO",                                     // the start-up check: JetStream enabled
                ] + queueCensus + [
                ] + ticketsReadWrite + [
                    "meridian.work.>", "meridian.events.>", Subjects.intakeRejected,
                ],
                subscribe: [Subjects.intake, Subjects.allNodes, inbox],
                allowResponses: true)

        case .worker(let region):
            let consumers = config.tiers(of: region).sorted().map { MeridianStreams.workConsumer(region, $0) }
            return Permissions(
                publish: [streamInfo(work), streamInfo(events)]
                    + consumers.flatMap { ["\(api).CONSUMER.INFO.\(work).\($0)", next(work, $0), ack(work, $0)] }
                    + ["\(api).INFO", "\(api).STREAM.MSG.GET.\(work)"]   // start-up check; oldest queued item's age
                    + [
                        replay(events), "\(api).CONSUMER.INFO.\(events).*",
                        Subjects.regionEvents(region),                  // alerts, escalations, assignments
                        // Work handed off to this region is assigned in the ticket's home log (that
                        // is where its clocks are); an `assigned` moves no clock.
                        Subjects.events(kind: .assigned),
                        "meridian.nodes.\(region.rawValue).*",          // heartbeats
                    ],
                subscribe: [Subjects.inbox(region), inbox],
                allowResponses: true)

        case .team(let region):
            return Permissions(
                publish: [streamInfo(kvStream)] + ticketsRead
                    + teamActions.map { Subjects.events(region: region, kind: $0) }
                    + ["meridian.inbox.*"],                             // ask every region's workers (read-only)
                subscribe: [inbox],
                allowResponses: false)

        case .monitor:
            return Permissions(
                publish: [
                    streamInfo(events), "\(api).INFO",
                    replay(events), "\(api).CONSUMER.INFO.\(events).*",
                    "meridian.inbox.*",
                ] + queueCensus,
                subscribe: [Subjects.allNodes, Subjects.intakeRejected, inbox],
                allowResponses: false)

        case .submitter:
            return Permissions(
                publish: [Subjects.intake, Subjects.intakeQueue],
                subscribe: [inbox],
                allowResponses: false)
        }
    }

    private static func streamInfo(_ stream: String) -> String { "\(api).STREAM.INFO.\(stream)" }
    private static func next(_ stream: String, _ consumer: String) -> String { "\(api).CONSUMER.MSG.NEXT.\(stream).\(consumer)" }
    private static func ack(_ stream: String, _ consumer: String) -> String { "$JS.ACK.\(stream).\(consumer).>" }
    /// An ephemeral, read-only ordered consumer of `stream` (never a durable one) and its info.
    private static func replay(_ stream: String) -> String { "\(api).CONSUMER.CREATE.\(stream)" }

    /// `meridian status` and the queue gauges: every work consumer's info and the age of the
    /// oldest queued item (a message get whose subject travels in the request body, so it reads
    /// any region's queued work: Docs/SECURITY.md).
    private static let queueCensus = [
        streamInfo(work), "\(api).CONSUMER.INFO.\(work).*", "\(api).STREAM.MSG.GET.\(work)",
    ]

    private static let ticketsRead = [
        "\(api).DIRECT.GET.\(kvStream).$KV.\(MeridianStreams.ticketsBucket).*",
        "\(api).STREAM.MSG.GET.\(kvStream)",
    ]
    private static let ticketsReadWrite = ticketsRead + ["$KV.\(MeridianStreams.ticketsBucket).*"]
}
