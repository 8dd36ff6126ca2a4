import ArgumentParser
import BusinessTime
import Foundation
import Logging
import MeridianServices
import MeridianTesting
import NATS
import TicketRouting

/// `meridian bench replay`: how fast a worker rebuilds its clocks from its region's log — the
/// time it is blind to alerts after a start.
struct BenchReplay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Events into SLA clocks per second: in-process decode+apply, and a fresh worker's replay from nats-server.",
        discussion: """
            (a) In process, no server: --events JSON events (the bytes the log stores) of tickets of
            one region are decoded and replayed into an SLAClockBook, and through RegionClocks (the
            worker's lock), against Foundation's JSONDecoder on the same bytes as the reference.
            (b) Unless --no-server: a nats-server (JetStream, temporary store, free loopback port) is
            started, --tickets open tickets with --events-per-ticket events each are stored in the
            event log, and a fresh WorkerService is started; its ready time is from its start to
            its clocks having caught up with the log. CPU is user+sys of this process (getrusage)
            and of nats-server (/proc/<pid>/stat) over the replay.
              swift run -c release meridian bench replay
              swift run -c release meridian bench replay --events 1000000 --tickets 50000 --events-per-ticket 6
            """
    )

    @OptionGroup var configOptions: ConfigOptions

    @Option(help: "Events decoded and applied in process (a).")
    var events: Int = 500_000

    @Option(help: "Open tickets in the server's log (b).")
    var tickets: Int = 20_000

    @Option(help: "Events per ticket in the server's log (b), 2...8.")
    var eventsPerTicket: Int = 5

    @Flag(help: "Skip (b), the replay from a real nats-server.")
    var noServer = false

    @Option(help: "Hard cap on waiting for the worker to catch up, in seconds.")
    var maxSeconds: Int = 120

    func validate() throws {
        guard events > 0, events <= 10_000_000 else { throw ValidationError("--events must be 1...10000000") }
        guard tickets > 0, tickets <= 1_000_000 else { throw ValidationError("--tickets must be 1...1000000") }
        guard (2...8).contains(eventsPerTicket) else { throw ValidationError("--events-per-ticket must be 2...8") }
        guard maxSeconds > 0, maxSeconds <= 600 else { throw ValidationError("--max-seconds must be 1...600") }
    }

    func run() async throws {
        let config = try configOptions.loadMeridianConfig()
        guard let region = config.regions.first else { throw ValidationError("the config has no region") }
        print("meridian bench replay: region \(region), config \(configOptions.config)")
        inProcess(config: config, region: region)
        if !noServer { try await fromServer(config: config, region: region) }
    }

    // MARK: (a) in process

    func inProcess(config: MeridianConfig, region: RegionID) {
        let perTicket = 5
        let log = ReplayWorkload.events(tickets: max(1, events / perTicket), perTicket: perTicket, region: region, config: config)
        let payloads = log.prefix(events).map { Array($0.jsonString.utf8) }
        let bytes = payloads.reduce(0) { $0 + $1.count }
        print("(a) in process: \(payloads.count) events (\(bytes / payloads.count) bytes each on average)")

        func measure(_ label: String, _ body: () -> Int) {
            let cpu0 = threadCPUNanoseconds(), t0 = ContinuousClock.now
            let checksum = body()
            let wall = (ContinuousClock.now - t0).nanoseconds, cpu = threadCPUNanoseconds() - cpu0
            let n = Double(payloads.count)
            print("  \(label): \(format(n / (cpu / 1e9), 0)) events/s CPU (\(format(cpu / n, 0)) ns/event; "
                  + "wall \(format(n / (wall / 1e9), 0))/s; checksum \(checksum))")
        }
        let foundationEncoder = JSONEncoder()
        foundationEncoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        measure("encode, JSONEncoder (reference)") {
            log.prefix(payloads.count).reduce(0) { $0 &+ ((try? foundationEncoder.encode($1))?.count ?? 0) }
        }
        measure("encode, TicketEvent.jsonString ") {
            log.prefix(payloads.count).reduce(0) { $0 &+ $1.jsonString.utf8.count }
        }
        let foundation = JSONDecoder()
        measure("decode, JSONDecoder (reference)") {
            payloads.reduce(0) { sum, p in
                sum &+ ((try? foundation.decode(TicketEvent.self, from: Data(p)))?.at.unixSeconds ?? 0).hashValue
            }
        }
        measure("decode, TicketEvent.decode     ") {
            payloads.reduce(0) { sum, p in sum &+ ((try? TicketEvent.decode(json: p))?.at.unixSeconds ?? 0).hashValue }
        }
        measure("decode + replay into a book    ") {
            var book = SLAClockBook()
            var replay = SLAClockBook.Replay()
            for p in payloads {
                guard let e = try? TicketEvent.decode(json: p) else { continue }
                book.replay(e, into: &replay, config: config)
            }
            return book.count &+ replay.due.count
        }
        measure("decode + RegionClocks.receive  ") {
            let clocks = RegionClocks(region: region, config: config)
            for p in payloads {
                guard let e = try? TicketEvent.decode(json: p) else { continue }
                _ = clocks.receive(e)
            }
            return clocks.count &+ clocks.caughtUp().count
        }
    }

    // MARK: (b) from a real server

    func fromServer(config: MeridianConfig, region: RegionID) async throws {
        var logger = Logger(label: "meridian.bench")
        logger.logLevel = .error
        let server = try await NATSServer.start(.init(serverName: "meridian-bench-replay"))
        defer { server.shutdown() }
        let log = ReplayWorkload.events(tickets: tickets, perTicket: eventsPerTicket, region: region, config: config)
        print("(b) fresh worker replaying \(log.count) events of \(tickets) open tickets from \(server.url)")

        let loader = try await NATSConnection.connect(NATSOptions(url: server.url), logger: logger)
        let js = try loader.jetStream()
        let streams = MeridianStreams()
        try await streams.ensureStreams(js)
        let publisher = try js.makeAsyncPublisher(maxInFlight: 1024)
        for event in log {
            try await publisher.publish(event.subject, payload: Array(event.jsonString.utf8), messageID: event.messageID)
        }
        let summary = await publisher.complete()
        guard summary.failures.isEmpty else {
            throw ValidationError("could not store the log: \(summary.failures.count) failures, first \(summary.failures[0].error)")
        }
        let stored = try await js.streamInfo(MeridianStreams.events).messages
        print("  stored \(stored) events (\(summary.duplicates) duplicates)")

        let connection = try await NATSConnection.connect(NATSOptions(url: server.url), logger: logger)
        let worker = WorkerService(
            connection: connection, config: config, clock: SystemClock(),
            options: WorkerOptions(region: region, node: NodeID("bench-replay")),
            team: ClosureChannel { _ in }, logger: logger)
        let serverPID = server.pid ?? 0
        let cpu0 = ProcessCPU.current(), server0 = ProcessCPU.of(pid: serverPID)
        let t0 = ContinuousClock.now
        let task = Task { try await worker.run() }
        let deadline = t0 + .seconds(maxSeconds)
        // Polled (no hook in the worker for a benchmark): 1 ms granularity on a multi-second figure.
        while !worker.clocks.isLive, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(1))
        }
        let ready = ContinuousClock.now - t0
        let cpu = ProcessCPU.current() - cpu0
        let serverCPU = ProcessCPU.of(pid: serverPID).flatMap { s in server0.map { s - $0 } }
        task.cancel()
        _ = await task.result
        await connection.close()
        await loader.close()
        guard worker.clocks.isLive else {
            print("  not caught up within --max-seconds (\(worker.clocks.count) clocks)")
            return
        }
        let n = Double(log.count)
        print("  ready in \(format(ready.milliseconds, 1)) ms: \(format(n / (ready.nanoseconds / 1e9), 0)) events/s, "
              + "\(worker.clocks.count) clocks")
        print("  CPU over the replay: meridian \(format(cpu.total * 1e9 / n, 0)) ns/event "
              + "(user \(format(cpu.user, 2)) s, sys \(format(cpu.system, 2)) s)"
              + (serverCPU.map { ", nats-server \(format($0.total * 1e9 / n, 0)) ns/event" } ?? ""))
    }
}

/// A region's log: `tickets` open tickets, each created and then worked on, in time order.
enum ReplayWorkload {
    /// - Parameter perTicket: 2...8 events per ticket: created, routed, assigned, then responses
    ///   and customer waits (never resolved, so every clock stays open).
    static func events(tickets: Int, perTicket: Int, region: RegionID, config: MeridianConfig) -> [TicketEvent] {
        let plans = config.plans.keys.sorted()
        let start = SystemClock().now().unixSeconds - 6 * 3600
        var log: [TicketEvent] = []
        log.reserveCapacity(tickets * perTicket)
        let kinds: [TicketEvent.Kind] = [.assigned, .responded, .waitingOnCustomer, .customerReplied, .responded, .assigned]
        for n in 0..<tickets {
            let at = Instant(unixSeconds: start + Int64(n % 3600))
            let id = TicketID(unchecked: "R\(n)")
            let plan = plans.isEmpty ? PlanID("standard") : plans[n % plans.count]
            let severity = Severity.allCases[n % 3]
            log.append(TicketEvent(ticket: id, kind: .created, at: at, region: region, plan: plan, severity: severity,
                                   homeRegion: region, createdAt: at))
            let routed = TicketEvent(ticket: id, kind: .routed, at: at + 1, region: region, plan: plan, severity: severity,
                                     homeRegion: region, createdAt: at, toRegion: region, tier: .l1, reason: "home_open")
            if perTicket > 1 { log.append(routed) }
            for k in 0..<max(0, perTicket - 2) {
                var e = TicketEvent.simple(kinds[k], ticket: id, at: at + Int64(60 * (k + 1)), region: region)
                if kinds[k] == .assigned {
                    e.tier = .l1
                    e.node = NodeID("node-1")
                    e.toRegion = region
                }
                if kinds[k] == .responded { e.automatic = false }
                log.append(e)
            }
        }
        return log
    }
}
