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

/// Durations in config: `2h`, `30m`, `90s`, `1h30m`, or a bare number of seconds.
public enum DurationText {
    /// Parses a duration; nil if malformed, zero or negative. `d` is rejected on purpose:
    /// a "day" of business time is ambiguous.
    public static func seconds(_ text: some StringProtocol) -> Int64? {
        let s = Substring(text).trimmingWhitespace
        guard !s.isEmpty else { return nil }
        if s.allSatisfy({ $0.isASCII && $0.isNumber }) {
            guard let v = Int64(s), v > 0 else { return nil }
            return v
        }
        var total: Int64 = 0
        var number: Int64? = nil
        var lastUnit = 4
        for c in s {
            if let d = c.wholeNumberValue, c.isASCII {
                let (m, o1) = (number ?? 0).multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int64(d))
                guard !o1, !o2 else { return nil }
                number = a
                continue
            }
            let unit: (rank: Int, seconds: Int64)
            switch c {
            case "h": unit = (3, 3600)
            case "m": unit = (2, 60)
            case "s": unit = (1, 1)
            default: return nil
            }
            guard let n = number, unit.rank < lastUnit else { return nil }
            lastUnit = unit.rank
            let (p, o) = n.multipliedReportingOverflow(by: unit.seconds)
            let (sum, o3) = total.addingReportingOverflow(p)
            guard !o, !o3 else { return nil }
            total = sum
            number = nil
        }
        guard number == nil, total > 0 else { return nil }
        return total
    }

    /// `2h`, `1h30m`, `45s` (the shortest exact form).
    public static func format(_ seconds: Int64) -> String {
        guard seconds > 0 else { return "0s" }
        var out = ""
        let h = seconds / 3600, m = seconds / 60 % 60, s = seconds % 60
        if h > 0 { out += "\(h)h" }
        if m > 0 { out += "\(m)m" }
        if s > 0 { out += "\(s)s" }
        return out
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
