import BusinessTime
import MeridianServices
import MeridianTesting
import NATSServerLauncher
import NATS
import Testing
import TicketRouting

@Suite("SLA clocks of a worker node on a real nats-server")
struct ClockServiceTests {
    static func t(_ iso: String) -> Instant { Instant(iso8601: iso)! }

    /// The alerts of one ticket in the log, in order.
    static func alerts(_ h: ServiceHarness, _ ticket: String) async throws -> [TicketEvent] {
        try await h.events("meridian.events.emea.*.\(ticket)").filter(\.kind.isAlert)
    }

    // Tuesday 2026-11-24, emea open 07:00-17:00Z. Enterprise/major: first response 2 business hours,
    // warnings at 50% and 75%.
    @Test("a response stops the first-response clock: no warning or breach after it, while a later ticket's alerts fire")
    func responseStopsTheClock() async throws {
        let h = try await ServiceHarness(name: "clock-respond", start: Self.t("2026-11-24T09:00:00Z"))
        let router = h.startRouter()
        let worker = try await h.startWorker("emea", node: "emea-1")
        try await waitUntil("emea worker live") { router.liveLoads()["emea"]?.liveWorkers == 1 }

        _ = try await h.submit(ServiceFixtures.ticketJSON("R-1", createdAt: "2026-11-24T09:00:00Z"))  // due 11:00Z
        _ = try await h.submit(ServiceFixtures.ticketJSON("R-2", createdAt: "2026-11-24T09:20:00Z"))  // due 11:20Z
        try await waitUntil("both assigned") { h.delivered.count == 2 }

        h.clock.advance(to: Self.t("2026-11-24T09:30:00Z"))
        try await h.record(.responded, ticket: "R-1", at: Self.t("2026-11-24T09:30:00Z"), automatic: false)
        try await waitUntil("the node stopped R-1's first response") {
            worker.clocks.openTickets(at: h.clock.now()).first { $0.ticket == "R-1" }?.firstResponse.state == .met
        }
        let r1 = try #require(worker.clocks.openTickets(at: h.clock.now()).first { $0.ticket == "R-1" })
        #expect(r1.firstResponse.stoppedAt == Self.t("2026-11-24T09:30:00Z"))
        #expect(r1.firstResponse.usedSeconds == 1800)

        // Past R-1's due instant (11:00Z): R-2's 75% warning (10:50Z) proves the timers ran up to it.
        h.clock.advance(to: Self.t("2026-11-24T11:00:00Z"))
        try await waitUntil("R-2's warning") { try await Self.alerts(h, "R-2").count == 1 }
        h.clock.advance(to: Self.t("2026-11-24T11:20:00Z"))
        try await waitUntil("R-2's breach") { try await Self.alerts(h, "R-2").count == 2 }

        let r2 = try await Self.alerts(h, "R-2")
        #expect(r2.map(\.kind) == [.warning, .breached])
        // At 11:00Z both warnings of R-2 were due (10:20Z, 10:50Z): only the latest is published.
        #expect(r2.map(\.threshold) == [0.75, nil])
        // `due` is the deadline in both; the warning's own instant is `warning_at`.
        #expect(r2.map(\.due) == [Self.t("2026-11-24T11:20:00Z"), Self.t("2026-11-24T11:20:00Z")])
        #expect(r2.map(\.warningAt) == [Self.t("2026-11-24T10:50:00Z"), nil])
        #expect(r2.map(\.at) == [Self.t("2026-11-24T11:00:00Z"), Self.t("2026-11-24T11:20:00Z")])
        #expect(r2[1].overdueSeconds == 0)
        // nothing for the first response, ever. (Its resolution clock, 24 business hours, is far off.)
        #expect(try await Self.alerts(h, "R-1").isEmpty)
        let r1Log = try await h.events("meridian.events.emea.*.R-1").map(\.kind)
        #expect(Set(r1Log) == [.created, .routed, .assigned, .responded])
        #expect(r1Log.count == 4)
        await h.stop()
    }

    @Test("an automatic response does not stop the clock")
    func automaticResponseDoesNotStopTheClock() async throws {
        let h = try await ServiceHarness(name: "clock-auto", start: Self.t("2026-11-24T09:00:00Z"))
        let router = h.startRouter()
        let worker = try await h.startWorker("emea", node: "emea-1")
        try await waitUntil("emea worker live") { router.liveLoads()["emea"]?.liveWorkers == 1 }
        _ = try await h.submit(ServiceFixtures.ticketJSON("U-1", createdAt: "2026-11-24T09:00:00Z"))
        try await waitUntil("assigned") { h.delivered.count == 1 }
        try await h.record(.responded, ticket: "U-1", at: Self.t("2026-11-24T09:05:00Z"), automatic: true)
        // A later ticket's event in the same log: once the node holds its clock, it has applied the response.
        _ = try await h.submit(ServiceFixtures.ticketJSON("U-2", createdAt: "2026-11-24T09:06:00Z"))
        try await waitUntil("U-2 clock") { worker.clocks.clock("U-2") != nil }
        #expect(worker.clocks.openTickets(at: h.clock.now()).first { $0.ticket == "U-1" }?.firstResponse.state == .running)
        h.clock.advance(to: Self.t("2026-11-24T11:00:00Z"))
        try await waitUntil("U-1 breach") {
            try await h.events("meridian.events.emea.breached.U-1").count == 1
        }
        let breach = try #require(try await h.events("meridian.events.emea.breached.U-1").first)
        #expect(breach.clock == .firstResponse)
        #expect(breach.due == Self.t("2026-11-24T11:00:00Z"))
        #expect(breach.at == Self.t("2026-11-24T11:00:00Z"))
        await h.stop()
    }

    @Test("waiting on the customer pauses the clock: the breach moves by the paused business time")
    func waitingPausesTheClock() async throws {
        let h = try await ServiceHarness(name: "clock-wait", start: Self.t("2026-11-24T09:00:00Z"))
        let router = h.startRouter()
        let worker = try await h.startWorker("emea", node: "emea-1")
        try await waitUntil("emea worker live") { router.liveLoads()["emea"]?.liveWorkers == 1 }
        _ = try await h.submit(ServiceFixtures.ticketJSON("W-1", createdAt: "2026-11-24T09:00:00Z"))  // due 11:00Z
        try await waitUntil("assigned") { h.delivered.count == 1 }
        func status() -> TicketClockStatus? {
            worker.clocks.openTickets(at: h.clock.now()).first { $0.ticket == "W-1" }
        }

        h.clock.advance(to: Self.t("2026-11-24T09:30:00Z"))
        try await h.record(.waitingOnCustomer, ticket: "W-1", at: Self.t("2026-11-24T09:30:00Z"))
        try await waitUntil("paused") { status()?.phase == .waiting }
        #expect(status()?.firstResponse.state == .paused)
        #expect(status()?.firstResponse.due == nil)
        #expect(status()?.nextDeadline == nil)

        // 45 minutes of emea business time waiting: due 11:00Z + 45m = 11:45Z.
        h.clock.advance(to: Self.t("2026-11-24T10:15:00Z"))
        try await h.record(.customerReplied, ticket: "W-1", at: Self.t("2026-11-24T10:15:00Z"))
        try await waitUntil("running again") { status()?.phase == .open }
        #expect(status()?.firstResponse.due == Self.t("2026-11-24T11:45:00Z"))
        #expect(status()?.firstResponse.usedSeconds == 1800)

        // The original due instant passes: only the 50% warning (1h used: 10:45Z) is due.
        h.clock.advance(to: Self.t("2026-11-24T11:00:00Z"))
        try await waitUntil("50% warning") { try await Self.alerts(h, "W-1").count == 1 }
        h.clock.advance(to: Self.t("2026-11-24T11:44:59Z"))
        try await waitUntil("75% warning") { try await Self.alerts(h, "W-1").count == 2 }
        #expect(try await h.events("meridian.events.emea.breached.W-1").isEmpty)
        h.clock.advance(to: Self.t("2026-11-24T11:45:00Z"))
        try await waitUntil("breach") { try await Self.alerts(h, "W-1").count == 3 }

        let alerts = try await Self.alerts(h, "W-1")
        #expect(alerts.map(\.kind) == [.warning, .warning, .breached])
        #expect(alerts.map(\.threshold) == [0.5, 0.75, nil])
        // `due` is the (moved) deadline in every alert; the warnings' own instants are `warning_at`.
        #expect(alerts.map(\.due) == [
            Self.t("2026-11-24T11:45:00Z"), Self.t("2026-11-24T11:45:00Z"), Self.t("2026-11-24T11:45:00Z"),
        ])
        #expect(alerts.map(\.warningAt) == [Self.t("2026-11-24T10:45:00Z"), Self.t("2026-11-24T11:15:00Z"), nil])
        #expect(alerts.map(\.at) == [
            Self.t("2026-11-24T11:00:00Z"), Self.t("2026-11-24T11:44:59Z"), Self.t("2026-11-24T11:45:00Z"),
        ])
        #expect(alerts[2].clock == .firstResponse)
        #expect(alerts[2].overdueSeconds == 0)
        await h.stop()
    }

    @Test("L1's 8 business hours pass: one automatic escalation (two nodes fire it) and the router gives the work to emea's L2")
    func automaticEscalationToTheNextTier() async throws {
        let h = try await ServiceHarness(name: "clock-escalate", start: Self.t("2026-11-24T09:00:00Z"))
        let router = h.startRouter()
        let worker = try await h.startWorker("emea", node: "emea-1")
        try await h.startWorker("emea", node: "emea-2")
        try await waitUntil("two emea workers") { router.liveLoads()["emea"]?.liveWorkers == 2 }
        _ = try await h.submit(ServiceFixtures.ticketJSON("E-1", createdAt: "2026-11-24T09:00:00Z"))
        try await waitUntil("assigned at L1") { h.delivered.count == 1 }
        #expect(h.delivered[0].work.tier == .l1)

        // 8 business hours at L1 from 10:00 Paris: 18:00 Paris, emea's closing (17:00Z).
        h.clock.advance(to: Self.t("2026-11-24T17:00:00Z"))
        try await waitUntil("L2 got the work") { h.delivered.count == 2 }
        let l2 = h.delivered[1]
        #expect(l2.work.ticket.id == "E-1")
        #expect(l2.work.region == "emea")
        #expect(l2.work.tier == .l2)
        #expect(l2.work.reason == "next_tier_same_region")
        let escalations = try await h.events("meridian.events.emea.escalated.E-1")
        #expect(escalations.count == 1)
        #expect(escalations.first?.tier == .l2)
        #expect(escalations.first?.automatic == true)
        #expect(escalations.first?.at == Self.t("2026-11-24T17:00:00Z"))
        try await waitUntil("the node's clock is at L2") { worker.clocks.clock("E-1")?.tier == .l2 }
        try await waitUntil("L2 assignment recorded") {
            try await h.events("meridian.events.emea.assigned.E-1").count == 2
        }
        #expect(try await h.events("meridian.events.emea.assigned.E-1").map(\.tier) == [.l1, .l2])
        #expect(h.delivered.count == 2)
        await h.stop()
    }
}
