import BusinessTime
import Testing
import TicketRouting

/// Issue 12, item 4: an alert whose instant has passed fires at once; work that moves to another
/// region says when that region opens.
@Suite("Due means due")
struct DueMeansDueTests {
    let config = Fixtures.config

    /// The README's sample ticket: Enterprise/major, emea, created Friday 2026-11-27 17:50 Paris;
    /// first response (2 business hours) due Monday 09:50 Paris (08:50Z). It is submitted five days
    /// later, on Wednesday 2026-12-02 at 02:00 Paris (01:00Z), six hours before emea opens.
    @Test("The README's sample submitted five days late breaches on arrival, at night, with its overdue seconds")
    func lateSubmissionBreachesAtOnce() throws {
        let ticket = Fixtures.ticket(createdAt: "2026-11-27T16:50:00Z")
        let submitted = Fixtures.t("2026-12-02T01:00:00Z")
        let decision = Router.decide(ticket: ticket, config: config, now: submitted, live: Fixtures.allLive)
        var book = SLAClockBook()
        _ = book.apply(.created(ticket), config: config)
        let routed = book.apply(.routed(ticket, decision: decision, at: submitted), config: config)
        let breach = try #require(routed.alerts.first { $0.kind == .breach })
        #expect(breach.messageID == "T-1:first_response:0:breached")
        #expect(breach.at == submitted)
        #expect(breach.due == Fixtures.t("2026-11-30T08:50:00Z"))
        #expect(breach.event.overdueSeconds == Int64(144_600))  // 40h10m
        // Resolution (24 business hours, due Wednesday 11:50 Paris) is past 75 %, not due: its warning fires too.
        #expect(routed.alerts.map(\.messageID) == ["T-1:first_response:0:breached", "T-1:resolution:0:warning750"])
        // Nothing is left to fire at the 07:00Z opening: the next timer is the resolution breach.
        #expect(book.nextDeadline == Fixtures.t("2026-12-02T10:50:00Z"))
        #expect(book.advance(to: Fixtures.t("2026-12-02T07:00:00Z"), config: config) == [])
    }

    @Test("Replayed after a night without workers, the alerts due come out at the replay's instant, not at the opening")
    func replayAtNight() {
        let ticket = Fixtures.ticket(plan: "premium", createdAt: "2026-11-30T08:00:00Z")
        var book = SLAClockBook()
        _ = book.replay([.created(ticket), .routed(ticket, decision: Router.decide(
            ticket: ticket, config: config, now: ticket.createdAt, live: Fixtures.allLive), at: ticket.createdAt)],
            config: config)
        // Premium 12 business hours from Monday 09:00 Paris: 75 % at Monday 18:00, breach Tuesday 11:00 Paris.
        let night = book.advance(to: Fixtures.t("2026-12-01T01:00:00Z"), config: config)
        #expect(night.compactMap { $0.action.alert?.messageID } == ["T-1:first_response:0:warning750"])
        #expect(night.compactMap { $0.action.alert?.at } == [Fixtures.t("2026-12-01T01:00:00Z")])
    }

    @Test("Escalation to a tier the region lacks, while the receiving region is closed, carries queued_until")
    func escalationQueuedUntil() {
        // Monday 15:00 New York (20:00Z): amer has no L3; emea (21:00 Paris) and apac (04:00 SGT) are closed.
        let now = Fixtures.t("2026-11-30T20:00:00Z")
        let away = Router.escalate(from: "amer", home: "amer", to: .l3, config: config, now: now, live: Fixtures.allLive)
        #expect(away == EscalationDecision(
            region: "apac", tier: .l3, reason: .tierAbsentInRegion,
            reasonText: "amer has no l3; apac has it and opens soonest, at 2026-12-01T01:00:00Z",
            queuedUntil: Fixtures.t("2026-12-01T01:00:00Z")))
        // Same region, closed: queued for its opening; open: not queued.
        let night = Router.escalate(from: "emea", home: "emea", to: .l2, config: config, now: now, live: Fixtures.allLive)
        #expect(night.region == "emea")
        #expect(night.queuedUntil == Fixtures.t("2026-12-01T07:00:00Z"))
        let day = Router.escalate(from: "emea", home: "emea", to: .l2, config: config,
                                  now: Fixtures.t("2026-11-30T10:00:00Z"), live: Fixtures.allLive)
        #expect(day.queuedUntil == nil)
    }
}
