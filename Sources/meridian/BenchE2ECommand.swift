import ArgumentParser
import BusinessTime
import Foundation
import Logging
import MeridianServices
import MeridianTesting
import NATS
import ServiceLifecycle
import Synchronization
import TicketRouting

/// `meridian bench e2e`: routed tickets per second and intake→worker latency of the whole
/// pipeline (router + workers in-process, real clock) on loopback.
struct BenchE2E: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "e2e",
        abstract: "End-to-end routing on loopback: routed tickets/s and intake→worker latency p50/p99.",
        discussion: """
            Starts its own nats-server (JetStream, temporary store, free loopback port) unless --url
            is given, then in this process one or more routers and workers for every region of the
            config (real clock), and submits --tickets valid tickets from --submitters concurrent
            clients, each on its own connection: by request/reply on meridian.intake (default) or
            by JetStream publish to the intake stream (--stream). Latency is measured from just
            before the submission to the moment the worker's team channel receives the assignment
            (after the router stored ticket, created, work and routed, and the worker stored
            assigned). Bounded: stops submitting and waiting at --max-seconds.
              swift run -c release meridian bench e2e
              swift run -c release meridian bench e2e --tickets 5000 --submitters 4 --stream
            """
    )

    @OptionGroup var configOptions: ConfigOptions

    @Option(help: "Server URL (loopback); without it a nats-server is started and stopped by the benchmark.")
    var url: String?

    @Option(help: "Tickets to submit.")
    var tickets: Int = 20_000

    @Option(help: "Concurrent submitters, each with its own connection.")
    var submitters: Int = 8

    @Option(help: "Router instances (they share the intake queue group).")
    var routers: Int = 1

    @Option(help: "Worker nodes per region.")
    var workersPerRegion: Int = 1

    @Flag(help: "Submit by JetStream publish to the intake stream instead of request/reply.")
    var stream = false

    @Option(help: "Hard cap on the run, in seconds.")
    var maxSeconds: Int = 120

    @Option(help: "Client connections the submitters share (default: one per submitter, at most 16).")
    var clientConnections: Int?

    @Option(help: "Also run an open loop at this offered rate (tickets/s); latency from the intended send time.")
    var rate: Int?

    @Option(help: "Messages of the raw cnats path measured first in the same run (0 skips it).")
    var pathMessages: Int = 50_000

    func validate() throws {
        guard tickets > 0, tickets <= 1_000_000 else { throw ValidationError("--tickets must be 1...1000000") }
        guard submitters > 0, submitters <= 1000, routers > 0, routers <= 16, workersPerRegion > 0, workersPerRegion <= 16 else {
            throw ValidationError("--submitters 1...1000, --routers 1...16, --workers-per-region 1...16")
        }
        if let clientConnections, !(1...256).contains(clientConnections) {
            throw ValidationError("--client-connections must be 1...256")
        }
        if let rate, !(1...100_000).contains(rate) { throw ValidationError("--rate must be 1...100000") }
        guard (0...1_000_000).contains(pathMessages) else { throw ValidationError("--path-messages must be 0...1000000") }
        guard maxSeconds > 0, maxSeconds <= 600 else { throw ValidationError("--max-seconds must be 1...600") }
        if let url, !(url.contains("127.0.0.1") || url.contains("localhost") || url.contains("[::1]")) {
            throw ValidationError("the benchmark only runs against a loopback server, not \(url)")
        }
    }

    func run() async throws {
        let config = try configOptions.loadMeridianConfig()
        var logger = Logger(label: "meridian.bench")
        logger.logLevel = .error
        var server: NATSServer? = nil
        let target: String
        if let url {
            target = url
        } else {
            server = try await NATSServer.start(.init(serverName: "meridian-bench-e2e"))
            target = server!.url
        }
        defer { server?.shutdown() }
        let runID = String(UInt32(Date().timeIntervalSince1970) % 0xFFFFFF, radix: 36, uppercase: true)
        let regions = config.regions
        print("meridian bench e2e: \(target), \(routers) router(s), workers "
              + regions.map { "\($0)×\(workersPerRegion)" }.joined(separator: " ")
              + ", \(tickets) tickets by \(stream ? "JetStream publish to the intake stream" : "request/reply") "
              + "from \(submitters) submitters on \(clientConnections ?? min(submitters, 16)) connections")

        let phase = E2EPhase()
        var connections: [NATSConnection] = []
        func connect(_ name: String) async throws -> NATSConnection {
            var options = NATSOptions(url: target)
            options.name = name
            let nc = try await NATSConnection.connect(options, logger: logger)
            connections.append(nc)
            return nc
        }
        var services: [any Service] = []
        var routerServices: [RouterService] = []
        for n in 0..<routers {
            let router = RouterService(connection: try await connect("bench-router-\(n)"), config: config,
                                       clock: SystemClock(), logger: logger)
            routerServices.append(router)
            services.append(router)
        }
        for region in regions {
            for n in 0..<workersPerRegion {
                services.append(WorkerService(
                    connection: try await connect("bench-\(region)-\(n)"), config: config, clock: SystemClock(),
                    options: WorkerOptions(region: region, node: NodeID("bench-\(region)-\(n)"), fetchBatch: 64),
                    team: ClosureChannel { assignment in phase.delivered(assignment.work.ticket.id.rawValue) },
                    logger: logger))
            }
        }
        var clients: [E2EClient] = []
        for n in 0..<(clientConnections ?? min(submitters, 16)) {
            let nc = try await connect("bench-client-\(n)")
            clients.append(E2EClient(connection: nc, jetStream: try nc.jetStream()))
        }
        let submitterConnections = clients
        let deadline = ContinuousClock.now + .seconds(maxSeconds)
        let tickets = self.tickets, submitters = self.submitters, byStream = self.stream
        let pathMessages = self.pathMessages, rate = self.rate, serverPID = server?.pid

        await withTaskGroup(of: Void.self) { group in
            for service in services {
                group.addTask {
                    do { try await service.run() } catch { printError("error: a service stopped: \(error)") }
                }
            }
            // Every region's workers live at the router before the clock starts.
            while ContinuousClock.now < deadline,
                  !routerServices.allSatisfy({ Set($0.liveLoads().keys) == Set(regions) }) {
                try? await Task.sleep(for: .milliseconds(20))
            }
            if byStream {
                // The intake stream is created by the routers' start-up.
                while ContinuousClock.now < deadline,
                      (try? await submitterConnections[0].jetStream.streamInfo(MeridianStreams.intake)) == nil {
                    try? await Task.sleep(for: .milliseconds(20))
                }
            }
            // The reference: the raw JetStream path of a ticket, by cnats, on the same server.
            var rawRate: Double? = nil
            if pathMessages > 0 {
                let cpu = E2ECPU(serverPID: serverPID)
                do {
                    let raw = try await onOwnThread { try JetStreamPathBenchmark.run(url: target, count: pathMessages) }
                    rawRate = raw.rate
                    print("  raw cnats path (fetch+ack and 2 async publishes per message): "
                          + "\(format(raw.rate, 0)) msg/s (\(raw.messages) in \(format(raw.seconds, 2)) s)")
                    print(cpu.line(per: raw.messages, what: "message of the raw path"))
                } catch {
                    printError("error: the raw cnats path failed: \(error)")
                }
            }

            // Closed loop: each submitter sends its next ticket when the previous one is answered.
            let closed = E2ERun(count: tickets)
            phase.current = closed
            var cpu = E2ECPU(serverPID: serverPID)
            closed.start()
            await withTaskGroup(of: Void.self) { submitting in
                for s in 0..<submitters {
                    let client = submitterConnections[s % submitterConnections.count]
                    submitting.addTask {
                        var i = s
                        while i < tickets, ContinuousClock.now < deadline {
                            await client.submit(id: "B\(runID)-c\(i)", index: i, regions: regions, byStream: byStream,
                                                run: closed, intended: nil)
                            i += submitters
                        }
                    }
                }
            }
            closed.submissionsDone()
            while ContinuousClock.now < deadline, !closed.allDelivered {
                try? await Task.sleep(for: .milliseconds(5))
            }
            let closedSummary = closed.summary()
            print("closed loop, \(submitters) submitters:")
            closedSummary.lines(label: "closed").forEach { print($0) }
            print(cpu.line(per: closedSummary.delivered, what: "routed ticket"))
            if let rawRate, rawRate > 0 {
                print("  routed tickets/s / raw path msg/s = \(format(closedSummary.rate / rawRate, 3))")
            }

            // Open loop: tickets sent on a fixed schedule, whatever the answers do.
            if let rate, ContinuousClock.now < deadline {
                let open = E2ERun(count: tickets)
                phase.current = open
                cpu = E2ECPU(serverPID: serverPID)
                let t0 = ContinuousClock.now
                open.start(at: t0)
                await withDiscardingTaskGroup { sending in
                    for i in 0..<tickets {
                        let intended = t0 + .nanoseconds(Int64((Double(i) * 1e9 / Double(rate)).rounded()))
                        if intended > .now { try? await Task.sleep(until: intended, clock: .continuous) }
                        guard ContinuousClock.now < deadline else { break }
                        let client = submitterConnections[i % submitterConnections.count]
                        sending.addTask {
                            await client.submit(id: "B\(runID)-o\(i)", index: i, regions: regions, byStream: byStream,
                                                run: open, intended: intended)
                        }
                    }
                }
                open.submissionsDone()
                while ContinuousClock.now < deadline, !open.allDelivered {
                    try? await Task.sleep(for: .milliseconds(5))
                }
                let openSummary = open.summary()
                print("open loop, \(rate) tickets/s offered (latency from the intended send time):")
                openSummary.lines(label: "open").forEach { print($0) }
                print(cpu.line(per: openSummary.delivered, what: "routed ticket"))
            }
            group.cancelAll()
        }
        for nc in connections { await nc.close() }
        if ContinuousClock.now >= deadline { print("  (stopped at --max-seconds)") }
    }

    /// A valid ticket; homes and plans rotate so that every region and routing rule is exercised.
    static func ticket(id: String, index: Int, regions: [RegionID]) -> [UInt8] {
        let plans = ["enterprise", "premium", "standard"]
        let severities = ["critical", "major", "minor"]
        let home = regions.isEmpty ? "emea" : regions[index % regions.count].rawValue
        let now = SystemClock().now().iso8601
        return Array("""
            {"id":"\(id)","customer":"bench-\(index % 97)","plan":"\(plans[index % 3])",\
            "severity":"\(severities[(index / 3) % 3])","region":"\(home)","created_at":"\(now)",\
            "subject":"Benchmark ticket","details":"Synthetic load for meridian bench e2e.",\
            "steps_taken":"none"}
            """.utf8)
    }
}

/// The phase whose tickets the workers' deliveries belong to.
final class E2EPhase: Sendable {
    private let run = Mutex<E2ERun?>(nil)

    var current: E2ERun? {
        get { run.withLock { $0 } }
        set { run.withLock { $0 = newValue } }
    }

    func delivered(_ id: String) { current?.delivered(id) }
}

/// A client connection of the benchmark's submitters.
struct E2EClient: Sendable {
    let connection: NATSConnection
    let jetStream: JetStream

    /// Sends one ticket by request/reply (or JetStream publish) and records the outcome.
    func submit(id: String, index: Int, regions: [RegionID], byStream: Bool, run: E2ERun,
                intended: ContinuousClock.Instant?) async {
        let payload = BenchE2E.ticket(id: id, index: index, regions: regions)
        run.submitting(id, intended: intended)
        do {
            if byStream {
                _ = try await jetStream.publish(Subjects.intakeQueue, payload: payload, messageID: id)
                run.accepted()
            } else {
                let reply = try await connection.request(Subjects.intake, payload: payload, timeout: .seconds(10))
                if reply.payload.starts(with: Array(#"{"error""#.utf8)) { run.failed(timedOut: false) } else { run.accepted() }
            }
        } catch {
            run.failed(timedOut: error.status == .timeout)
        }
    }
}
