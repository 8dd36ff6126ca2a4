import BusinessTime
public import Logging
public import NATS
public import ServiceLifecycle
import Synchronization
public import TicketRouting

/// Settings of a router instance.
public struct RouterOptions: Sendable {
    /// The heartbeat interval workers promise; a node missing `missedBeats` of them is gone.
    public var heartbeatInterval: Duration
    public var missedBeats: Int
    /// Whether this router hands off unanswered follow-the-sun tickets at each region's closing.
    public var handoffs: Bool
    /// Tickets routed at once (from requests, and from the intake stream).
    public var concurrency: Int

    public init(heartbeatInterval: Duration = .seconds(1), missedBeats: Int = 3, handoffs: Bool = true,
                concurrency: Int = 32) {
        self.heartbeatInterval = heartbeatInterval
        self.missedBeats = missedBeats
        self.handoffs = handoffs
        self.concurrency = concurrency
    }
}

/// What the router did with one ticket; `RouterService.onRouted` observers see it (the demo prints it).
public struct RoutingRecord: Sendable {
    public var ticket: Ticket
    public var reply: IntakeReply
}

/// `meridian router`: routes tickets to regions and tiers, hands work off at closings, and
/// turns escalations into work for the next tier. Any number of routers share the work.
///
/// - Intake by request/reply on `meridian.intake` (queue group `meridian-router`) and from the
///   intake stream (`meridian.intake.queue`): validate → decide (`Router.decide`, with the live
///   worker counts from heartbeats) → store the ticket, then `created`, the work item and
///   `routed`, each with a message id derived from the ticket id → reply / acknowledge.
///   `routed` is stored last: a ticket whose `routed` event exists was routed, so a resubmission
///   (even hours later) is answered as a duplicate and routed once.
/// - Follows the whole event log (a projection of every ticket's clock) to know, at each region's
///   closing, which unanswered follow-the-sun tickets it handles (`Router.handoffs`).
/// - Consumes `escalated` events (manual, or automatic from a worker's clock) and publishes the
///   work for the next tier (`Router.escalate`).
public final class RouterService: Service {
    public let connection: NATSConnection
    public let config: MeridianConfig
    public let clock: any ServiceClock
    public let streams: MeridianStreams
    public let options: RouterOptions
    let logger: Logger
    let observer: (@Sendable (RoutingRecord) -> Void)?
    /// What this router counts (`--metrics-listen` serves it) and whether it is ready.
    public let metrics: MeridianMetrics
    public let readiness = Readiness()

    private let liveness: Mutex<LivenessTracker<RegionID, NodeID>>
    /// Every ticket's clock, from the whole event log: who handles which ticket.
    let projection = Mutex(SLAClockBook())
    private let caughtUp = Gate()


    /// - Parameter observer: called after each ticket is routed or rejected (for the demo's output).
    public init(connection: NATSConnection, config: MeridianConfig, clock: any ServiceClock,
                streams: MeridianStreams = MeridianStreams(), options: RouterOptions = RouterOptions(),
                logger: Logger = Logger(label: "meridian.router"), metrics: MeridianMetrics = MeridianMetrics(),
                observer: (@Sendable (RoutingRecord) -> Void)? = nil) {
        self.metrics = metrics
        self.connection = connection
        self.config = config
        self.clock = clock
        self.streams = streams
        self.options = options
        self.logger = logger
        self.observer = observer
        self.liveness = Mutex(LivenessTracker(interval: options.heartbeatInterval, missedBeats: options.missedBeats))
    }

    public func run() async throws {
        try await JetStreamCheck.require(connection)
        let js = try connection.jetStream()
        let streams = self.streams
        try await streams.requireSetUp(MeridianStreams.routerParts(), in: js)
        try await startUpStep("creating the streams", logger: logger) { () throws(NATSError) in
            try await streams.ensureStreams(js)
        }
        let tickets = try await startUpStep("creating the tickets bucket", logger: logger) { () throws(NATSError) in
            try await streams.ticketsBucket(js)
        }
        let intakeConsumer = try await startUpStep("creating the intake consumer", logger: logger) { () throws(NATSError) in
            try await streams.intakeConsumer(js)
        }
        let escalations = try await startUpStep("creating the escalation consumer", logger: logger) { () throws(NATSError) in
            try await streams.escalationConsumer(js)
        }
        readiness.markSetUp()
        let requests = try connection.subscribe(to: Subjects.intake, queueGroup: "meridian-router")
        let heartbeats = try connection.subscribe(to: Subjects.allNodes)
        let intake = Intake(router: self, log: EventLog(js), tickets: tickets)
        logger.info("router started", metadata: ["regions": "\(config.regions.map(\.rawValue))"])

        try await cancelWhenGracefulShutdown {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { await self.trackHeartbeats(heartbeats) }
                group.addTask { try await self.followEvents(js) }
                group.addTask { await self.serveRequests(requests, intake: intake) }
                group.addTask { await self.consumeIntakeQueue(intakeConsumer, intake: intake) }
                group.addTask { await self.routeEscalations(escalations, intake: intake) }
                // Support policies (Policies/RouterPolicies.swift): follow-up work, partner warnings.
                group.addTask { try await self.routeFollowUps(js, intake: intake) }
                group.addTask { try await self.warnPartners(js) }
                if self.options.handoffs {
                    for region in self.config.regions {
                        group.addTask { await self.handOffAtClosings(region, intake: intake) }
                    }
                    for (region, onCall) in self.config.onCall {
                        group.addTask { await self.handOffAtOnCallEnds(region, onCall: onCall, intake: intake) }
                    }
                }
            }
        }
        try? requests.drain()
        logger.info("router stopped")
    }

    /// Live workers and backlog per region now.
    public func liveLoads() -> [RegionID: RegionLoad] {
        liveness.withLock { tracker in
            tracker.liveRegions(at: .now).mapValues { RegionLoad(liveWorkers: $0.workers, backlog: $0.backlog) }
        }
    }

    // MARK: - Heartbeats

    private func trackHeartbeats(_ subscription: NATSSubscription) async {
        for await message in subscription {
            guard let beat = try? JSONCoding.decode(Heartbeat.self, from: message.payload), beat.isPlausible else {
                metrics.badMessage(.heartbeat)
                logger.warning("ignored an unreadable heartbeat", metadata: ["subject": "\(message.subject)"])
                continue
            }
            liveness.withLock { tracker in
                switch beat.state {
                case .up: tracker.heartbeat(node: beat.node, region: beat.region, at: .now, backlog: beat.backlog)
                case .down: tracker.remove(node: beat.node)
                }
            }
        }
    }

    // MARK: - Intake

    private func serveRequests(_ subscription: NATSSubscription, intake: Intake) async {
        try? await forEach(subscription, concurrently: options.concurrency) { message in
            let reply = await intake.route(message.payload)
            guard message.reply != nil else { return }
            do {
                try self.connection.respond(to: message, payload: reply.json)
            } catch {
                self.logger.warning("could not answer an intake request", metadata: ["error": "\(error)"])
            }
        }
    }

    private func consumeIntakeQueue(_ consumer: PullConsumer, intake: Intake) async {
        await consume(consumer, what: "intake") { message in
            let reply = await intake.route(message.payload)
            switch reply {
            case .routed, .duplicate, .threaded:
                try? message.ack()
            case .rejected(let report):
                // Nobody waits for an answer: report it where monitoring can see it, and drop it.
                self.logger.error("rejected a queued ticket", metadata: ["error": "\(report.error)"])
                var headers = NATSHeaders()
                headers.add("Meridian-Stream-Sequence", "\(message.metadata.streamSequence)")
                try? self.connection.publish(Subjects.intakeRejected, payload: reply.json, headers: headers)
                try? message.term()
            case .unavailable:
                try? message.nak(delay: .seconds(1))
            }
        }
    }

    /// Fetches from `consumer` until cancelled; survives fetch failures (a server restart) by retrying.
    func consume(_ consumer: PullConsumer, what: String,
                 _ handle: @escaping @Sendable (JetStreamMessage) async -> Void) async {
        while !Task.isCancelled {
            do {
                try await forEach(consumer.messages(batch: 64, expires: .seconds(1)),
                                  concurrently: options.concurrency, handle)
            } catch {
                logger.warning("fetch failed; retrying", metadata: ["consumer": "\(what)", "error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(250))
            }
        }
    }

    fileprivate func observe(_ record: RoutingRecord) {
        self.record(record.ticket, record.reply)
        observer?(record)
    }

    // MARK: - The event projection

    private func followEvents(_ js: JetStream) async throws {
        while !Task.isCancelled {
            do {
                let started = ContinuousClock.now
                let replay = try await js.replay(stream: MeridianStreams.events, filter: Subjects.allEvents)
                projection.withLock { $0 = SLAClockBook() }
                for try await item in replay {
                    switch item {
                    case .message(let message):
                        guard let event = try? TicketEvent.decode(json: message.payload) else {
                            metrics.badMessage(.event)
                            logger.warning("ignored an unreadable event", metadata: ["subject": "\(message.subject)"])
                            continue
                        }
                        projection.withLock { _ = $0.apply(event, config: config) }
                    case .caughtUp:
                        caughtUp.open()
                        readiness.markCaughtUp()
                        metrics.replayed(in: started.duration(to: .now))
                    }
                }
                return
            } catch {
                logger.warning("event replay failed; starting again", metadata: ["error": "\(error)"])
                try await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    func waitForProjection() async {
        await caughtUp.wait()
    }

    func handling(of ticket: TicketID) -> (region: RegionID, home: RegionID, tier: Tier)? {
        projection.withLock { book in book[ticket].map { ($0.handling, $0.home, $0.tier) } }
    }

    // MARK: - Handoffs

    /// At each of `region`'s business closings, `Router.handoffs` over the tickets it handles.
    private func handOffAtClosings(_ region: RegionID, intake: Intake) async {
        guard let calendar = config.calendars[region] else { return }
        await handOff(region, atEndsOf: calendar, intake: intake) { candidates, closing, live in
            Router.handoffs(closing: region, tickets: candidates, config: self.config, now: closing, live: live)
                .map { ($0, "\(region) closed at \(closing); handed off to \($0.to.map(\.rawValue) ?? "-")") }
        }
    }

    /// At each end of `region`'s on-call coverage, moves its unanswered on-call work to a region on
    /// call then (`Router.onCallHandoffs`). A 24x7 `on_call` never ends: nothing to do.
    private func handOffAtOnCallEnds(_ region: RegionID, onCall: BusinessCalendar, intake: Intake) async {
        await handOff(region, atEndsOf: onCall, intake: intake) { candidates, end, live in
            Router.onCallHandoffs(closing: region, tickets: candidates, config: self.config, now: end, live: live)
                .map { ($0, "the on-call of \(region) ended at \(end.iso8601); on-call of \($0.to.map(\.rawValue) ?? "-")") }
        }
    }

    /// Sleeps until each end of `calendar`'s open intervals (none past the calendar's domain), then
    /// hands off what `decide` moves among the tickets `region` handles, each with its reason text.
    private func handOff(
        _ region: RegionID, atEndsOf calendar: BusinessCalendar, intake: Intake,
        decide: ([HandoffCandidate], Instant, [RegionID: RegionLoad]) -> [(HandoffDecision, String)]
    ) async {
        await waitForProjection()
        while !Task.isCancelled {
            let end = calendar.nextClosing(after: clock.now())
            guard end < BusinessCalendar.domain.upperBound else { return }
            do { try await clock.sleep(until: end) } catch { return }
            let candidates = projection.withLock { $0.handoffCandidates(handledBy: region) }
            for (decision, text) in decide(candidates, end, liveLoads()) {
                guard let to = decision.to else { continue }
                await intake.handOff(decision.ticket, from: region, to: to, tier: decision.tier, at: end,
                                     queuedUntil: decision.queuedUntil, reason: decision.reason, text: text)
            }
        }
    }

    // MARK: - Escalations

    private func routeEscalations(_ consumer: PullConsumer, intake: Intake) async {
        await waitForProjection()
        await consume(consumer, what: "escalations") { message in
            guard let event = try? TicketEvent.decode(json: message.payload), let tier = event.tier else {
                self.metrics.badMessage(.escalation)
                self.logger.error("dropped an unreadable escalation", metadata: ["subject": "\(message.subject)"])
                try? message.term()
                return
            }
            // Escalation goes up the levels; on-call is where routing sends out-of-hours work, never a target.
            guard tier.isLevel else {
                self.logger.error("dropped an escalation to a tier that is not a level", metadata: [
                    "subject": "\(message.subject)", "tier": "\(tier.rawValue)",
                ])
                try? message.term()
                return
            }
            if await intake.escalate(event, to: tier, sequence: message.metadata.streamSequence) {
                try? message.ack()
            } else {
                try? message.nak(delay: .seconds(1))
            }
        }
    }
}

/// The intake pipeline of one router: validation, decision, and the writes that make a routing.
struct Intake: Sendable {
    let router: RouterService
    let log: EventLog
    let tickets: KeyValueBucket
    let validator: TicketValidator

    init(router: RouterService, log: EventLog, tickets: KeyValueBucket) {
        self.router = router
        self.log = log
        self.tickets = tickets
        self.validator = TicketValidator(plans: Set(router.config.plans.keys), regions: Set(router.config.regions))
    }

    var config: MeridianConfig { router.config }
    var logger: Logger { router.logger }

    /// Routes one ticket (JSON bytes) and says what happened; a follow-up naming a case is threaded
    /// onto it instead (`thread`, Policies/IntakeThreading.swift).
    func route(_ payload: [UInt8]) async -> IntakeReply {
        switch FollowUpMessage.parse(json: payload) {
        case .success(let followUp)?: return await thread(followUp, payload: payload)
        case .failure(let report)?: return .rejected(report)
        case nil: return await route(payload, linkedCase: nil)
        }
    }

    /// Validates and routes a new ticket; `linkedCase` is the old case a late follow-up names.
    func route(_ payload: [UInt8], linkedCase: TicketID?) async -> IntakeReply {
        let ticket: Ticket
        switch validator.validate(json: payload) {
        case .failure(let report):
            let reply = IntakeReply.rejected(report)
            router.metrics.rejected(report)
            logger.info("rejected a ticket", metadata: ["error": "\(report.error)"])
            return reply
        case .success(let valid):
            ticket = valid
        }
        let reply: IntakeReply
        do {
            reply = try await store(ticket, linkedCase: linkedCase)
        } catch {
            logger.error("could not route a ticket", metadata: ["ticket": "\(ticket.id)", "error": "\(error)"])
            return .unavailable("the ticket could not be stored now (\(error.text)); nothing was routed, submit it again")
        }
        router.observe(RoutingRecord(ticket: ticket, reply: reply))
        return reply
    }

    private func store(_ ticket: Ticket, linkedCase: TicketID?) async throws(NATSError) -> IntakeReply {
        let routedSubject = Subjects.events(region: ticket.region, kind: .routed, ticket: ticket.id)
        if let earlier = try await log.last(on: routedSubject) {
            return .duplicate(ticket: ticket.id, region: earlier.toRegion ?? earlier.region,
                              tier: earlier.tier ?? .l1, reason: earlier.reason ?? "")
        }
        let now = router.clock.now()
        let decision = Router.decide(ticket: ticket, config: config, now: now, live: router.liveLoads())
        let id = ticket.id.rawValue
        let ticketJSON: [UInt8]
        do { ticketJSON = try JSONCoding.encode(ticket) } catch {
            throw NATSError(status: .error, text: "cannot encode ticket \(id): \(error)")
        }
        _ = try await tickets.put(id, ticketJSON)
        var created = TicketEvent.created(ticket)
        created.linkedCase = linkedCase
        try await log.append(created, id: MessageID.created(ticket.id))
        let work = WorkItem(
            workID: .intake(ticket.id, decision.tier), ticket: ticket, region: decision.region,
            tier: decision.tier, reason: decision.reason.rawValue, reasonText: decision.reasonText,
            firstResponseDue: decision.firstResponseDue, resolutionDue: decision.resolutionDue,
            queuedUntil: decision.queuedUntil)
        try await publish(work)
        // Last: the mark that the ticket is routed.
        try await log.append(.routed(ticket, decision: decision, at: now), id: MessageID.routed(ticket.id))
        return .routed(decision)
    }

    func publish(_ work: WorkItem) async throws(NATSError) {
        let payload: [UInt8]
        do { payload = try JSONCoding.encode(work) } catch {
            throw NATSError(status: .error, text: "cannot encode work \(work.workID): \(error)")
        }
        try await log.jetStream.publish(
            Subjects.work(work.region, work.tier), payload: payload, messageID: MessageID.work(work.workID),
            expectedStream: MeridianStreams.work)
    }

    func ticket(_ id: TicketID) async throws(NATSError) -> Ticket? {
        guard let entry = try await tickets.get(id.rawValue) else { return nil }
        return try? JSONCoding.decode(Ticket.self, from: entry.value)
    }

    /// Moves an unanswered ticket to another region at `from`'s closing: a work item there and a
    /// `handed_off` event in the ticket's home log.
    func handOff(_ id: TicketID, from: RegionID, to: RegionID, tier: Tier, at closing: Instant, queuedUntil: Instant?,
                 reason: RoutingReason, text: String) async {
        do {
            guard let ticket = try await ticket(id), let home = router.handling(of: id)?.home else {
                logger.warning("cannot hand off an unknown ticket", metadata: ["ticket": "\(id)"])
                return
            }
            try await publish(WorkItem(
                workID: .handoff(id, closing: closing), ticket: ticket, region: to, tier: tier,
                reason: reason.rawValue,
                reasonText: text, queuedUntil: queuedUntil))
            var event = TicketEvent(ticket: id, kind: .handedOff, at: closing, region: home, toRegion: to, tier: tier,
                                    reason: reason.rawValue)
            event.homeRegion = home
            try await log.append(event, id: MessageID.handedOff(id, closing: closing))
            router.metrics.handedOff(from: from, to: to)
            logger.info("handed off", metadata: ["ticket": "\(id)", "from": "\(from)", "to": "\(to)"])
        } catch {
            logger.error("handoff failed", metadata: ["ticket": "\(id)", "error": "\(error)"])
        }
    }

    /// Publishes the work for an escalation. - Returns: false to retry later.
    func escalate(_ event: TicketEvent, to tier: Tier, sequence: UInt64) async -> Bool {
        do {
            guard let ticket = try await ticket(event.ticket) else {
                logger.error("escalation of an unknown ticket", metadata: ["ticket": "\(event.ticket)"])
                return true
            }
            let from = router.handling(of: event.ticket)?.region ?? event.region
            let now = router.clock.now()
            let decision = Router.escalate(from: from, home: ticket.region, to: tier, config: config,
                                           now: now, live: router.liveLoads())
            let workID = WorkID.escalation(event.ticket, sequence: sequence)
            try await publish(WorkItem(
                workID: workID, ticket: ticket, region: decision.region,
                tier: decision.tier, reason: decision.reason.rawValue, reasonText: decision.reasonText,
                queuedUntil: decision.queuedUntil))
            router.metrics.escalated(region: decision.region, tier: decision.tier)
            if decision.region != from {
                // The work moved: the home log says who handles the ticket now (the receiving
                // region's inbox lists it).
                var moved = TicketEvent(ticket: event.ticket, kind: .handedOff, at: max(now, event.at),
                                        region: ticket.region, toRegion: decision.region, tier: decision.tier,
                                        reason: decision.reason.rawValue)
                moved.homeRegion = ticket.region
                try await log.append(moved, id: MessageID.handedOff(workID))
            }
            logger.info("escalated", metadata: ["ticket": "\(event.ticket)", "region": "\(decision.region)",
                                                "tier": "\(decision.tier.rawValue)"])
            return true
        } catch {
            logger.error("escalation failed", metadata: ["ticket": "\(event.ticket)", "error": "\(error)"])
            return false
        }
    }
}
