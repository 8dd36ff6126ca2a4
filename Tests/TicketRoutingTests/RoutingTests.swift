import BusinessTime
import Testing
import TicketRouting

@Suite("Routing decision: worked examples")
struct RoutingTests {
    let config = Fixtures.config

    @Test("Enterprise/major, Friday 17:50 Paris, inside emea's margin: follow-the-sun to amer, due Monday 09:50 Paris")
    func fridayEveningEnterprise() {
        // 2026-11-27 is a Friday; Paris is UTC+1, New York UTC-5 (11:50, open).
        let ticket = Fixtures.ticket(createdAt: "2026-11-27T17:50:00+01:00")
        let d = Router.decide(ticket: ticket, config: config, now: ticket.createdAt, live: Fixtures.allLive)
        #expect(d.region == "amer")
        #expect(d.tier == .l1)
        #expect(d.reason == .followTheSun)
        #expect(d.queuedUntil == nil)
        #expect(d.calendar == "emea")
        // 10 minutes on Friday + 1h50 on Monday, on the emea calendar.
        #expect(d.firstResponseDue == Fixtures.t("2026-11-30T09:50:00+01:00"))
        // 24h: Fri 10m, Mon 10h, Tue 10h, Wed 3h50 → Wed 11:50 Paris.
        #expect(d.resolutionDue == Fixtures.t("2026-12-02T11:50:00+01:00"))
        #expect(d.warnings == [
            WarningInstant(clock: .firstResponse, threshold: 0.5, at: Fixtures.t("2026-11-30T08:50:00+01:00")),
            WarningInstant(clock: .firstResponse, threshold: 0.75, at: Fixtures.t("2026-11-30T09:20:00+01:00")),
            WarningInstant(clock: .resolution, threshold: 0.5, at: Fixtures.t("2026-12-01T09:50:00+01:00")),
            WarningInstant(clock: .resolution, threshold: 0.75, at: Fixtures.t("2026-12-01T15:50:00+01:00")),
        ])
        #expect(d.reasonText.contains("within the 30m margin"))
    }

    @Test("Same ticket on Premium (no follow-the-sun): emea, queued for Monday 08:00, due 12 business hours later")
    func fridayEveningPremium() {
        let ticket = Fixtures.ticket(plan: "premium", createdAt: "2026-11-27T17:50:00+01:00")
        let d = Router.decide(ticket: ticket, config: config, now: ticket.createdAt, live: Fixtures.allLive)
        #expect(d.region == "emea")
        #expect(d.reason == .homeQueued)
        #expect(d.queuedUntil == Fixtures.t("2026-11-30T08:00:00+01:00"))
        // Fri 10m + Mon 10h + Tue 1h50.
        #expect(d.firstResponseDue == Fixtures.t("2026-12-01T09:50:00+01:00"))
    }

    @Test("Critical Enterprise counts 24x7: first response due one wall-clock hour later")
    func criticalTwentyFourSeven() {
        let ticket = Fixtures.ticket(severity: .critical, createdAt: "2026-11-27T17:50:00+01:00")
        let d = Router.decide(ticket: ticket, config: config, now: ticket.createdAt, live: Fixtures.allLive)
        #expect(d.calendar == "24x7")
        #expect(d.region == "amer")
        #expect(d.firstResponseDue == Fixtures.t("2026-11-27T18:50:00+01:00"))
        #expect(d.resolutionDue == Fixtures.t("2026-11-28T01:50:00+01:00"))
    }

    @Test("Created on a holiday (Christmas, closed everywhere): apac opens soonest; the clock starts Monday 08:00 Paris")
    func createdOnHoliday() {
        let ticket = Fixtures.ticket(createdAt: "2026-12-25T10:00:00+01:00")
        let d = Router.decide(ticket: ticket, config: config, now: ticket.createdAt, live: Fixtures.allLive)
        #expect(d.region == "apac")
        #expect(d.reason == .followTheSunNextOpening)
        #expect(d.queuedUntil == Fixtures.t("2026-12-28T09:00:00+08:00"))
        #expect(d.firstResponseDue == Fixtures.t("2026-12-28T10:00:00+01:00"))

        let premium = Fixtures.ticket(plan: "premium", createdAt: "2026-12-25T10:00:00+01:00")
        let p = Router.decide(ticket: premium, config: config, now: premium.createdAt, live: Fixtures.allLive)
        #expect(p.region == "emea")
        #expect(p.queuedUntil == Fixtures.t("2026-12-28T08:00:00+01:00"))
        // Mon 10h + Tue 2h.
        #expect(p.firstResponseDue == Fixtures.t("2026-12-29T10:00:00+01:00"))
    }

    @Test("Home open with margin and live workers stays home")
    func homeOpen() {
        let ticket = Fixtures.ticket(createdAt: "2026-11-30T10:00:00+01:00")
        let d = Router.decide(ticket: ticket, config: config, now: ticket.createdAt, live: Fixtures.allLive)
        #expect(d.region == "emea")
        #expect(d.reason == .homeOpen)
        #expect(d.firstResponseDue == Fixtures.t("2026-11-30T12:00:00+01:00"))
    }

    @Test("Home open but no live workers: follow-the-sun to the open region; ties by backlog, then home")
    func tiesAndLiveWorkers() {
        // Monday 15:00 Paris = 09:00 New York: emea and amer open; apac (22:00) closed.
        let ticket = Fixtures.ticket(createdAt: "2026-11-30T15:00:00+01:00")
        var live = Fixtures.allLive
        live["emea"] = RegionLoad(liveWorkers: 0)
        let d = Router.decide(ticket: ticket, config: config, now: ticket.createdAt, live: live)
        #expect(d.region == "amer")
        #expect(d.reason == .followTheSun)
        #expect(d.reasonText.hasPrefix("home region emea has no live workers"))

        // Both open and live: home wins rule 1 regardless of backlog.
        live["emea"] = RegionLoad(liveWorkers: 1, backlog: 50)
        #expect(Router.decide(ticket: ticket, config: config, now: ticket.createdAt, live: live).region == "emea")

        // Home inside its margin (17:45); amer and apac... apac closed, so amer.
        let late = Fixtures.ticket(createdAt: "2026-11-30T17:45:00+01:00")
        #expect(Router.decide(ticket: late, config: config, now: late.createdAt, live: live).region == "amer")
    }

    @Test("No region has live workers: home, queued")
    func noLiveWorkers() {
        let ticket = Fixtures.ticket(createdAt: "2026-11-27T17:50:00+01:00")
        let d = Router.decide(ticket: ticket, config: config, now: ticket.createdAt, live: [:])
        #expect(d.region == "emea")
        #expect(d.reason == .noLiveWorkers)
        #expect(d.queuedUntil == Fixtures.t("2026-11-30T08:00:00+01:00"))
    }

    @Test("None open: the live region that opens soonest (amer dead → apac Monday 09:00 SGT)")
    func soonestOpening() {
        // Saturday 12:00 Paris.
        let ticket = Fixtures.ticket(createdAt: "2026-11-28T12:00:00+01:00")
        let d = Router.decide(ticket: ticket, config: config, now: ticket.createdAt, live: Fixtures.allLive)
        #expect(d.region == "apac")
        #expect(d.queuedUntil == Fixtures.t("2026-11-30T09:00:00+08:00"))
        var live = Fixtures.allLive
        live["apac"] = RegionLoad(liveWorkers: 0)
        let e = Router.decide(ticket: ticket, config: config, now: ticket.createdAt, live: live)
        #expect(e.region == "emea")
        #expect(e.queuedUntil == Fixtures.t("2026-11-30T08:00:00+01:00"))
    }

    @Test("Escalation goes to the same region's next tier unless the tier is absent there")
    func escalationRouting() {
        let now = Fixtures.t("2026-11-30T15:00:00+01:00")
        let same = Router.escalate(from: "emea", home: "emea", to: .l2, config: config, now: now, live: Fixtures.allLive)
        #expect(same == EscalationDecision(region: "emea", tier: .l2, reason: .nextTierSameRegion, reasonText: "l2 of emea"))
        // amer has no L3: emea is open with live workers (apac is closed at 22:00 SGT).
        let away = Router.escalate(from: "amer", home: "amer", to: .l3, config: config, now: now, live: Fixtures.allLive)
        #expect(away.region == "emea")
        #expect(away.tier == .l3)
        #expect(away.reason == .tierAbsentInRegion)
    }

    @Test("Handoff at emea's closing: unanswered follow-the-sun tickets move to amer; the rest stay")
    func handoffAtClosing() {
        let closing = Fixtures.t("2026-11-30T18:00:00+01:00")  // 12:00 in New York
        let tickets = [
            HandoffCandidate(ticket: "A", plan: "enterprise", home: "emea", tier: .l1, responded: false),
            HandoffCandidate(ticket: "B", plan: "enterprise", home: "emea", tier: .l1, responded: true),
            HandoffCandidate(ticket: "C", plan: "premium", home: "emea", tier: .l1, responded: false),
            HandoffCandidate(ticket: "D", plan: "enterprise", home: "emea", tier: .l3, responded: false),
        ]
        let out = Router.handoffs(closing: "emea", tickets: tickets, config: config, now: closing, live: Fixtures.allLive)
        #expect(out.map(\.to) == ["amer", nil, nil, "apac"])
        #expect(out.map(\.reason) == [.handedOff, .staysAnswered, .staysNoFollowTheSun, .handedOff])
        // D is L3: amer has no L3, apac (01:00 SGT) opens soonest at 09:00 SGT.
        #expect(out[3].queuedUntil == Fixtures.t("2026-12-01T09:00:00+08:00"))
    }
}
