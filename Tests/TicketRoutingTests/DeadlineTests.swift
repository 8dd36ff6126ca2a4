import BusinessTime
import Testing
import TicketRouting

/// Paris instants (UTC+1 in Nov–Jan).
private func p(_ local: String) -> Instant { Fixtures.t(local + "+01:00") }

/// Issue 12, item 5: alerts carry the deadline, target changes are events, clock states show
/// time left or overdue.
@Suite("Deadlines: warnings, target changes, clock states")
struct DeadlineTests {
    let config = Fixtures.config

    /// Enterprise/major created Monday 2026-11-30 09:00 Paris: first response due 11:00, resolution
    /// (24 business hours) due Wednesday 13:00 Paris.
    func created() -> (SLAClock, TicketEvent) {
        let event = TicketEvent.created(Fixtures.ticket(createdAt: "2026-11-30T09:00:00+01:00"))
        var clock = SLAClock(event: event)!
        _ = clock.handle(event, config: config)
        return (clock, event)
    }

    @Test("A warning's due is the deadline; its own instant is warning_at")
    func warningCarriesTheDeadline() throws {
        var (clock, _) = created()
        let actions = clock.advance(to: p("2026-11-30T10:00:00"), ticket: "T-1", config: config)
        let warning = try #require(actions.alerts.first)
        #expect(warning.kind == .warning(permille: 500))
        #expect(warning.due == p("2026-11-30T11:00:00"))
        #expect(warning.warningAt == p("2026-11-30T10:00:00"))
        let event = warning.event
        #expect(event.due == p("2026-11-30T11:00:00"))
        #expect(event.warningAt == p("2026-11-30T10:00:00"))
        #expect(event.at == p("2026-11-30T10:00:00"))
        #expect(event.jsonString.contains(#""warning_at":"2026-11-30T09:00:00Z""#))
        #expect(try TicketEvent.decode(json: Array(event.jsonString.utf8)) == event)
    }

    @Test("Escalation to L3 replaces the resolution target: a target_changed action with old and new due; L2 does not")
    func escalationToL3ChangesTheTarget() {
        var (clock, _) = created()
        let toL2 = clock.handle(Fixtures.ev(.escalated, "2026-11-30T09:30:00+01:00", tier: .l2), config: config)
        #expect(!toL2.contains { if case .targetChanged = $0 { true } else { false } })
        let toL3 = clock.handle(Fixtures.ev(.escalated, "2026-11-30T10:00:00+01:00", tier: .l3), config: config)
        // 72 engineering hours from Monday 10:00 Paris: Monday 8h, then 10h a day to Wednesday 2026-12-09 12:00.
        let change = TargetChange(
            ticket: "T-1", region: "emea", plan: "enterprise", severity: .major, clock: .resolution, cycle: 0, tier: .l3,
            previousDue: p("2026-12-02T13:00:00"), due: p("2026-12-09T12:00:00"), at: p("2026-11-30T10:00:00"))
        #expect(toL3.contains(.targetChanged(change)))
        #expect(change.event.kind == .targetChanged)
        #expect(change.event.previousDue == p("2026-12-02T13:00:00"))
        #expect(change.event.due == p("2026-12-09T12:00:00"))
        #expect(change.event.messageID == "T-1:target_changed:\(p("2026-11-30T10:00:00").unixSeconds):resolution")
        // The old deadline passes: nothing fires (the clock counts the new target).
        let oldDue = clock.advance(to: p("2026-12-02T13:00:00"), ticket: "T-1", config: config)
        #expect(!oldDue.alerts.contains { $0.kind == .breach && $0.clock == .resolution })
    }

    @Test("Replay publishes a target change only if the log lacks it")
    func replayDeduplicatesTargetChanges() {
        let (_, created) = created()
        let escalated = Fixtures.ev(.escalated, "2026-11-30T10:00:00+01:00", tier: .l3)
        var first = SLAClockBook()
        let due = first.replay([created, escalated], config: config)
        let changes = due.compactMap { if case .targetChanged(let c) = $0.action { c } else { nil } }
        #expect(changes.map(\.due) == [p("2026-12-09T12:00:00")])
        var second = SLAClockBook()
        let again = second.replay([created, escalated, changes[0].event], config: config)
        #expect(!again.contains { if case .targetChanged = $0.action { true } else { false } })
    }

    @Test("Clock states: running with time left, breached with overdue (not hidden), paused with business time left, met")
    func statesLeftAndOverdue() {
        var (clock, _) = created()
        let running = clock.status(at: p("2026-11-30T10:15:00"), ticket: "T-1", config: config)
        #expect(running.firstResponse.state == .running)
        #expect(running.firstResponse.leftSeconds == Int64(2700))
        #expect(running.firstResponse.overdueSeconds == nil)
        _ = clock.advance(to: p("2026-11-30T11:30:00"), ticket: "T-1", config: config)
        let late = clock.status(at: p("2026-11-30T11:30:00"), ticket: "T-1", config: config)
        #expect(late.firstResponse.state == .breached)
        #expect(late.firstResponse.due == p("2026-11-30T11:00:00"))
        #expect(late.firstResponse.overdueSeconds == Int64(1800))
        #expect(late.firstResponse.leftSeconds == nil)
        #expect(late.isOverdue)
        _ = clock.handle(Fixtures.ev(.waitingOnCustomer, "2026-11-30T12:00:00+01:00"), config: config)
        let paused = clock.status(at: p("2026-11-30T15:00:00"), ticket: "T-1", config: config)
        #expect(paused.resolution.state == .paused)
        #expect(paused.resolution.leftSeconds == Int64(24 * 3600 - 3 * 3600))
        #expect(paused.firstResponse.overdueSeconds == Int64(3600))  // counted up to the pause
        _ = clock.handle(Fixtures.ev(.customerReplied, "2026-11-30T16:00:00+01:00"), config: config)
        _ = clock.handle(Fixtures.ev(.responded, "2026-11-30T16:10:00+01:00", automatic: false), config: config)
        let answered = clock.status(at: p("2026-11-30T17:00:00"), ticket: "T-1", config: config)
        #expect(answered.firstResponse.state == .breached)
        // The 4 h pause is added back to the target (due 15:00), answered at 16:10: 1h10m late.
        #expect(answered.firstResponse.due == p("2026-11-30T15:00:00"))
        #expect(answered.firstResponse.overdueSeconds == Int64(4200))
        #expect(!answered.isOverdue)
    }
}
