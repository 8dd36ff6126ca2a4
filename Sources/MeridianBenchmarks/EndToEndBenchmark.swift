import BusinessTime
import Foundation
public import Logging
import MeridianServices
import NATS
import ServiceLifecycle
import Synchronization
public import TicketRouting

/// `meridian bench e2e`: routed tickets per second and intake→worker latency of the whole
/// pipeline (routers + workers in this process, real clock) against one NATS server on loopback.
public enum EndToEndBenchmark {
    /// What to run.
    public struct Configuration: Sendable {
        public var tickets: Int
        public var submitters: Int
        public var routers: Int
        public var workersPerRegion: Int
        /// JetStream publish to the intake stream instead of request/reply.
        public var byStream: Bool
        /// Hard cap on the run.
        public var maxSeconds: Int

        public init(tickets: Int, submitters: Int, routers: Int, workersPerRegion: Int, byStream: Bool, maxSeconds: Int) {
            self.tickets = tickets
            self.submitters = submitters
            self.routers = routers
            self.workersPerRegion = workersPerRegion
            self.byStream = byStream
            self.maxSeconds = maxSeconds
        }
    }

    /// Runs the benchmark against `target` and returns the report lines; progress goes to `log`.
    public static func run(target: String, config: MeridianConfig, configuration: Configuration, logger: Logger,
                           log: @escaping @Sendable (String) -> Void) async throws -> String {
        let runID = String(UInt32(Date().timeIntervalSince1970) % 0xFFFFFF, radix: 36, uppercase: true)
        let regions = config.regions
        log("meridian bench e2e: \(target), \(configuration.routers) router(s), workers "
              + regions.map { "\($0)×\(configuration.workersPerRegion)" }.joined(separator: " ")
              + ", \(configuration.tickets) tickets by \(configuration.byStream ? "JetStream publish to the intake stream" : "request/reply") "
              + "from \(configuration.submitters) submitters")

        let bench = E2ERun(count: configuration.tickets)
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
        for n in 0..<configuration.routers {
            let router = RouterService(connection: try await connect("bench-router-\(n)"), config: config,
                                       clock: SystemClock(), logger: logger)
            routerServices.append(router)
            services.append(router)
        }
        for region in regions {
            for n in 0..<configuration.workersPerRegion {
                services.append(WorkerService(
                    connection: try await connect("bench-\(region)-\(n)"), config: config, clock: SystemClock(),
                    options: WorkerOptions(region: region, node: NodeID("bench-\(region)-\(n)"), fetchBatch: 64),
                    team: ClosureChannel { assignment in bench.delivered(assignment.work.ticket.id.rawValue) },
                    logger: logger))
            }
        }
        var clients: [NATSConnection] = []
        for n in 0..<configuration.submitters { clients.append(try await connect("bench-submitter-\(n)")) }
        let submitterConnections = clients
        let deadline = ContinuousClock.now + .seconds(configuration.maxSeconds)
        let tickets = configuration.tickets, submitters = configuration.submitters, byStream = configuration.byStream

        await withTaskGroup(of: Void.self) { group in
            for service in services {
                group.addTask {
                    do { try await service.run() } catch { FileHandle.standardError.write(Data("error: a service stopped: \(error)\n".utf8)) }
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
        return bench.report(stoppedAtCap: ContinuousClock.now >= deadline)
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
