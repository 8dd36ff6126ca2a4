import Hummingbird
public import Logging
public import NATS
import NIOCore
public import ServiceLifecycle
import Synchronization

/// The HTTP endpoint of a long-running service (`--metrics-listen HOST:PORT`), run as one more
/// `Service` of the process's `ServiceGroup`:
///
/// - `GET /metrics`: every metric in the Prometheus text format. Gauges are refreshed by
///   `sample` every `sampleInterval` in the background, not per scrape: reading the work queues
///   takes JetStream API calls, which a scrape must not wait for (nor multiply).
/// - `GET /healthz`: 200 `ok` while the process runs and its NATS connection is connected;
///   503 with the reason otherwise (`NATS connection is reconnecting`).
/// - `GET /readyz`: 200 `ready` once the service set up its streams and consumers and its event
///   log replay caught up (`Readiness`); 503 with the reason before.
///
/// It also counts the connection's reconnections into `meridian_nats_reconnects_total`.
public final class MetricsServer: Service {
    public let address: ListenAddress
    public let metrics: MeridianMetrics
    public let readiness: Readiness
    let connection: NATSConnection
    let sample: @Sendable () async -> Void
    public let sampleInterval: Duration
    let logger: Logger
    private let bound = Mutex<Int?>(nil)
    private let started = Gate()

    /// - Parameter sample: refreshes the gauges (must not throw; it logs), every `sampleInterval`.
    public init(address: ListenAddress, metrics: MeridianMetrics, readiness: Readiness, connection: NATSConnection,
                logger: Logger, sampleInterval: Duration = .seconds(5),
                sample: @escaping @Sendable () async -> Void = {}) {
        self.sampleInterval = sampleInterval
        self.address = address
        self.metrics = metrics
        self.readiness = readiness
        self.connection = connection
        self.logger = logger
        self.sample = sample
    }

    /// The port the server listens on, once it does (the chosen one for port 0).
    public func boundPort() async -> Int {
        await started.wait()
        return bound.withLock { $0 ?? 0 }
    }

    /// The answer of `/healthz`: nil when healthy, else why not.
    public var healthProblem: String? {
        let status = connection.status
        return status == .connected ? nil : "NATS connection is \(status)"
    }

    public func run() async throws {
        let router = Router()
        router.get("metrics") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: self.metrics.exposition())))
        }
        router.get("healthz") { _, _ -> Response in
            Self.text(self.healthProblem.map { (.serviceUnavailable, $0) } ?? (.ok, "ok"))
        }
        router.get("readyz") { _, _ -> Response in
            Self.text((self.healthProblem ?? self.readiness.problem).map { (.serviceUnavailable, $0) } ?? (.ok, "ready"))
        }
        let app = Application(
            router: router,
            configuration: ApplicationConfiguration(
                address: .hostname(address.host, port: address.port), serverName: "meridian", reuseAddress: true),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? self.address.port
                self.bound.withLock { $0 = port }
                self.started.open()
                self.logger.info("serving /metrics, /healthz and /readyz",
                                 metadata: ["address": "\(ListenAddress(host: self.address.host, port: port))"])
            },
            logger: logger)
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await event in self.connection.events() {
                    if case .reconnected = event { self.metrics.reconnected() }
                }
                return false
            }
            group.addTask {
                while !Task.isCancelled {
                    await self.sample()
                    try? await Task.sleep(for: self.sampleInterval)
                }
                return false
            }
            group.addTask {
                try await app.run()
                return true
            }
            // The server ends on graceful shutdown; then stop counting too.
            while let serverEnded = try await group.next(), !serverEnded {}
            group.cancelAll()
        }
    }

    private static func text(_ answer: (HTTPResponse.Status, String)) -> Response {
        Response(status: answer.0, headers: [.contentType: "text/plain; charset=utf-8"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: answer.1 + "\n")))
    }
}
