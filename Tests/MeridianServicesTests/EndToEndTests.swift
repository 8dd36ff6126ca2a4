import BusinessTime
import MeridianServices
import MeridianTesting
import NATSServerLauncher
import NATS
import Testing
import TicketRouting

@Suite("Router and workers on a real nats-server")
struct EndToEndTests {
    // Tuesday 2026-11-24 10:00 Paris (09:00Z): emea open; 04:00 New York: amer closed.
    static let tuesdayMorning = ServiceFixtures.t("2026-11-24T09:00:00Z")

    @Test("request/reply intake routes to the home region's worker; a duplicate is routed once; an invalid ticket publishes nothing")
    func intakeByRequest() async throws {
        let h = try await ServiceHarness(name: "e2e-request", start: Self.tuesdayMorning)
        let router = h.startRouter()
        try await h.startWorker("emea", node: "emea-1")
        try await waitUntil("emea worker live") { router.liveLoads()["emea"]?.liveWorkers == 1 }

        let reply = try await h.submit(ServiceFixtures.ticketJSON("T-1", createdAt: "2026-11-24T09:00:00Z"))
        let decision = try JSONCoding.decode(RoutingDecision.self, from: Array(reply.utf8))
        #expect(decision.region == "emea")
        #expect(decision.tier == .l1)
        #expect(decision.reason == .homeOpen)
        #expect(decision.firstResponseDue == ServiceFixtures.t("2026-11-24T11:00:00Z"))
        try await waitUntil("assignment") { h.delivered.count == 1 }
        #expect(h.delivered[0].work.ticket.id == "T-1")
        #expect(h.delivered[0].node == "emea-1")
        #expect(h.delivered[0].delivery == 1)

        let again = try await h.submit(ServiceFixtures.ticketJSON("T-1", createdAt: "2026-11-24T09:00:00Z"))
        #expect(again.hasPrefix(#"{"duplicate":true,"#))
        #expect(again.contains(#""region":"emea""#))

        let before = try await h.js.streamInfo(MeridianStreams.events).lastSequence
        let invalid = try await h.submit(ServiceFixtures.ticketJSON("T 2", createdAt: "2026-11-24T09:00:00Z"))
        #expect(invalid.contains(#""code":"bad_id""#))
        #expect(invalid.contains(#""field":"id""#))
        #expect(try await h.js.streamInfo(MeridianStreams.events).lastSequence == before)
        #expect(try await h.js.streamInfo(MeridianStreams.work).messages == 0)

        try await waitUntil("assigned recorded") {
            try await h.events("meridian.events.emea.assigned.T-1").count == 1
        }
        let log = try await h.events("meridian.events.emea.*.T-1").map(\.kind)
        // The work item is published before `routed` (stored last, the mark of a routed ticket), so a
        // fast worker's `assigned` may come before it: the clocks do not depend on that order.
        #expect(log.count == 3)
        #expect(log.first == .created)
        #expect(Set(log.dropFirst()) == [.routed, .assigned])
        #expect(h.delivered.count == 1)
        await h.stop()
    }

    @Test("a JetStream publish to the intake stream is routed too")
    func intakeByJetStream() async throws {
        let h = try await ServiceHarness(name: "e2e-queue", start: Self.tuesdayMorning)
        let router = h.startRouter()
        try await h.startWorker("emea", node: "emea-q")
        try await waitUntil("emea worker live") { router.liveLoads()["emea"]?.liveWorkers == 1 }
        try await waitUntil("intake stream") { (try? await h.js.streamInfo(MeridianStreams.intake)) != nil }
        try await h.js.publish(Subjects.intakeQueue,
                               payload: ServiceFixtures.ticketJSON("Q-1", createdAt: "2026-11-24T09:00:00Z"),
                               messageID: "Q-1")
        try await waitUntil("assignment") { h.delivered.count == 1 }
        #expect(h.delivered[0].work.ticket.id == "Q-1")
        #expect(h.delivered[0].work.region == "emea")
        try await waitUntil("intake stream drained") { try await h.js.streamInfo(MeridianStreams.intake).messages == 0 }
        await h.stop()
    }

    @Test("an unanswered ticket gets exactly one warning per threshold and one breach at the due instant, with two workers")
    func alertsOncePerThreshold() async throws {
        let h = try await ServiceHarness(name: "e2e-alerts", start: Self.tuesdayMorning)
        let router = h.startRouter()
        try await h.startWorker("emea", node: "emea-a")
        try await h.startWorker("emea", node: "emea-b")
        try await waitUntil("two emea workers") { router.liveLoads()["emea"]?.liveWorkers == 2 }
        _ = try await h.submit(ServiceFixtures.ticketJSON("A-1", createdAt: "2026-11-24T09:00:00Z"))
        try await waitUntil("assigned") { h.delivered.count == 1 }

        // Enterprise/major: 2 business hours from 10:00 Paris → due 12:00 Paris (11:00Z);
        // warnings at 50% (10:00Z) and 75% (10:30Z).
        h.clock.advance(to: ServiceFixtures.t("2026-11-24T10:00:00Z"))
        try await waitUntil("first warning") {
            try await h.events("meridian.events.emea.warning.A-1").count == 1
        }
        h.clock.advance(to: ServiceFixtures.t("2026-11-24T10:30:00Z"))
        try await waitUntil("second warning") {
            try await h.events("meridian.events.emea.warning.A-1").count == 2
        }
        h.clock.advance(to: ServiceFixtures.t("2026-11-24T11:00:00Z"))
        try await waitUntil("breach") {
            try await h.events("meridian.events.emea.breached.A-1").count == 1
        }
        let alerts = try await h.events("meridian.events.emea.*.A-1").filter(\.kind.isAlert)
        #expect(alerts.map(\.kind) == [.warning, .warning, .breached])
        #expect(alerts.map(\.threshold) == [0.5, 0.75, nil])
        // `due` is the deadline in every alert; the warnings' own instants are `warning_at`.
        #expect(alerts.map(\.due) == [
            ServiceFixtures.t("2026-11-24T11:00:00Z"), ServiceFixtures.t("2026-11-24T11:00:00Z"),
            ServiceFixtures.t("2026-11-24T11:00:00Z"),
        ])
        #expect(alerts.map(\.warningAt) == [
            ServiceFixtures.t("2026-11-24T10:00:00Z"), ServiceFixtures.t("2026-11-24T10:30:00Z"), nil,
        ])
        #expect(alerts[2].at == ServiceFixtures.t("2026-11-24T11:00:00Z"))
        #expect(alerts[2].overdueSeconds == 0)
        #expect(alerts[2].clock == .firstResponse)
        #expect(alerts[2].plan == "enterprise")
        await h.stop()
    }
}
