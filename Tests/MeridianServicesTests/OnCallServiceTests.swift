import NATSServerLauncher
import BusinessTime
@testable import MeridianServices
import MeridianTesting
import NATS
import Testing
import TicketRouting

/// Issue 12, items 3 and 4, across NATS: on-call work, alerts that are due firing at once, and
/// work that moves to another region being listed there.
@Suite("On-call and due-means-due on a real nats-server")
struct OnCallServiceTests {
    static func t(_ iso: String) -> Instant { Instant(iso8601: iso)! }

    /// The services' regions; emea on call around the clock, apac without L3; Enterprise critical 24x7.
    static let config: MeridianConfig = {
        let yaml = """
            regions:
              emea: { timezone: Europe/Paris, hours: { mon-fri: "08:00-18:00" }, on_call: 24x7 }
              amer: { timezone: America/New_York, hours: { mon-fri: "09:00-17:00" } }
              apac: { timezone: Asia/Singapore, hours: { mon-fri: "09:00-18:00" }, tiers: [l1, l2] }
            routing: { margin: 30m }
            warnings: [0.5, 0.75]
            tiers: { l1: 8h, l2: 24h, l3: 72h }
            plans:
              enterprise:
                first_response: { critical: 1h, major: 2h, minor: 2h }
                resolution: { critical: 8h, major: 24h, minor: 40h }
                calendar: { critical: 24x7 }
                follow_the_sun: true
            """
        do { return try MeridianConfig.parse(yaml: yaml, file: "oncall-services.yaml") } catch {
            fatalError("fixture config: \(error)")
        }
    }()

    static func alerts(_ h: ServiceHarness, _ region: String, _ ticket: String) async throws -> [TicketEvent] {
        try await h.events("meridian.events.\(region).*.\(ticket)").filter(\.kind.isAlert)
    }

    @Test("Saturday 02:00Z, Enterprise critical: on-call work at once (not queued), and nobody answers: 50 % at 02:30Z, breach at 03:00Z")
    func saturdayNightOnCall() async throws {
        let h = try await ServiceHarness(name: "oncall-saturday", start: Self.t("2026-11-28T02:00:00Z"), config: Self.config)
        let router = h.startRouter()
        let worker = try await h.startWorker("emea", node: "emea-1")
        try await waitUntil("emea worker live") { router.liveLoads()["emea"]?.liveWorkers == 1 }

        _ = try await h.submit(ServiceFixtures.ticketJSON("N-1", severity: "critical", createdAt: "2026-11-28T02:00:00Z"))
        try await waitUntil("the on-call engineer got it") { h.delivered.count == 1 }
        let work = h.delivered[0].work
        #expect(work.region == "emea")
        #expect(work.tier == .oncall)
        #expect(work.reason == "on_call")
        #expect(work.queuedUntil == nil)
        #expect(work.firstResponseDue == Self.t("2026-11-28T03:00:00Z"))
        let routed = try await h.events("meridian.events.emea.routed.N-1")
        #expect(routed.map(\.tier) == [.oncall])
        try await waitUntil("the clock") { worker.clocks.clock("N-1") != nil }
        #expect(worker.clocks.clock("N-1")?.tier == .oncall)

        h.clock.advance(to: Self.t("2026-11-28T02:30:00Z"))
        try await waitUntil("50 % warning") { try await Self.alerts(h, "emea", "N-1").count == 1 }
        h.clock.advance(to: Self.t("2026-11-28T03:00:00Z"))
        try await waitUntil("breach") { try await Self.alerts(h, "emea", "N-1").count == 2 }
        let alerts = try await Self.alerts(h, "emea", "N-1")
        #expect(alerts.map(\.kind) == [.warning, .breached])
        #expect(alerts.map(\.clock) == [.firstResponse, .firstResponse])
        #expect(alerts.map(\.at) == [Self.t("2026-11-28T02:30:00Z"), Self.t("2026-11-28T03:00:00Z")])
        #expect(alerts[1].due == Self.t("2026-11-28T03:00:00Z"))
        #expect(alerts[1].overdueSeconds == 0)
        await h.stop()
    }

    @Test("A split on-call rota: at the end of emea's weekend on-call, its unanswered on-call work moves to apac's on-call")
    func onCallEndsHandOff() async throws {
        let yaml = """
            regions:
              emea: { timezone: Europe/Paris, hours: { mon-fri: "08:00-18:00" }, on_call: { sat-sun: "00:00-24:00" } }
              apac: { timezone: Asia/Singapore, hours: { mon-fri: "09:00-18:00" }, on_call: 24x7 }
            plans:
              enterprise:
                first_response: { critical: 1h, major: 2h, minor: 2h }
                resolution: { critical: 8h, major: 24h, minor: 40h }
                calendar: { critical: 24x7 }
                follow_the_sun: true
            """
        let config = try MeridianConfig.parse(yaml: yaml, file: "split-oncall.yaml")
        // Sunday 22:00Z (23:00 Paris): emea's weekend on-call covers; it ends at Monday 00:00 Paris (23:00Z).
        let h = try await ServiceHarness(name: "oncall-split", start: Self.t("2026-11-29T22:00:00Z"), config: config)
        let router = h.startRouter()
        _ = try await h.startWorker("emea", node: "emea-1")
        _ = try await h.startWorker("apac", node: "apac-1")
        try await waitUntil("both live") {
            router.liveLoads()["apac"]?.liveWorkers == 1 && router.liveLoads()["emea"]?.liveWorkers == 1
        }
        _ = try await h.submit(ServiceFixtures.ticketJSON("S-1", severity: "critical", createdAt: "2026-11-29T22:00:00Z"))
        _ = try await h.submit(ServiceFixtures.ticketJSON("S-2", severity: "critical", createdAt: "2026-11-29T22:00:00Z"))
        try await waitUntil("emea's on-call got both") { h.delivered.count == 2 }
        #expect(h.delivered.map(\.work.region) == ["emea", "emea"])
        #expect(h.delivered.map(\.work.tier) == [.oncall, .oncall])
        try await h.record(.responded, ticket: "S-2", at: Self.t("2026-11-29T22:10:00Z"), automatic: false)
        // A later ticket in the same log (major: not 24x7, so apac L1, not on-call): once the router's
        // projection holds it, it has applied S-2's response before it.
        _ = try await h.submit(ServiceFixtures.ticketJSON("S-3", createdAt: "2026-11-29T22:11:00Z"))
        try await waitUntil("the router's projection is past the response") { router.handling(of: "S-3") != nil }

        h.clock.advance(to: Self.t("2026-11-29T23:00:00Z"))
        try await waitUntil("apac's on-call got S-1") { h.delivered.contains { $0.work.workID.isHandoff(of: "S-1") } }
        let moved = try #require(h.delivered.first { $0.work.workID.isHandoff(of: "S-1") }).work
        #expect(moved.ticket.id == "S-1")
        #expect(moved.region == "apac")
        #expect(moved.tier == .oncall)
        #expect(moved.reason == "on_call_handed_off")
        #expect(moved.reasonText == "the on-call of emea ended at 2026-11-29T23:00:00Z; on-call of apac")
        #expect(moved.queuedUntil == nil)
        try await waitUntil("S-1's handed_off") { try await h.events("meridian.events.emea.handed_off.S-1").count == 1 }
        let handedOff = try await h.events("meridian.events.emea.handed_off.S-1")
        #expect(handedOff.map(\.toRegion) == ["apac"])
        #expect(handedOff.map(\.at) == [Self.t("2026-11-29T23:00:00Z")])
        // S-2 was answered: it stays with emea's engineer (its decision comes after S-1's, which is stored).
        #expect(try await h.events("meridian.events.emea.handed_off.S-2").isEmpty)
        await h.stop()
    }

    /// The README's sample: created Friday 2026-11-27 16:50Z, first response due Monday 08:50Z,
    /// submitted Wednesday 01:00Z, six hours before emea opens.
    @Test("A ticket submitted five days late breaches at once, at night: at 01:00Z, 40h10m overdue")
    func lateSubmissionBreachesAtOnce() async throws {
        let h = try await ServiceHarness(name: "oncall-late", start: Self.t("2026-12-02T01:00:00Z"), config: Self.config)
        let router = h.startRouter()
        _ = try await h.startWorker("emea", node: "emea-1")
        try await waitUntil("emea worker live") { router.liveLoads()["emea"]?.liveWorkers == 1 }
        _ = try await h.submit(ServiceFixtures.ticketJSON("L-1", createdAt: "2026-11-27T16:50:00Z"))
        // The manual clock stays at 01:00Z: the breach must not wait for the 07:00Z opening.
        try await waitUntil("the breach") { try await h.events("meridian.events.emea.breached.L-1").count == 1 }
        let breach = try #require(try await h.events("meridian.events.emea.breached.L-1").first)
        #expect(breach.clock == .firstResponse)
        #expect(breach.at == Self.t("2026-12-02T01:00:00Z"))
        #expect(breach.due == Self.t("2026-11-30T08:50:00Z"))
        #expect(breach.overdueSeconds == 144_600)
        await h.stop()
    }

    @Test("APAC L3 escalation goes to EMEA: queued until 07:00Z, handed_off in apac's log, handled by emea in the inbox")
    func crossRegionEscalation() async throws {
        // Tuesday 03:00Z: apac open (11:00 SGT), emea closed until 07:00Z.
        let h = try await ServiceHarness(name: "oncall-escalate", start: Self.t("2026-11-24T03:00:00Z"), config: Self.config)
        let router = h.startRouter()
        let apac = try await h.startWorker("apac", node: "apac-1")
        _ = try await h.startWorker("emea", node: "emea-1")
        try await waitUntil("both live") {
            router.liveLoads()["apac"]?.liveWorkers == 1 && router.liveLoads()["emea"]?.liveWorkers == 1
        }
        _ = try await h.submit(ServiceFixtures.ticketJSON("X-1", region: "apac", createdAt: "2026-11-24T03:00:00Z"))
        try await waitUntil("apac L1 got it") { h.delivered.count == 1 }
        #expect(h.delivered[0].work.region == "apac")

        // Hostile: an escalation "to on-call" (not a level) is dropped by the router, nothing is paged.
        let bogus = TicketEvent.simple(.escalated, ticket: "X-1", at: Self.t("2026-11-24T03:05:00Z"), region: "apac",
                                       tier: .oncall, automatic: false)
        try await EventLog(h.js).append(bogus, id: bogus.messageID)
        try await waitUntil("the router took the bogus escalation off the queue") {
            guard let info = try? await h.js.consumerInfo(
                stream: MeridianStreams.events, name: MeridianStreams.escalationConsumer) else { return false }
            return info.pending == 0 && info.ackPending == 0 && info.deliveredStreamSequence > 0
        }
        #expect(h.delivered.count == 1)
        #expect(apac.clocks.clock("X-1")?.tier == .l1)

        h.clock.advance(to: Self.t("2026-11-24T03:10:00Z"))
        let escalate = TicketEvent.simple(.escalated, ticket: "X-1", at: Self.t("2026-11-24T03:10:00Z"), region: "apac",
                                          tier: .l3, automatic: false)
        try await EventLog(h.js).append(escalate, id: escalate.messageID)
        try await waitUntil("emea L3 got it") { h.delivered.count == 2 }
        let work = h.delivered[1].work
        #expect(work.region == "emea")
        #expect(work.tier == .l3)
        #expect(work.reason == "tier_absent_in_region")
        #expect(work.reasonText == "apac has no l3; emea has it and opens soonest, at 2026-11-24T07:00:00Z")
        #expect(work.queuedUntil == Self.t("2026-11-24T07:00:00Z"))

        let moved = try await h.events("meridian.events.apac.handed_off.X-1")
        #expect(moved.map(\.toRegion) == ["emea"])
        #expect(moved.map(\.at) == [Self.t("2026-11-24T03:10:00Z")])
        try await waitUntil("apac's clock says emea handles it") { apac.clocks.clock("X-1")?.handling == "emea" }
        let inbox = try await h.inbox("apac")
        #expect(inbox.map(\.ticket) == ["X-1"])
        #expect(inbox.first?.handling == "emea")
        #expect(inbox.first?.tier == .l3)
        // L3 replaces the resolution target (24 business hours on apac's calendar: Thursday 09:00Z)
        // with the 72-hour engineering target from 03:10Z (Friday 2026-12-04 03:10Z): an event.
        try await waitUntil("target_changed") { try await h.events("meridian.events.apac.target_changed.X-1").count == 1 }
        let change = try #require(try await h.events("meridian.events.apac.target_changed.X-1").first)
        #expect(change.clock == .resolution)
        #expect(change.tier == .l3)
        #expect(change.previousDue == Self.t("2026-11-26T09:00:00Z"))
        #expect(change.due == Self.t("2026-12-04T03:10:00Z"))
        #expect(change.at == Self.t("2026-11-24T03:10:00Z"))
        #expect(inbox.first?.resolution.due == Self.t("2026-12-04T03:10:00Z"))
        #expect(inbox.first?.resolution.state == .running)
        // `meridian tail` shows it.
        let tail = try await AlertTail.follow(h.js, filter: AlertFilter(), since: .seconds(3600))
        var shown: TicketEvent?
        for try await event in tail where event.kind == .targetChanged {
            shown = event
            break
        }
        #expect(shown.map(AlertTail.line) == "2026-11-24T03:10:00Z TARGET   apac X-1 enterprise/major resolution "
            + "due 2026-12-04T03:10:00Z (was 2026-11-26T09:00:00Z) at l3")
        // The router's own view agrees, so a later handoff or escalation starts from emea.
        try await waitUntil("router projection") { router.handling(of: "X-1")?.region == "emea" }
        await h.stop()
    }
}

extension WorkID {
    /// Whether this is a closing-time handoff of `ticket`.
    fileprivate func isHandoff(of ticket: TicketID) -> Bool {
        if case .handoff(ticket, _) = self { true } else { false }
    }
}
