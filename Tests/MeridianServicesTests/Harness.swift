import BusinessTime
import Logging
import MeridianServices
import MeridianTesting
import NATSServerLauncher
import NATS
import ServiceLifecycle
import Synchronization
import TicketRouting

/// The services' test config: three regions with plain hours, no holidays in the test weeks.
enum ServiceFixtures {
    static let yaml = """
        regions:
          emea: { timezone: Europe/Paris, hours: { mon-fri: "08:00-18:00" } }
          amer: { timezone: America/New_York, hours: { mon-fri: "09:00-17:00" } }
          apac: { timezone: Asia/Singapore, hours: { mon-fri: "09:00-18:00" } }
        routing: { margin: 30m }
        warnings: [0.5, 0.75]
        tiers: { l1: 8h, l2: 24h, l3: 72h }
        plans:
          enterprise:
            first_response: { critical: 1h, major: 2h, minor: 2h }
            resolution: { critical: 8h, major: 24h, minor: 40h }
            follow_the_sun: true
          premium:
            first_response: 12h
            resolution: 72h
        """

    static let config: MeridianConfig = {
        do { return try MeridianConfig.parse(yaml: yaml, file: "services-test.yaml") } catch {
            fatalError("fixture config: \(error)")
        }
    }()

    static func t(_ iso: String) -> Instant { Instant(iso8601: iso)! }

    static func ticketJSON(_ id: String, plan: String = "enterprise", severity: String = "major", region: String = "emea",
                           createdAt: String) -> [UInt8] {
        Array("""
            {"id":"\(id)","customer":"acme","plan":"\(plan)","severity":"\(severity)","region":"\(region)",\
            "created_at":"\(createdAt)","subject":"Export fails","details":"The nightly export stops at 90%.",\
            "partner":"reseller-7","steps_taken":"Restarted the exporter."}
            """.utf8)
    }
}

/// A real nats-server with Meridian services running on it, stopped at the end.
final class ServiceHarness: Sendable {
    let server: NATSServer
    let connection: NATSConnection
    let js: JetStream
    let clock: ManualClock
    let config: MeridianConfig
    private let tasks = Mutex<[Task<Void, any Error>]>([])
    private let assignments = Assignments()
    private let connections = Mutex<[NATSConnection]>([])
    let logger: Logger

    init(name: String, start: Instant, config: MeridianConfig = ServiceFixtures.config) async throws {
        server = try await NATSServer.start(NATSServer.Options(serverName: name))
        var logger = Logger(label: "test.\(name)")
        logger.logLevel = .critical
        self.logger = logger
        connection = try await Self.connect(server.url, logger: logger)
        js = try connection.jetStream()
        clock = ManualClock(start)
        self.config = config
    }

    /// Connects, retrying a connection the fresh server reset (seen under heavy parallel load).
    static func connect(_ url: String, logger: Logger) async throws -> NATSConnection {
        for attempt in 1..<5 {
            let result: Result<NATSConnection, NATSError>
            do { result = .success(try await NATSConnection.connect(NATSOptions(url: url), logger: logger)) } catch {
                result = .failure(error)
            }
            switch result {
            case .success(let connection): return connection
            case .failure(let error) where error.status == .ioError:
                try await Task.sleep(for: .milliseconds(100 * attempt))
            case .failure(let error): throw error
            }
        }
        return try await NATSConnection.connect(NATSOptions(url: url), logger: logger)
    }

    /// Everything the team channels received, in order.
    var delivered: [Assignment] { assignments.all }

    /// Runs a service until `stop()`; cancelling the returned task is a crash without goodbye to
    /// the streams (what it fetched and did not acknowledge comes back after the ack wait).
    @discardableResult
    func run(_ service: some Service) -> Task<Void, any Error> {
        let task = Task { try await service.run() }
        tasks.withLock { $0.append(task) }
        return task
    }

    @discardableResult
    func startRouter(observer: (@Sendable (RoutingRecord) -> Void)? = nil) -> RouterService {
        startRouterTask(observer: observer).router
    }

    /// A router on its own connection, with the task that runs it (cancel it to crash the router).
    func startRouterTask(ownConnection: NATSConnection? = nil, observer: (@Sendable (RoutingRecord) -> Void)? = nil)
        -> (router: RouterService, task: Task<Void, any Error>)
    {
        let router = RouterService(connection: ownConnection ?? connection, config: config, clock: clock,
                                   options: RouterOptions(heartbeatInterval: .seconds(1)), logger: logger,
                                   observer: observer)
        return (router, run(router))
    }

    @discardableResult
    func startWorker(_ region: RegionID, node: String, teamTime: Duration? = nil) async throws -> WorkerService {
        try await startWorkerTask(region, node: node, teamTime: teamTime).worker
    }

    /// A worker node on its own connection, with the task that runs it (cancel it to crash the node).
    /// - Parameter teamTime: how long the team channel takes per assignment (a slow team).
    func startWorkerTask(_ region: RegionID, node: String, teamTime: Duration? = nil) async throws
        -> (worker: WorkerService, task: Task<Void, any Error>)
    {
        // Each node its own connection, as separate processes would have.
        let nc = try await newConnection()
        let worker = WorkerService(
            connection: nc, config: config, clock: clock,
            options: WorkerOptions(region: region, node: NodeID(node), heartbeatInterval: .seconds(1)),
            team: ClosureChannel { [assignments] assignment in
                if let teamTime { try await Task.sleep(for: teamTime) }
                assignments.append(assignment)
            },
            logger: logger)
        return (worker, run(worker))
    }

    /// Another connection to the server, closed by `stop()`.
    func newConnection() async throws -> NATSConnection {
        let nc = try await Self.connect(server.url, logger: logger)
        connections.withLock { $0.append(nc) }
        return nc
    }

    /// Submits a ticket by request/reply and returns the reply JSON text.
    func submit(_ json: [UInt8]) async throws -> String {
        try await connection.request(Subjects.intake, payload: json, timeout: .seconds(10)).string
    }

    /// Every event of the log matching `filter`, in order.
    func events(_ filter: String = "meridian.events.>") async throws -> [TicketEvent] {
        let replay = try await js.replay(stream: MeridianStreams.events, filter: filter)
        var events: [TicketEvent] = []
        for try await item in replay {
            switch item {
            case .message(let message): events.append(try TicketEvent.decode(json: message.payload))
            case .caughtUp: return events
            }
        }
        return events
    }

    func stop() async {
        let running = tasks.withLock { $0 }
        for task in running { task.cancel() }
        for task in running { _ = await task.result }
        for nc in connections.withLock({ $0 }) { await nc.close() }
        await connection.close()
        server.shutdown()
    }
}

/// Assignments the team channels received, shared across tasks.
final class Assignments: Sendable {
    private let list = Mutex<[Assignment]>([])
    func append(_ assignment: Assignment) { list.withLock { $0.append(assignment) } }
    var all: [Assignment] { list.withLock { $0 } }
}
