public import BusinessTime
import Foundation
public import TicketRouting

/// A unit of routed work on `meridian.work.<region>.<tier>`: the whole ticket and why it is here.
public struct WorkItem: Codable, Hashable, Sendable {
    /// The de-duplication id of this piece of work (see `WorkID` for its forms).
    public var workID: WorkID
    public var ticket: Ticket
    /// The region whose team gets the work.
    public var region: RegionID
    public var tier: Tier
    /// The reason code (`home_open`, `follow_the_sun`, `handed_off`, `next_tier_same_region`, ...).
    public var reason: String
    public var reasonText: String
    public var firstResponseDue: Instant?
    public var resolutionDue: Instant?
    /// When the region opens, if the work waits for it.
    public var queuedUntil: Instant?
    /// The case owner this follow-up is marked for (`meridian ticket take`); nil for the tier's queue.
    public var owner: String?

    public init(workID: WorkID, ticket: Ticket, region: RegionID, tier: Tier, reason: String, reasonText: String,
                firstResponseDue: Instant? = nil, resolutionDue: Instant? = nil, queuedUntil: Instant? = nil,
                owner: String? = nil) {
        self.workID = workID
        self.ticket = ticket
        self.region = region
        self.tier = tier
        self.reason = reason
        self.reasonText = reasonText
        self.firstResponseDue = firstResponseDue
        self.resolutionDue = resolutionDue
        self.queuedUntil = queuedUntil
        self.owner = owner
    }

    enum CodingKeys: String, CodingKey {
        case workID = "work_id"
        case ticket, region, tier, reason
        case reasonText = "reason_text"
        case firstResponseDue = "first_response_due"
        case resolutionDue = "resolution_due"
        case queuedUntil = "queued_until"
        case owner
    }
}

/// What a worker hands to its team: one JSON line per assignment.
public struct Assignment: Codable, Hashable, Sendable {
    public var work: WorkItem
    /// The node that took the work.
    public var node: NodeID
    public var assignedAt: Instant
    /// 1 on first delivery; more when the work came back after a node failed to acknowledge it.
    public var delivery: Int

    public init(work: WorkItem, node: NodeID, assignedAt: Instant, delivery: Int) {
        self.work = work
        self.node = node
        self.assignedAt = assignedAt
        self.delivery = delivery
    }

    enum CodingKeys: String, CodingKey {
        case work, node, delivery
        case assignedAt = "assigned_at"
    }
}

/// A worker's heartbeat on `meridian.nodes.<region>.<node>`.
public struct Heartbeat: Codable, Hashable, Sendable {
    public enum State: String, Codable, Sendable {
        case up
        /// The node is stopping: count it as gone now.
        case down
    }

    public var node: NodeID
    public var region: RegionID
    public var state: State
    /// Tickets of the region's log that the region works on and has not answered yet (no first
    /// response): the work its team still owes. The same on every node of the region.
    public var backlog: Int
    /// Unresolved tickets of the region's log that the region works on (handled here).
    public var clocks: Int
    /// Unresolved tickets of the region's log that other regions work on (handed off or routed
    /// follow-the-sun), by region: add them to those regions' `clocks`.
    public var handledElsewhere: [String: Int]?
    /// Unresolved tickets of the region's log due within an hour (`ClockCensus.riskWindow`).
    public var atRisk: Int?
    /// Breach events of the region's log on the region's local date.
    public var breachesToday: Int?
    /// Whether the node's replay of the log has caught up (before, the counts are partial).
    public var caughtUp: Bool?

    public init(node: NodeID, region: RegionID, state: State, backlog: Int, clocks: Int) {
        self.node = node
        self.region = region
        self.state = state
        self.backlog = backlog
        self.clocks = clocks
    }

    enum CodingKeys: String, CodingKey {
        case node, region, state, backlog, clocks
        case handledElsewhere = "handled_elsewhere"
        case atRisk = "at_risk"
        case breachesToday = "breaches_today"
        case caughtUp = "caught_up"
    }

    /// Whether every count is in range (a heartbeat is input from the network).
    public var isPlausible: Bool {
        backlog >= 0 && clocks >= 0 && (atRisk ?? 0) >= 0 && (breachesToday ?? 0) >= 0
            && (handledElsewhere ?? [:]).values.allSatisfy { $0 >= 0 }
    }
}

/// The router's answer on `meridian.intake`: the decision, or the error object.
public enum IntakeReply: Sendable, Hashable {
    /// Routed now.
    case routed(RoutingDecision)
    /// Routed before (the same ticket id was submitted again): where it went.
    case duplicate(ticket: TicketID, region: RegionID, tier: Tier, reason: String)
    /// Invalid: every problem found.
    case rejected(ValidationErrorReport)
    /// Valid, but it could not be stored now (NATS unavailable): nothing was routed, try again.
    case unavailable(String)
    /// A follow-up recorded on an existing case (`{"threaded":"<case id>"}`); no ticket was created.
    case threaded(TicketID)

    /// The reply JSON.
    public var json: [UInt8] {
        switch self {
        case .routed(let decision):
            return (try? JSONCoding.encoder.encode(decision)).map(Array.init) ?? []
        case .duplicate(let ticket, let region, let tier, let reason):
            let object: [String: String] = [
                "ticket": ticket.rawValue, "region": region.rawValue, "tier": tier.rawValue, "reason": reason,
            ]
            var data = (try? JSONCoding.encoder.encode(object)).map(Array.init) ?? []
            // {"duplicate":true,...}: the original routing stands.
            data.replaceSubrange(0..<1, with: Array(#"{"duplicate":true,"#.utf8))
            return data
        case .rejected(let report):
            return Array(report.jsonString.utf8)
        case .threaded(let caseID):
            return (try? JSONCoding.encoder.encode(["threaded": caseID.rawValue])).map(Array.init) ?? []
        case .unavailable(let message):
            let error = ["error": ["code": "unavailable", "field": "", "message": message]]
            return (try? JSONCoding.encoder.encode(error)).map(Array.init) ?? []
        }
    }
}

// MARK: - Checked decoding (every field of a message read from the bus)

extension WorkItem {
    /// The longest `work_id` and `reason`, in characters.
    public static let maxIDLength = 200
    /// The longest `reason_text`, in characters.
    public static let maxReasonTextLength = 2_000

    /// Decodes and checks every field: the ticket as `Ticket.init(from:)` does, `region` a subject
    /// token (it becomes part of the subjects the worker publishes on), `tier` a known tier,
    /// instants in `WireLimits.instants`, text bounded.
    /// - Throws: `WireError` naming the first field that failed (e.g. `ticket.region`).
    public init(from decoder: any Decoder) throws {
        let r = try WireReader(decoder, keyedBy: CodingKeys.self)
        let workText = try r.required(r.text(.workID, maxLength: Self.maxIDLength), .workID)
        guard let id = WorkID(rawValue: workText) else {
            throw WireError(code: .badToken, field: r.field(.workID),
                            message: "not a work id (<ticket>:work:<tier>, <ticket>:handoff:<at>, <ticket>:escalation:<seq>)")
        }
        workID = id
        ticket = try r.required(r.nested(Ticket.self, .ticket), .ticket)
        region = try r.required(r.token(RegionID.self, .region), .region)
        tier = try r.required(r.choice(Tier.self, .tier), .tier)
        reason = try r.required(r.text(.reason, maxLength: Self.maxIDLength), .reason)
        reasonText = try r.text(.reasonText, maxLength: Self.maxReasonTextLength) ?? ""
        firstResponseDue = try r.instant(.firstResponseDue)
        resolutionDue = try r.instant(.resolutionDue)
        queuedUntil = try r.instant(.queuedUntil)
        owner = try r.text(.owner, maxLength: Self.maxIDLength)
    }
}

extension Heartbeat.State: CaseIterable {}

extension Heartbeat {
    /// Decodes and checks every field: `node` and `region` are subject tokens, `state` is `up` or
    /// `down`, the counts are whole numbers in 0...`WireLimits.maxCount`, `handled_elsewhere` has
    /// subject-token keys.
    /// - Throws: `WireError` naming the first field that failed.
    public init(from decoder: any Decoder) throws {
        let r = try WireReader(decoder, keyedBy: CodingKeys.self)
        node = try r.required(r.token(NodeID.self, .node), .node)
        region = try r.required(r.token(RegionID.self, .region), .region)
        state = try r.required(r.choice(State.self, .state), .state)
        backlog = try r.required(r.integer(Int.self, .backlog, in: 0...WireLimits.maxCount), .backlog)
        clocks = try r.required(r.integer(Int.self, .clocks, in: 0...WireLimits.maxCount), .clocks)
        atRisk = try r.integer(Int.self, .atRisk, in: 0...WireLimits.maxCount)
        breachesToday = try r.integer(Int.self, .breachesToday, in: 0...WireLimits.maxCount)
        caughtUp = try r.bool(.caughtUp)
        if let elsewhere = try r.nested([String: Int].self, .handledElsewhere) {
            guard elsewhere.count <= 1_000,
                  elsewhere.allSatisfy({ SubjectToken.isValid($0.key) && (0...WireLimits.maxCount).contains($0.value) })
            else {
                throw WireError(code: .outOfRange, field: r.field(.handledElsewhere),
                                message: "must map region ids to counts in 0...\(WireLimits.maxCount)")
            }
            handledElsewhere = elsewhere
        }
    }
}
