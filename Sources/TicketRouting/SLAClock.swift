public import BusinessTime

/// A timer the service should set for a ticket; when it fires, call `SLAClock.advance(to:...)`.
public enum ClockTimer: Hashable, Sendable {
    /// A warning at `permille`/1000 of the clock's target.
    case warning(ClockKind, permille: Int, at: Instant)
    /// The clock's breach (its due time).
    case breach(ClockKind, at: Instant)
    /// The current tier's resolution target: escalate to `to`.
    case escalation(to: Tier, at: Instant)

    /// When the timer fires.
    public var at: Instant {
        switch self {
        case .warning(_, _, let at), .breach(_, let at), .escalation(_, let at): at
        }
    }
}

/// An SLA alert (a warning or a breach) to publish as a `warning` / `breached` event.
public struct SLAAlert: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        case warning(permille: Int)
        case breach
    }

    public var ticket: TicketID
    public var kind: Kind
    /// The clock owner: the ticket's home region.
    public var region: RegionID
    public var plan: PlanID
    public var severity: Severity
    public var clock: ClockKind
    /// The clock's cycle (resolution: +1 per reopening; both: +1 when a target change re-arms alerts).
    public var cycle: Int
    /// The clock's deadline (for a breach: the instant it breached).
    public var due: Instant
    /// A warning's own instant (its threshold of the target); nil for a breach.
    public var warningAt: Instant?
    /// When it was emitted.
    public var at: Instant

    public init(
        ticket: TicketID, kind: Kind, region: RegionID, plan: PlanID, severity: Severity, clock: ClockKind,
        cycle: Int, due: Instant, warningAt: Instant? = nil, at: Instant
    ) {
        self.ticket = ticket
        self.kind = kind
        self.region = region
        self.plan = plan
        self.severity = severity
        self.clock = clock
        self.cycle = cycle
        self.due = due
        self.warningAt = warningAt
        self.at = at
    }

    /// The event to publish (`warning` with `threshold` and `warning_at`, or `breached` with
    /// `overdue_seconds` = wall-clock seconds from `due` to `at`); `due` is the deadline in both.
    /// Its `messageID` is the dedup id.
    public var event: TicketEvent {
        switch kind {
        case .warning(let permille):
            var e = TicketEvent(
                ticket: ticket, kind: .warning, at: at, region: region, plan: plan, severity: severity,
                clock: clock, cycle: cycle, threshold: Double(permille) / 1000, due: due)
            e.warningAt = warningAt
            return e
        case .breach:
            return TicketEvent(
                ticket: ticket, kind: .breached, at: at, region: region, plan: plan, severity: severity,
                clock: clock, cycle: cycle, due: due, overdueSeconds: max(0, at - due))
        }
    }

    /// `<ticket>:<clock>:<cycle>:<kind>` (see `TicketEvent.messageID`).
    public var messageID: String { event.messageID }
}

/// A clock's deadline moved because its target changed (escalation to L3 replaces the
/// resolution target with the engineering one): published as a `target_changed` event.
public struct TargetChange: Hashable, Sendable {
    public var ticket: TicketID
    /// The clock owner: the ticket's home region.
    public var region: RegionID
    public var plan: PlanID
    public var severity: Severity
    public var clock: ClockKind
    /// The clock's cycle after the change.
    public var cycle: Int
    /// The tier the ticket is at now.
    public var tier: Tier
    public var previousDue: Instant
    public var due: Instant
    /// The instant of the change (the event that caused it).
    public var at: Instant

    public init(ticket: TicketID, region: RegionID, plan: PlanID, severity: Severity, clock: ClockKind, cycle: Int,
                tier: Tier, previousDue: Instant, due: Instant, at: Instant) {
        self.ticket = ticket
        self.region = region
        self.plan = plan
        self.severity = severity
        self.clock = clock
        self.cycle = cycle
        self.tier = tier
        self.previousDue = previousDue
        self.due = due
        self.at = at
    }

    /// The `target_changed` event; its `messageID` is `<ticket>:target_changed:<at>:<clock>`.
    public var event: TicketEvent {
        var e = TicketEvent(ticket: ticket, kind: .targetChanged, at: at, region: region, plan: plan, severity: severity,
                            tier: tier, clock: clock, cycle: cycle, due: due)
        e.previousDue = previousDue
        return e
    }
}

/// What the service must do after feeding the clock an input.
public enum ClockAction: Hashable, Sendable {
    /// Drop every timer set for this ticket (a `.schedule` list follows when any remain).
    case cancelTimers
    /// Set a timer.
    case schedule(ClockTimer)
    /// Publish a warning alert.
    case emitWarning(SLAAlert)
    /// Publish a breach alert.
    case emitBreach(SLAAlert)
    /// The current tier's target passed: publish an automatic `escalated` event to this tier
    /// (route it with `Router.escalate`).
    case escalate(to: Tier)
    /// A deadline moved (escalation to L3): publish the `target_changed` event.
    case targetChanged(TargetChange)
}

/// The ticket's state as the clock sees it.
public enum TicketPhase: String, Codable, Hashable, Sendable {
    case open
    /// Waiting on the customer: every clock is paused.
    case waiting
    case resolved
}

/// The SLA clocks of one ticket (first response, resolution, tier escalation): a pure state machine.
///
/// Feed it the ticket's events (`handle`) and the passing of time (`advance`, when a timer fires);
/// each input returns `Equatable` actions. It holds no calendar and no ticket id (callers pass the
/// config and the id), so a live clock takes 152 bytes and no heap allocation (plan and region
/// ids of up to 15 UTF-8 bytes are stored inline by `String`).
///
/// Rules (documented in Docs/ARCHITECTURE.md, `## TicketRouting`):
/// - Clocks count business seconds on the plan's calendar for the severity (home region or 24x7).
///   Due = `calendar.add(start, target + paused)`, where `paused` is the business time spent
///   waiting on the customer since `start` (measured on the same calendar when the pause ends).
/// - First response: start = creation; stopped by the first non-automatic `responded` (the earliest
///   wins, whatever order they arrive in), or by `resolved`.
/// - Resolution: start = creation, or the `reopened` instant (a new cycle); at L3 with an L3 target
///   it counts that target from the escalation to L3 instead (engineering).
/// - `plan_changed` / `calendar_changed` / escalation to L3 recompute due times from the original
///   start (retroactive); alerts already emitted stay only while the clock is still past them,
///   otherwise they are cleared and the clock's `cycle` goes up so that they can fire again.
/// - Transitions (`waiting_on_customer`, `customer_replied`, `resolved`, `reopened`, `escalated`,
///   `plan_changed`, `calendar_changed`, `handed_off`) older than the last applied transition are
///   stale and ignored; the same transition kind twice at the same instant is a duplicate. Events
///   that do not fit the state (a pause while paused, a reopen of an open ticket) are no-ops.
/// - Due means due: an alert whose instant has passed fires at once, whatever the calendar says
///   now (a ticket submitted days after its creation breaches on arrival, at night too).
public struct SLAClock: Hashable, Sendable {
    /// "No instant": 9999-12-31T23:59:59Z, beyond every calendar's domain (and still printable).
    static let none = Instant(unixSeconds: 253_402_300_799)

    public private(set) var plan: PlanID
    /// The customer's home region: owner of the clock and, by default, its calendar.
    public private(set) var home: RegionID
    /// The region working on the ticket now (routed / handed off).
    public private(set) var handling: RegionID
    public private(set) var severity: Severity
    public private(set) var tier: Tier
    public private(set) var phase: TicketPhase
    public private(set) var createdAt: Instant
    var pausedSince: Instant
    var cycleStart: Instant
    var tierStart: Instant
    var lastTransitionAt: Instant
    /// Earliest pending timer, `.max` when none.
    var nextDeadlineStorage: Instant
    var firstResponse: Track
    var resolution: Track
    var pausedTotal: Int32
    var pausedInCycle: Int32
    var pausedInTier: Int32
    var lastTransitionKinds: UInt16
    var escalationDone: Bool
    /// Whether the clock's first timers were scheduled (by its `created` / `routed` event).
    var started: Bool

    /// One clock's progress.
    struct Track: Hashable, Sendable {
        /// When it stopped (first response given / resolved); `none` while counting.
        var stoppedAt: Instant = SLAClock.none
        var cycle: UInt16 = 0
        /// Bits 0...6: warning thresholds (by index) emitted; bit 7: breach emitted.
        var emitted: UInt8 = 0
        var stopped: Bool { stoppedAt != SLAClock.none }
        static let breachBit: UInt8 = 0x80
    }

    /// A clock for a ticket that was just created.
    public init(plan: PlanID, severity: Severity, home: RegionID, createdAt: Instant, tier: Tier = .l1, handling: RegionID? = nil) {
        self.plan = plan
        self.home = home
        self.handling = handling ?? home
        self.severity = severity
        self.tier = tier
        self.phase = .open
        self.createdAt = createdAt
        self.pausedSince = SLAClock.none
        self.cycleStart = createdAt
        self.tierStart = createdAt
        self.lastTransitionAt = createdAt
        self.nextDeadlineStorage = SLAClock.none
        self.firstResponse = Track()
        self.resolution = Track()
        self.pausedTotal = 0
        self.pausedInCycle = 0
        self.pausedInTier = 0
        self.lastTransitionKinds = 0
        self.escalationDone = false
        self.started = false
    }

    /// A clock from a `created` or `routed` event (nil if it lacks plan, severity or home region).
    public init?(event: TicketEvent) {
        guard event.kind == .created || event.kind == .routed, let plan = event.plan, let severity = event.severity
        else { return nil }
        let home = event.homeRegion ?? event.region
        self.init(
            plan: plan, severity: severity, home: home, createdAt: event.createdAt ?? event.at,
            tier: event.kind == .routed ? (event.tier ?? .l1) : .l1,
            handling: event.kind == .routed ? (event.toRegion ?? home) : home)
    }

    /// The earliest pending timer, nil when none (met, resolved or paused).
    public var nextDeadline: Instant? { nextDeadlineStorage == SLAClock.none ? nil : nextDeadlineStorage }

    /// The clock's cycle: resolution cycles count reopenings (plus re-arms); first response counts re-arms.
    public func cycle(_ clock: ClockKind) -> Int { Int(track(clock).cycle) }

    func track(_ clock: ClockKind) -> Track {
        clock == .firstResponse ? firstResponse : resolution
    }

    // MARK: - Inputs

    /// Applies one event of this ticket at `event.at`.
    ///
    /// First fires whatever was due up to `event.at` (so a log replayed after downtime emits the
    /// alerts it missed), then applies the event, fires what the change made due, and, if the clock
    /// changed, returns `.cancelTimers` followed by every pending timer.
    /// - Complexity: O(w) calendar operations, w = number of warning thresholds.
    public mutating func handle(_ event: TicketEvent, config: MeridianConfig) -> [ClockAction] {
        var actions: [ClockAction] = []
        // An alert read from the log is applied first: it must not be emitted again by itself.
        if !event.kind.isAlert && started {
            emitDue(now: event.at, ticket: event.ticket, config: config, into: &actions)
        }
        let retargets = event.kind == .escalated || event.kind == .routed
        let before = retargets ? deadline(.resolution, config: config) : nil
        let changed = apply(event, config: config)
        if changed, let before, let after = deadline(.resolution, config: config), after != before {
            actions.append(.targetChanged(TargetChange(
                ticket: event.ticket, region: home, plan: plan, severity: severity, clock: .resolution,
                cycle: cycle(.resolution), tier: tier, previousDue: before, due: after, at: event.at)))
        }
        if changed && !event.kind.isAlert {
            emitDue(now: event.at, ticket: event.ticket, config: config, into: &actions, force: true)
        }
        if changed || !actions.isEmpty {
            reschedule(now: event.at, config: config, into: &actions)
        }
        return actions
    }

    /// Applies an event that is being processed at `now` (later than its `at`, e.g. delivered late):
    /// `handle(event, config:)`, then `advance(to: now, ...)` so alerts due in between fire now.
    public mutating func handle(_ event: TicketEvent, now: Instant, config: MeridianConfig) -> [ClockAction] {
        var actions = handle(event, config: config)
        if now > event.at {
            actions += advance(to: now, ticket: event.ticket, config: config)
        }
        return actions
    }

    /// Time passed to `now` (a timer fired): emits due warnings, breaches and escalations.
    /// - Complexity: O(w) calendar operations.
    public mutating func advance(to now: Instant, ticket: TicketID, config: MeridianConfig) -> [ClockAction] {
        var actions: [ClockAction] = []
        emitDue(now: now, ticket: ticket, config: config, into: &actions)
        if !actions.isEmpty || nextDeadlineStorage <= now {
            reschedule(now: now, config: config, into: &actions)
        }
        return actions
    }

    // MARK: - Event application

    static func transitionBit(_ kind: TicketEvent.Kind) -> UInt16? {
        switch kind {
        case .waitingOnCustomer: 1
        case .customerReplied: 2
        case .resolved: 4
        case .reopened: 8
        case .escalated: 16
        case .planChanged: 32
        case .calendarChanged: 64
        case .handedOff: 128
        default: nil
        }
    }

    /// Applies the event; returns whether the clock changed.
    mutating func apply(_ event: TicketEvent, config: MeridianConfig) -> Bool {
        let at = event.at
        if let bit = SLAClock.transitionBit(event.kind) {
            if at < lastTransitionAt || at < createdAt { return false }  // stale
            if at == lastTransitionAt, lastTransitionKinds & bit != 0 { return false }  // duplicate
            let applied = applyTransition(event, config: config)
            if applied {
                if at > lastTransitionAt {
                    lastTransitionAt = at
                    lastTransitionKinds = 0
                }
                lastTransitionKinds |= bit
            }
            return applied
        }
        switch event.kind {
        case .created:
            if started { return false }
            started = true
            return true
        case .routed:
            var changed = !started
            started = true
            // A routed record older than the last transition (e.g. a hand-off) does not move the work back.
            if let to = event.toRegion, to != handling, at >= lastTransitionAt {
                handling = to
                changed = true
            }
            if let t = event.tier, t > tier {
                changed = enterTier(t, at: max(at, createdAt), config: config) || changed
            } else if event.tier == .oncall, tier == .l1 {
                // Routed to on-call: first-line work out of hours, on L1's tier timer from creation.
                tier = .oncall
                changed = true
            }
            return changed
        case .assigned:
            return false
        case .responded:
            guard event.automatic != true, at >= createdAt else { return false }
            if !firstResponse.stopped, phase == .waiting, pausedSince < at, let calendar = calendar(config: config) {
                // Answered during a pause: the pause so far counts as paused for this clock.
                pausedTotal &+= Int32(clamping: calendar.between(pausedSince, at))
            }
            if !firstResponse.stopped || at < firstResponse.stoppedAt {
                firstResponse.stoppedAt = at
                return true
            }
            return false
        case .warning, .breached:
            guard let clock = event.clock else { return false }
            let policy = config.plans[plan]
            var t = track(clock)
            guard Int(t.cycle) == (event.cycle ?? 0) else { return false }
            let before = t.emitted
            if event.kind == .breached {
                t.emitted |= Track.breachBit | 0x7F
            } else if let permille = event.warningPermille, let policy {
                for (i, p) in policy.warningPermille.enumerated() where p <= permille { t.emitted |= 1 << UInt8(i) }
            }
            setTrack(clock, t)
            return t.emitted != before
        default:
            return false
        }
    }

    mutating func setTrack(_ clock: ClockKind, _ t: Track) {
        if clock == .firstResponse { firstResponse = t } else { resolution = t }
    }

    mutating func applyTransition(_ event: TicketEvent, config: MeridianConfig) -> Bool {
        let at = event.at
        switch event.kind {
        case .waitingOnCustomer:
            guard phase == .open else { return false }
            phase = .waiting
            pausedSince = at
            return true
        case .customerReplied:
            guard phase == .waiting else { return false }
            endPause(at: at, config: config)
            phase = .open
            return true
        case .resolved:
            guard phase != .resolved else { return false }
            if phase == .waiting { endPause(at: at, config: config) }
            phase = .resolved
            if !firstResponse.stopped { firstResponse.stoppedAt = at }
            resolution.stoppedAt = at
            return true
        case .reopened:
            guard phase == .resolved else { return false }
            phase = .open
            resolution = Track(cycle: resolution.cycle &+ 1)
            cycleStart = at
            pausedInCycle = 0
            tierStart = at
            pausedInTier = 0
            escalationDone = false
            return true
        case .escalated:
            guard phase != .resolved, let target = event.tier ?? tier.next, target > tier else { return false }
            return enterTier(target, at: at, config: config)
        case .planChanged:
            let newPlan = event.plan ?? plan
            let newSeverity = event.severity ?? severity
            guard newPlan != plan || newSeverity != severity else { return false }
            plan = newPlan
            severity = newSeverity
            rearm(at: at, config: config)
            return true
        case .calendarChanged:
            if let id = event.calendar, id != calendarID(config: config) { return false }
            rearm(at: at, config: config)
            return true
        case .handedOff:
            guard let to = event.toRegion, to != handling else { return false }
            handling = to
            return true
        default:
            return false
        }
    }

    mutating func enterTier(_ target: Tier, at: Instant, config: MeridianConfig) -> Bool {
        tier = target
        tierStart = at
        pausedInTier = 0
        escalationDone = false
        if target == .l3, config.plans[plan]?.tierTargets.l3 != nil {
            rearm(at: at, config: config, only: .resolution)
        }
        return true
    }

    mutating func endPause(at: Instant, config: MeridianConfig) {
        guard pausedSince != SLAClock.none, let calendar = calendar(config: config) else {
            pausedSince = SLAClock.none
            return
        }
        func paused(from start: Instant) -> Int32 {
            Int32(clamping: calendar.between(max(pausedSince, start), at))
        }
        // A stopped clock keeps the paused time it had when it stopped.
        if !firstResponse.stopped { pausedTotal &+= paused(from: createdAt) }
        if !resolution.stopped { pausedInCycle &+= paused(from: cycleStart) }
        pausedInTier &+= paused(from: tierStart)
        pausedSince = SLAClock.none
    }

    /// After a target change: keep emitted alerts the clock is still past, clear the others and
    /// raise the cycle so they can fire again with a new message id (osTicket #5160).
    mutating func rearm(at: Instant, config: MeridianConfig, only: ClockKind? = nil) {
        guard let policy = config.plans[plan], let calendar = calendar(config: config) else { return }
        for kind in ClockKind.allCases where only == nil || only == kind {
            var t = track(kind)
            guard t.emitted != 0, !(kind == .resolution && phase == .resolved) else { continue }
            let plan = trackPlan(kind, policy: policy)
            let used = usedSeconds(kind, plan: plan, at: t.stopped ? t.stoppedAt : at, calendar: calendar)
            var keep: UInt8 = 0
            if used >= plan.target { keep |= Track.breachBit }
            for (i, p) in policy.warningPermille.enumerated() where used >= plan.target * Int64(p) / 1000 {
                keep |= 1 << UInt8(i)
            }
            if keep & Track.breachBit != 0 { keep |= 0x7F }
            let kept = t.emitted & keep
            if kept != t.emitted {
                t.emitted = kept
                t.cycle &+= 1
            }
            setTrack(kind, t)
        }
    }

    // MARK: - Escalation rule

    /// The tier an escalation of this ticket goes to: `requested`, or the next tier when nil.
    ///
    /// A resolved ticket cannot be escalated (reopen it first), and an escalation goes up:
    /// to the current or a lower tier, or beyond L3, it is an `invalid_transition` error.
    /// The clock itself ignores such `escalated` events (see `apply`).
    /// - Complexity: O(1).
    public func escalationTarget(_ requested: Tier?, ticket: TicketID) -> Result<Tier, ValidationError> {
        if phase == .resolved {
            return .failure(ValidationError(
                code: .invalidTransition, field: "ticket",
                message: "ticket \(ticket) is resolved; reopen it before escalating"))
        }
        guard let target = requested ?? tier.next else {
            return .failure(ValidationError(
                code: .invalidTransition, field: "tier",
                message: "ticket \(ticket) is at \(tier.rawValue), the highest tier"))
        }
        guard target > tier else {
            return .failure(ValidationError(
                code: .invalidTransition, field: "tier",
                message: "ticket \(ticket) is at \(tier.rawValue); an escalation goes to a higher tier, not \(target.rawValue)"))
        }
        return .success(target)
    }

    // MARK: - Calendar arithmetic

    struct TrackPlan {
        var start: Instant
        var target: Int64
        var paused: Int64
    }

    func trackPlan(_ kind: ClockKind, policy: PlanPolicy) -> TrackPlan {
        switch kind {
        case .firstResponse:
            return TrackPlan(start: createdAt, target: policy.firstResponse[severity], paused: Int64(pausedTotal))
        case .resolution:
            if tier == .l3, let l3 = policy.tierTargets.l3 {
                return TrackPlan(start: tierStart, target: l3, paused: Int64(pausedInTier))
            }
            return TrackPlan(start: cycleStart, target: policy.resolution[severity], paused: Int64(pausedInCycle))
        }
    }

    /// The calendar the clocks count on.
    public func calendar(config: MeridianConfig) -> BusinessCalendar? {
        config.clockCalendar(plan: plan, severity: severity, home: home)
    }

    func calendarID(config: MeridianConfig) -> String {
        switch config.plans[plan]?.calendar[severity] ?? .home {
        case .home: home.rawValue
        case .twentyFourSeven: "24x7"
        case .region(let id): id.rawValue
        }
    }

    /// Business seconds counted by the clock up to `at` (excluding paused time).
    func usedSeconds(_ kind: ClockKind, plan: TrackPlan, at: Instant, calendar: BusinessCalendar) -> Int64 {
        var end = at
        if phase == .waiting, pausedSince < end { end = pausedSince }
        let t = track(kind)
        if t.stopped, t.stoppedAt < end { end = t.stoppedAt }
        return max(0, calendar.between(plan.start, end) - plan.paused)
    }

    /// The clock's deadline with the current target, nil when it is stopped or the plan is unknown.
    /// - Complexity: O(1) calendar operations.
    func deadline(_ kind: ClockKind, config: MeridianConfig) -> Instant? {
        guard !track(kind).stopped, phase != .resolved, let policy = config.plans[plan],
              let calendar = calendar(config: config)
        else { return nil }
        let p = trackPlan(kind, policy: policy)
        return calendar.add(p.start, seconds: p.target + p.paused)
    }

    func isRunning(_ kind: ClockKind) -> Bool {
        phase == .open && !track(kind).stopped
    }

    // MARK: - Emission and timers

    mutating func emitDue(
        now: Instant, ticket: TicketID, config: MeridianConfig, into actions: inout [ClockAction], force: Bool = false
    ) {
        guard phase == .open, force || nextDeadlineStorage <= now || nextDeadlineStorage == SLAClock.none,
              let policy = config.plans[plan], let calendar = calendar(config: config)
        else { return }
        for kind in ClockKind.allCases where isRunning(kind) {
            var t = track(kind)
            guard t.emitted & Track.breachBit == 0 else { continue }
            let p = trackPlan(kind, policy: policy)
            // One `between` decides what is due; `add` for the deadline (and a warning's instant).
            let used = usedSeconds(kind, plan: p, at: now, calendar: calendar)
            func alert(_ k: SLAAlert.Kind, _ d: Instant, warningAt: Instant? = nil) -> SLAAlert {
                SLAAlert(
                    ticket: ticket, kind: k, region: home, plan: plan, severity: severity, clock: kind,
                    cycle: Int(t.cycle), due: d, warningAt: warningAt, at: now)
            }
            func due() -> Instant { calendar.add(p.start, seconds: p.target + p.paused) }
            if used >= p.target {
                t.emitted = 0xFF
                actions.append(.emitBreach(alert(.breach, due())))
            } else {
                for (i, permille) in policy.warningPermille.enumerated().reversed() {
                    let bit: UInt8 = 1 << UInt8(i)
                    if t.emitted & bit != 0 { break }
                    let threshold = p.target * Int64(permille) / 1000
                    if used >= threshold {
                        let w = calendar.add(p.start, seconds: threshold + p.paused)
                        t.emitted |= (bit << 1) &- 1
                        actions.append(.emitWarning(alert(.warning(permille: permille), due(), warningAt: w)))
                        break
                    }
                }
            }
            setTrack(kind, t)
        }
        if !escalationDone, let next = tier.next, let target = policy.tierTargets[tier] {
            let atTier = max(0, calendar.between(tierStart, now) - Int64(pausedInTier))
            if atTier >= target {
                escalationDone = true
                actions.append(.escalate(to: next))
            }
        }
    }

    /// Every pending timer, as of `now` (one already due: at `now`, whatever the calendar says).
    /// - Complexity: O(w) calendar operations.
    public func pendingTimers(now: Instant, config: MeridianConfig) -> [ClockTimer] {
        guard phase == .open, let policy = config.plans[plan], let calendar = calendar(config: config) else { return [] }
        var timers: [ClockTimer] = []
        func when(_ x: Instant) -> Instant { max(x, now) }
        for kind in ClockKind.allCases where isRunning(kind) {
            let t = track(kind)
            guard t.emitted & Track.breachBit == 0 else { continue }
            let p = trackPlan(kind, policy: policy)
            for (i, permille) in policy.warningPermille.enumerated() where t.emitted & (1 << UInt8(i)) == 0 {
                let w = calendar.add(p.start, seconds: p.target * Int64(permille) / 1000 + p.paused)
                timers.append(.warning(kind, permille: permille, at: when(w)))
            }
            timers.append(.breach(kind, at: when(calendar.add(p.start, seconds: p.target + p.paused))))
        }
        if !escalationDone, let next = tier.next, let target = policy.tierTargets[tier] {
            let at = calendar.add(tierStart, seconds: target + Int64(pausedInTier))
            timers.append(.escalation(to: next, at: max(at, now)))
        }
        return timers
    }

    mutating func reschedule(now: Instant, config: MeridianConfig, into actions: inout [ClockAction]) {
        let timers = pendingTimers(now: now, config: config)
        actions.append(.cancelTimers)
        var earliest = SLAClock.none
        for timer in timers {
            actions.append(.schedule(timer))
            if timer.at < earliest { earliest = timer.at }
        }
        nextDeadlineStorage = earliest
    }

    // MARK: - Status

    /// The state of each clock at `now`, for display (`meridian sla replay`) and queries.
    /// - Complexity: O(1) calendar operations.
    public func status(at now: Instant, ticket: TicketID, config: MeridianConfig) -> TicketClockStatus {
        var clocks: [ClockStatus] = []
        let policy = config.plans[plan]
        let calendar = calendar(config: config)
        for kind in ClockKind.allCases {
            let t = track(kind)
            guard let policy, let calendar else {
                clocks.append(ClockStatus(
                    clock: kind, state: .unknownPlan, cycle: Int(t.cycle), due: nil, stoppedAt: nil,
                    usedSeconds: 0, targetSeconds: 0))
                continue
            }
            let p = trackPlan(kind, policy: policy)
            let used = usedSeconds(kind, plan: p, at: now, calendar: calendar)
            let state: ClockStatus.State
            var due: Instant? = calendar.add(p.start, seconds: p.target + p.paused)
            if t.stopped {
                state = used > p.target ? .breached : .met
            } else if phase == .waiting {
                state = used >= p.target ? .breached : .paused
                if used < p.target { due = nil }
            } else {
                state = used >= p.target ? .breached : .running
            }
            var status = ClockStatus(
                clock: kind, state: state, cycle: Int(t.cycle), due: due,
                stoppedAt: t.stopped ? t.stoppedAt : nil, usedSeconds: used, targetSeconds: p.target)
            switch state {
            case .running: status.leftSeconds = due.map { max(0, $0 - now) }
            case .paused: status.leftSeconds = p.target - used
            case .breached:
                let end = t.stopped ? t.stoppedAt : (phase == .waiting ? min(pausedSince, now) : now)
                status.overdueSeconds = due.map { max(0, end - $0) }
            case .met, .unknownPlan: break
            }
            clocks.append(status)
        }
        return TicketClockStatus(
            ticket: ticket, plan: plan, severity: severity, region: home, handling: handling, tier: tier,
            phase: phase, createdAt: createdAt, firstResponse: clocks[0], resolution: clocks[1],
            nextDeadline: nextDeadline)
    }
}

/// One clock's state at an instant.
public struct ClockStatus: Codable, Hashable, Sendable {
    public enum State: String, Codable, Hashable, Sendable {
        case running, paused, met, breached
        case unknownPlan = "unknown_plan"
    }
    public var clock: ClockKind
    public var state: State
    public var cycle: Int
    /// Due instant; nil while paused (it moves until the pause ends).
    public var due: Instant?
    /// When it stopped (first response / resolution).
    public var stoppedAt: Instant?
    /// Business seconds counted so far (paused time excluded).
    public var usedSeconds: Int64
    public var targetSeconds: Int64
    /// Time left: running, wall-clock seconds until `due`; paused, the business seconds the clock
    /// still has (nothing counts until the customer replies). Nil when met or breached.
    public var leftSeconds: Int64?
    /// Breached: wall-clock seconds from `due` to now (or to when the clock stopped or paused).
    public var overdueSeconds: Int64?

    enum CodingKeys: String, CodingKey {
        case clock, state, cycle, due
        case stoppedAt = "stopped_at"
        case usedSeconds = "used_seconds"
        case targetSeconds = "target_seconds"
        case leftSeconds = "left_seconds"
        case overdueSeconds = "overdue_seconds"
    }
}

/// Both clocks of a ticket at an instant.
public struct TicketClockStatus: Codable, Hashable, Sendable {
    public var ticket: TicketID
    public var plan: PlanID
    public var severity: Severity
    /// The home region (clock owner).
    public var region: RegionID
    /// The region working on the ticket now (JSON `handled_by`): routed, handed off, or escalated
    /// to a tier the home region lacks.
    public var handling: RegionID
    public var tier: Tier
    public var phase: TicketPhase
    public var createdAt: Instant
    public var firstResponse: ClockStatus
    public var resolution: ClockStatus
    public var nextDeadline: Instant?

    /// Both clocks, first response first.
    public var clocks: [ClockStatus] { [firstResponse, resolution] }

    /// Whether a clock is breached and not stopped (the ticket is overdue now).
    public var isOverdue: Bool { clocks.contains { $0.state == .breached && $0.stoppedAt == nil } }

    enum CodingKeys: String, CodingKey {
        case ticket, plan, severity, region, tier, phase
        case handling = "handled_by"
        case createdAt = "created_at"
        case firstResponse = "first_response"
        case resolution
        case nextDeadline = "next_deadline"
    }
}
