import BusinessTime
@testable import MeridianServices
import MeridianTesting
import NATSServerLauncher
import NATS
import Testing
import TicketRouting

@Suite("Follow-the-sun on a real nats-server")
struct FollowTheSunTests {
    static func t(_ iso: String) -> Instant { Instant(iso8601: iso)! }

    /// Tuesday 2026-11-24 17:30Z: 18:30 Paris (emea closed since 17:00Z), 12:30 New York (amer open
    /// until 22:00Z), 01:30 Wednesday Singapore (apac opens at 22:00Z, 06:00 local; see SunFixtures).
    @Test("an Enterprise ticket after emea's closing goes to amer; at amer's closing the unanswered one moves to apac")
    func enterpriseFollowsTheSun() async throws {
        let start = Self.t("2026-11-24T17:30:00Z")
        let amerClosing = Self.t("2026-11-24T22:00:00Z")
        let h = try await ServiceHarness(name: "sun", start: start, config: SunFixtures.config)
        let router = h.startRouter()
        // A second router on its own connection: both hand off at the closing; the log and the work
        // queue keep each handoff once (message ids `<ticket>:handoff:<closing>`).
        let second = h.startRouterTask(ownConnection: try await h.newConnection()).router
        try await h.startWorker("amer", node: "amer-1")
        try await h.startWorker("apac", node: "apac-1")
        try await waitUntil("amer and apac workers live") {
            let live = router.liveLoads()
            let other = second.liveLoads()
            return live["amer"]?.liveWorkers == 1 && live["apac"]?.liveWorkers == 1
                && other["amer"]?.liveWorkers == 1 && other["apac"]?.liveWorkers == 1
        }
        // Each router's three closing timers (emea, amer, apac) are armed before time moves.
        try await waitUntil("closing timers armed") { h.clock.sleeperCount == 6 }

        // F-0: answered before amer closes, so it stays. Created first: were it (wrongly) handed off,
        // its event would be stored before F-1's.
        let answered = try JSONCoding.decode(RoutingDecision.self, from: Array(try await h.submit(
            ServiceFixtures.ticketJSON("F-0", createdAt: "2026-11-24T17:30:00Z")).utf8))
        #expect(answered.region == "amer")
        let decision = try JSONCoding.decode(RoutingDecision.self, from: Array(try await h.submit(
            ServiceFixtures.ticketJSON("F-1", createdAt: "2026-11-24T17:30:00Z")).utf8))
        #expect(decision.region == "amer")
        #expect(decision.tier == .l1)
        #expect(decision.reason == .followTheSun)
        #expect(decision.queuedUntil == nil)
        // 2 business hours on the emea calendar from 18:30 Paris Tuesday: Wednesday 10:00 Paris.
        #expect(decision.firstResponseDue == Self.t("2026-11-25T09:00:00Z"))
        // Premium has no follow-the-sun: it waits in emea for Wednesday 08:00 Paris.
        let premium = try JSONCoding.decode(RoutingDecision.self, from: Array(try await h.submit(
            ServiceFixtures.ticketJSON("P-1", plan: "premium", createdAt: "2026-11-24T17:30:00Z")).utf8))
        #expect(premium.region == "emea")
        #expect(premium.reason == .homeQueued)
        #expect(premium.queuedUntil == Self.t("2026-11-25T07:00:00Z"))

        try await waitUntil("amer got F-0 and F-1") { h.delivered.count == 2 }
        #expect(h.delivered.map(\.work.ticket.id) == ["F-0", "F-1"])
        #expect(h.delivered.map(\.node) == ["amer-1", "amer-1"])
        #expect(h.delivered.map(\.work.reason) == ["follow_the_sun", "follow_the_sun"])

        try await h.record(.responded, ticket: "F-0", at: Self.t("2026-11-24T18:00:00Z"), automatic: false)
        // The router's projection follows the log in order: once it knows a ticket created after the
        // response, it has applied the response too.
        _ = try await h.submit(ServiceFixtures.ticketJSON("P-2", plan: "premium", createdAt: "2026-11-24T18:00:00Z"))
        try await waitUntil("router projections caught up") {
            router.handling(of: "P-2") != nil && second.handling(of: "P-2") != nil
        }
        #expect(router.handling(of: "F-1")?.region == "amer")

        h.clock.advance(to: amerClosing)
        try await waitUntil("apac got the handoff") { h.delivered.count == 3 }
        let handoff = h.delivered[2]
        #expect(handoff.work.ticket.id == "F-1")
        #expect(handoff.work.region == "apac")
        #expect(handoff.work.tier == .l1)
        #expect(handoff.work.reason == "handed_off")
        #expect(handoff.work.workID.rawValue == "F-1:handoff:\(amerClosing.unixSeconds)")
        #expect(handoff.work.queuedUntil == nil)
        #expect(handoff.node == "apac-1")

        let handedOff = try await h.events("meridian.events.*.handed_off.>")
        #expect(handedOff.count == 1)
        #expect(handedOff.first?.ticket == "F-1")
        #expect(handedOff.first?.region == "emea")
        #expect(handedOff.first?.homeRegion == "emea")
        #expect(handedOff.first?.toRegion == "apac")
        #expect(handedOff.first?.tier == .l1)
        #expect(handedOff.first?.at == amerClosing)
        #expect(handedOff.first?.reason == "handed_off")
        try await waitUntil("apac's assignment recorded") {
            try await h.events("meridian.events.emea.assigned.F-1").count == 2
        }
        let log = try await h.events("meridian.events.emea.*.F-1")
        // `assigned` by amer may precede `routed` (the router stores `routed` after the work item).
        #expect(log.count == 5)
        #expect(log.first?.kind == .created)
        #expect(Set(log[1...2].map(\.kind)) == [.routed, .assigned])
        // Likewise the handoff's work item is published before its `handed_off` event.
        #expect(Set(log[3...].map(\.kind)) == [.handedOff, .assigned])
        #expect(log.filter { $0.kind == .assigned }.compactMap(\.node) == ["amer-1", "apac-1"])
        try await waitUntil("routers see apac handling F-1") {
            router.handling(of: "F-1")?.region == "apac" && second.handling(of: "F-1")?.region == "apac"
        }
        #expect(h.delivered.count == 3)
        // Left in the queue: only P-1 and P-2, waiting for emea (no emea worker runs here).
        #expect(try await h.js.streamInfo(MeridianStreams.work).messages == 2)
        #expect(router.handling(of: "F-0")?.region == "amer")
        await h.stop()
    }
}
