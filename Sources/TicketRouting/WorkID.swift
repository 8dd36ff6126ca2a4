public import BusinessTime

/// The id of one piece of routed work: the `Nats-Msg-Id` of its message on
/// `meridian.work.<region>.<tier>` and the `work_id` of its JSON. Every format is built and read here.
///
/// - `<ticket>:work:<tier>`: the work of a routing decision (intake);
/// - `<ticket>:handoff:<closing unix seconds>`: a follow-the-sun handoff at a region's closing;
/// - `<ticket>:escalation:<event-log sequence>`: the next tier's work for an `escalated` event;
/// - `<ticket>:followup:<event-log sequence>`: a customer reply or reopening, for the case's owner
///   or the tier's queue.
public enum WorkID: Hashable, Sendable, CustomStringConvertible {
    case intake(TicketID, Tier)
    case handoff(TicketID, closing: Instant)
    case escalation(TicketID, sequence: UInt64)
    case followUp(TicketID, sequence: UInt64)

    /// The ticket the work is for.
    public var ticket: TicketID {
        switch self {
        case .intake(let ticket, _), .handoff(let ticket, _), .escalation(let ticket, _), .followUp(let ticket, _): ticket
        }
    }

    /// The wire form, e.g. `T-1:work:l1`.
    public var rawValue: String {
        switch self {
        case .intake(let ticket, let tier): "\(ticket.rawValue):work:\(tier.rawValue)"
        case .handoff(let ticket, let closing): "\(ticket.rawValue):handoff:\(closing.unixSeconds)"
        case .escalation(let ticket, let sequence): "\(ticket.rawValue):escalation:\(sequence)"
        case .followUp(let ticket, let sequence): "\(ticket.rawValue):followup:\(sequence)"
        }
    }

    public var description: String { rawValue }

    /// Reads the wire form; nil for anything else (a bad ticket id, an unknown kind, a bad number).
    public init?(rawValue: String) {
        let parts = rawValue.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, let ticket = TicketID(String(parts[0])) else { return nil }
        switch parts[1] {
        case "work":
            guard let tier = Tier(rawValue: String(parts[2])) else { return nil }
            self = .intake(ticket, tier)
        case "handoff":
            guard let seconds = Int64(parts[2]) else { return nil }
            self = .handoff(ticket, closing: Instant(unixSeconds: seconds))
        case "escalation":
            guard let sequence = UInt64(parts[2]) else { return nil }
            self = .escalation(ticket, sequence: sequence)
        case "followup":
            guard let sequence = UInt64(parts[2]) else { return nil }
            self = .followUp(ticket, sequence: sequence)
        default:
            return nil
        }
    }
}

extension WorkID: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = WorkID(rawValue: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "\"\(text)\" is not a work id"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
