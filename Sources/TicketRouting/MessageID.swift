public import BusinessTime

/// Every `Nats-Msg-Id` Meridian publishes with, in one place: JetStream drops a second message
/// with the same id, so each format decides what counts as "the same" event or work.
public enum MessageID {
    /// The router's `created` event of a ticket: `<ticket>:created` (once per ticket id).
    public static func created(_ ticket: TicketID) -> String { "\(ticket.rawValue):created" }

    /// The router's `routed` event of a ticket: `<ticket>:routed`.
    public static func routed(_ ticket: TicketID) -> String { "\(ticket.rawValue):routed" }

    /// A follow-the-sun handoff at a closing: `<ticket>:handed_off:<closing unix seconds>`.
    public static func handedOff(_ ticket: TicketID, closing: Instant) -> String {
        "\(ticket.rawValue):handed_off:\(closing.unixSeconds)"
    }

    /// The `handed_off` event of work that moved to another region (an escalation to a tier its
    /// region lacks): `<work id>:handed_off`.
    public static func handedOff(_ work: WorkID) -> String { work.rawValue + ":handed_off" }

    /// A piece of routed work: its `WorkID`.
    public static func work(_ id: WorkID) -> String { id.rawValue }

    /// The `assigned` event a worker records for a piece of work: `<work id>:assigned`.
    public static func assigned(_ id: WorkID) -> String { id.rawValue + ":assigned" }

    /// The deterministic dedup id of an event (`Nats-Msg-Id`).
    ///
    /// Alerts: `<ticket>:<clock>:<cycle>:<kind>` where kind is `breached` or `warning<permille>`
    /// (e.g. `T-1:first_response:0:warning500`), so every node of a region firing the same
    /// alert publishes the same id. Other events: `<ticket>:<kind>:<at unix seconds>` (plus
    /// `:<tier>` for routed/escalated/assigned and `:auto` for automatic responses; a target
    /// change is `<ticket>:target_changed:<at>:<clock>`, logged time `<ticket>:time_logged:<at>:<seconds>`).
    public static func event(_ event: TicketEvent) -> String {
        if event.kind.isAlert {
            let clockName = (event.clock ?? .resolution).rawValue
            let c = event.cycle ?? 0
            if event.kind == .warning {
                return "\(event.ticket.rawValue):\(clockName):\(c):warning\(event.warningPermille ?? 0)"
            }
            return "\(event.ticket.rawValue):\(clockName):\(c):breached"
        }
        var id = "\(event.ticket.rawValue):\(event.kind.rawValue):\(event.at.unixSeconds)"
        if let tier = event.tier, event.kind == .routed || event.kind == .escalated || event.kind == .assigned { id += ":\(tier.rawValue)" }
        if event.kind == .responded, event.automatic == true { id += ":auto" }
        if event.kind == .handedOff, let toRegion = event.toRegion { id += ":\(toRegion.rawValue)" }
        if event.kind == .targetChanged, let clock = event.clock { id += ":\(clock.rawValue)" }
        if event.kind == .timeLogged, let seconds = event.seconds { id += ":\(seconds)" }
        return id
    }
}
