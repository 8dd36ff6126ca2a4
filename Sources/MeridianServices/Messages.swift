public import BusinessTime
import Foundation
public import TicketRouting

/// A unit of routed work on `meridian.work.<region>.<tier>`: the whole ticket and why it is here.
public struct WorkItem: Codable, Hashable, Sendable {
    /// The de-duplication id of this piece of work (`<ticket>:work:<tier>`, `<ticket>:handoff:<at>`, ...).
    public var workID: String
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

    public init(workID: String, ticket: Ticket, region: RegionID, tier: Tier, reason: String, reasonText: String,
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
    /// Work waiting in the region's queues, as the node saw it.
    public var backlog: Int
    /// Open tickets whose clocks the node keeps.
    public var clocks: Int

    public init(node: NodeID, region: RegionID, state: State, backlog: Int, clocks: Int) {
        self.node = node
        self.region = region
        self.state = state
        self.backlog = backlog
        self.clocks = clocks
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

/// Shared JSON coders: compact, sorted keys, no escaped slashes.
public enum JSONCoding {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// Encodes a value as compact JSON bytes.
    public static func encode(_ value: some Encodable) throws -> [UInt8] {
        Array(try encoder.encode(value))
    }

    /// Decodes JSON bytes.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: some Collection<UInt8>) throws -> T {
        try JSONDecoder().decode(type, from: Data(bytes))
    }
}
