import BusinessTime
import Foundation
import TicketRouting

/// The test config: three regions and three plans, with exact, documented values.
enum Fixtures {
    static let yaml = """
        regions:
          emea:
            timezone: Europe/Paris
            hours: { mon-fri: "08:00-18:00" }
            holidays: [2026-12-25, 2027-01-01]
          amer:
            timezone: America/New_York
            hours: { mon-fri: "08:00-18:00" }
            holidays: [2026-11-26, 2026-12-25, 2027-01-01]
            tiers: [l1, l2]
          apac:
            timezone: Asia/Singapore
            hours: { mon-fri: "09:00-18:00" }
            holidays: [2026-12-25, 2027-01-01]
        routing: { margin: 30m }
        warnings: [0.5, 0.75]
        tiers: { l1: 8h, l2: 24h, l3: 72h }
        plans:
          enterprise:
            first_response: { critical: 1h, major: 2h, minor: 2h }
            resolution: { critical: 8h, major: 24h, minor: 40h }
            calendar: { critical: 24x7 }
            follow_the_sun: true
          premium:
            first_response: 12h
            resolution: 72h
          standard:
            first_response: 24h
            resolution: 120h
          odd:
            first_response: 12h
            resolution: 4h
            tiers: { l1: none }

        """

    static let config: MeridianConfig = {
        do {
            return try MeridianConfig.parse(yaml: yaml, file: "test.yaml")
        } catch {
            fatalError("fixture config: \(error)")
        }
    }()

    /// All regions with 2 live workers, no backlog.
    static let allLive: [RegionID: RegionLoad] = [
        "emea": RegionLoad(liveWorkers: 2), "amer": RegionLoad(liveWorkers: 2), "apac": RegionLoad(liveWorkers: 2),
    ]

    static func t(_ iso: String) -> Instant {
        guard let i = Instant(iso8601: iso) else { fatalError("bad instant \(iso)") }
        return i
    }

    static func ticket(
        _ id: String = "T-1", plan: String = "enterprise", severity: Severity = .major, region: String = "emea",
        createdAt: String
    ) -> Ticket {
        Ticket(
            id: TicketID(id)!, customer: "acme", plan: PlanID(plan), severity: severity, region: RegionID(region),
            createdAt: t(createdAt), subject: "Export fails", details: "The nightly export stops at 90%.",
            partner: "reseller-7", stepsTaken: "Restarted the exporter.", language: "en")
    }

    static func created(_ ticket: Ticket) -> TicketEvent { .created(ticket) }

    static func ev(
        _ kind: TicketEvent.Kind, _ at: String, ticket: String = "T-1", region: String = "emea", tier: Tier? = nil,
        automatic: Bool? = nil
    ) -> TicketEvent {
        .simple(kind, ticket: TicketID(ticket)!, at: t(at), region: RegionID(region), tier: tier, automatic: automatic)
    }

    static let validJSON = """
        {"id":"T-1001","customer":"acme","plan":"enterprise","severity":"major","region":"emea",\
        "created_at":"2026-11-27T17:50:00+01:00","subject":"Export fails","details":"Stops at 90%.",\
        "partner":"reseller-7","steps_taken":"Restarted it.","language":"fr"}
        """
}

extension ClockAction {
    var alert: SLAAlert? {
        switch self {
        case .emitWarning(let a), .emitBreach(let a): a
        default: nil
        }
    }
}

extension Array where Element == ClockAction {
    /// The scheduled timers, in order.
    var timers: [ClockTimer] {
        compactMap { if case .schedule(let t) = $0 { t } else { nil } }
    }
    var alerts: [SLAAlert] { compactMap(\.alert) }
}
