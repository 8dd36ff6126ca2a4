import ArgumentParser
import Logging
import MeridianServices
import Metrics
import Prometheus
import ServiceLifecycle

/// `--metrics-listen HOST:PORT` of the long-running services (off unless given).
struct MetricsOptions: ParsableArguments {
    @Option(name: .customLong("metrics-listen"), help: ArgumentHelp(
        "Serve /metrics (Prometheus), /healthz and /readyz on this address, e.g. 127.0.0.1:9464 (port 0: any free port, logged).",
        valueName: "host:port"))
    var listen: String?

    func validate() throws {
        if let listen {
            do { _ = try ListenAddress(parsing: listen) } catch {
                throw ValidationError("--metrics-listen: \(error)")
            }
        }
    }

    /// The metrics of this process. When served, swift-metrics is bootstrapped onto the same
    /// registry (once, here in `main`), so libraries that use the swift-metrics API report there too.
    func makeMetrics() -> MeridianMetrics {
        let metrics = MeridianMetrics()
        if listen != nil { MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics.registry)) }
        return metrics
    }

    /// The HTTP endpoint as one more service, or none without `--metrics-listen`.
    func services(metrics: MeridianMetrics, readiness: Readiness, client: MeridianClient, logger: Logger,
                  sample: @escaping @Sendable () async -> Void) -> [any Service] {
        guard let listen, let address = try? ListenAddress(parsing: listen) else { return [] }
        return [MetricsServer(address: address, metrics: metrics, readiness: readiness, client: client,
                              logger: logger, sample: sample)]
    }
}
