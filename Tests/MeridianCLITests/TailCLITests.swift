import BusinessTime
import Foundation
import MeridianServices
import MeridianTesting
import NATSServerLauncher
import NATS
import Testing
import TicketRouting

@Suite("meridian tail (the built binary on a real nats-server)")
struct TailCLITests {
    static func alert(_ kind: TicketEvent.Kind, _ ticket: TicketID, region: RegionID, plan: PlanID,
                      due: String, at: String) -> TicketEvent {
        let due = Instant(iso8601: due)!, at = Instant(iso8601: at)!
        return TicketEvent(ticket: ticket, kind: kind, at: at, region: region, plan: plan, severity: .major,
                           clock: .firstResponse, cycle: 0, threshold: kind == .warning ? 0.5 : nil, due: due,
                           overdueSeconds: kind == .breached ? at - due : nil)
    }

    @Test("--since shows alerts published before it started, filtered; --json lines parse back to the events")
    func sinceAndJSON() async throws {
        let server = try await NATSServer.start(NATSServer.Options(serverName: "cli-tail"))
        defer { server.shutdown() }
        let nc = try await NATSConnection.connect(NATSOptions(url: server.url))
        let js = try nc.jetStream()
        try await MeridianStreams().ensureStreams(js)
        let log = EventLog(js)
        let events = [
            Self.alert(.warning, "T-1", region: "emea", plan: "enterprise", due: "2026-11-24T10:00:00Z", at: "2026-11-24T10:00:00Z"),
            TicketEvent.simple(.responded, ticket: "T-2", at: Instant(iso8601: "2026-11-24T10:05:00Z")!, region: "amer",
                               automatic: false),
            Self.alert(.breached, "T-1", region: "emea", plan: "enterprise", due: "2026-11-24T11:00:00Z", at: "2026-11-24T11:00:07Z"),
            Self.alert(.breached, "T-3", region: "apac", plan: "premium", due: "2026-11-24T12:00:00Z", at: "2026-11-24T12:30:00Z"),
        ]
        for event in events { try await log.append(event, id: event.messageID) }
        await nc.close()

        let all = try await MeridianCLI.run(["tail", "--nats", server.url, "--since", "1h", "--json", "--limit", "3"])
        #expect(all.status == 0, "\(all)")
        let parsed = try all.stdout.split(separator: "\n").map { try TicketEvent.decode(json: Array($0.utf8)) }
        #expect(parsed == [events[0], events[2], events[3]])

        let breaches = try await MeridianCLI.run(
            ["tail", "--nats", server.url, "--since", "1h", "--kind", "breached", "--region", "emea", "--limit", "1"])
        #expect(breaches.status == 0, "\(breaches)")
        #expect(breaches.stdout == """
            2026-11-24T11:00:07Z BREACHED emea T-1 enterprise/major first_response due 2026-11-24T11:00:00Z overdue 7s

            """)

        let premium = try await MeridianCLI.run(["tail", "--nats", server.url, "--since", "1h", "--plan", "premium", "--limit", "1"])
        #expect(premium.stdout.hasPrefix("2026-11-24T12:30:00Z BREACHED apac T-3 premium/major first_response"))
    }

    @Test("warnings show their instant and the deadline; a target change on escalation to L3 is shown with old and new due")
    func warningAndTargetChangeLines() async throws {
        let server = try await NATSServer.start(NATSServer.Options(serverName: "cli-tail-target"))
        defer { server.shutdown() }
        let nc = try await NATSConnection.connect(NATSOptions(url: server.url))
        let js = try nc.jetStream()
        try await MeridianStreams().ensureStreams(js)
        let log = EventLog(js)
        let t = { (iso: String) in Instant(iso8601: iso)! }
        var warning = Self.alert(.warning, "T-1", region: "emea", plan: "enterprise", due: "2026-11-24T11:00:00Z",
                                 at: "2026-11-24T10:00:00Z")
        warning.warningAt = t("2026-11-24T10:00:00Z")
        let change = TargetChange(
            ticket: "T-1", region: "emea", plan: "enterprise", severity: .major, clock: .resolution, cycle: 0, tier: .l3,
            previousDue: t("2026-11-25T09:00:00Z"), due: t("2026-12-01T15:00:00Z"), at: t("2026-11-24T12:00:00Z")).event
        for event in [warning, change] { try await log.append(event, id: event.messageID) }
        await nc.close()

        let lines = try await MeridianCLI.run(["tail", "--nats", server.url, "--since", "1h", "--limit", "2"])
        #expect(lines.status == 0, "\(lines)")
        #expect(lines.stdout == """
            2026-11-24T10:00:00Z WARNING  emea T-1 enterprise/major first_response 50% at 2026-11-24T10:00:00Z due 2026-11-24T11:00:00Z left 1h
            2026-11-24T12:00:00Z TARGET   emea T-1 enterprise/major resolution due 2026-12-01T15:00:00Z (was 2026-11-25T09:00:00Z) at l3

            """)
        let only = try await MeridianCLI.run(
            ["tail", "--nats", server.url, "--since", "1h", "--kind", "target_changed", "--json", "--limit", "1"])
        #expect(try TicketEvent.decode(json: Array(only.stdout.dropLast().utf8)) == change)
    }

    @Test("bad flags are refused with the flag named; an unreachable NATS is a clear error")
    func badInput() async throws {
        let kind = try await MeridianCLI.run(["tail", "--kind", "broken"])
        #expect(kind.status == 64)
        #expect(kind.stderr.contains(#"--kind: "broken" is not warning, breached, target_changed or partner_warning"#))
        let since = try await MeridianCLI.run(["tail", "--since", "yesterday"])
        #expect(since.stderr.contains(#"--since: "yesterday" is not a duration"#))
        let unreachable = try await MeridianCLI.run(["tail", "--nats", "nats://127.0.0.1:1"])
        #expect(unreachable.status == 1)
        #expect(unreachable.stderr.contains("error: cannot connect to NATS at nats://127.0.0.1:1"))
    }
}
