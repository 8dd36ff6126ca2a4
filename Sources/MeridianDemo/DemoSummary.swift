public import BusinessTime
import MeridianServices
import Foundation
import Synchronization
public import TicketRouting

/// What a demo run did, counted from the intake replies and the event log.
public struct DemoSummary: Sendable, Hashable {
    /// One region × plan line of the table.
    public struct Row: Sendable, Hashable {
        public var region: RegionID
        public var plan: PlanID
        /// Tickets the router sent to the region at intake.
        public var routed = 0
        /// Of those, sent there by follow-the-sun (another home region).
        public var followTheSun = 0
        /// First responses given in time while the region handled the ticket.
        public var met = 0
        /// First-response breaches while the region handled the ticket.
        public var breached = 0
        /// Tickets the region held at the end without a first response (not yet due, or unanswered).
        public var open = 0
    }

    public var submissions = 0
    public var routed = 0
    public var rejected = 0
    public var duplicates = 0
    /// Submissions that got no answer (timeout, NATS error).
    public var failed = 0
    public var rows: [Row] = []
    /// Handoffs by route, e.g. `emea→amer`.
    public var handoffs: [String: Int] = [:]
    public var manualEscalations = 0
    public var automaticEscalations = 0
    public var warnings = 0
    public var firstResponseBreaches = 0
    public var resolutionBreaches = 0
    public var resolved = 0
    /// Where the simulated clock was when the run ended, and whether it stopped before the end.
    public var reached: Instant = Instant(unixSeconds: 0)
    public var stoppedEarly = false
    public var realSeconds: Double = 0

    /// Tickets routed to each region at intake.
    public var routedByRegion: [RegionID: Int] {
        rows.reduce(into: [:]) { $0[$1.region, default: 0] += $1.routed }
    }

    /// Tickets sent to each region by follow-the-sun at intake.
    public var followTheSunByRegion: [RegionID: Int] {
        rows.reduce(into: [:]) { $0[$1.region, default: 0] += $1.followTheSun }
    }

    public var totalHandoffs: Int { handoffs.values.reduce(0, +) }

    /// The table the demo ends with.
    public var table: [String] {
        var lines: [String] = []
        let status = stoppedEarly ? "stopped early at \(DemoSimulation.format(reached))" : "ran to \(DemoSimulation.format(reached))"
        lines.append("Summary (\(status), \(String(format: "%.1f", realSeconds)) s real)")
        lines.append("  submissions \(submissions): routed \(routed), rejected \(rejected), "
                     + "duplicates \(duplicates) (routed once)" + (failed > 0 ? ", unanswered \(failed)" : ""))
        lines.append("")
        func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
            let space = String(repeating: " ", count: max(0, width - text.count))
            return left ? text + space : space + text
        }
        let header = [pad("region", 8, left: true), pad("plan", 12, left: true), pad("routed", 7),
                      pad("via FTS", 8), pad("1st resp met", 13), pad("breached", 9), pad("open", 6)]
        lines.append("  " + header.joined())
        lines.append("  " + String(repeating: "-", count: 63))
        func line(_ region: String, _ plan: String, _ r: Row) -> String {
            "  " + [pad(region, 8, left: true), pad(plan, 12, left: true), pad("\(r.routed)", 7),
                    pad("\(r.followTheSun)", 8), pad("\(r.met)", 13), pad("\(r.breached)", 9), pad("\(r.open)", 6)].joined()
        }
        var total = Row(region: "", plan: "")
        for region in Set(rows.map(\.region)).sorted() {
            var sum = Row(region: region, plan: "")
            for row in rows where row.region == region {
                lines.append(line(region.rawValue, row.plan.rawValue, row))
                sum.add(row)
            }
            lines.append(line("", "all", sum))
            total.add(sum)
        }
        lines.append("  " + String(repeating: "-", count: 63))
        lines.append(line("total", "", total))
        lines.append("  (met / breached / open: the region handling the ticket at that moment)")
        lines.append("")
        let routes = handoffs.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        lines.append("  handoffs at closing: \(totalHandoffs)" + (routes.isEmpty ? "" : " (\(routes))"))
        lines.append("  escalations: \(manualEscalations + automaticEscalations) "
                     + "(manual \(manualEscalations), automatic \(automaticEscalations))")
        let breaches = firstResponseBreaches + resolutionBreaches
        lines.append("  alerts: \(warnings) warning\(warnings == 1 ? "" : "s"), \(breaches) breach\(breaches == 1 ? "" : "es") "
                     + "(first response \(firstResponseBreaches), resolution \(resolutionBreaches))")
        lines.append("  resolved: \(resolved)")
        return lines
    }
}

extension DemoSummary.Row {
    mutating func add(_ other: DemoSummary.Row) {
        routed += other.routed
        followTheSun += other.followTheSun
        met += other.met
        breached += other.breached
        open += other.open
    }
}

/// The demo's bookkeeping: intake replies and the event log, turned into feed lines and the summary.
final class DemoTracker: Sendable {
    struct TicketState: Sendable {
        var plan: PlanID
        var severity: Severity?
        var home: RegionID
        var handling: RegionID
        var firstResponseDue: Instant?
        var responded = false
        var breached = false
        var resolved = false
    }

    struct State: Sendable {
        var tickets: [TicketID: TicketState] = [:]
        var summary = DemoSummary()
        var rows: [String: DemoSummary.Row] = [:]
    }

    let config: MeridianConfig
    private let state = Mutex(State())

    init(config: MeridianConfig) {
        self.config = config
    }

    private static func key(_ region: RegionID, _ plan: PlanID) -> String { "\(region.rawValue)/\(plan.rawValue)" }

    private static func tag(_ text: String) -> String {
        text + String(repeating: " ", count: max(1, 10 - text.count))
    }

    private static func time(_ instant: Instant) -> String { DemoSimulation.format(instant) }

    // MARK: Intake

    /// Records the router's reply to a submission. - Returns: the feed line.
    func submitted(_ submission: DemoSubmission, reply: String) -> String {
        let t = Self.time(submission.at)
        let bytes = Array(reply.utf8)
        return state.withLock { state -> String in
            state.summary.submissions += 1
            if reply.hasPrefix(#"{"duplicate":true"#) {
                state.summary.duplicates += 1
                let region = (try? JSONCoding.decode([String: AnyScalar].self, from: bytes))?["region"]?.text ?? "?"
                return "\(t)  \(Self.tag("duplicate"))\(submission.id) resubmitted: already routed to \(region), not routed again"
            }
            if let report = try? JSONCoding.decode(ValidationErrorReport.self, from: bytes) {
                state.summary.rejected += 1
                return "\(t)  \(Self.tag("rejected"))\"\(submission.id)\" \(report.error.code.rawValue) (\(report.error.field)): \(report.error.message)"
            }
            guard let decision = try? JSONCoding.decode(RoutingDecision.self, from: bytes) else {
                state.summary.failed += 1
                return "\(t)  \(Self.tag("error"))\(submission.id): \(reply)"
            }
            state.summary.routed += 1
            let plan = PlanID(submission.plan)
            let home = RegionID(submission.home)
            var ticket = state.tickets[decision.ticket] ?? TicketState(
                plan: plan, severity: Severity(rawValue: submission.severity), home: home, handling: decision.region)
            ticket.firstResponseDue = decision.firstResponseDue
            state.tickets[decision.ticket] = ticket
            var row = state.rows[Self.key(decision.region, plan)] ?? DemoSummary.Row(region: decision.region, plan: plan)
            row.routed += 1
            if decision.reason == .followTheSun || decision.reason == .followTheSunNextOpening { row.followTheSun += 1 }
            state.rows[Self.key(decision.region, plan)] = row
            let queued = decision.queuedUntil.map { " (queued until \(Self.time($0)))" } ?? ""
            return "\(t)  \(Self.tag("route"))\(home)→\(decision.region)  \(decision.ticket) "
                + "\(plan)/\(submission.severity) \(decision.tier.rawValue)  \(decision.reason.rawValue)\(queued)"
        }
    }

    /// A submission that got no reply.
    func failed(_ submission: DemoSubmission) {
        state.withLock {
            $0.summary.submissions += 1
            $0.summary.failed += 1
        }
    }

    // MARK: The event log

    /// Records one event of the log. - Returns: the feed line, if the event is worth one.
    func observe(_ event: TicketEvent) -> String? {
        state.withLock { state -> String? in
            let t = Self.time(event.at)
            if state.tickets[event.ticket] == nil {
                guard let plan = event.plan else { return nil }
                state.tickets[event.ticket] = TicketState(
                    plan: plan, severity: event.severity, home: event.homeRegion ?? event.region,
                    handling: event.toRegion ?? event.region)
            }
            var ticket = state.tickets[event.ticket]!
            defer { state.tickets[event.ticket] = ticket }
            let what = "\(event.ticket) \(ticket.plan)/\(ticket.severity?.rawValue ?? "?")"
            switch event.kind {
            case .routed:
                if let to = event.toRegion { ticket.handling = to }
                return nil
            case .handedOff:
                let from = ticket.handling
                let to = event.toRegion ?? from
                ticket.handling = to
                state.summary.handoffs["\(from)→\(to)", default: 0] += 1
                return "\(t)  \(Self.tag("handoff"))\(from)→\(to)  \(what) unanswered at \(from)'s closing"
            case .responded where event.automatic != true:
                if !ticket.responded, !ticket.breached {
                    state.rows[Self.key(ticket.handling, ticket.plan), default: .init(region: ticket.handling, plan: ticket.plan)].met += 1
                }
                ticket.responded = true
                return nil
            case .escalated:
                let automatic = event.automatic == true
                if automatic { state.summary.automaticEscalations += 1 } else { state.summary.manualEscalations += 1 }
                return "\(t)  \(Self.tag("escalate"))\(ticket.handling)  \(what) → \(event.tier?.rawValue ?? "?")"
                    + (automatic ? " (automatic: time at tier exceeded)" : " (by the agent)")
            case .resolved:
                if !ticket.resolved { state.summary.resolved += 1 }
                ticket.resolved = true
                return nil
            case .warning:
                state.summary.warnings += 1
                guard event.clock == .firstResponse else { return nil }
                let percent = Int(((event.threshold ?? 0) * 100).rounded())
                return "\(t)  \(Self.tag("warning"))\(ticket.handling)  \(what) first response: \(percent)% of the target used"
            case .breached:
                if event.clock == .firstResponse {
                    state.summary.firstResponseBreaches += 1
                    if !ticket.breached, !ticket.responded {
                        state.rows[Self.key(ticket.handling, ticket.plan), default: .init(region: ticket.handling, plan: ticket.plan)].breached += 1
                    }
                    ticket.breached = true
                } else {
                    state.summary.resolutionBreaches += 1
                }
                let clock = event.clock == .firstResponse ? "first response" : "resolution"
                let due = event.due.map { " due \(Self.time($0))" } ?? ""
                return "\(t)  \(Self.tag("BREACH"))\(ticket.handling)  \(what) \(clock)\(due)"
            default:
                return nil
            }
        }
    }

    // MARK: Queries for the agents

    func hasResponse(_ ticket: TicketID) -> Bool {
        state.withLock { $0.tickets[ticket]?.responded ?? false }
    }

    func isResolved(_ ticket: TicketID) -> Bool {
        state.withLock { $0.tickets[ticket]?.resolved ?? false }
    }

    func firstResponseDue(_ ticket: TicketID) -> Instant? {
        state.withLock { $0.tickets[ticket]?.firstResponseDue }
    }

    // MARK: Summary

    func summary(options: DemoOptions, reachedTime: Instant, stoppedEarly: Bool, realSeconds: Duration) -> DemoSummary {
        state.withLock { state in
            var summary = state.summary
            var rows = state.rows
            for (_, ticket) in state.tickets where !ticket.responded && !ticket.breached && !ticket.resolved {
                rows[Self.key(ticket.handling, ticket.plan), default: .init(region: ticket.handling, plan: ticket.plan)].open += 1
            }
            summary.rows = rows.values.sorted { ($0.region, $0.plan) < ($1.region, $1.plan) }
            summary.reached = min(reachedTime, options.end)
            summary.stoppedEarly = stoppedEarly
            let parts = realSeconds.components
            summary.realSeconds = Double(parts.seconds) + Double(parts.attoseconds) / 1e18
            return summary
        }
    }
}

/// A JSON scalar, to read one field of a reply without a dedicated type.
enum AnyScalar: Decodable, Sendable {
    case text(String)
    case other

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let s = try? container.decode(String.self) { self = .text(s) } else { self = .other }
    }

    var text: String? {
        if case .text(let s) = self { return s }
        return nil
    }
}
