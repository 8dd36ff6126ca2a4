/// The NATS subjects of Meridian's external contract (shared/DESIGN.md).
public enum Subjects {
    /// Ticket intake by request/reply: the reply is the routing decision or the error object.
    public static let intake = "meridian.intake"
    /// Fire-and-forget intake: a JetStream publish here is stored in the intake stream and routed.
    public static let intakeQueue = "meridian.intake.queue"
    /// Where the router reports tickets from the intake stream that it rejected (core NATS).
    public static let intakeRejected = "meridian.intake.rejected"

    /// Routed work for a region's tier: `meridian.work.<region>.<tier>`.
    public static func work(_ region: RegionID, _ tier: Tier) -> String {
        "meridian.work.\(region.rawValue).\(tier.rawValue)"
    }

    /// A worker node's heartbeats: `meridian.nodes.<region>.<node>`.
    public static func node(_ region: RegionID, _ node: NodeID) -> String {
        "meridian.nodes.\(region.rawValue).\(node.rawValue)"
    }

    /// Every piece of routed work (the work stream's subjects).
    public static let allWork = "meridian.work.>"

    /// Every heartbeat.
    public static let allNodes = "meridian.nodes.>"

    /// A region's open tickets and clocks, by request/reply: `meridian.inbox.<region>`.
    public static func inbox(_ region: RegionID) -> String {
        "meridian.inbox.\(region.rawValue)"
    }

    /// Lifecycle events, with `*` for what is not given: `meridian.events.<region>.<kind>.<ticket>`.
    public static func events(region: RegionID? = nil, kind: TicketEvent.Kind? = nil, ticket: TicketID? = nil) -> String {
        "meridian.events.\(region?.rawValue ?? "*").\(kind?.rawValue ?? "*").\(ticket?.rawValue ?? "*")"
    }

    /// Every event of every region (the event log's subjects).
    public static let allEvents = "meridian.events.>"

    /// Every event of a region's log: `meridian.events.<region>.>`.
    public static func regionEvents(_ region: RegionID) -> String {
        "meridian.events.\(region.rawValue).>"
    }
}

/// The one rule for a NATS subject token made of an external value (ticket, region, node ids):
/// 1–64 ASCII letters, digits, `-` or `_`. Anything else is rejected, never sanitised.
public enum SubjectToken {
    /// The longest accepted token, in characters.
    public static let maxLength = 64

    /// Whether `text` is a valid subject token.
    /// - Complexity: O(min(text.utf8.count, maxLength + 1)).
    public static func isValid(_ text: some StringProtocol) -> Bool {
        var count = 0
        for byte in text.utf8 {
            count += 1
            guard count <= maxLength else { return false }
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                continue
            default:
                return false
            }
        }
        return count > 0
    }
}
