import BusinessTime
import Foundation
import MeridianServices
import MeridianTesting
import NATSServerLauncher
import Testing
import TicketRouting

#if canImport(Glibc)
import Glibc
#endif

/// `meridian router`, `worker`, `submit`, `inbox` and `ticket` as a user runs them: separate
/// processes on a real nats-server.
@Suite("meridian router, worker, submit, inbox, ticket (processes)")
struct ServiceCLITests {
    /// Always-open regions, so that the test does not depend on the hour it runs at.
    static let config = """
        regions:
          emea: { timezone: Europe/Paris, hours: 24x7 }
          amer: { timezone: America/New_York, hours: 24x7 }
        plans:
          enterprise:
            first_response: { critical: 1h, major: 2h, minor: 2h }
            resolution: 24h
            follow_the_sun: true
        """

    @Test("a submitted ticket reaches the region's worker; the inbox lists it; a response stops its first-response clock; SIGTERM stops both")
    func submitInboxRespond() async throws {
        let server = try await NATSServer.start(NATSServer.Options(serverName: "cli-services"))
        defer { server.shutdown() }
        let directory = NSTemporaryDirectory() + "meridian-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configFile = "\(directory)/meridian.yaml"
        try Self.config.write(toFile: configFile, atomically: true, encoding: .utf8)
        let common = ["--config", configFile, "--nats", server.url, "--heartbeat", "1", "--log-level", "warning"]

        let router = try RunningCommand(["router"] + common)
        let worker = try RunningCommand(["worker", "--region", "emea", "--node", "emea-cli"] + common)
        try await waitUntil(timeout: .seconds(20), "the worker answers its inbox") {
            try await MeridianCLI.run(["inbox", "--region", "emea", "--config", configFile, "--nats", server.url]).status == 0
        }

        let now = SystemClock().now()
        let ticket = """
            {"id":"CLI-1","customer":"acme","plan":"enterprise","severity":"major","region":"emea",\
            "created_at":"\(now.iso8601)","subject":"Export fails","details":"Stops at 90%.","steps_taken":"Restarted"}
            """
        let submitted = try await MeridianCLI.run(["submit", "--nats", server.url], stdin: ticket + "\n")
        #expect(submitted.status == 0, "\(submitted)")
        let decision = try JSONCoding.decode(RoutingDecision.self, from: Array(submitted.stdout.utf8))
        #expect(decision.region == "emea")
        #expect(decision.tier == .l1)
        #expect(decision.firstResponseDue == now + 7200)

        try await waitUntil(timeout: .seconds(10), "the assignment on the worker's stdout") { worker.stdout.contains("CLI-1") }
        let line = try #require(worker.stdout.split(separator: "\n").first)
        let assignment = try JSONCoding.decode(Assignment.self, from: Array(line.utf8))
        #expect(assignment.work.ticket.id == "CLI-1")
        #expect(assignment.node == "emea-cli")

        let inbox = try await MeridianCLI.run(["inbox", "--region", "emea", "--config", configFile, "--nats", server.url])
        #expect(inbox.stdout.hasPrefix("TICKET"), "\(inbox)")
        // The inbox asks every region's workers; amer runs none here.
        #expect(inbox.stderr.contains("warning: not listed: tickets whose home is amer (no worker running)"))
        // One row per clock: its deadline, state and time left.
        let rows = inbox.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(rows.first == ["TICKET", "PLAN", "SEVERITY", "TIER", "HANDLED", "BY", "CLOCK", "STATE", "DEADLINE", "LEFT", "/", "OVERDUE"])
        let firstResponse = try #require(rows.first { $0.first == "CLI-1" && $0.contains("first_response") })
        #expect(Array(firstResponse.prefix(8)) == ["CLI-1", "enterprise", "major", "l1", "emea", "first_response", "running",
                                                   (now + 7200).iso8601])
        #expect(firstResponse.last == "left")

        let responded = try await MeridianCLI.run(["ticket", "respond", "CLI-1", "--note", "On it", "--nats", server.url])
        #expect(responded.status == 0, "\(responded)")
        #expect(responded.stdout.hasPrefix("recorded responded for CLI-1 in emea at "))
        try await waitUntil(timeout: .seconds(10), "first response met") {
            let reply = try await MeridianCLI.run(["inbox", "--region", "emea", "--json", "--config", configFile, "--nats", server.url])
            let open = try JSONCoding.decode([TicketClockStatus].self, from: Array(reply.stdout.utf8))
            return open.first?.firstResponse.state == .met
        }

        let unknown = try await MeridianCLI.run(["ticket", "resolve", "NOPE-1", "--nats", server.url])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("ticket NOPE-1 is not known to Meridian"))

        worker.signal(SIGTERM)
        router.signal(SIGTERM)
        #expect(await worker.wait() == 0, "\(worker.stderr)")
        #expect(await router.wait() == 0, "\(router.stderr)")
    }

    @Test("a worker for a region the config does not have exits 2 naming it")
    func unknownRegion() async throws {
        let result = try await MeridianCLI.run(["worker", "--region", "mars", "--nats", "nats://127.0.0.1:1"])
        #expect(result.status == 2)
        #expect(result.stderr.contains(#"regions: no region "mars" (known: amer, apac, emea)"#))
    }
}
