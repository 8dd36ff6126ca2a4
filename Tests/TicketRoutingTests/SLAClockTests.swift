import BusinessTime
import Foundation
import Testing
import TicketRouting

/// Paris instants (UTC+1 in Nov–Jan).
private func p(_ local: String) -> Instant { Fixtures.t(local + "+01:00") }

@Suite("SLA clock state machine")
struct SLAClockTests {
    let config = Fixtures.config

    func start(_ plan: String = "enterprise", severity: Severity = .major, at: String = "2026-11-30T09:00:00")
        -> (SLAClock, [ClockAction])
    {
        let ticket = Fixtures.ticket(plan: plan, severity: severity, createdAt: at + "+01:00")
        let event = TicketEvent.created(ticket)
        var clock = SLAClock(event: event)!
        let actions = clock.handle(event, config: config)
        return (clock, actions)
    }

    func ev(_ kind: TicketEvent.Kind, _ local: String, tier: Tier? = nil, automatic: Bool? = nil) -> TicketEvent {
        Fixtures.ev(kind, local + "+01:00", tier: tier, automatic: automatic)
    }

    @Test("Creation schedules warnings, breaches and the L1 escalation at exact instants")
    func creation() {
        let (clock, actions) = start()
        #expect(actions == [
            .cancelTimers,
            .schedule(.warning(.firstResponse, permille: 500, at: p("2026-11-30T10:00:00"))),
            .schedule(.warning(.firstResponse, permille: 750, at: p("2026-11-30T10:30:00"))),
            .schedule(.breach(.firstResponse, at: p("2026-11-30T11:00:00"))),
            .schedule(.warning(.resolution, permille: 500, at: p("2026-12-01T11:00:00"))),
            .schedule(.warning(.resolution, permille: 750, at: p("2026-12-01T17:00:00"))),
            .schedule(.breach(.resolution, at: p("2026-12-02T13:00:00"))),
            .schedule(.escalation(to: .l2, at: p("2026-11-30T17:00:00"))),
        ])
        #expect(clock.nextDeadline == p("2026-11-30T10:00:00"))
    }

    @Test("Timers fire warnings then the breach, with deterministic message ids")
    func firing() {
        var (clock, _) = start()
        let w = clock.advance(to: p("2026-11-30T10:00:00"), ticket: "T-1", config: config)
        #expect(w.alerts.map(\.messageID) == ["T-1:first_response:0:warning500"])
        #expect(w.alerts.first?.due == p("2026-11-30T11:00:00"))  // the deadline
        #expect(w.alerts.first?.warningAt == p("2026-11-30T10:00:00"))
        // Nothing new at the same instant.
        #expect(clock.advance(to: p("2026-11-30T10:00:00"), ticket: "T-1", config: config) == [])
        // Jumping past both the 75% warning and the breach emits only the breach.
        let b = clock.advance(to: p("2026-11-30T11:20:00"), ticket: "T-1", config: config)
        #expect(b.alerts.count == 1)
        let alert = b.alerts[0]
        #expect(alert.kind == .breach)
        #expect(alert.event.kind == .breached)
        #expect(alert.event.overdueSeconds == 1200)
        #expect(alert.event.due == p("2026-11-30T11:00:00"))
        #expect(alert.event.subject == "meridian.events.emea.breached.T-1")
        #expect(alert.messageID == "T-1:first_response:0:breached")
        let status = clock.status(at: p("2026-11-30T11:20:00"), ticket: "T-1", config: config)
        #expect(status.firstResponse.state == .breached)
        #expect(status.firstResponse.usedSeconds == 8400)
    }

    @Test("Pause/resume across a weekend and a holiday adds the paused business time back")
    func pauseAcrossWeekendAndHoliday() {
        // Premium (12h / 72h on emea), created Thursday 2026-12-24 09:00 Paris; Friday 25 is a holiday.
        var (clock, _) = start("premium", at: "2026-12-24T09:00:00")
        _ = clock.handle(ev(.responded, "2026-12-24T10:00:00"), config: config)
        let pause = clock.handle(ev(.waitingOnCustomer, "2026-12-24T12:00:00"), config: config)
        #expect(pause == [.cancelTimers])  // paused: no timers at all
        #expect(clock.phase == .waiting)
        let paused = clock.status(at: p("2026-12-26T03:00:00"), ticket: "T-1", config: config)
        #expect(paused.resolution.state == .paused)
        #expect(paused.resolution.due == nil)
        #expect(paused.resolution.usedSeconds == 3 * 3600)
        #expect(clock.advance(to: p("2026-12-26T02:00:00"), ticket: "T-1", config: config) == [])

        // Resumed Monday 28 10:00: paused business time = Thu 12-18 (6h) + Mon 08-10 (2h) = 8h.
        let resume = clock.handle(ev(.customerReplied, "2026-12-28T10:00:00"), config: config)
        #expect(resume == [
            .cancelTimers,
            .schedule(.warning(.resolution, permille: 500, at: p("2026-12-31T13:00:00"))),
            .schedule(.warning(.resolution, permille: 750, at: p("2027-01-05T11:00:00"))),
            .schedule(.breach(.resolution, at: p("2027-01-07T09:00:00"))),
            .schedule(.escalation(to: .l2, at: p("2026-12-28T15:00:00"))),
        ])
        let status = clock.status(at: p("2026-12-28T12:00:00"), ticket: "T-1", config: config)
        #expect(status.resolution.state == .running)
        #expect(status.resolution.usedSeconds == 5 * 3600)
        #expect(status.resolution.due == p("2027-01-07T09:00:00"))
        #expect(status.firstResponse.state == .met)
        #expect(status.firstResponse.stoppedAt == p("2026-12-24T10:00:00"))
    }

    @Test("Plan upgrade restarts targets from creation, paused time still counted as paused")
    func planUpgrade() {
        var (clock, _) = start("standard")
        _ = clock.handle(ev(.waitingOnCustomer, "2026-11-30T10:00:00"), config: config)
        _ = clock.handle(ev(.customerReplied, "2026-11-30T14:00:00"), config: config)  // 4h paused
        var change = ev(.planChanged, "2026-11-30T14:30:00")
        change.plan = "enterprise"
        let actions = clock.handle(change, config: config)
        // Enterprise/major first response: 2h + 4h paused from 09:00 → 15:00; the 75% warning (14:30) is due now.
        let warning = SLAAlert(
            ticket: "T-1", kind: .warning(permille: 750), region: "emea", plan: "enterprise", severity: .major,
            clock: .firstResponse, cycle: 0, due: p("2026-11-30T15:00:00"), warningAt: p("2026-11-30T14:30:00"),
            at: p("2026-11-30T14:30:00"))
        #expect(actions == [
            .emitWarning(warning),
            .cancelTimers,
            .schedule(.breach(.firstResponse, at: p("2026-11-30T15:00:00"))),
            .schedule(.warning(.resolution, permille: 500, at: p("2026-12-01T15:00:00"))),
            .schedule(.warning(.resolution, permille: 750, at: p("2026-12-02T11:00:00"))),
            .schedule(.breach(.resolution, at: p("2026-12-02T17:00:00"))),
            .schedule(.escalation(to: .l2, at: p("2026-12-01T11:00:00"))),
        ])
        #expect(clock.plan == "enterprise")
        #expect(warning.event.threshold == 0.75)
        #expect(warning.messageID == "T-1:first_response:0:warning750")
    }

    @Test("Reopen starts a new resolution cycle; every pause of the new cycle counts (zammad #188)")
    func reopenAndPauses() {
        var (clock, _) = start()
        _ = clock.handle(ev(.responded, "2026-11-30T09:30:00"), config: config)
        _ = clock.handle(ev(.waitingOnCustomer, "2026-11-30T10:00:00"), config: config)
        _ = clock.handle(ev(.customerReplied, "2026-11-30T11:00:00"), config: config)
        _ = clock.handle(ev(.resolved, "2026-11-30T12:00:00"), config: config)
        var s = clock.status(at: p("2026-11-30T13:00:00"), ticket: "T-1", config: config)
        #expect(s.resolution.state == .met)
        #expect(s.resolution.usedSeconds == 2 * 3600)

        let reopen = clock.handle(ev(.reopened, "2026-12-01T10:00:00"), config: config)
        #expect(reopen == [
            .cancelTimers,
            .schedule(.warning(.resolution, permille: 500, at: p("2026-12-02T12:00:00"))),
            .schedule(.warning(.resolution, permille: 750, at: p("2026-12-02T18:00:00"))),
            .schedule(.breach(.resolution, at: p("2026-12-03T14:00:00"))),
            .schedule(.escalation(to: .l2, at: p("2026-12-01T18:00:00"))),
        ])
        #expect(clock.cycle(.resolution) == 1)
        _ = clock.handle(ev(.waitingOnCustomer, "2026-12-01T12:00:00"), config: config)
        s = clock.status(at: p("2026-12-01T15:00:00"), ticket: "T-1", config: config)
        #expect(s.resolution.state == .paused)
        _ = clock.handle(ev(.customerReplied, "2026-12-02T12:00:00"), config: config)  // 10h paused
        _ = clock.handle(ev(.waitingOnCustomer, "2026-12-02T14:00:00"), config: config)
        _ = clock.handle(ev(.customerReplied, "2026-12-02T16:00:00"), config: config)  // 2h paused
        s = clock.status(at: p("2026-12-02T16:00:00"), ticket: "T-1", config: config)
        // 24h + 12h paused from Tuesday 10:00 → Friday 16:00; the first cycle's pause does not leak in.
        #expect(s.resolution.due == p("2026-12-04T16:00:00"))
        #expect(s.resolution.usedSeconds == 4 * 3600)
        #expect(s.resolution.cycle == 1)
        let breach = clock.advance(to: p("2026-12-04T16:00:00"), ticket: "T-1", config: config).alerts
        #expect(breach.map(\.messageID) == ["T-1:resolution:1:breached"])
    }

    @Test("L1 → L2 when the L1 target passes; L3 counts its 72-business-hour engineering target")
    func escalationTiers() {
        var (clock, _) = start()
        _ = clock.handle(ev(.responded, "2026-11-30T09:30:00"), config: config)
        let due = clock.advance(to: p("2026-11-30T17:00:00"), ticket: "T-1", config: config)
        #expect(due.first == .escalate(to: .l2))
        let l2 = clock.handle(ev(.escalated, "2026-11-30T17:00:00", tier: .l2, automatic: true), config: config)
        #expect(clock.tier == .l2)
        // L2 target 24h from Monday 17:00 → Thursday 11:00.
        #expect(l2.timers.last == .escalation(to: .l3, at: p("2026-12-03T11:00:00")))
        // A duplicate or lower escalation is a no-op.
        #expect(clock.handle(ev(.escalated, "2026-11-30T17:00:00", tier: .l2), config: config) == [])

        let l3 = clock.handle(ev(.escalated, "2026-12-03T10:00:00", tier: .l3), config: config)
        // The plan's resolution target (Wed 13:00) was missed: the breach fires, then L3 re-targets
        // the resolution clock to 72 business hours from Thursday 10:00 → Monday 14 Dec 12:00.
        #expect(l3.alerts.map(\.messageID) == ["T-1:resolution:0:breached"])
        #expect(l3.timers == [
            .warning(.resolution, permille: 500, at: p("2026-12-08T16:00:00")),
            .warning(.resolution, permille: 750, at: p("2026-12-10T14:00:00")),
            .breach(.resolution, at: p("2026-12-14T12:00:00")),
        ])
        let s = clock.status(at: p("2026-12-03T12:00:00"), ticket: "T-1", config: config)
        #expect(s.tier == .l3)
        #expect(s.resolution.state == .running)
        #expect(s.resolution.cycle == 1)
        #expect(s.resolution.targetSeconds == 72 * 3600)
    }

    @Test("A reply and a pause in the same update fulfil the first response, in either order (zammad #3551)")
    func replyAndPauseTogether() {
        for order in [[TicketEvent.Kind.responded, .waitingOnCustomer], [.waitingOnCustomer, .responded]] {
            var (clock, _) = start()
            for kind in order { _ = clock.handle(ev(kind, "2026-11-30T09:45:00"), config: config) }
            let s = clock.status(at: p("2026-11-30T15:00:00"), ticket: "T-1", config: config)
            #expect(s.firstResponse.state == .met)
            #expect(s.firstResponse.stoppedAt == p("2026-11-30T09:45:00"))
            #expect(s.resolution.state == .paused)
            #expect(clock.advance(to: p("2026-11-30T15:00:00"), ticket: "T-1", config: config) == [])
        }
    }

    @Test("An automatic response does not stop the first-response clock")
    func automaticResponse() {
        var (clock, _) = start()
        #expect(clock.handle(ev(.responded, "2026-11-30T09:01:00", automatic: true), config: config) == [])
        #expect(clock.status(at: p("2026-11-30T09:30:00"), ticket: "T-1", config: config).firstResponse.state == .running)
    }

    @Test("A shorter resolution target never overrides the first-response target (zammad #5177)")
    func resolutionDoesNotOverrideFirstResponse() {
        var (clock, actions) = start("odd")
        #expect(actions.timers == [
            .warning(.firstResponse, permille: 500, at: p("2026-11-30T15:00:00")),
            .warning(.firstResponse, permille: 750, at: p("2026-11-30T18:00:00")),
            .breach(.firstResponse, at: p("2026-12-01T11:00:00")),
            .warning(.resolution, permille: 500, at: p("2026-11-30T11:00:00")),
            .warning(.resolution, permille: 750, at: p("2026-11-30T12:00:00")),
            .breach(.resolution, at: p("2026-11-30T13:00:00")),
        ])
        let fired = clock.advance(to: p("2026-11-30T13:00:00"), ticket: "T-1", config: config)
        #expect(fired.alerts.map(\.messageID) == ["T-1:resolution:0:breached"])
        let s = clock.status(at: p("2026-11-30T13:00:00"), ticket: "T-1", config: config)
        #expect(s.firstResponse.state == .running)
        #expect(s.firstResponse.due == p("2026-12-01T11:00:00"))
        #expect(s.resolution.state == .breached)
    }

    @Test("A calendar change recomputes due times of open clocks and is recorded (zammad #534)")
    func calendarChange() throws {
        var (clock, _) = start("premium")
        let shorter = try MeridianConfig.parse(
            yaml: Fixtures.yaml.replacingOccurrences(of: "mon-fri: \"08:00-18:00\" }\n    holidays: [2026-12-25, 2027-01-01]\n  amer", with: "mon-fri: \"09:00-17:00\" }\n    holidays: [2026-12-25, 2027-01-01]\n  amer"),
            file: "b.yaml")
        var change = ev(.calendarChanged, "2026-11-30T12:00:00")
        change.calendar = "emea"
        let actions = clock.handle(change, config: shorter)
        // 12h on 09:00-17:00 from Monday 09:00 → Tuesday 13:00 (was Tuesday 11:00 on 08:00-18:00).
        #expect(actions.first == .cancelTimers)
        #expect(actions.timers.contains(.breach(.firstResponse, at: p("2026-12-01T13:00:00"))))
        #expect(clock.status(at: p("2026-11-30T12:00:00"), ticket: "T-1", config: shorter).firstResponse.due
            == p("2026-12-01T13:00:00"))
        // A 24x7 clock is not on that calendar: no-op.
        var (critical, _) = start(severity: .critical)
        _ = critical.advance(to: p("2026-11-30T12:00:00"), ticket: "T-1", config: config)
        #expect(critical.handle(change, config: shorter) == [])

        // The book applies a change to every open clock on the calendar and returns the events to record.
        var book = SLAClockBook()
        _ = book.apply(.created(Fixtures.ticket("A", plan: "premium", createdAt: "2026-11-30T09:00:00+01:00")), config: config)
        _ = book.apply(.created(Fixtures.ticket("B", severity: .critical, createdAt: "2026-11-30T09:00:00+01:00")), config: config)
        let recorded = book.calendarChanged("emea", at: p("2026-11-30T12:00:00"), config: shorter)
        #expect(recorded.map(\.ticket) == ["A"])
        #expect(recorded.first?.kind == .calendarChanged)
        #expect(recorded.first?.calendar == "emea")
    }

    @Test("A changed SLA on an overdue ticket clears the breach when no longer overdue, keeps it otherwise (osTicket #5160)")
    func changedSLAOnOverdueTicket() {
        var (clock, _) = start()
        let fired = clock.advance(to: p("2026-11-30T11:00:00"), ticket: "T-1", config: config)
        #expect(fired.alerts.map(\.messageID) == ["T-1:first_response:0:breached"])

        // Still overdue under the new terms (enterprise/minor is also 2h): the breach stays, same cycle.
        var keep = clock
        var minor = ev(.planChanged, "2026-11-30T11:30:00")
        minor.severity = .minor
        let kept = keep.handle(minor, config: config)
        #expect(kept.alerts == [])
        #expect(keep.status(at: p("2026-11-30T11:30:00"), ticket: "T-1", config: config).firstResponse.state == .breached)
        #expect(keep.cycle(.firstResponse) == 0)

        // Premium's 12h puts the due time in the future: no stale flag; the alert re-arms on cycle 1.
        var change = ev(.planChanged, "2026-11-30T11:30:00")
        change.plan = "premium"
        let actions = clock.handle(change, config: config)
        #expect(actions.alerts == [])
        let s = clock.status(at: p("2026-11-30T11:30:00"), ticket: "T-1", config: config)
        #expect(s.firstResponse.state == .running)
        #expect(s.firstResponse.cycle == 1)
        #expect(s.firstResponse.due == p("2026-12-01T11:00:00"))
        let again = clock.advance(to: p("2026-12-01T11:00:00"), ticket: "T-1", config: config)
        #expect(again.alerts.map(\.messageID).contains("T-1:first_response:1:breached"))
    }

    @Test("Due means due: an alert found late fires at once, also at night; a paused clock never fires at 02:00 (zammad #2157)")
    func dueMeansDueAtNight() {
        // Premium from Monday 09:00: first-response 75% warning at 18:00 (the closing instant).
        var onTime = start("premium").0
        _ = onTime.advance(to: p("2026-11-30T15:00:00"), ticket: "T-1", config: config)
        let atClosing = onTime.advance(to: p("2026-11-30T18:00:00"), ticket: "T-1", config: config)
        #expect(atClosing.alerts.map(\.messageID) == ["T-1:first_response:0:warning750"])

        // Found at 02:00 (the node was down): fired at once, not held for the 08:00 opening.
        var late = start("premium").0
        let night = late.advance(to: p("2026-12-01T02:00:00"), ticket: "T-1", config: config)
        #expect(night.alerts.map(\.messageID) == ["T-1:first_response:0:warning750"])
        #expect(night.alerts.first?.at == p("2026-12-01T02:00:00"))
        #expect(night.timers.first == .breach(.firstResponse, at: p("2026-12-01T11:00:00")))
        #expect(late.nextDeadline == p("2026-12-01T11:00:00"))

        // Paused (waiting on the customer): nothing is scheduled, nothing fires at night.
        var paused = start("premium").0
        _ = paused.advance(to: p("2026-11-30T15:00:00"), ticket: "T-1", config: config)
        #expect(paused.handle(ev(.waitingOnCustomer, "2026-11-30T16:00:00"), config: config) == [.cancelTimers])
        #expect(paused.nextDeadline == nil)
        #expect(paused.advance(to: p("2026-12-01T02:00:00"), ticket: "T-1", config: config) == [])
        #expect(paused.pendingTimers(now: p("2026-12-01T02:00:00"), config: config) == [])
    }

    @Test("Duplicate and out-of-order events are deterministic no-ops")
    func duplicatesAndOutOfOrder() {
        var (clock, _) = start()
        // responded before assigned: both apply, in either order.
        _ = clock.handle(ev(.responded, "2026-11-30T09:40:00"), config: config)
        #expect(clock.handle(ev(.assigned, "2026-11-30T09:10:00"), config: config) == [])
        // An earlier non-automatic response found later wins.
        _ = clock.handle(ev(.responded, "2026-11-30T09:20:00"), config: config)
        #expect(clock.status(at: p("2026-11-30T10:00:00"), ticket: "T-1", config: config).firstResponse.stoppedAt
            == p("2026-11-30T09:20:00"))
        // The same event twice.
        #expect(clock.handle(ev(.responded, "2026-11-30T09:20:00"), config: config) == [])
        _ = clock.handle(ev(.waitingOnCustomer, "2026-11-30T10:00:00"), config: config)
        let snapshot = clock
        #expect(clock.handle(ev(.waitingOnCustomer, "2026-11-30T10:00:00"), config: config) == [])
        #expect(clock == snapshot)
        _ = clock.handle(ev(.customerReplied, "2026-11-30T10:00:00"), config: config)
        // The pause duplicated after its resume at the same instant: still a duplicate.
        #expect(clock.handle(ev(.waitingOnCustomer, "2026-11-30T10:00:00"), config: config) == [])
        // A transition older than the last one is stale.
        let after = clock
        #expect(clock.handle(ev(.waitingOnCustomer, "2026-11-30T09:50:00"), config: config) == [])
        #expect(clock == after)
        // Resume without pause, reopen while open: no-ops.
        #expect(clock.handle(ev(.customerReplied, "2026-11-30T11:00:00"), config: config) == [])
        #expect(clock.handle(ev(.reopened, "2026-11-30T11:00:00"), config: config) == [])
        #expect(clock == after)
    }
}

@Suite("SLA clock: pauses around the first response")
struct FirstResponseDuringPauseTests {
    @Test("A first response given during a pause counts the pause so far as paused; later pauses do not touch it")
    func responseDuringPause() {
        let config = Fixtures.config
        let ticket = Fixtures.ticket(createdAt: "2026-11-30T09:00:00+01:00")
        var clock = SLAClock(event: .created(ticket))!
        _ = clock.handle(.created(ticket), config: config)
        _ = clock.handle(Fixtures.ev(.waitingOnCustomer, "2026-11-30T10:00:00+01:00"), config: config)
        _ = clock.handle(Fixtures.ev(.responded, "2026-11-30T12:00:00+01:00"), config: config)
        _ = clock.handle(Fixtures.ev(.customerReplied, "2026-11-30T14:00:00+01:00"), config: config)
        _ = clock.handle(Fixtures.ev(.waitingOnCustomer, "2026-11-30T15:00:00+01:00"), config: config)
        _ = clock.handle(Fixtures.ev(.customerReplied, "2026-11-30T16:00:00+01:00"), config: config)
        let s = clock.status(at: Fixtures.t("2026-11-30T17:00:00+01:00"), ticket: "T-1", config: config)
        #expect(s.firstResponse.state == .met)
        #expect(s.firstResponse.usedSeconds == 3600)
        #expect(s.firstResponse.due == Fixtures.t("2026-11-30T13:00:00+01:00"))
        // Resolution: 09-10, 14-15 and 16-17 counted; 10-14 and 15-16 paused.
        #expect(s.resolution.usedSeconds == 3 * 3600)
    }
}

@Suite("SLA clock: holidays and 24x7")
struct HolidayAnd24x7ClockTests {
    let config = Fixtures.config

    @Test("Created on a holiday (Christmas, a Friday): the clock starts Monday 08:00 Paris")
    func createdOnHoliday() {
        let ticket = Fixtures.ticket(createdAt: "2026-12-25T10:00:00+01:00")
        var clock = SLAClock(event: .created(ticket))!
        let actions = clock.handle(.created(ticket), config: config)
        #expect(Array(actions.timers.prefix(3)) == [
            .warning(.firstResponse, permille: 500, at: Fixtures.t("2026-12-28T09:00:00+01:00")),
            .warning(.firstResponse, permille: 750, at: Fixtures.t("2026-12-28T09:30:00+01:00")),
            .breach(.firstResponse, at: Fixtures.t("2026-12-28T10:00:00+01:00")),
        ])
        // Nothing counts over the holiday weekend.
        let s = clock.status(at: Fixtures.t("2026-12-28T08:00:00+01:00"), ticket: "T-1", config: config)
        #expect(s.firstResponse.usedSeconds == 0)
        #expect(s.firstResponse.state == .running)
    }

    @Test("A critical Enterprise ticket counts 24x7: its breach fires at night, on time")
    func criticalAtNight() {
        let ticket = Fixtures.ticket(severity: .critical, createdAt: "2026-11-27T23:30:00+01:00")
        var clock = SLAClock(event: .created(ticket))!
        let actions = clock.handle(.created(ticket), config: config)
        #expect(actions.timers.contains(.breach(.firstResponse, at: Fixtures.t("2026-11-28T00:30:00+01:00"))))
        let fired = clock.advance(to: Fixtures.t("2026-11-28T02:00:00+01:00"), ticket: "T-1", config: config)
        // 24x7 is always open: nothing is held; only the breach (the warnings are superseded).
        #expect(fired.alerts.map(\.messageID) == ["T-1:first_response:0:breached"])
        #expect(fired.alerts.first?.event.overdueSeconds == 5400)
    }
}
