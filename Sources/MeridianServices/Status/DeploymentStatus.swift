public import BusinessTime
public import TicketRouting

/// `meridian status`: the whole deployment on one screen, assembled (purely) from the config's
/// calendars, the workers' heartbeats and the work queues.
///
/// Where each number comes from, and what it means:
/// - open / local time / next change: the region's calendar at `at`.
/// - workers: nodes whose `up` heartbeat arrived while listening (a `down` one removes a node).
/// - queue: `WorkQueueCensus` of the region's `work-<region>-<tier>` consumers.
/// - clocks: unresolved tickets the region works on: its own log's tickets handled at home
///   (its heartbeat's `clocks`) plus the tickets other regions' logs hand to it
///   (their heartbeats' `handled_elsewhere`). A region whose workers are all down cannot report
///   its log: it is listed in `unreported`, and its tickets are missing from every count.
/// - unanswered, at risk, breaches today: from the region's own log (its home tickets), as
///   its freshest heartbeat says; breaches today are counted on the region's local date.
public struct DeploymentStatus: Codable, Hashable, Sendable {
    public var at: Instant
    public var regions: [RegionStatus]
    /// Regions with no live worker: their logs' tickets are not in the clock counts.
    public var unreported: [RegionID]

    public init(at: Instant, regions: [RegionStatus], unreported: [RegionID]) {
        self.at = at
        self.regions = regions
        self.unreported = unreported
    }

    /// A region that does not close within this many seconds (a year) is open around the clock.
    static let horizon: Int64 = 366 * 86_400

    /// Builds the status from what was heard.
    /// - Parameter beats: heartbeats in arrival order (later ones win for the same node).
    /// - Complexity: O(regions × tiers + beats).
    public static func assemble(config: MeridianConfig, at now: Instant, beats: [Heartbeat],
                                queues: [WorkQueueCensus]) -> DeploymentStatus {
        var latestByNode: [NodeID: Heartbeat] = [:]
        var order: [NodeID] = []
        for beat in beats {
            if latestByNode[beat.node] == nil { order.append(beat.node) }
            latestByNode[beat.node] = beat
        }
        // The freshest report of each region's log: the last `up` beat heard from its nodes.
        var nodes: [RegionID: [NodeID]] = [:]
        var report: [RegionID: Heartbeat] = [:]
        for beat in beats where latestByNode[beat.node]?.state == .up && beat.state == .up {
            report[beat.region] = beat
        }
        for node in order {
            guard let beat = latestByNode[node], beat.state == .up else { continue }
            nodes[beat.region, default: []].append(node)
        }
        var handedIn: [RegionID: Int] = [:]
        for beat in report.values {
            for (region, count) in beat.handledElsewhere ?? [:] { handedIn[RegionID(region), default: 0] += count }
        }
        let regions = config.regions.map { region -> RegionStatus in
            let calendar = config.calendars[region]!
            let open = calendar.isOpen(at: now)
            let beat = report[region]
            let closing = calendar.nextClosing(after: now)
            return RegionStatus(
                region: region, timezone: calendar.timeZoneIdentifier, open: open,
                localTime: calendar.localTimeString(of: now),
                nextOpening: open ? nil : calendar.nextOpening(after: now),
                nextClosing: open && closing - now <= Self.horizon ? closing : nil,
                liveWorkers: nodes[region]?.count ?? 0, nodes: (nodes[region] ?? []).sorted(),
                queues: queues.filter { $0.region == region }.sorted { $0.tier < $1.tier },
                clocks: (beat?.clocks ?? 0) + (handedIn[region] ?? 0),
                unanswered: beat?.backlog, atRisk: beat?.atRisk, breachesToday: beat?.breachesToday)
        }
        return DeploymentStatus(at: now, regions: regions, unreported: config.regions.filter { report[$0] == nil })
    }
}

/// One region's line of `meridian status`.
public struct RegionStatus: Codable, Hashable, Sendable {
    public var region: RegionID
    public var timezone: String
    public var open: Bool
    /// `2026-12-04 09:30:00 +01:00`.
    public var localTime: String
    /// When it opens, while closed.
    public var nextOpening: Instant?
    /// When it closes, while open (nil when it does not close within a year: 24x7).
    public var nextClosing: Instant?
    public var liveWorkers: Int
    public var nodes: [NodeID]
    public var queues: [WorkQueueCensus]
    /// Unresolved tickets the region works on (see `DeploymentStatus`).
    public var clocks: Int
    /// Home tickets the region works on without a first response yet; nil without a report.
    public var unanswered: Int?
    /// Home tickets whose next deadline is within an hour; nil without a report.
    public var atRisk: Int?
    /// Breaches of home tickets on the region's local date; nil without a report.
    public var breachesToday: Int?

    enum CodingKeys: String, CodingKey {
        case region, timezone, open, nodes, queues, clocks, unanswered
        case localTime = "local_time"
        case nextOpening = "next_opening"
        case nextClosing = "next_closing"
        case liveWorkers = "live_workers"
        case atRisk = "at_risk"
        case breachesToday = "breaches_today"
    }
}

extension DeploymentStatus {
    /// The human screen: one line per region, then what could not be counted.
    public var text: String {
        var rows = [["REGION", "STATE", "LOCAL TIME", "NEXT", "WORKERS", "QUEUE", "OLDEST", "CLOCKS", "UNANSWERED",
                     "AT RISK", "BREACHES TODAY"]]
        func number(_ value: Int?) -> String { value.map(String.init) ?? "?" }
        for region in regions {
            let next = region.nextClosing.map { "closes \($0.iso8601)" }
                ?? region.nextOpening.map { "opens \($0.iso8601)" } ?? "open 24x7"
            let queue = region.queues.map { "\($0.tier.rawValue)=\($0.backlog)" }.joined(separator: " ")
            let oldest = region.queues.map(\.oldestAgeSeconds).max().map { DurationText.format($0) } ?? "-"
            rows.append([
                region.region.rawValue, region.open ? "open" : "closed", region.localTime, next,
                "\(region.liveWorkers)", queue.isEmpty ? "-" : queue, oldest, "\(region.clocks)",
                number(region.unanswered), number(region.atRisk), number(region.breachesToday),
            ])
        }
        var widths = [Int](repeating: 0, count: rows[0].count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        var lines = ["Meridian at \(at.iso8601)"]
        for row in rows {
            let cells = row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count)
            }
            lines.append(cells.joined(separator: "  "))
        }
        if !unreported.isEmpty {
            lines.append("no live worker in \(unreported.map(\.rawValue).joined(separator: ", ")): "
                + "their tickets are not counted (? = unknown)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
