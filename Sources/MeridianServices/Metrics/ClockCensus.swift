public import BusinessTime
public import TicketRouting

/// Counts of a region's unresolved clocks at one instant: what metrics, heartbeats and
/// `meridian status` report. Pure: statuses and `now` in, numbers out.
public struct ClockCensus: Codable, Hashable, Sendable {
    /// Unresolved tickets whose clocks run (phase `open`).
    public var open = 0
    /// Unresolved tickets waiting on the customer (every clock paused).
    public var waiting = 0
    /// Open tickets with a running clock (not yet breached) due within `ClockCensus.riskWindow`.
    public var atRisk = 0
    /// Unresolved tickets without a first response yet: the work still to be answered.
    public var unanswered = 0

    /// "At risk" means due within this many seconds (one hour).
    public static let riskWindow: Int64 = 3600

    public init(open: Int = 0, waiting: Int = 0, atRisk: Int = 0, unanswered: Int = 0) {
        self.open = open
        self.waiting = waiting
        self.atRisk = atRisk
        self.unanswered = unanswered
    }

    /// Unresolved tickets (open or waiting).
    public var unresolved: Int { open + waiting }

    /// Counts `statuses` at `now`, one census per region that works on them (`handling`).
    /// - Complexity: O(statuses).
    public static func byHandlingRegion(_ statuses: [TicketClockStatus], at now: Instant) -> [RegionID: ClockCensus] {
        var result: [RegionID: ClockCensus] = [:]
        for status in statuses where status.phase != .resolved {
            result[status.handling, default: ClockCensus()].add(status, at: now)
        }
        return result
    }

    /// Counts `statuses` at `now` in one census.
    /// - Complexity: O(statuses).
    public static func of(_ statuses: [TicketClockStatus], at now: Instant) -> ClockCensus {
        var census = ClockCensus()
        for status in statuses where status.phase != .resolved { census.add(status, at: now) }
        return census
    }

    private mutating func add(_ status: TicketClockStatus, at now: Instant) {
        switch status.phase {
        case .open:
            open += 1
            if [status.firstResponse, status.resolution].contains(where: { Self.isAtRisk($0, at: now) }) { atRisk += 1 }
        case .waiting:
            waiting += 1
        case .resolved:
            return
        }
        if status.firstResponse.stoppedAt == nil { unanswered += 1 }
    }

    /// A running clock due within the risk window of `now`.
    static func isAtRisk(_ clock: ClockStatus, at now: Instant) -> Bool {
        guard clock.state == .running, let due = clock.due else { return false }
        return due - now <= riskWindow
    }

    enum CodingKeys: String, CodingKey {
        case open, waiting, unanswered
        case atRisk = "at_risk"
    }
}
