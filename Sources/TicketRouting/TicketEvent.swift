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
/// - `warning`, `breached` (alerts): `plan`, `severity`, `clock`, `cycle`, `due`, (warning)
///   `threshold`, (breached) `overdue_seconds`.
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
        // Support policies: ownership, support hours, partner escalation warnings.
        case taken
        case timeLogged = "time_logged"
        case partnerWarning = "partner_warning"

        /// Whether this kind is an SLA alert.
        public var isAlert: Bool { self == .warning || self == .breached }
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
    /// A free-text note from the team (`meridian ticket respond T-1 --note "..."`).
    public var note: String?

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
        case note
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
    public var subject: String { "meridian.events.\(region.rawValue).\(kind.rawValue).\(ticket.rawValue)" }

    /// The deterministic dedup id (`Nats-Msg-Id`).
    ///
    /// Alerts: `<ticket>:<clock>:<cycle>:<kind>` where kind is `breached` or `warning<permille>`
    /// (e.g. `T-1:first_response:0:warning500`), so every node of a region firing the same
    /// alert publishes the same id. Other events: `<ticket>:<kind>:<at unix seconds>` (plus
    /// `:<tier>` for routed/escalated/assigned and `:auto` for automatic responses).
    public var messageID: String {
        if kind.isAlert {
            let clockName = (clock ?? .resolution).rawValue
            let c = cycle ?? 0
            if kind == .warning {
                let permille = Int(((threshold ?? 0) * 1000).rounded())
                return "\(ticket.rawValue):\(clockName):\(c):warning\(permille)"
            }
            return "\(ticket.rawValue):\(clockName):\(c):breached"
        }
        var id = "\(ticket.rawValue):\(kind.rawValue):\(at.unixSeconds)"
        if let tier, kind == .routed || kind == .escalated || kind == .assigned { id += ":\(tier.rawValue)" }
        if kind == .responded, automatic == true { id += ":auto" }
        if kind == .handedOff, let toRegion { id += ":\(toRegion.rawValue)" }
        if kind == .timeLogged, let seconds { id += ":\(seconds)" }
        return id
    }

    // MARK: JSON

    /// Compact JSON with sorted keys (one JSON Lines record).
    public var jsonString: String {
        String(decoding: (try? TicketEvent.encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// Decodes one event from JSON bytes.
    public static func decode(json bytes: some Collection<UInt8>) throws -> TicketEvent {
        try JSONDecoder().decode(TicketEvent.self, from: Data(bytes))
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()
}
