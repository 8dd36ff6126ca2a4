public import TicketRouting

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

    /// Every event of a region's log: `meridian.events.<region>.>`.
    public static func regionEvents(_ region: RegionID) -> String {
        "meridian.events.\(region.rawValue).>"
    }
}
