import NATSServerLauncher
import BusinessTime
import Foundation
import MeridianAuth
import MeridianServices
import MeridianTesting
import NKeys
import Testing
import TicketRouting

import Glibc

/// The deployment of the "Done when": keys from `auth init`, a server including the generated
/// auth.conf, `meridian setup` as admin, then a router, one worker per region and `meridian tail`,
/// each with its own --nats-nkey-file: tickets route and breaches alert as without auth, and
/// what an identity may not do fails on the real server.
@Suite("router + workers + tail under the generated authorization (processes)")
struct AuthFlowTests {
    @Test("setup as admin; router, workers, tail each with its key; a ticket routes and breaches; team actions stay in their region")
    func fullFlow() async throws {
        let auth = try await AuthServer(name: "auth-flow")
        let configFile = auth.keys + "/meridian.yaml"
        try AuthFixtures.yaml.write(toFile: configFile, atomically: true, encoding: .utf8)
        func options(_ name: String) -> [String] {
            ["--config", configFile, "--log-level", "warning"] + auth.cliOptions(Identity(name: name)!)
        }

        // With credentials and no set-up, a worker says exactly what is missing, and creates nothing.
        let early = try await MeridianCLI.run(["worker", "--region", "emea", "--node", "emea-1"] + options("worker-emea"))
        #expect(early.status == 1)
        #expect(early.stderr.contains(
            "the JetStream set-up is incomplete: missing stream MERIDIAN_WORK, stream MERIDIAN_EVENTS, "
                + "consumer MERIDIAN_WORK/work-emea-l1, consumer MERIDIAN_WORK/work-emea-l2, consumer MERIDIAN_WORK/work-emea-l3; "
                + "run `meridian setup` as admin"),
                "\(early)\n\(auth.server.logTail(lines: 6))")
        // The router may not set up either.
        let refused = try await MeridianCLI.run(["setup"] + options("router"))
        #expect(refused.status == 1, "\(refused)")

        let setup = try await MeridianCLI.run(["setup"] + options("admin"))
        #expect(setup.status == 0, "\(setup)")
        #expect(setup.stdout.split(separator: "\n").count == 14)  // 3 streams, bucket, 4 router + 6 work consumers
        #expect(setup.stdout.contains("ready consumer MERIDIAN_WORK/work-apac-l3\n"))

        let router = try RunningCommand(["router", "--heartbeat", "1"] + options("router"))
        let emea = try RunningCommand(["worker", "--region", "emea", "--node", "emea-1", "--heartbeat", "1"] + options("worker-emea"))
        let apac = try RunningCommand(["worker", "--region", "apac", "--node", "apac-1", "--heartbeat", "1"] + options("worker-apac"))
        let tail = try RunningCommand(["tail", "--kind", "breached", "--log-level", "warning"] + auth.cliOptions(Identity(.monitor)))
        defer { for p in [router, emea, apac, tail] where p.isRunning { p.signal(SIGKILL) } }
        try await waitUntil(timeout: .seconds(20), "the EMEA worker answers the EMEA team's inbox") {
            try await MeridianCLI.run(["inbox", "--region", "emea", "--home"] + options("team-emea")).status == 0
        }

        // Created three hours ago: the 1 h first response of a critical Enterprise ticket is already overdue.
        let created = SystemClock().now() - 3 * 3600
        let ticket = """
            {"id":"AUTH-1","customer":"acme","plan":"enterprise","severity":"critical","region":"emea",\
            "created_at":"\(created.iso8601)","subject":"Down","details":"Nothing loads.","steps_taken":"Restarted"}
            """
        let submitted = try await MeridianCLI.run(["submit"] + auth.cliOptions(Identity(.submitter)), stdin: ticket + "\n")
        #expect(submitted.status == 0, "\(submitted)")
        let decision = try JSONCoding.decode(RoutingDecision.self, from: Array(submitted.stdout.utf8))
        #expect(decision.region == "emea")
        #expect(decision.firstResponseDue == created + 3600)

        try await waitUntil(timeout: .seconds(15), "the assignment on the EMEA worker's stdout") { emea.stdout.contains("AUTH-1") }
        #expect(!apac.stdout.contains("AUTH-1"))
        do {
            try await waitUntil(timeout: .seconds(15), "the breach on tail") { tail.stdout.contains("BREACHED emea AUTH-1") }
        } catch {
            let log = (try? String(contentsOfFile: auth.server.logFile, encoding: .utf8)) ?? ""
            Issue.record("""
                \(error)
                tail: \(tail.stderr)
                emea: \(emea.stderr)
                server: \(log.split(separator: "\n").filter { $0.contains("Violation") }.prefix(8).joined(separator: "\n"))
                """)
            throw error
        }
        #expect(tail.stdout.contains("BREACHED emea AUTH-1 enterprise/critical first_response due \((created + 3600).iso8601)"),
                "\(tail.stdout)")

        // The APAC team cannot record a response in EMEA's log (the server drops it); EMEA's team can.
        let forged = try await MeridianCLI.run(["ticket", "respond", "AUTH-1"] + auth.cliOptions(Identity(.team("apac"))))
        #expect(forged.status == 1, "\(forged)")
        let responded = try await MeridianCLI.run(["ticket", "respond", "AUTH-1"] + auth.cliOptions(Identity(.team("emea"))))
        #expect(responded.status == 0, "\(responded)")
        #expect(responded.stdout.hasPrefix("recorded responded for AUTH-1 in emea at "))
        #expect(responded.stdout.hasSuffix(" by team-emea\n"), "\(responded.stdout)")

        for p in [router, emea, apac, tail] { p.signal(SIGTERM) }
        for p in [router, emea, apac] { #expect(await p.wait() == 0, "\(p.stderr)") }
        _ = await tail.wait()
        // The only denials were the ones asked for: the router's setup, APAC's forged response, and
        // the replays' clean-up on exit (ephemeral consumers; the server removes them when idle).
        let log = try String(contentsOfFile: auth.server.logFile, encoding: .utf8)
        func key(_ name: String) throws -> String { try KeyDirectory.readSeed(auth.keyFile(Identity(name: name)!)).publicKey }
        let routerKey = try key("router"), teamAPACKey = try key("team-apac")
        let unexpected = log.split(separator: "\n").filter { $0.contains("Violation") }.filter { line in
            let setupByRouter = line.contains(routerKey) && line.contains("Subject \"$JS.API.STREAM.CREATE.MERIDIAN_WORK\"")
            let forged = line.contains(teamAPACKey) && line.contains("Subject \"meridian.events.emea.responded.AUTH-1\"")
            let cleanUp = line.contains("Subject \"$JS.API.CONSUMER.DELETE.MERIDIAN_EVENTS.") && !line.contains("router-escalations")
            return !(setupByRouter || forged || cleanUp)
        }
        #expect(unexpected.isEmpty, "\(unexpected.joined(separator: "\n"))")
        #expect(log.contains("Nkey \"\(teamAPACKey)\", Subject \"meridian.events.emea.responded.AUTH-1\""))
    }
}
