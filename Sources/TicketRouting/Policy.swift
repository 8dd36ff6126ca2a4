/// Which calendar an SLA clock counts on.
public enum CalendarChoice: Hashable, Sendable, CustomStringConvertible {
    /// The customer's home region calendar (the default).
    case home
    /// Around the clock (`24x7`), e.g. critical incidents of some plans.
    case twentyFourSeven
    /// A named region's calendar.
    case region(RegionID)

    public var description: String {
        switch self {
        case .home: "home"
        case .twentyFourSeven: "24x7"
        case .region(let id): id.rawValue
        }
    }
}

/// The SLA policy of one plan.
public struct PlanPolicy: Hashable, Sendable {
    public var id: PlanID
    /// Business seconds from submission to the first non-automatic response, per severity.
    public var firstResponse: SeverityTable<Int64>
    /// Business seconds from submission (or reopening) to resolution, per severity.
    public var resolution: SeverityTable<Int64>
    /// The calendar each severity's clocks count on.
    public var calendar: SeverityTable<CalendarChoice>
    /// Whether work may move to another open region (follow-the-sun).
    public var followTheSun: Bool
    /// Warning thresholds in per mille of the target, ascending, 1...999 (e.g. [500, 750]); at most 7.
    public var warningPermille: [Int]
    /// Per tier, business seconds at that tier after which the work escalates automatically
    /// (L1, L2); for L3 the engineering resolution target. Nil: no automatic escalation.
    public var tierTargets: TierTable<Int64?>

    public init(
        id: PlanID, firstResponse: SeverityTable<Int64>, resolution: SeverityTable<Int64>,
        calendar: SeverityTable<CalendarChoice> = SeverityTable(all: .home), followTheSun: Bool = false,
        warningPermille: [Int] = [500, 750], tierTargets: TierTable<Int64?> = TierTable(l1: nil, l2: nil, l3: nil)
    ) {
        self.id = id
        self.firstResponse = firstResponse
        self.resolution = resolution
        self.calendar = calendar
        self.followTheSun = followTheSun
        self.warningPermille = warningPermille
        self.tierTargets = tierTargets
    }

    /// The target of `clock` for `severity`, in business seconds.
    public func target(_ clock: ClockKind, severity: Severity) -> Int64 {
        switch clock {
        case .firstResponse: firstResponse[severity]
        case .resolution: resolution[severity]
        }
    }
}

/// Routing knobs.
public struct RoutingPolicy: Hashable, Sendable {
    /// A region must stay open at least this long (seconds) to receive new work. Default 30 minutes.
    public var margin: Int64

    public init(margin: Int64 = 1800) {
        self.margin = margin
    }
}

extension Substring {
    var trimmingWhitespace: Substring {
        var s = self
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return s
    }
}
