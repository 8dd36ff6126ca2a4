import ArgumentParser
import BusinessTime
import Foundation
import Logging
import MeridianServices
import NATSServerLauncher
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

    func validate() throws {
        guard tickets > 0, tickets <= 1_000_000 else { throw ValidationError("--tickets must be 1...1000000") }
        guard submitters > 0, submitters <= 256, routers > 0, routers <= 16, workersPerRegion > 0, workersPerRegion <= 16 else {
            throw ValidationError("--submitters 1...256, --routers 1...16, --workers-per-region 1...16")
        }
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
              + "from \(submitters) submitters")

        let bench = E2ERun(count: tickets)
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
                    team: ClosureChannel { assignment in bench.delivered(assignment.work.ticket.id.rawValue) },
                    logger: logger))
            }
        }
        var clients: [NATSConnection] = []
        for n in 0..<submitters { clients.append(try await connect("bench-submitter-\(n)")) }
        let submitterConnections = clients
        let deadline = ContinuousClock.now + .seconds(maxSeconds)
        let tickets = self.tickets, submitters = self.submitters, byStream = self.stream

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
                      (try? await submitterConnections[0].jetStream().streamInfo(MeridianStreams.intake)) == nil {
                    try? await Task.sleep(for: .milliseconds(20))
                }
            }
            bench.start()
            await withTaskGroup(of: Void.self) { submitting in
                for s in 0..<submitters {
                    let nc = submitterConnections[s]
                    submitting.addTask {
                        var i = s
                        while i < tickets, ContinuousClock.now < deadline {
                            let id = "B\(runID)-\(i)"
                            let payload = Self.ticket(id: id, index: i, regions: regions)
                            bench.submitting(id)
                            do {
                                if byStream {
                                    _ = try await nc.jetStream().publish(Subjects.intakeQueue, payload: payload, messageID: id)
                                    bench.accepted()
                                } else {
                                    let reply = try await nc.request(Subjects.intake, payload: payload, timeout: .seconds(10))
                                    if reply.payload.starts(with: Array(#"{"error""#.utf8)) { bench.failed() } else { bench.accepted() }
                                }
                            } catch {
                                bench.failed()
                            }
                            i += submitters
                        }
                    }
                }
            }
            bench.submissionsDone()
            while ContinuousClock.now < deadline, !bench.allDelivered {
                try? await Task.sleep(for: .milliseconds(5))
            }
            group.cancelAll()
        }
        for nc in connections { await nc.close() }
        print(bench.report(stoppedAtCap: ContinuousClock.now >= deadline))
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

/// Timing of one benchmark run: submit instants by ticket id, first delivery instants.
final class E2ERun: Sendable {
    private struct State {
        var submitted: [String: ContinuousClock.Instant] = [:]
        var latencies: [Duration] = []
        var firstSubmit: ContinuousClock.Instant?
        var lastSubmit: ContinuousClock.Instant?
        var lastDelivery: ContinuousClock.Instant?
        var accepted = 0
        var failed = 0
        var redelivered = 0
        var done = false
    }

    private let state = Mutex(State())
    let count: Int

    init(count: Int) {
        self.count = count
        state.withLock { $0.submitted.reserveCapacity(count) }
    }

    func start() {
        state.withLock { $0.firstSubmit = .now }
    }

    func submitting(_ id: String) {
        let now = ContinuousClock.now
        state.withLock { $0.submitted[id] = now }
    }

    func accepted() {
        let now = ContinuousClock.now
        state.withLock {
            $0.accepted += 1
            $0.lastSubmit = now
        }
    }

    func failed() {
        state.withLock { $0.failed += 1 }
    }

    func submissionsDone() {
        state.withLock { $0.done = true }
    }

    func delivered(_ id: String) {
        let now = ContinuousClock.now
        state.withLock { state in
            guard let sent = state.submitted.removeValue(forKey: id) else {
                state.redelivered += 1
                return
            }
            state.latencies.append(sent.duration(to: now))
            state.lastDelivery = now
        }
    }

    var allDelivered: Bool {
        state.withLock { $0.done && $0.latencies.count >= $0.accepted }
    }

    func report(stoppedAtCap: Bool) -> String {
        state.withLock { state in
            func seconds(_ d: Duration) -> Double {
                Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
            }
            func ms(_ d: Duration) -> String { String(format: "%.1f ms", seconds(d) * 1000) }
            guard let first = state.firstSubmit else { return "  nothing was submitted" }
            var lines: [String] = []
            let submitSpan = state.lastSubmit.map { seconds(first.duration(to: $0)) } ?? 0
            lines.append(String(format: "  submitted %d (accepted %d, failed %d) in %.2f s: %.0f submissions/s",
                                state.accepted + state.failed, state.accepted, state.failed, submitSpan,
                                submitSpan > 0 ? Double(state.accepted) / submitSpan : 0))
            let delivered = state.latencies.count
            let span = state.lastDelivery.map { seconds(first.duration(to: $0)) } ?? 0
            lines.append(String(format: "  delivered to teams %d in %.2f s: %.0f routed tickets/s%@",
                                delivered, span, span > 0 ? Double(delivered) / span : 0,
                                state.redelivered > 0 ? ", \(state.redelivered) redeliveries" : ""))
            let sorted = state.latencies.sorted()
            if !sorted.isEmpty {
                func p(_ q: Double) -> Duration { sorted[min(sorted.count - 1, Int((Double(sorted.count) * q).rounded(.down)))] }
                lines.append("  intake→worker latency: p50 \(ms(p(0.5))), p90 \(ms(p(0.9))), p99 \(ms(p(0.99))), max \(ms(sorted.last!))")
            }
            if stoppedAtCap { lines.append("  (stopped at --max-seconds; \(state.accepted - delivered) accepted tickets not delivered)") }
            return lines.joined(separator: "\n")
        }
    }
}
