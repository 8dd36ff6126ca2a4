public import BusinessTime
import MeridianServices
import Foundation
public import Logging
import NATS
public import ServiceLifecycle
import Synchronization
public import TicketRouting

/// Settings of a demo run.
public struct DemoOptions: Sendable {
    public var config: MeridianConfig
    /// The NATS server to run on.
    public var natsURL: String
    public var seed: UInt64
    /// Tickets in the stream (plus two duplicate submissions).
    public var tickets: Int
    /// The simulated start: Monday 00:00 UTC of a week without holidays.
    public var start: Instant
    /// Simulated hours to play (120: Monday 00:00 → Saturday 00:00).
    public var hours: Int
    /// Simulated seconds per real second.
    public var speed: Double
    /// Worker nodes per region.
    public var workers: [RegionID: Int]
    /// Ticket id prefix (`T` → `T-0001`): distinct per run against a shared server.
    public var idPrefix: String
    /// Hard cap on the real duration of the simulated span; the run stops there whatever the clock says.
    public var realTimeLimit: Duration
    public var logger: Logger

    public init(config: MeridianConfig, natsURL: String, seed: UInt64 = 42, tickets: Int = 120,
                start: Instant = DemoOptions.defaultStart, hours: Int = 120, speed: Double = 5000,
                workers: [RegionID: Int] = ["emea": 2, "amer": 1, "apac": 1], idPrefix: String = "T",
                realTimeLimit: Duration = .seconds(105), logger: Logger = Logger(label: "meridian.demo")) {
        self.config = config
        self.natsURL = natsURL
        self.seed = seed
        self.tickets = tickets
        self.start = start
        self.hours = hours
        self.speed = speed
        self.workers = workers
        self.idPrefix = idPrefix
        self.realTimeLimit = realTimeLimit
        self.logger = logger
    }

    /// Monday 2026-11-30 00:00 UTC: a week without public holidays in the shipped regions.
    public static let defaultStart = Instant(iso8601: "2026-11-30T00:00:00Z")!

    /// The end of the simulated span.
    public var end: Instant { start + Int64(hours) * 3600 }

    /// Real seconds the simulated span takes.
    public var realSeconds: Double { Double(hours) * 3600 / speed }
}

/// `meridian demo`: one router and the regions' workers in-process on one scaled clock, a seeded
/// ticket stream submitted on `meridian.intake`, simulated support agents answering (or not) the
/// work their worker hands them, and a live feed of routings, handoffs, escalations and alerts
/// (from the event log), ending with a summary table.
///
/// A `Service`: run it in a `ServiceGroup` for SIGINT/SIGTERM (the run stops early and still
/// prints the table), or call `run()` directly (tests). Every loop is bounded by the simulated end
/// and by `realTimeLimit`.
public final class DemoSimulation: Service {
    public let options: DemoOptions
    public let clock: DemoClock
    private let output: @Sendable (String) -> Void
    private let tracker: DemoTracker
    private let result = Mutex<DemoSummary?>(nil)

    /// - Parameter output: receives each line of the live feed and of the final table.
    public init(options: DemoOptions, output: @escaping @Sendable (String) -> Void) {
        self.options = options
        self.output = output
        self.clock = DemoClock(start: options.start, factor: options.speed)
        self.tracker = DemoTracker(config: options.config)
    }

    /// The summary, once `run()` has returned.
    public var summary: DemoSummary? { result.withLock { $0 } }

    private enum Ending: Sendable {
        case finished(stoppedEarly: Bool)
        case service(String, (any Error)?)
    }

    public func run() async throws {
        let opened = ConnectionSet()
        do {
            try await simulate(opened)
        } catch {
            await opened.closeAll()
            throw error
        }
        await opened.closeAll()
    }

    private func simulate(_ opened: ConnectionSet) async throws {
        let options = self.options
        let logger = options.logger
        let config = options.config
        let connect = { (name: String) async throws(NATSError) -> NATSConnection in
            var natsOptions = NATSOptions(url: options.natsURL)
            natsOptions.name = name
            let connection = try await NATSConnection.connect(natsOptions, logger: logger)
            opened.add(connection)
            return connection
        }
        let main = try await connect("meridian-demo")
        let js = try main.jetStream()
        let streams = MeridianStreams()
        try await streams.ensureStreams(js)
        let firstEvent = try await js.streamInfo(MeridianStreams.events).lastSequence + 1

        let routerConnection = try await connect("meridian-demo-router")
        let router = RouterService(connection: routerConnection, config: config, clock: clock, streams: streams,
                                   options: RouterOptions(heartbeatInterval: .milliseconds(250)), logger: logger)
        let agents = DemoAgents(config: config, clock: clock, log: EventLog(js), seed: options.seed,
                                tracker: tracker, logger: logger)
        var workers: [WorkerService] = []
        for region in config.regions {
            for n in 0..<(options.workers[region] ?? 0) {
                let nc = try await connect("meridian-demo-\(region)-\(n + 1)")
                workers.append(WorkerService(
                    connection: nc, config: config, clock: clock,
                    options: WorkerOptions(region: region, node: NodeID("\(region)-\(n + 1)"),
                                           heartbeatInterval: .milliseconds(250)),
                    team: ClosureChannel { assignment in agents.receive(assignment) },
                    streams: streams, logger: logger))
            }
        }
        let staffed = Set(workers.map(\.options.region))
        let stream = DemoTickets.stream(seed: options.seed, count: options.tickets, start: options.start,
                                        end: options.end, config: config, idPrefix: options.idPrefix)
        let realStart = ContinuousClock.now
        let services: [(String, any Service)] = [("router", router)] + workers.map { ("worker \($0.options.node)", $0) }

        let ending: Ending = await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Ending.self) { group in
                for (name, service) in services {
                    group.addTask {
                        do { try await service.run() } catch { return .service(name, error) }
                        return .service(name, nil)
                    }
                }
                group.addTask {
                    do { try await self.tail(js, from: firstEvent) } catch { return .service("event tail", error) }
                    return .service("event tail", nil)
                }
                group.addTask {
                    await agents.run()
                    return .service("agents", nil)
                }
                group.addTask {
                    await self.play(stream, router: router, staffed: staffed, connection: main, realStart: realStart)
                }
                var first = await group.next() ?? .finished(stoppedEarly: true)
                // Stopped from outside (SIGINT, graceful shutdown): whatever ended first ended because of it.
                if Task.isCancelled { first = .finished(stoppedEarly: true) }
                group.cancelAll()
                while await group.next() != nil {}
                return first
            }
        }
        let stoppedEarly: Bool
        switch ending {
        case .finished(let early):
            stoppedEarly = early
        case .service(let name, let error):
            stoppedEarly = true
            output("demo: \(name) stopped\(error.map { ": \($0)" } ?? "")")
        }
        let summary = tracker.summary(options: options, reachedTime: clock.now(), stoppedEarly: stoppedEarly,
                                      realSeconds: realStart.duration(to: .now))
        result.withLock { $0 = summary }
        output("")
        for line in summary.table { output(line) }
        if case .service(let name, let error?) = ending, !(error is CancellationError) {
            throw DemoError(message: "\(name) failed: \(error)")
        }
    }

    // MARK: - The scenario

    /// Waits for the workers, starts time, feeds the tickets and returns at the simulated end
    /// (or at the real-time cap, or when cancelled).
    private func play(_ stream: [DemoSubmission], router: RouterService, staffed: Set<RegionID>,
                      connection: NATSConnection, realStart: ContinuousClock.Instant) async -> Ending {
        let options = self.options
        // The router must see every staffed region's workers before time starts.
        let liveBy = ContinuousClock.now + .seconds(15)
        while Set(router.liveLoads().keys) != staffed {
            guard ContinuousClock.now < liveBy, !Task.isCancelled else {
                output("demo: workers did not come up in 15 s")
                return .finished(stoppedEarly: true)
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        output("Meridian demo: seed \(options.seed), \(stream.count) submissions, "
               + "\(Self.format(options.start)) → \(Self.format(options.end)) UTC "
               + "(\(options.hours) simulated hours in ~\(Int(options.realSeconds.rounded())) s)")
        output("workers: " + options.config.regions.compactMap { r in
            options.workers[r].map { "\(r) ×\($0)" }
        }.joined(separator: ", ") + "; times are simulated UTC")
        output("")
        clock.begin()
        let end = options.end
        let limit = realStart + options.realTimeLimit
        return await withTaskGroup(of: Ending?.self) { group in
            group.addTask {
                await self.feed(stream, connection: connection)
                return nil
            }
            for region in options.config.regions {
                group.addTask {
                    await self.announceOpenings(region, until: end)
                    return nil
                }
            }
            group.addTask {
                do { try await self.clock.sleep(until: end) } catch { return .finished(stoppedEarly: true) }
                return .finished(stoppedEarly: false)
            }
            group.addTask {
                do { try await Task.sleep(until: limit) } catch { return .finished(stoppedEarly: true) }
                self.output("demo: stopped at the real-time limit")
                return .finished(stoppedEarly: true)
            }
            var ending: Ending = .finished(stoppedEarly: true)
            while let next = await group.next() {
                if let next {
                    ending = next
                    break
                }
            }
            group.cancelAll()
            return ending
        }
    }

    private func feed(_ stream: [DemoSubmission], connection: NATSConnection) async {
        for submission in stream {
            do { try await clock.sleep(until: submission.at) } catch { return }
            let reply: String
            do {
                reply = try await connection.request(Subjects.intake, payload: submission.json, timeout: .seconds(5)).string
            } catch {
                output("\(Self.format(clock.now()))  error     \(submission.id): \(error)")
                tracker.failed(submission)
                continue
            }
            output(tracker.submitted(submission, reply: reply))
        }
    }

    private func announceOpenings(_ region: RegionID, until end: Instant) async {
        guard let calendar = options.config.calendars[region] else { return }
        var t = clock.now()
        for _ in 0..<64 {
            let isOpening = !calendar.isOpen(at: t)
            let next = isOpening ? calendar.nextOpening(after: t) : calendar.nextClosing(after: t)
            guard next < end else { return }
            do { try await clock.sleep(until: next) } catch { return }
            let local = calendar.localTimeString(of: next).split(separator: " ").dropFirst().first.map { String($0.prefix(5)) } ?? ""
            output("\(Self.format(next))  \(region) \(isOpening ? "opens " : "closes") (\(local) \(calendar.timeZoneIdentifier))")
            t = next
        }
    }

    /// Follows the event log from `sequence`: every stored event once (alerts that several nodes
    /// fire are stored once).
    private func tail(_ js: JetStream, from sequence: UInt64) async throws {
        let replay = try await js.replay(stream: MeridianStreams.events, filter: Subjects.allEvents,
                                         from: .sequence(sequence))
        for try await item in replay {
            guard case .message(let message) = item,
                  let event = try? TicketEvent.decode(json: message.payload) else { continue }
            if let line = tracker.observe(event) { output(line) }
        }
    }

    // MARK: - Formatting

    static let weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

    /// `10:02 Tue` in UTC.
    public static func format(_ instant: Instant) -> String {
        let seconds = instant.unixSeconds
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let inDay = seconds - days * 86_400
        // 1970-01-01 was a Thursday (index 3 from Monday).
        let weekday = weekdays[Int(((days % 7) + 7 + 3) % 7)]
        return String(format: "%02d:%02d %@", Int(inDay / 3600), Int(inDay % 3600 / 60), weekday)
    }
}

/// The connections a run opened, closed at its end.
final class ConnectionSet: Sendable {
    private let list = Mutex<[NATSConnection]>([])

    func add(_ connection: NATSConnection) {
        list.withLock { $0.append(connection) }
    }

    func closeAll() async {
        let all = list.withLock { list in
            defer { list = [] }
            return list
        }
        for connection in all { await connection.close() }
    }
}

/// A demo run could not go on.
public struct DemoError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}

// MARK: - Simulated agents

/// The support teams of the demo: for each assignment a worker hands over, an agent acts on the
/// simulated clock, in the assigned region's business hours. Everything it decides comes from a
/// generator seeded with the run's seed and the work item id.
///
/// - L1 work: about 8% is never picked up; most first responses come at 10–55% of the plan's
///   target (of 8 hours for longer targets), about 1 in 4 at 130–220% of the target (a breach). A follow-the-sun ticket that cannot be answered
///   before the region closes is left for the handoff. Responses keep 20 simulated minutes away
///   from the due instant, so that real-time jitter does not change which side of it they land.
/// - After the response: 20% wait on the customer (who replies 1–6 hours later), 10% are escalated
///   by hand to L2, the rest are resolved 30 minutes to 3 business hours later.
/// - L2/L3 work: if nobody answered yet, answered 30 minutes to 2 hours before or after the due
///   instant (a coin toss); resolved 2–10 business hours later.
final class DemoAgents: Sendable {
    let config: MeridianConfig
    let clock: any ServiceClock
    let log: EventLog
    let seed: UInt64
    let tracker: DemoTracker
    let logger: Logger
    private let inbox: AsyncStream<Assignment>
    private let continuation: AsyncStream<Assignment>.Continuation
    private let seen = Mutex<Set<WorkID>>([])

    init(config: MeridianConfig, clock: any ServiceClock, log: EventLog, seed: UInt64, tracker: DemoTracker,
         logger: Logger) {
        self.config = config
        self.clock = clock
        self.log = log
        self.seed = seed
        self.tracker = tracker
        self.logger = logger
        (inbox, continuation) = AsyncStream.makeStream(of: Assignment.self)
    }

    /// Called by the workers' team channels: queues the assignment and returns at once.
    func receive(_ assignment: Assignment) {
        continuation.yield(assignment)
    }

    /// Acts on assignments until cancelled.
    func run() async {
        await withDiscardingTaskGroup { group in
            for await assignment in inbox {
                let fresh = seen.withLock { $0.insert(assignment.work.workID).inserted }
                guard fresh else { continue }
                group.addTask { await self.act(on: assignment) }
            }
            group.cancelAll()
        }
    }

    private func act(on assignment: Assignment) async {
        let work = assignment.work
        let ticket = work.ticket
        // On-call work is answered on the on-call rota's hours, like first-line work.
        let hours = work.tier == .oncall ? config.onCall[work.region] : config.calendars[work.region]
        guard let calendar = hours, let policy = config.plans[ticket.plan] else { return }
        // Escalation work ids carry a stream sequence: key those by ticket and tier instead.
        let key: String
        if case .escalation = work.workID { key = "\(ticket.id):\(work.tier.rawValue)" } else { key = work.workID.rawValue }
        var rng = DemoRandom(seed: seed, key: key)
        let begin = calendar.nextOpening(after: Self.workStart(assignment))
        let agent = "\(work.region)-agent-\(rng.int(1...6))"
        let home = ticket.region

        if work.tier > .l1 || tracker.hasResponse(ticket.id) {
            var t = begin
            if !tracker.hasResponse(ticket.id) {
                // Escalated before anyone answered: L2 answers half an hour to two hours before
                // or after the due instant (a coin toss), an outcome no real-time jitter changes.
                let k = rng.int(1800...7200)
                if let due = tracker.firstResponseDue(ticket.id) ?? work.firstResponseDue {
                    t = max(rng.unit() < 0.5 ? due - k : due + k, clock.now())
                } else {
                    t = calendar.add(begin, seconds: k)
                }
                guard await post(.responded, ticket.id, at: t, home: home, node: assignment.node, agent: agent) else { return }
            }
            let resolveAt = calendar.add(t, seconds: rng.int(2 * 3600...10 * 3600))
            _ = await post(.resolved, ticket.id, at: resolveAt, home: home, node: assignment.node, agent: agent)
            return
        }

        let roll = rng.unit()
        if roll < 0.08 { return }  // nobody picks it up
        let target = policy.target(.firstResponse, severity: ticket.severity)
        let fraction = roll < 0.75 ? 0.1 + 0.45 * rng.unit() : 1.3 + 0.9 * rng.unit()
        // On time: within a share of the target, and of a working day for long targets.
        let scale = roll < 0.75 ? min(target, 8 * 3600) : target
        var respondAt = calendar.add(begin, seconds: max(300, Int64(Double(scale) * fraction)))
        if let due = tracker.firstResponseDue(ticket.id) ?? work.firstResponseDue, abs(respondAt - due) < 1200 {
            respondAt = calendar.nextOpening(after: due + 1200)
        }
        if policy.followTheSun, respondAt > calendar.nextClosing(after: begin) - 900 {
            return  // the region closes first: the router hands the ticket off
        }
        guard await post(.responded, ticket.id, at: respondAt, home: home, node: assignment.node, agent: agent) else {
            return
        }
        let next = rng.unit()
        if next < 0.2 {
            let waitAt = calendar.add(respondAt, seconds: rng.int(1200...5400))
            let replyAt = waitAt + rng.int(3600...6 * 3600)
            let resolveAt = calendar.add(replyAt, seconds: rng.int(1800...4 * 3600))
            guard await post(.waitingOnCustomer, ticket.id, at: waitAt, home: home, node: assignment.node, agent: agent),
                  await post(.customerReplied, ticket.id, at: replyAt, home: home, node: assignment.node, agent: "customer")
            else { return }
            _ = await post(.resolved, ticket.id, at: resolveAt, home: home, node: assignment.node, agent: agent)
        } else if next < 0.3 {
            let escalateAt = calendar.add(respondAt, seconds: rng.int(1800...7200))
            _ = await post(.escalated, ticket.id, at: escalateAt, home: home, node: assignment.node, agent: agent,
                           tier: .l2)
        } else {
            let resolveAt = calendar.add(respondAt, seconds: rng.int(1800...3 * 3600))
            _ = await post(.resolved, ticket.id, at: resolveAt, home: home, node: assignment.node, agent: agent)
        }
    }

    /// When the work became the team's, from simulated instants that do not depend on real-time
    /// jitter where possible: the ticket's creation for intake work, the closing for a handoff, or
    /// the region's opening when the work waits for it; the assignment time for escalations.
    static func workStart(_ assignment: Assignment) -> Instant {
        let work = assignment.work
        var base: Instant
        switch work.reason {
        case RoutingReason.handedOff.rawValue:
            if case .handoff(_, let closing) = work.workID { base = closing } else { base = assignment.assignedAt }
        case RoutingReason.nextTierSameRegion.rawValue, RoutingReason.tierAbsentInRegion.rawValue,
             RoutingReason.tierAbsentEverywhere.rawValue:
            base = assignment.assignedAt
        default:
            base = work.ticket.createdAt
        }
        if let queued = work.queuedUntil, queued > base { base = queued }
        return base
    }

    /// Waits until `at` on the clock and stores the event (nothing if the ticket was resolved meanwhile).
    /// - Returns: false when cancelled, or the ticket is resolved.
    private func post(_ kind: TicketEvent.Kind, _ ticket: TicketID, at: Instant, home: RegionID, node: NodeID,
                      agent: String, tier: Tier? = nil) async -> Bool {
        do { try await clock.sleep(until: at) } catch { return false }
        guard !tracker.isResolved(ticket) else { return false }
        let event = TicketEvent(ticket: ticket, kind: kind, at: at, region: home, tier: tier, node: node,
                                assignee: agent, automatic: kind == .responded || kind == .escalated ? false : nil)
        do {
            try await log.append(event, id: event.messageID)
        } catch {
            logger.warning("agent could not record an event", metadata: ["ticket": "\(ticket)", "error": "\(error)"])
            return false
        }
        return true
    }
}
