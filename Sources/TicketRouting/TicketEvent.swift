public import BusinessTime
import Foundation

/// The two SLA clocks of a ticket.
public enum ClockKind: String, Codable, Hashable, Sendable, CaseIterable {
    /// Submission → first non-automatic response.
    case firstResponse = "first_response"
    /// Submission (or reopening) → resolution. At L3 it counts the engineering target.
    case resolution
}

/// One lifecycle event of a ticket, as stored in the region's event log
/// (`meridian.events.<region>.<kind>.<ticket>`), JSON with snake_case keys.
///
/// Common fields: `ticket`, `kind`, `at`, `region` (the region whose log holds the event: the
/// clock owner). Per-kind fields are optional:
/// - `created`, `routed`: `plan`, `severity`, `home_region`, `created_at` (routed: also
///   `to_region`, `tier`, `reason`) — enough for a node to create the clock from either.
/// - `assigned`: `tier`, `node`, `assignee`. `responded`: `automatic` (only `false` stops the
///   first-response clock). `escalated`: `tier` (the new tier), `automatic`.
/// - `plan_changed`: `plan` (the new plan), optionally `severity`. `handed_off`: `to_region`, `reason`.
/// - `calendar_changed`: `calendar` (the calendar id that changed: a region id or `24x7`).
/// - `warning`, `breached` (alerts): `plan`, `severity`, `clock`, `cycle`, `due` (the clock's
///   deadline), (warning) `threshold` and `warning_at` (the threshold's instant), (breached)
///   `overdue_seconds`.
/// - `target_changed`: `clock`, `cycle`, `tier` (the new tier), `previous_due` and `due` (the
///   clock's deadline before and after, e.g. an escalation to L3 re-targeting resolution).
/// - Support policies (Docs/ARCHITECTURE.md, "Support policies"): `created` / `routed` carry the
///   ticket's `partner` (and `linked_case` for a follow-up that came too late to reopen its case);
///   `taken`: `owner`, `to_region` (the owner's region), `tier`; `time_logged`: `seconds`,
///   `work_class`, `note`, `owner` (who logged it); `partner_warning`: `partner`, `cases`,
///   `escalations`, `note` (the advice).
public struct TicketEvent: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, Hashable, Sendable, CaseIterable {
        case created, routed, assigned, responded
        case waitingOnCustomer = "waiting_on_customer"
        case customerReplied = "customer_replied"
        case escalated
        case planChanged = "plan_changed"
        case resolved, reopened
        case handedOff = "handed_off"
        case calendarChanged = "calendar_changed"
        case warning, breached
        case targetChanged = "target_changed"
        // Support policies: ownership, support hours, partner escalation warnings.
        case taken
        case timeLogged = "time_logged"
        case partnerWarning = "partner_warning"

        /// Whether this kind is an SLA alert.
        public var isAlert: Bool { self == .warning || self == .breached }

        /// Whether monitoring (`meridian tail`) shows this kind: alerts and target changes.
        public var isMonitored: Bool { isAlert || self == .targetChanged }
    }

    public var ticket: TicketID
    public var kind: Kind
    public var at: Instant
    public var region: RegionID
    public var plan: PlanID?
    public var severity: Severity?
    public var homeRegion: RegionID?
    public var createdAt: Instant?
    public var toRegion: RegionID?
    public var tier: Tier?
    public var reason: String?
    public var node: NodeID?
    public var assignee: String?
    public var automatic: Bool?
    public var calendar: String?
    public var clock: ClockKind?
    public var cycle: Int?
    public var threshold: Double?
    public var due: Instant?
    public var overdueSeconds: Int64?
    /// A warning's own instant (its `due` is the clock's deadline).
    public var warningAt: Instant?
    /// `target_changed`: the deadline before the change.
    public var previousDue: Instant?
    /// A free-text note from the team (`meridian ticket respond T-1 --note "..."`).
    public var note: String?
    /// Who recorded a team action: the identity the tool connected as (e.g. `team-emea`).
    /// Declared by the client; the server's permissions bound it to the region's team.
    public var actor: String?

    // Support policies (Sources/TicketRouting/Policies).
    /// The partner (reseller) of the ticket (`created`, `routed`, `partner_warning`).
    public var partner: String?
    /// `taken`: who owns the case; `time_logged`: who logged the time.
    public var owner: String?
    /// `time_logged`: the time spent, in seconds.
    public var seconds: Int64?
    /// `time_logged`: `question` (deducted from the partner's hours) or `incident` (not deducted).
    public var workClass: WorkClass?
    /// `partner_warning`: the partner's cases in the window, and how many went beyond L1.
    public var cases: Int?
    public var escalations: Int?
    /// `created`: the resolved case a late follow-up refers to.
    public var linkedCase: TicketID?

    public init(
        ticket: TicketID, kind: Kind, at: Instant, region: RegionID,
        plan: PlanID? = nil, severity: Severity? = nil, homeRegion: RegionID? = nil, createdAt: Instant? = nil,
        toRegion: RegionID? = nil, tier: Tier? = nil, reason: String? = nil, node: NodeID? = nil,
        assignee: String? = nil, automatic: Bool? = nil, calendar: String? = nil, clock: ClockKind? = nil,
        cycle: Int? = nil, threshold: Double? = nil, due: Instant? = nil, overdueSeconds: Int64? = nil
    ) {
        self.ticket = ticket
        self.kind = kind
        self.at = at
        self.region = region
        self.plan = plan
        self.severity = severity
        self.homeRegion = homeRegion
        self.createdAt = createdAt
        self.toRegion = toRegion
        self.tier = tier
        self.reason = reason
        self.node = node
        self.assignee = assignee
        self.automatic = automatic
        self.calendar = calendar
        self.clock = clock
        self.cycle = cycle
        self.threshold = threshold
        self.due = due
        self.overdueSeconds = overdueSeconds
    }

    enum CodingKeys: String, CodingKey {
        case ticket, kind, at, region, plan, severity
        case homeRegion = "home_region"
        case createdAt = "created_at"
        case toRegion = "to_region"
        case tier, reason, node, assignee, automatic, calendar, clock, cycle, threshold, due
        case overdueSeconds = "overdue_seconds"
        case warningAt = "warning_at"
        case previousDue = "previous_due"
        case note, actor
        case partner, owner, seconds
        case workClass = "work_class"
        case cases, escalations
        case linkedCase = "linked_case"
    }

    // MARK: Constructors

    /// `created`: the ticket entered Meridian; `region` is the clock owner (its home region).
    public static func created(_ ticket: Ticket) -> TicketEvent {
        var event = TicketEvent(
            ticket: ticket.id, kind: .created, at: ticket.createdAt, region: ticket.region, plan: ticket.plan,
            severity: ticket.severity, homeRegion: ticket.region, createdAt: ticket.createdAt)
        event.partner = ticket.partner
        return event
    }

    /// `routed`: the router placed the ticket (`decision.region`, `decision.tier`) at `at`.
    public static func routed(_ ticket: Ticket, decision: RoutingDecision, at: Instant) -> TicketEvent {
        TicketEvent(
            ticket: ticket.id, kind: .routed, at: at, region: ticket.region, plan: ticket.plan,
            severity: ticket.severity, homeRegion: ticket.region, createdAt: ticket.createdAt,
            toRegion: decision.region, tier: decision.tier, reason: decision.reason.rawValue)
            .with(partner: ticket.partner)
    }

    private func with(partner: String?) -> TicketEvent {
        var copy = self
        copy.partner = partner
        return copy
    }

    /// A lifecycle event with only the common fields (plus `automatic` / `tier` where given).
    public static func simple(
        _ kind: Kind, ticket: TicketID, at: Instant, region: RegionID, tier: Tier? = nil, automatic: Bool? = nil
    ) -> TicketEvent {
        TicketEvent(ticket: ticket, kind: kind, at: at, region: region, tier: tier, automatic: automatic)
    }

    // MARK: Subjects and message ids

    /// The subject token for the kind: `created`, `waiting_on_customer`, `breached`, ...
    public var subjectKind: String { kind.rawValue }

    /// `meridian.events.<region>.<kind>.<ticket>`.
    public var subject: String { Subjects.events(region: region, kind: kind, ticket: ticket) }

    /// The deterministic dedup id (`Nats-Msg-Id`); see `MessageID.event(_:)`.
    public var messageID: String { MessageID.event(self) }

    /// A warning's `threshold` in per mille (1...999), nil when absent or outside (0, 1).
    public var warningPermille: Int? {
        threshold.flatMap(CheckedConversion.permille)
    }

    // MARK: JSON

    /// Compact JSON with sorted keys (one JSON Lines record).
    public var jsonString: String {
        String(decoding: TicketEvent.encodeJSON(self), as: UTF8.self)   // TicketEventEncoding.swift
    }

    // Decoding: `decode(json:)` in TicketEventDecoding.swift (a fast path for the log's own
    // shape, checked against the same limits; `init(from:)` below for everything else).

    /// The longest free text of an event (`reason`, `assignee`, `calendar`), in characters.
    public static let maxTextLength = 200
    /// The longest `note`, in characters.
    public static let maxNoteLength = 4_000

    /// Decodes and checks every field: ids are subject tokens (`bad_id`, `bad_token`), kinds,
    /// tiers, severities and clocks are known names (`unknown_value`), instants lie in
    /// `WireLimits.instants`, `cycle` in 0...65535, `threshold` strictly between 0 and 1,
    /// `overdue_seconds` in 0...`WireLimits.maxSeconds` (`out_of_range`), text is bounded (`too_long`).
    /// - Throws: `WireError`.
    public init(from decoder: any Decoder) throws {
        let r = try WireReader(decoder, keyedBy: CodingKeys.self)
        ticket = try r.required(r.token(TicketID.self, .ticket), .ticket)
        kind = try r.required(r.choice(Kind.self, .kind), .kind)
        at = try r.required(r.instant(.at), .at)
        region = try r.required(r.token(RegionID.self, .region), .region)
        plan = try r.token(PlanID.self, .plan)
        severity = try r.choice(Severity.self, .severity)
        homeRegion = try r.token(RegionID.self, .homeRegion)
        createdAt = try r.instant(.createdAt)
        toRegion = try r.token(RegionID.self, .toRegion)
        tier = try r.choice(Tier.self, .tier)
        reason = try r.text(.reason, maxLength: Self.maxTextLength)
        node = try r.token(NodeID.self, .node)
        assignee = try r.text(.assignee, maxLength: Self.maxTextLength)
        automatic = try r.bool(.automatic)
        calendar = try r.text(.calendar, maxLength: Self.maxTextLength)
        clock = try r.choice(ClockKind.self, .clock)
        cycle = try r.integer(Int.self, .cycle, in: 0...Int(UInt16.max))
        threshold = try r.double(.threshold, in: 0...1)
        if let threshold, CheckedConversion.permille(threshold) == nil {
            throw WireError(
                code: .outOfRange, field: r.field(.threshold),
                message: "threshold \(threshold) is not a fraction between 0.001 and 0.999")
        }
        due = try r.instant(.due)
        overdueSeconds = try r.integer(Int64.self, .overdueSeconds, in: 0...WireLimits.maxSeconds)
        note = try r.text(.note, maxLength: Self.maxNoteLength)
        warningAt = try r.instant(.warningAt)
        previousDue = try r.instant(.previousDue)
        actor = try r.token(NodeID.self, .actor)?.rawValue
        partner = try r.text(.partner, maxLength: Self.maxTextLength)
        owner = try r.text(.owner, maxLength: Self.maxTextLength)
        seconds = try r.integer(Int64.self, .seconds, in: 0...WireLimits.maxSeconds)
        workClass = try r.choice(WorkClass.self, .workClass)
        cases = try r.integer(Int.self, .cases, in: 0...WireLimits.maxCount)
        escalations = try r.integer(Int.self, .escalations, in: 0...WireLimits.maxCount)
        linkedCase = try r.token(TicketID.self, .linkedCase)
    }
}
