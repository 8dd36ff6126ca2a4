import NATSServerLauncher
import BusinessTime
import Foundation
import MeridianServices
import MeridianTesting
import Testing
import TicketRouting

#if canImport(Glibc)
import Glibc
#endif

/// `--metrics-listen`, `meridian status`, the JetStream check and the routing log, as an operator
/// meets them: separate processes on a real nats-server.
@Suite("operations (processes): metrics endpoints, status, start-up errors")
struct OperationsCLITests {
    /// The service tests' config: two regions open around the clock.
    static let config = ServiceCLITests.config

    static func configFile() throws -> String {
        let directory = try MeridianCLI.temporaryDirectory()
        let file = "\(directory)/meridian.yaml"
        try config.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    /// The port a process logged it serves metrics on (`address=127.0.0.1:PORT`).
    static func metricsPort(_ process: RunningCommand) -> Int? {
        guard let line = process.stderr.split(separator: "\n").first(where: { $0.contains("serving /metrics") }),
              let range = line.range(of: "address=127.0.0.1:") else { return nil }
        return Int(line[range.upperBound...].prefix { $0.isNumber })
    }

    @Test("router and worker without JetStream on the server: a clear error and exit 1, at once", arguments: [
        ["router"], ["worker", "--region", "emea"],
    ])
    func noJetStream(_ command: [String]) async throws {
        let server = try await NATSServer.start(NATSServer.Options(serverName: "cli-nojs-\(command[0])", jetStream: false))
        defer { server.shutdown() }
        let process = try RunningCommand(command + ["--config", try Self.configFile(), "--nats", server.url])
        try await waitUntil(timeout: .seconds(15), "the process exits") { !process.isRunning }
        #expect(await process.wait() == 1)
        #expect(process.stderr.contains("JetStream is not enabled on \(server.url)"), "\(process.stderr)")
        #expect(!process.stderr.contains("No responders"))
    }

    @Test("--metrics-listen, --watch and --url are validated (exit 64)", arguments: [
        (["router", "--metrics-listen", "nope"], "--metrics-listen: \"nope\": expected HOST:PORT"),
        (["worker", "--region", "emea", "--metrics-listen", "127.0.0.1:99999"], "the port must be a number from 0 to 65535"),
        (["status", "--watch", "0"], "--watch: must be 1 to 3600 seconds"),
        (["alertmanager", "--url", "ftp://example.invalid"], "--url: \"ftp://example.invalid\" is not an http(s) URL"),
        (["alertmanager", "--url", "http://127.0.0.1:9093", "--refresh", "60", "--resolve-timeout", "30"],
         "--resolve-timeout: must be more than --refresh"),
    ])
    func badOptions(_ args: [String], _ message: String) async throws {
        let result = try await MeridianCLI.run(args)
        #expect(result.status == 64, "\(result)")
        #expect(result.stderr.contains(message), "\(result)")
    }

    @Test("router and worker serve /metrics (promtool accepts it), /healthz and /readyz; status shows the deployment; routing is logged without payloads")
    func endpointsAndStatus() async throws {
        let server = try await NATSServer.start(NATSServer.Options(serverName: "cli-ops"))
        defer { server.shutdown() }
        let configFile = try Self.configFile()
        let common = ["--config", configFile, "--nats", server.url, "--heartbeat", "1", "--log-level", "info",
                      "--metrics-listen", "127.0.0.1:0"]
        let router = try RunningCommand(["router"] + common)
        let worker = try RunningCommand(["worker", "--region", "emea", "--node", "emea-ops"] + common)
        try await waitUntil(timeout: .seconds(20), "both serve metrics") {
            Self.metricsPort(router) != nil && Self.metricsPort(worker) != nil
        }
        let routerPort = try #require(Self.metricsPort(router)), workerPort = try #require(Self.metricsPort(worker))
        try await waitUntil(timeout: .seconds(20), "both ready") {
            let router = await HTTPProbe.get(port: routerPort, path: "/readyz"), worker = await HTTPProbe.get(port: workerPort, path: "/readyz")
            return router?.status == 200 && worker?.status == 200
        }
        try await waitUntil(timeout: .seconds(20), "the router sees the worker") {
            await HTTPProbe.get(port: routerPort, path: "/metrics")?.body.contains(#"meridian_live_workers{region="emea"} 1.0"#) == true
        }

        let now = SystemClock().now()
        let ticket = """
            {"id":"OPS-1","customer":"acme","plan":"enterprise","severity":"critical","region":"emea",\
            "created_at":"\(now.iso8601)","subject":"Secret subject line","details":"Secret details.","steps_taken":"None"}
            """
        let submitted = try await MeridianCLI.run(["submit", "--nats", server.url], stdin: ticket + "\n")
        #expect(submitted.status == 0, "\(submitted)")
        try await waitUntil(timeout: .seconds(10), "assigned") { worker.stdout.contains("OPS-1") }

        let routerScrape = try #require(await HTTPProbe.get(port: routerPort, path: "/metrics")).body
        #expect(routerScrape.contains(#"meridian_tickets_routed_total{region="emea",plan="enterprise",reason="home_open"} 1"#))
        #expect(routerScrape.contains(#"meridian_live_workers{region="amer"} 0.0"#))
        try await waitUntil(timeout: .seconds(20), "the worker's latency histogram") {
            await HTTPProbe.get(port: workerPort, path: "/metrics")?.body
                .contains(#"meridian_assignment_latency_seconds_count{region="emea"} 1"#) == true
        }
        // Gauges are sampled every 5 s.
        try await waitUntil(timeout: .seconds(20), "the worker's clock gauges") {
            let body = await HTTPProbe.get(port: workerPort, path: "/metrics")?.body ?? ""
            return body.contains(#"meridian_open_clocks{region="emea",state="open"} 1.0"#)
                && body.contains(#"meridian_clocks_at_risk{region="emea"} 1.0"#)
        }
        let workerScrape = try #require(await HTTPProbe.get(port: workerPort, path: "/metrics")).body
        for scrape in [routerScrape, workerScrape] {
            let check = try Promtool.checkMetrics(scrape)
            #expect(check.status == 0, "promtool: \(check.output)")
        }
        // The routing, at info level, without the ticket's text.
        let routed = router.stderr.split(separator: "\n").filter { $0.contains("routed") && $0.contains("OPS-1") }
        #expect(routed.count == 1, "\(router.stderr)")
        #expect(routed.first.map { $0.contains("region=emea") && $0.contains("tier=l1") && $0.contains("reason=home_open") } == true)
        #expect(!router.stderr.contains("Secret"))

        let status = try await MeridianCLI.run(["status", "--json", "--config", configFile, "--nats", server.url])
        #expect(status.status == 0, "\(status)")
        let deployment = try JSONCoding.decode(DeploymentStatus.self, from: Array(status.stdout.utf8))
        let emea = try #require(deployment.regions.first { $0.region == "emea" })
        #expect(emea.open)
        #expect(emea.nextClosing == nil)  // 24x7
        #expect(emea.liveWorkers == 1)
        #expect(emea.nodes == ["emea-ops"])
        #expect(emea.clocks == 1)
        #expect(emea.unanswered == 1)
        #expect(emea.atRisk == 1)
        #expect(emea.breachesToday == 0)
        #expect(deployment.unreported == ["amer"])

        // --watch redraws until SIGINT, then exits 0.
        let watching = try RunningCommand(["status", "--watch", "1", "--config", configFile, "--nats", server.url])
        try await waitUntil(timeout: .seconds(20), "two screens") {
            watching.stdout.components(separatedBy: "Meridian at ").count >= 3
        }
        #expect(watching.stdout.contains("open 24x7"))
        watching.signal(SIGINT)
        #expect(await watching.wait() == 0)

        // NATS gone: the worker is up but not healthy.
        await server.stop(.kill)
        try await waitUntil(timeout: .seconds(15), "/healthz 503") {
            await HTTPProbe.get(port: workerPort, path: "/healthz")?.status == 503
        }
        #expect(await HTTPProbe.get(port: workerPort, path: "/healthz")?.body.hasPrefix("NATS connection is ") == true)
        router.signal(SIGTERM)
        worker.signal(SIGTERM)
        _ = await router.wait()
        _ = await worker.wait()
    }
}
