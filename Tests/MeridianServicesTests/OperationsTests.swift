import NATSServerLauncher
import BusinessTime
import Foundation
@testable import MeridianServices
import MeridianTesting
import NATS
import Testing
import TicketRouting

/// Metrics, health and readiness of a router and a worker on a real nats-server, scraped over
/// HTTP from their `MetricsServer`s (as Prometheus would).
@Suite("metrics, /healthz and /readyz on a real nats-server")
struct OperationsTests {
    static func t(_ iso: String) -> Instant { Instant(iso8601: iso)! }

    /// A router and an emea worker, each with its own registry and metrics endpoint on a free port.
    struct Deployment {
        let router: RouterService
        let worker: WorkerService
        let routerPort: Int
        let workerPort: Int
    }

    static func deploy(_ h: ServiceHarness) async throws -> Deployment {
        let router = RouterService(connection: h.connection, config: h.config, clock: h.clock,
                                   options: RouterOptions(heartbeatInterval: .seconds(1)), logger: h.logger,
                                   metrics: MeridianMetrics())
        let nc = try await h.newConnection()
        let worker = WorkerService(connection: nc, config: h.config, clock: h.clock,
                                   options: WorkerOptions(region: "emea", node: "emea-1", heartbeatInterval: .seconds(1)),
                                   team: ClosureChannel { _ in }, logger: h.logger, metrics: MeridianMetrics())
        let any = ListenAddress(host: "127.0.0.1", port: 0)
        let routerServer = MetricsServer(address: any, metrics: router.metrics, readiness: router.readiness,
                                         connection: h.connection, logger: h.logger, sampleInterval: .milliseconds(200),
                                         sample: router.sampleGauges)
        let workerServer = MetricsServer(address: any, metrics: worker.metrics, readiness: worker.readiness,
                                         connection: nc, logger: h.logger, sampleInterval: .milliseconds(200),
                                         sample: worker.sampleGauges)
        h.run(routerServer)
        h.run(workerServer)
        h.run(router)
        h.run(worker)
        return Deployment(router: router, worker: worker, routerPort: await routerServer.boundPort(),
                          workerPort: await workerServer.boundPort())
    }

    /// The sample lines of a scrape (no comments), e.g. `meridian_tickets_duplicate_total 1.0`.
    static func samples(_ port: Int) async throws -> Set<String> {
        let response = try #require(await HTTPProbe.get(port: port, path: "/metrics"))
        #expect(response.status == 200)
        return Set(response.body.split(separator: "\n").filter { !$0.hasPrefix("#") }.map(String.init))
    }

    static func scrape(_ port: Int) async throws -> String {
        try #require(await HTTPProbe.get(port: port, path: "/metrics")).body
    }

    // Tuesday 2026-11-24: emea open 07:00-17:00Z; amer (09:00-17:00 New York) and apac
    // (09:00-18:00 Singapore) closed at 10:00Z. Enterprise: critical 1 h, major 2 h first response,
    // warnings at 50% and 75%.
    @Test("routed, rejected, duplicate, warnings, breaches, clocks, queues, live workers: exact values; promtool accepts both scrapes")
    func countersAndGauges() async throws {
        let h = try await ServiceHarness(name: "ops-metrics", start: Self.t("2026-11-24T09:00:00Z"))
        let d = try await Self.deploy(h)
        try await waitUntil("emea worker live") { d.router.liveLoads()["emea"]?.liveWorkers == 1 }

        _ = try await h.submit(ServiceFixtures.ticketJSON("M-1", severity: "major", createdAt: "2026-11-24T09:00:00Z"))
        _ = try await h.submit(ServiceFixtures.ticketJSON("M-2", severity: "critical", createdAt: "2026-11-24T09:00:00Z"))
        _ = try await h.submit(ServiceFixtures.ticketJSON("M-3", plan: "premium", createdAt: "2026-11-24T09:00:00Z"))
        let rejected = try await h.submit(ServiceFixtures.ticketJSON("bad id", createdAt: "2026-11-24T09:00:00Z"))
        #expect(rejected.contains(#""code":"bad_id""#))
        let duplicate = try await h.submit(ServiceFixtures.ticketJSON("M-1", severity: "major", createdAt: "2026-11-24T09:00:00Z"))
        #expect(duplicate.hasPrefix(#"{"duplicate":true"#))
        try await waitUntil("three assignments") {
            let samples = try await Self.samples(d.workerPort)
            return d.worker.clocks.count == 3 && samples.contains(#"meridian_assignment_latency_seconds_count{region="emea"} 3"#)
        }

        // M-2 (critical, due 10:00Z): warnings at 09:30Z and 09:45Z, breach at 10:00Z; M-1 (major,
        // due 11:00Z): 50% warning at 10:00Z. One step per timer, so that each fires on its own.
        for (step, alerts) in [("2026-11-24T09:30:00Z", 1), ("2026-11-24T09:45:00Z", 2), ("2026-11-24T10:00:00Z", 4)] {
            h.clock.advance(to: Self.t(step))
            try await waitUntil("\(alerts) alerts by \(step)") {
                try await h.events("meridian.events.emea.>").filter(\.kind.isAlert).count == alerts
            }
        }
        try await waitUntil("the alerts counted") {
            try await Self.samples(d.workerPort).contains(#"meridian_sla_breaches_total{region="emea",plan="enterprise",clock="first_response"} 1"#)
        }
        // Hostile input: an unreadable heartbeat and an unreadable event are skipped and counted.
        try h.connection.publish("meridian.nodes.emea.forged", payload: Array("{not json".utf8))
        _ = try await h.js.publish("meridian.events.emea.created.JUNK-1", payload: Array("\u{0}garbage".utf8))

        try await waitUntil("the bad messages counted") {
            let router = try await Self.samples(d.routerPort), worker = try await Self.samples(d.workerPort)
            return router.contains(#"meridian_bad_messages_total{source="heartbeat"} 1"#)
                && worker.contains(#"meridian_bad_messages_total{source="event"} 1"#)
        }

        // Gauges are sampled in the background (every 200 ms here): wait for the sample after 10:00Z.
        let routerLines = [
            #"meridian_tickets_routed_total{region="emea",plan="enterprise",reason="home_open"} 2"#,
            #"meridian_tickets_routed_total{region="emea",plan="premium",reason="home_open"} 1"#,
            #"meridian_tickets_rejected_total{code="bad_id"} 1"#,
            "meridian_tickets_duplicate_total 1",
            #"meridian_live_workers{region="emea"} 1.0"#,
            #"meridian_live_workers{region="amer"} 0.0"#,
            #"meridian_live_workers{region="apac"} 0.0"#,
            #"meridian_region_open{region="emea"} 1.0"#,
            #"meridian_region_open{region="amer"} 0.0"#,
            #"meridian_region_open{region="apac"} 0.0"#,
            #"meridian_bad_messages_total{source="heartbeat"} 1"#,
            #"meridian_bad_messages_total{source="event"} 1"#,
            "meridian_nats_reconnects_total 0",
        ]
        _ = try? await waitUntil("the router's gauges") { Set(routerLines).isSubset(of: try await Self.samples(d.routerPort)) }
        let router = try await Self.samples(d.routerPort)
        for line in routerLines { #expect(router.contains(line), "router scrape lacks \(line)") }
        #expect(router.filter { $0.hasPrefix("meridian_tickets_routed_total") }.count == 2)
        #expect(router.contains { $0.hasPrefix("meridian_replay_duration_seconds ") })
        #expect(!router.contains { $0.contains("M-1") || $0.contains("ticket=") }, "no ticket id is a label")

        let workerLines = [
            #"meridian_sla_warnings_total{region="emea",plan="enterprise",clock="first_response"} 3"#,
            #"meridian_sla_breaches_total{region="emea",plan="enterprise",clock="first_response"} 1"#,
            #"meridian_open_clocks{region="emea",state="open"} 3.0"#,
            #"meridian_open_clocks{region="emea",state="waiting"} 0.0"#,
            // M-1's first response is due at 11:00Z, exactly one hour after 10:00Z; M-2 breached.
            #"meridian_clocks_at_risk{region="emea"} 1.0"#,
            #"meridian_work_backlog{region="emea",tier="l1"} 0.0"#,
            #"meridian_work_oldest_age_seconds{region="emea",tier="l1"} 0.0"#,
            #"meridian_region_open{region="emea"} 1.0"#,
            #"meridian_assignment_latency_seconds_count{region="emea"} 3"#,
            #"meridian_bad_messages_total{source="event"} 1"#,
        ]
        _ = try? await waitUntil("the worker's gauges") { Set(workerLines).isSubset(of: try await Self.samples(d.workerPort)) }
        let worker = try await Self.samples(d.workerPort)
        for line in workerLines { #expect(worker.contains(line), "worker scrape lacks \(line)") }

        for port in [d.routerPort, d.workerPort] {
            let check = try Promtool.checkMetrics(try await Self.scrape(port))
            #expect(check.status == 0, "promtool: \(check.output)")
        }
        await h.stop()
    }

    /// Tuesday 2026-11-24 17:30Z: emea closed, amer open until 22:00Z, apac opens at 22:00Z (SunFixtures).
    @Test("a follow-the-sun routing, an escalation and a handoff at amer's closing: exact counters")
    func handoffAndEscalationCounters() async throws {
        let amerClosing = Self.t("2026-11-24T22:00:00Z")
        let h = try await ServiceHarness(name: "ops-handoff", start: Self.t("2026-11-24T17:30:00Z"), config: SunFixtures.config)
        let router = RouterService(connection: h.connection, config: h.config, clock: h.clock,
                                   options: RouterOptions(heartbeatInterval: .seconds(1)), logger: h.logger,
                                   metrics: MeridianMetrics())
        h.run(router)
        try await h.startWorker("amer", node: "amer-1")
        try await h.startWorker("apac", node: "apac-1")
        try await waitUntil("amer and apac live") {
            router.liveLoads()["amer"]?.liveWorkers == 1 && router.liveLoads()["apac"]?.liveWorkers == 1
        }
        try await waitUntil("closing timers armed") { h.clock.sleeperCount == 3 }
        _ = try await h.submit(ServiceFixtures.ticketJSON("H-1", createdAt: "2026-11-24T17:30:00Z"))
        _ = try await h.submit(ServiceFixtures.ticketJSON("H-2", createdAt: "2026-11-24T17:30:00Z"))
        try await waitUntil("amer got both") { h.delivered.count == 2 }
        // H-2 is answered (so it stays at amer's closing) and escalated to L2 by its team.
        try await h.record(.responded, ticket: "H-2", at: Self.t("2026-11-24T18:00:00Z"), automatic: false)
        var escalation = TicketEvent(ticket: "H-2", kind: .escalated, at: Self.t("2026-11-24T18:05:00Z"), region: "emea",
                                     tier: .l2)
        escalation.automatic = false
        try await EventLog(h.js).append(escalation, id: "H-2:escalated:manual")
        try await waitUntil("the L2 work delivered") { h.delivered.count == 3 }
        let l2 = h.delivered[2]
        #expect(l2.work.tier == .l2)
        _ = try await h.submit(ServiceFixtures.ticketJSON("H-3", plan: "premium", createdAt: "2026-11-24T18:10:00Z"))
        try await waitUntil("the projection caught up") { router.handling(of: "H-3") != nil }

        h.clock.advance(to: amerClosing)
        try await waitUntil("apac got H-1") { h.delivered.contains { $0.work.ticket.id == "H-1" && $0.work.region == "apac" } }
        let metrics = String(decoding: router.metrics.exposition(), as: UTF8.self)
        #expect(metrics.contains(#"meridian_handoffs_total{from="amer",to="apac"} 1"# + "\n"))
        #expect(metrics.components(separatedBy: "meridian_handoffs_total{").count == 2)
        #expect(metrics.contains(#"meridian_escalations_total{region="\#(l2.work.region)",tier="l2"} 1"# + "\n"))
        #expect(metrics.contains(#"meridian_tickets_routed_total{region="amer",plan="enterprise",reason="follow_the_sun"} 2"# + "\n"))
        #expect(metrics.contains(#"meridian_tickets_routed_total{region="emea",plan="premium",reason="home_queued"} 1"# + "\n"))
        await h.stop()
    }

    @Test("/readyz is 503 until the streams are set up and the replay caught up; /healthz is 503 once NATS is gone")
    func healthAndReadiness() async throws {
        let h = try await ServiceHarness(name: "ops-health", start: Self.t("2026-11-24T09:00:00Z"))
        let nc = try await h.newConnection()
        let worker = WorkerService(connection: nc, config: h.config, clock: h.clock,
                                   options: WorkerOptions(region: "emea", node: "emea-h", heartbeatInterval: .seconds(1)),
                                   team: ClosureChannel { _ in }, logger: h.logger, metrics: MeridianMetrics())
        let server = MetricsServer(address: ListenAddress(host: "127.0.0.1", port: 0), metrics: worker.metrics,
                                   readiness: worker.readiness, connection: nc, logger: h.logger,
                                   sample: worker.sampleGauges)
        h.run(server)
        let port = await server.boundPort()
        // The process is up and connected, the worker not started yet.
        #expect(await HTTPProbe.get(port: port, path: "/healthz").map { "\($0.status) \($0.body)" } == "200 ok\n")
        #expect(await HTTPProbe.get(port: port, path: "/readyz").map { "\($0.status) \($0.body)" }
            == "503 the streams and consumers are not set up yet\n")
        #expect(await HTTPProbe.get(port: port, path: "/nothing")?.status == 404)

        h.run(worker)
        try await waitUntil("ready") { await HTTPProbe.get(port: port, path: "/readyz")?.status == 200 }
        #expect(await HTTPProbe.get(port: port, path: "/readyz")?.body == "ready\n")

        await h.server.stop(.kill)
        try await waitUntil("unhealthy without NATS") { await HTTPProbe.get(port: port, path: "/healthz")?.status == 503 }
        let health = try #require(await HTTPProbe.get(port: port, path: "/healthz"))
        #expect(["NATS connection is reconnecting\n", "NATS connection is disconnected\n"].contains(health.body))
        #expect(await HTTPProbe.get(port: port, path: "/readyz")?.status == 503)
        await h.stop()
    }

    @Test("readiness: set up but not caught up is still not ready")
    func readinessStates() {
        let readiness = Readiness()
        #expect(readiness.problem == "the streams and consumers are not set up yet")
        readiness.markSetUp()
        #expect(readiness.problem == "the event log replay has not caught up yet")
        readiness.markCaughtUp()
        #expect(readiness.problem == nil)
    }

    @Test("--metrics-listen values: HOST:PORT is validated, hostile ones are refused with the reason",
          arguments: [
              ("127.0.0.1:9464", "127.0.0.1:9464"), ("0.0.0.0:0", "0.0.0.0:0"), ("[::1]:9464", "[::1]:9464"),
              ("metrics.local:80", "metrics.local:80"),
              ("localhost", "expected HOST:PORT, e.g. 127.0.0.1:9464"), (":9464", "the host is empty"),
              ("host:65536", "the port must be a number from 0 to 65535"),
              ("host:+80", "the port must be a number from 0 to 65535"),
              ("host:-1", "the port must be a number from 0 to 65535"),
              ("host:", "the port must be a number from 0 to 65535"),
              ("a b:80", "\"a b\" is not a host name or IPv4 address"),
              ("[::1:80", "an IPv6 address is written [ADDRESS]:PORT"),
              ("[zz]:80", "\"zz\" is not an IPv6 address"),
          ])
    func listenAddresses(_ text: String, _ expected: String) {
        do {
            let address = try ListenAddress(parsing: text)
            #expect(address.description == expected)
        } catch {
            #expect(error.reason == expected)
        }
    }
}
