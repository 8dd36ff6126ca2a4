public import BusinessTime

/// Live capacity of a region, as the router sees it from heartbeats.
public struct RegionLoad: Hashable, Sendable {
    /// Worker nodes alive now.
    public var liveWorkers: Int
    /// Work waiting in the region's queues.
    public var backlog: Int

    public init(liveWorkers: Int, backlog: Int = 0) {
        self.liveWorkers = liveWorkers
        self.backlog = backlog
    }

    /// Adds `count` to the backlog, saturating at `Int.max` (backlogs come from heartbeats).
    public mutating func addBacklog(_ count: Int) {
        let (sum, overflow) = backlog.addingReportingOverflow(count)
        backlog = overflow ? .max : sum
    }
}

/// Why a ticket went where it went (short stable code; `RoutingDecision.reasonText` explains).
public enum RoutingReason: String, Codable, Hashable, Sendable, CaseIterable {
    /// The home region is open, has live workers and stays open for at least the margin.
    case homeOpen = "home_open"
    /// Follow-the-sun: another open region with live workers.
    case followTheSun = "follow_the_sun"
    /// Follow-the-sun, no region open: the region with live workers that opens soonest.
    case followTheSunNextOpening = "follow_the_sun_next_opening"
    /// The plan has no follow-the-sun: the home region, queued for its next opening.
    case homeQueued = "home_queued"
    /// Follow-the-sun allowed but no region has live workers: the home region, queued.
    case noLiveWorkers = "no_live_workers"
    /// Escalation: the next tier in the same region.
    case nextTierSameRegion = "next_tier_same_region"
    /// Escalation: the next tier is not staffed in the region; another region that has it.
    case tierAbsentInRegion = "tier_absent_in_region"
    /// Escalation: no region staffs the next tier; the work stays where it is.
    case tierAbsentEverywhere = "tier_absent_everywhere"
    /// Handoff at closing: moved to another region (follow-the-sun).
    case handedOff = "handed_off"
    /// Handoff at closing: stays, the ticket already has its first response.
    case staysAnswered = "stays_answered"
    /// Handoff at closing: stays, the plan has no follow-the-sun.
    case staysNoFollowTheSun = "stays_no_follow_the_sun"
    /// Handoff at closing: stays, no other region is open with live workers, and this one opens soonest.
    case staysNoBetterRegion = "stays_no_better_region"
    /// A 24x7 target runs while no region it may go to is open: on-call work (tier `oncall`), not queued.
    case onCall = "on_call"
    /// Handoff at a business closing: on-call work stays with the on-call engineer (see `Router.handoffs`).
    case staysOnCall = "stays_on_call"
    /// The end of a region's on-call coverage: unanswered on-call work moves to a region on call now.
    case onCallHandedOff = "on_call_handed_off"
}

/// An SLA instant announced with a routing decision.
public struct WarningInstant: Codable, Hashable, Sendable {
    public var clock: ClockKind
    /// Fraction of the target, e.g. 0.5.
    public var threshold: Double
    public var at: Instant

    public init(clock: ClockKind, threshold: Double, at: Instant) {
        self.clock = clock
        self.threshold = threshold
        self.at = at
    }
}

/// Where a new ticket goes, and why.
public struct RoutingDecision: Codable, Hashable, Sendable {
    public var ticket: TicketID
    public var region: RegionID
    public var tier: Tier
    public var reason: RoutingReason
    public var reasonText: String
    /// When the chosen region opens, if the work waits for it; nil when it can start now.
    public var queuedUntil: Instant?
    /// Counted on the clock's calendar from `created_at`.
    public var firstResponseDue: Instant
    public var resolutionDue: Instant
    /// The calendar the clocks count on (`emea`, `24x7`, ...).
    public var calendar: String
    public var warnings: [WarningInstant]

    enum CodingKeys: String, CodingKey {
        case ticket, region, tier, reason
        case reasonText = "reason_text"
        case queuedUntil = "queued_until"
        case firstResponseDue = "first_response_due"
        case resolutionDue = "resolution_due"
        case calendar, warnings
    }
}

/// Where escalated work goes.
public struct EscalationDecision: Codable, Hashable, Sendable {
    public var region: RegionID
    public var tier: Tier
    public var reason: RoutingReason
    public var reasonText: String
    /// When `region` opens (for the routing margin), if it is not open now: the work waits for it.
    public var queuedUntil: Instant?

    public init(region: RegionID, tier: Tier, reason: RoutingReason, reasonText: String, queuedUntil: Instant? = nil) {
        self.region = region
        self.tier = tier
        self.reason = reason
        self.reasonText = reasonText
        self.queuedUntil = queuedUntil
    }

    enum CodingKeys: String, CodingKey {
        case region, tier, reason
        case reasonText = "reason_text"
        case queuedUntil = "queued_until"
    }
}

/// An open ticket of a closing region, as the handoff decision needs it.
public struct HandoffCandidate: Hashable, Sendable {
    public var ticket: TicketID
    public var plan: PlanID
    public var home: RegionID
    public var tier: Tier
    /// Whether the first non-automatic response was given (answered tickets stay with their team).
    public var responded: Bool

    public init(ticket: TicketID, plan: PlanID, home: RegionID, tier: Tier, responded: Bool) {
        self.ticket = ticket
        self.plan = plan
        self.home = home
        self.tier = tier
        self.responded = responded
    }
}

/// The handoff decision for one ticket at a region's closing.
public struct HandoffDecision: Hashable, Sendable {
    public var ticket: TicketID
    /// The region the ticket moves to; nil when it stays.
    public var to: RegionID?
    public var tier: Tier
    public var reason: RoutingReason
    /// When `to` opens, if it is not open now.
    public var queuedUntil: Instant?
}

/// The routing rules: pure functions of the ticket, the config, `now` and the live load per region.
///
/// Region ids missing from `live` have no live workers.
public enum Router {
    /// Chooses region and tier for a new, valid ticket.
    ///
    /// Rules: (1) the home region when it is open, has live workers and stays open for at least
    /// `config.routing.margin`; otherwise (2) if the plan allows follow-the-sun, an open region
    /// with live workers that stays open for the margin and staffs L1 (ties: smaller backlog, then
    /// the home region, then the region id); when none is, (3) the region with live workers that
    /// opens soonest (same ties); (4) without follow-the-sun, the home region, queued for its next
    /// opening; (5) when (1) and (2) found no region open now and the ticket's clocks count on the
    /// 24x7 calendar, on-call work instead (`on_call`, tier `oncall`, not queued) in the region
    /// `MeridianConfig.onCallRegion` names, if one has on-call coverage now.
    /// The tier is L1, or the lowest tier the chosen region staffs.
    /// Due times are counted from `created_at` on the clock's calendar.
    /// - Complexity: O(regions) calendar look-ups plus O(warnings) additions.
    public static func decide(
        ticket: Ticket, config: MeridianConfig, now: Instant, live: [RegionID: RegionLoad]
    ) -> RoutingDecision {
        let home = ticket.region
        let margin = config.routing.margin
        let policy = config.plans[ticket.plan]
        let followTheSun = policy?.followTheSun ?? false
        var region = home
        var reason: RoutingReason
        var text: String
        var queuedUntil: Instant? = nil
        let homeCalendar = config.calendars[home]

        if isEligible(home, config: config, now: now, live: live, margin: margin) {
            reason = .homeOpen
            text = "home region \(home) is open for at least \(DurationText.format(margin)) more and has live workers"
        } else if followTheSun {
            let why = homeUnavailability(home, config: config, now: now, live: live, margin: margin)
            let candidates = config.regions.filter { config.tiers(of: $0).contains(.l1) || $0 == home }
            if let pick = pickOpen(candidates, config: config, now: now, live: live, margin: margin, home: home) {
                region = pick
                reason = .followTheSun
                text = "\(why); follow-the-sun to \(pick), open with live workers"
            } else if let (pick, opens) = pickSoonest(candidates, config: config, now: now, live: live, margin: margin, home: home) {
                region = pick
                reason = .followTheSunNextOpening
                queuedUntil = opens
                text = "\(why); no region is open with live workers; \(pick) has live workers and opens soonest, at \(opens.iso8601)"
            } else {
                reason = .noLiveWorkers
                queuedUntil = homeCalendar.map { openingAfterMargin($0, now: now, margin: margin) }
                text = "\(why); no region has live workers; queued in the home region"
            }
        } else {
            reason = .homeQueued
            let why = homeUnavailability(home, config: config, now: now, live: live, margin: margin)
            if let cal = homeCalendar {
                let opens = openingAfterMargin(cal, now: now, margin: margin)
                queuedUntil = opens > now ? opens : nil
            }
            text = "\(why); the plan has no follow-the-sun, so the ticket waits in the home region"
                + (queuedUntil.map { " for its next opening at \($0.iso8601)" } ?? "")
        }
        if reason != .homeOpen, reason != .followTheSun,
           config.runsTwentyFourSeven(plan: ticket.plan, severity: ticket.severity),
           let pick = config.onCallRegion(home: home, at: now, live: live)
        {
            let why = homeUnavailability(home, config: config, now: now, live: live, margin: margin)
            region = pick
            reason = .onCall
            queuedUntil = nil
            text = "\(why); the \(ticket.severity.rawValue) target runs 24x7 and no region it may go to is open: "
                + "on-call of \(pick)"
        }
        let tier = reason == .onCall ? Tier.oncall : lowestTier(in: region, config: config)
        var decision = RoutingDecision(
            ticket: ticket.id, region: region, tier: tier, reason: reason, reasonText: text, queuedUntil: queuedUntil,
            firstResponseDue: ticket.createdAt, resolutionDue: ticket.createdAt, calendar: "", warnings: [])
        if let policy, let cal = config.clockCalendar(plan: ticket.plan, severity: ticket.severity, home: home) {
            decision.calendar = policy.calendar[ticket.severity] == .home ? home.rawValue : policy.calendar[ticket.severity].description
            for clock in ClockKind.allCases {
                let target = policy.target(clock, severity: ticket.severity)
                let due = cal.add(ticket.createdAt, seconds: target)
                if clock == .firstResponse { decision.firstResponseDue = due } else { decision.resolutionDue = due }
                for permille in policy.warningPermille {
                    decision.warnings.append(WarningInstant(
                        clock: clock, threshold: Double(permille) / 1000,
                        at: cal.add(ticket.createdAt, seconds: target * Int64(permille) / 1000)))
                }
            }
        }
        return decision
    }

    /// Where work escalated from `region` to `tier` goes: the same region's tier, unless the
    /// region does not staff it; then a region that does (open with live workers first, else the
    /// one with live workers that opens soonest, else the first that staffs it: home, then by id).
    /// `queuedUntil` is the chosen region's next opening (for the margin) when it is not open now.
    public static func escalate(
        from region: RegionID, home: RegionID, to tier: Tier, config: MeridianConfig, now: Instant,
        live: [RegionID: RegionLoad]
    ) -> EscalationDecision {
        var decision = escalationTarget(from: region, home: home, to: tier, config: config, now: now, live: live)
        if decision.tier != .oncall, let cal = config.calendars[decision.region], !cal.isOpen(at: now) {
            decision.queuedUntil = openingAfterMargin(cal, now: now, margin: config.routing.margin)
        }
        return decision
    }

    static func escalationTarget(
        from region: RegionID, home: RegionID, to tier: Tier, config: MeridianConfig, now: Instant,
        live: [RegionID: RegionLoad]
    ) -> EscalationDecision {
        if config.tiers(of: region).contains(tier) {
            return EscalationDecision(
                region: region, tier: tier, reason: .nextTierSameRegion,
                reasonText: "\(tier.rawValue) of \(region)")
        }
        let staffed = config.regions.filter { config.tiers(of: $0).contains(tier) }
        let margin = config.routing.margin
        if let pick = pickOpen(staffed, config: config, now: now, live: live, margin: margin, home: home) {
            return EscalationDecision(
                region: pick, tier: tier, reason: .tierAbsentInRegion,
                reasonText: "\(region) has no \(tier.rawValue); \(pick) has it and is open with live workers")
        }
        if let (pick, opens) = pickSoonest(staffed, config: config, now: now, live: live, margin: margin, home: home) {
            return EscalationDecision(
                region: pick, tier: tier, reason: .tierAbsentInRegion,
                reasonText: "\(region) has no \(tier.rawValue); \(pick) has it and opens soonest, at \(opens.iso8601)")
        }
        if let pick = staffed.contains(home) ? home : staffed.first {
            return EscalationDecision(
                region: pick, tier: tier, reason: .tierAbsentInRegion,
                reasonText: "\(region) has no \(tier.rawValue); \(pick) has it (no live workers anywhere)")
        }
        return EscalationDecision(
            region: region, tier: tier, reason: .tierAbsentEverywhere,
            reasonText: "no region staffs \(tier.rawValue); the work stays in \(region)")
    }

    /// At `closing`'s closing time (`now`), which of its open tickets move, and where.
    ///
    /// Moves only unanswered tickets (no first response yet) of plans with follow-the-sun, to an
    /// open region with live workers that stays open for the margin and staffs the ticket's tier
    /// (ties: smaller backlog — counting the tickets moved so far —, then the ticket's home, then id);
    /// when none is open, to the live region that opens soonest, unless that is `closing` itself.
    /// On-call work (tier `oncall`) stays (`stays_on_call`): it is covered by the region's
    /// `on_call:` hours, not its business hours, and moves only when that coverage ends
    /// (`onCallHandoffs`).
    /// - Complexity: O(tickets × regions).
    public static func handoffs(
        closing: RegionID, tickets: [HandoffCandidate], config: MeridianConfig, now: Instant,
        live: [RegionID: RegionLoad]
    ) -> [HandoffDecision] {
        var load = live
        let margin = config.routing.margin
        return tickets.map { c in
            if c.responded {
                return HandoffDecision(ticket: c.ticket, to: nil, tier: c.tier, reason: .staysAnswered)
            }
            if c.tier == .oncall {
                return HandoffDecision(ticket: c.ticket, to: nil, tier: c.tier, reason: .staysOnCall)
            }
            guard config.plans[c.plan]?.followTheSun == true else {
                return HandoffDecision(ticket: c.ticket, to: nil, tier: c.tier, reason: .staysNoFollowTheSun)
            }
            let others = config.regions.filter { $0 != closing && config.tiers(of: $0).contains(c.tier) }
            if let pick = pickOpen(others, config: config, now: now, live: load, margin: margin, home: c.home) {
                load[pick, default: RegionLoad(liveWorkers: 0)].addBacklog(1)
                return HandoffDecision(ticket: c.ticket, to: pick, tier: c.tier, reason: .handedOff)
            }
            if let (pick, opens) = pickSoonest(
                others + [closing], config: config, now: now, live: load, margin: margin, home: c.home),
                pick != closing
            {
                load[pick, default: RegionLoad(liveWorkers: 0)].addBacklog(1)
                return HandoffDecision(ticket: c.ticket, to: pick, tier: c.tier, reason: .handedOff, queuedUntil: opens)
            }
            return HandoffDecision(ticket: c.ticket, to: nil, tier: c.tier, reason: .staysNoBetterRegion)
        }
    }

    /// At the end of `closing`'s on-call coverage (`now`), which of the on-call work it handles
    /// moves, and where: unanswered tickets at tier `oncall` go to the region whose on-call covers
    /// them now (`MeridianConfig.onCallRegion`), still at tier `oncall`; answered ones stay with the
    /// engineer who answered, and so do all when no other region is on call. Other tiers stay: their
    /// handoffs follow business closings (`handoffs`).
    /// - Complexity: O(tickets × regions log regions).
    public static func onCallHandoffs(
        closing: RegionID, tickets: [HandoffCandidate], config: MeridianConfig, now: Instant,
        live: [RegionID: RegionLoad]
    ) -> [HandoffDecision] {
        tickets.compactMap { c in
            guard c.tier == .oncall else { return nil }
            if c.responded {
                return HandoffDecision(ticket: c.ticket, to: nil, tier: c.tier, reason: .staysAnswered)
            }
            guard let pick = config.onCallRegion(home: c.home, at: now, live: live), pick != closing else {
                return HandoffDecision(ticket: c.ticket, to: nil, tier: c.tier, reason: .staysNoBetterRegion)
            }
            return HandoffDecision(ticket: c.ticket, to: pick, tier: .oncall, reason: .onCallHandedOff)
        }
    }

    // MARK: - Helpers

    /// The lowest level `region` staffs (L1 unless the region is configured otherwise; never on-call).
    public static func lowestTier(in region: RegionID, config: MeridianConfig) -> Tier {
        config.tiers(of: region).filter(\.isLevel).min() ?? .l1
    }

    static func liveWorkers(_ region: RegionID, _ live: [RegionID: RegionLoad]) -> Int {
        live[region]?.liveWorkers ?? 0
    }

    /// Open now, live workers, and open for at least `margin` more.
    static func isEligible(
        _ region: RegionID, config: MeridianConfig, now: Instant, live: [RegionID: RegionLoad], margin: Int64
    ) -> Bool {
        guard liveWorkers(region, live) > 0, let cal = config.calendars[region], cal.isOpen(at: now) else {
            return false
        }
        // Open throughout [now, now + margin) (cheaper than nextClosing on a 24x7 region).
        return margin == 0 || cal.between(now, now + margin) == margin
    }

    static func homeUnavailability(
        _ home: RegionID, config: MeridianConfig, now: Instant, live: [RegionID: RegionLoad], margin: Int64
    ) -> String {
        guard let cal = config.calendars[home] else { return "home region \(home) has no calendar" }
        if !cal.isOpen(at: now) { return "home region \(home) is closed" }
        let closes = cal.nextClosing(after: now)
        if closes - now < margin {
            return "home region \(home) closes at \(closes.iso8601), within the \(DurationText.format(margin)) margin"
        }
        return "home region \(home) has no live workers"
    }

    /// The next instant at which the calendar is open with at least `margin` before closing
    /// (skipping an interval that is too short).
    static func openingAfterMargin(_ cal: BusinessCalendar, now: Instant, margin: Int64) -> Instant {
        var t = cal.nextOpening(after: now)
        for _ in 0..<64 {
            if margin == 0 || cal.between(t, t + margin) == margin { return t }
            t = cal.nextOpening(after: cal.nextClosing(after: t))
        }
        return t
    }

    static func better(
        _ a: RegionID, _ b: RegionID, live: [RegionID: RegionLoad], home: RegionID
    ) -> Bool {
        let la = live[a]?.backlog ?? 0, lb = live[b]?.backlog ?? 0
        if la != lb { return la < lb }
        if (a == home) != (b == home) { return a == home }
        return a < b
    }

    static func pickOpen(
        _ candidates: [RegionID], config: MeridianConfig, now: Instant, live: [RegionID: RegionLoad],
        margin: Int64, home: RegionID
    ) -> RegionID? {
        var best: RegionID?
        for r in candidates where isEligible(r, config: config, now: now, live: live, margin: margin) {
            if let b = best, !better(r, b, live: live, home: home) { continue }
            best = r
        }
        return best
    }

    static func pickSoonest(
        _ candidates: [RegionID], config: MeridianConfig, now: Instant, live: [RegionID: RegionLoad],
        margin: Int64, home: RegionID
    ) -> (RegionID, Instant)? {
        var best: (RegionID, Instant)?
        for r in candidates where liveWorkers(r, live) > 0 {
            guard let cal = config.calendars[r] else { continue }
            let opens = openingAfterMargin(cal, now: now, margin: margin)
            if let b = best {
                if opens > b.1 { continue }
                if opens == b.1, !better(r, b.0, live: live, home: home) { continue }
            }
            best = (r, opens)
        }
        return best
    }
}
