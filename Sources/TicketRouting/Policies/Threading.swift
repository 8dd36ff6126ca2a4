public import BusinessTime

/// What Meridian knows of a case when a follow-up names it (read from its log).
public struct CaseState: Hashable, Sendable {
    /// The case's home region: its log and clocks.
    public var home: RegionID
    /// When it was resolved, if its latest transition is a resolution (nil: open).
    public var resolvedAt: Instant?

    public init(home: RegionID, resolvedAt: Instant? = nil) {
        self.home = home
        self.resolvedAt = resolvedAt
    }

    /// The state from the case's last `resolved` and last `reopened` events (either may be missing).
    public init(home: RegionID, lastResolved: Instant?, lastReopened: Instant?) {
        self.home = home
        if let resolved = lastResolved, lastReopened.map({ $0 < resolved }) ?? true {
            resolvedAt = resolved
        } else {
            resolvedAt = nil
        }
    }
}

/// What intake does with a follow-up (`Threading.decide`).
public enum ThreadingDecision: Hashable, Sendable {
    /// Record this event on the case (its message id given) and answer `{"threaded": "<case>"}`.
    case thread(TicketEvent, messageID: String)
    /// The case was resolved longer ago than the reopen window: route the message as a new ticket
    /// whose `created` event names the case in `linked_case`.
    case newTicket(linkedTo: TicketID)
    /// No such case: the error object (`unknown_case`).
    case unknown(ValidationErrorReport)
}

/// Threading of customer follow-ups onto their case (issue 15, item 1).
///
/// - An open case gets `customer_replied` (resuming a paused clock; on a running clock it only
///   marks the reply, and the router sends the follow-up to the owner).
/// - A case resolved at most `ThreadingPolicy.reopenWindow` ago is reopened (`reopened`: a new
///   resolution cycle), as vendor policies reopen a case the customer answers.
/// - A case resolved longer ago: the message is a new ticket linked to it.
/// - An unknown case is an error, `unknown_case`; nothing is recorded.
public enum Threading {
    /// Decides a follow-up on `state` (nil: no such case) at `now`.
    /// - Complexity: O(1).
    public static func decide(_ message: FollowUpMessage, state: CaseState?, now: Instant,
                              policy: ThreadingPolicy) -> ThreadingDecision {
        guard let state else {
            return .unknown(ValidationErrorReport([ValidationError(
                code: .unknownCase, field: "case",
                message: "no case \(message.caseID.rawValue) is known to Meridian; submit a new ticket without the case reference")])!)
        }
        let kind: TicketEvent.Kind
        if let resolved = state.resolvedAt {
            guard now - resolved <= policy.reopenWindow else { return .newTicket(linkedTo: message.caseID) }
            kind = .reopened
        } else {
            kind = .customerReplied
        }
        var event = TicketEvent(ticket: message.caseID, kind: kind, at: now, region: state.home)
        event.note = message.details
        let id = message.messageID.map { "\(message.caseID.rawValue):followup:\($0.rawValue)" } ?? event.messageID
        return .thread(event, messageID: id)
    }
}

/// The owner of a case: the L2+ engineer who took it (`meridian ticket take`), and their region.
public struct CaseOwner: Hashable, Sendable {
    public var name: String
    public var region: RegionID
    public var takenAt: Instant

    public init(name: String, region: RegionID, takenAt: Instant) {
        self.name = name
        self.region = region
        self.takenAt = takenAt
    }

    /// The longest owner name, in characters.
    public static let maxNameLength = 128

    /// Reads a `taken` event; nil for any other event or one without an owner and region.
    public init?(event: TicketEvent) {
        guard event.kind == .taken, let name = event.owner, let region = event.toRegion else { return nil }
        self.init(name: name, region: region, takenAt: event.at)
    }

    /// Why a take is refused, or nil when `name` may take a case at `tier`.
    ///
    /// A case is taken at L2 or above (L1 triages; the L2 engineer who takes it owns it until it
    /// is resolved); a name is 1–128 characters without control characters.
    public static func refusal(name: String, tier: Tier) -> String? {
        if tier < .l2 { return "the case is at \(tier.rawValue); a case is taken at L2 or above (escalate it first)" }
        if name.isEmpty || name.count > maxNameLength || name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "an owner name is 1-\(maxNameLength) characters without control characters"
        }
        return nil
    }

    /// The `taken` event for `ticket` in its home region's log.
    public func event(ticket: TicketID, home: RegionID, tier: Tier) -> TicketEvent {
        var event = TicketEvent(ticket: ticket, kind: .taken, at: takenAt, region: home, toRegion: region, tier: tier)
        event.owner = name
        return event
    }
}

/// Where later work for a case goes: a follow-up, a reopening, a customer reply.
public struct FollowUpDecision: Hashable, Sendable {
    public var region: RegionID
    public var tier: Tier
    /// The owner the work is marked for (nil: the tier's queue, anyone there may take it).
    public var owner: String?
    /// `owner` or `owner_off_shift` / `tier_queue`.
    public var reason: String
    public var reasonText: String

    public init(region: RegionID, tier: Tier, owner: String?, reason: String, reasonText: String) {
        self.region = region
        self.tier = tier
        self.owner = owner
        self.reason = reason
        self.reasonText = reasonText
    }
}

extension CaseOwner {
    /// Routes later work of a case at `tier` handled by `handling`.
    ///
    /// To the owner's region, marked for the owner, while that region is open (its calendar) and
    /// staffs the tier; otherwise to the tier's queue of the region handling the case.
    /// - Complexity: O(1) (one `isOpen`).
    public static func route(owner: CaseOwner?, handling: RegionID, tier: Tier, config: MeridianConfig,
                             now: Instant) -> FollowUpDecision {
        guard let owner else {
            return FollowUpDecision(region: handling, tier: tier, owner: nil, reason: "tier_queue",
                                    reasonText: "no owner; to the \(tier.rawValue) queue of \(handling)")
        }
        if let calendar = config.calendars[owner.region], calendar.isOpen(at: now),
           config.tiers(of: owner.region).contains(tier) {
            return FollowUpDecision(region: owner.region, tier: tier, owner: owner.name, reason: "owner",
                                    reasonText: "owned by \(owner.name) (\(owner.region)), on shift")
        }
        return FollowUpDecision(region: handling, tier: tier, owner: nil, reason: "owner_off_shift",
                                reasonText: "owner \(owner.name) (\(owner.region)) is off shift; to the \(tier.rawValue) queue of \(handling)")
    }
}
