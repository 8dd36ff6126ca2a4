import BusinessTime
import Foundation
public import Logging
public import NATS
public import ServiceLifecycle
import Synchronization
public import TicketRouting

/// Settings of a worker node.
public struct WorkerOptions: Sendable {
    public var region: RegionID
    public var node: NodeID
    public var heartbeatInterval: Duration
    /// Work items fetched at once per tier.
    public var fetchBatch: Int

    public init(region: RegionID, node: NodeID, heartbeatInterval: Duration = .seconds(1), fetchBatch: Int = 16) {
        self.region = region
        self.node = node
        self.heartbeatInterval = heartbeatInterval
        self.fetchBatch = fetchBatch
    }
}

/// `meridian worker --region R`: one node of a region's support team.
///
/// - Pulls the region's work (one shared durable consumer per tier), records `assigned` with its
///   node name, hands the work to the team (`TeamChannel`: JSON lines on stdout by default), and
///   acknowledges it only after `assigned` is stored.
/// - Keeps every SLA clock of its region in memory (`RegionClocks`): replays the region's log at
///   start, then follows it live; publishes `warning` / `breached` events with the deterministic
///   message id `<ticket>:<clock>:<cycle>:<kind>` (so the region's nodes store each alert once)
///   and `escalated` events when a tier's target passes.
/// - Heartbeats on `meridian.nodes.<region>.<node>`; says goodbye when it stops.
/// - Answers `meridian.inbox.<region>` with the region's open tickets, most urgent first.
public final class WorkerService: Service {
    public let connection: NATSConnection
    public let config: MeridianConfig
    public let clock: any ServiceClock
    public let streams: MeridianStreams
    public let options: WorkerOptions
    public let team: any TeamChannel
    public let clocks: RegionClocks
    let logger: Logger
    private let wakeup = Wakeup()
    /// What this node counts (`--metrics-listen` serves it) and whether it is ready.
    public let metrics: MeridianMetrics
    public let readiness = Readiness()
    let breaches: BreachTally

    public init(connection: NATSConnection, config: MeridianConfig, clock: any ServiceClock,
                options: WorkerOptions, team: any TeamChannel = StandardOutputChannel(),
                streams: MeridianStreams = MeridianStreams(),
                logger: Logger = Logger(label: "meridian.worker"), metrics: MeridianMetrics = MeridianMetrics()) {
        self.metrics = metrics
        self.breaches = BreachTally(calendar: config.calendars[options.region] ?? config.twentyFourSeven)
        self.connection = connection
        self.config = config
        self.clock = clock
        self.options = options
        self.team = team
        self.streams = streams
        self.clocks = RegionClocks(region: options.region, config: config)
        var logger = logger
        logger[metadataKey: "node"] = "\(options.node)"
        self.logger = logger
    }

    var region: RegionID { options.region }

    public func run() async throws {
        guard config.calendars[region] != nil else {
            throw ConfigError(file: config.file, keyPath: "regions.\(region)", message: "no such region in the config")
        }
        try await JetStreamCheck.require(connection)
        let js = try connection.jetStream()
        let streams = self.streams, region = self.region
        try await streams.requireSetUp(MeridianStreams.workerParts(region, config: config), in: js)
        try await startUpStep("creating the streams", logger: logger) { () throws(NATSError) in
            try await streams.ensureStreams(js)
        }
        var tierConsumers: [PullConsumer] = []
        for tier in config.tiers(of: region).sorted() {
            tierConsumers.append(try await startUpStep("creating the \(tier.rawValue) consumer", logger: logger) {
                () throws(NATSError) in try await streams.workConsumer(js, region: region, tier: tier)
            })
        }
        let consumers = tierConsumers
        readiness.markSetUp()
        let inbox = try connection.subscribe(to: Subjects.inbox(region), queueGroup: "meridian-inbox-\(region)")
        let log = EventLog(js)
        logger.info("worker started", metadata: ["region": "\(region)"])

        try await cancelWhenGracefulShutdown {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { await self.heartbeat() }
                group.addTask { try await self.followLog(js, log: log) }
                group.addTask { await self.fireTimers(log: log) }
                group.addTask { await self.answerInbox(inbox) }
                for consumer in consumers {
                    group.addTask { await self.takeWork(consumer, log: log) }
                }
            }
        }
        try? inbox.drain()
        try? sendHeartbeat(.down)
        try? await connection.flush(timeout: .seconds(2))
        logger.info("worker stopped")
    }

    // MARK: - Heartbeats

    private func sendHeartbeat(_ state: Heartbeat.State) throws {
        try connection.publish(Subjects.node(region, options.node), payload: try JSONCoding.encode(makeHeartbeat(state)))
    }

    /// Beats every `heartbeatInterval` with the counts of the clocks in memory (no JetStream
    /// call: a slow JetStream API must not delay the beats, or routers count a healthy node as
    /// gone after 3 intervals).
    private func heartbeat() async {
        while !Task.isCancelled {
            do { try sendHeartbeat(.up) } catch {
                logger.warning("heartbeat not sent", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: options.heartbeatInterval)
        }
    }

    // MARK: - Work

    private func takeWork(_ consumer: PullConsumer, log: EventLog) async {
        while !Task.isCancelled {
            do {
                // A fetched batch is taken concurrently: each item waits for its `assigned` to be stored.
                try await forEach(consumer.messages(batch: options.fetchBatch, expires: .seconds(1)),
                                  concurrently: options.fetchBatch) { message in
                    await self.handle(message, log: log)
                }
            } catch {
                logger.warning("fetching work failed; retrying", metadata: ["consumer": "\(consumer.name)", "error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(250))
            }
        }
    }

    private func handle(_ message: JetStreamMessage, log: EventLog) async {
        let work: WorkItem
        do {
            work = try JSONCoding.decode(WorkItem.self, from: message.payload)
        } catch {
            metrics.badMessage(.work)
            logger.error("dropped unreadable work", metadata: [
                "subject": "\(message.subject)", "sequence": "\(message.metadata.streamSequence)", "error": "\(error)",
            ])
            try? message.term()
            return
        }
        let now = clock.now()
        var assigned = TicketEvent(ticket: work.ticket.id, kind: .assigned, at: now, region: work.ticket.region,
                                   tier: work.tier, node: options.node)
        assigned.toRegion = work.region
        do {
            try await log.append(assigned, id: MessageID.assigned(work.workID))
            recordAssignment(of: message, region: work.region)
            try await team.deliver(Assignment(work: work, node: options.node, assignedAt: now,
                                              delivery: Int(message.metadata.deliveryCount)))
            try message.ack()
        } catch {
            logger.warning("work not taken; it will come again", metadata: ["ticket": "\(work.ticket.id)", "error": "\(error)"])
            try? message.nak(delay: .seconds(1))
        }
    }

    // MARK: - Clocks

    private func followLog(_ js: JetStream, log: EventLog) async throws {
        let started = ContinuousClock.now
        let replay = try await js.replay(stream: MeridianStreams.events, filter: Subjects.regionEvents(region))
        var live = false   // while replaying, the timers wait: no wake-up per replayed event
        for try await item in replay {
            switch item {
            case .message(let message):
                guard let event = try? TicketEvent.decode(json: message.payload) else {
                    metrics.badMessage(.event)
                    logger.warning("ignored an unreadable event", metadata: ["subject": "\(message.subject)"])
                    continue
                }
                breaches.observe(event)
                await publish(clocks.receive(event), log: log)
            case .caughtUp:
                let due = clocks.caughtUp()
                readiness.markCaughtUp()
                metrics.replayed(in: started.duration(to: .now))
                logger.info("clocks rebuilt from the log", metadata: ["clocks": "\(clocks.count)", "due": "\(due.count)"])
                await publish(due, log: log)
                live = true
            }
            if live { wakeup.signal() }
        }
    }

    private func fireTimers(log: EventLog) async {
        while !Task.isCancelled {
            await clock.sleep(until: clocks.isLive ? clocks.nextDeadline : nil, orUntil: wakeup)
            guard !Task.isCancelled else { return }
            await publish(clocks.advance(to: clock.now()), log: log)
        }
    }

    /// Publishes alerts, target changes and escalations. A failed publish is logged; the event comes due again on
    /// the next replay (a restart), since it is not in the log.
    private func publish(_ actions: [TicketAction], log: EventLog) async {
        for item in actions {
            let event: TicketEvent
            let id: String
            switch item.action {
            case .emitWarning(let alert), .emitBreach(let alert):
                event = alert.event
                id = alert.messageID
            case .targetChanged(let change):
                event = change.event
                id = event.messageID
            case .escalate(let tier):
                guard let clock = clocks.clock(item.ticket) else { continue }
                event = TicketEvent(ticket: item.ticket, kind: .escalated, at: self.clock.now(), region: clock.home,
                                    tier: tier, automatic: true)
                id = "\(item.ticket.rawValue):escalated:\(tier.rawValue):\(clock.cycle(.resolution))"
            case .cancelTimers, .schedule:
                continue
            }
            do {
                if try await log.append(event, id: id) { metrics.alertStored(event) }
            } catch {
                logger.error("could not publish an alert", metadata: ["id": "\(id)", "error": "\(error)"])
            }
        }
    }

    // MARK: - Inbox

    /// Answers with the open tickets, most urgent first, and their count in the header
    /// `Meridian-Open-Tickets`. A region can hold more than one NATS message carries (max_payload,
    /// 1 MB by default, is about 2,000 tickets): then the answer is the most urgent ones that fit.
    private func answerInbox(_ subscription: NATSSubscription) async {
        for await request in subscription {
            var open = clocks.openTickets(at: clock.now())
            var headers = NATSHeaders()
            headers.add("Meridian-Open-Tickets", "\(open.count)")
            while true {
                let payload = (try? JSONCoding.encode(open)) ?? Array("[]".utf8)
                do {
                    try connection.respond(to: request, payload: payload, headers: headers)
                } catch where error.status == .maxPayload && open.count > 1 {
                    open.removeLast(open.count / 2)
                    continue
                } catch {
                    logger.warning("could not answer an inbox request", metadata: ["error": "\(error)"])
                }
                break
            }
        }
    }
}
