public import BusinessTime

/// The SLA report of `meridian report sla`, built in one streaming pass over the event log:
/// per home region, plan and month of creation, tickets, first responses and resolutions
/// met or breached, the median and p90 time to first response in business seconds on the
/// ticket's contract calendar, and the escalation rate.
///
/// Feed it events in log order, one at a time: `for await event in log { report.add(event) }`.
/// It keeps the state of tickets still open (a few dozen bytes each, dropped at `resolved`)
/// and per group counters and a `DurationHistogram`: memory is bounded by open tickets plus
/// groups, not by events.
///
/// Counting rules (each ticket counts at most once per line):
/// - a ticket belongs to the group of its `created` event (`home_region`, `plan`, the UTC
///   month of `created_at`), and to the report only if created in `[from, to)` and matching
///   the region and plan filters;
/// - first response *breached* at its first `breached` alert on `first_response`; *met* at
///   the first `responded` with `automatic: false` if no such alert came before; the time to
///   first response, breached or not, is `calendar.between(created_at, responded.at)` on the
///   plan's calendar for the severity (paused time included: it is what the customer waited,
///   in business time);
/// - resolution *breached* at its first `breached` alert on `resolution`; *met* at `resolved`
///   if none came before;
/// - escalated: at least one `escalated` event.
/// Events of tickets the report has not seen created (or already resolved) are counted in
/// `ignoredEvents`; a `created` repeated for an open ticket is ignored the same way. (The
/// report forgets resolved tickets, to stay bounded by open ones; a `created` repeated
/// after the resolution would count again, which the log's dedup ids rule out.)
public struct SLAReport: Sendable {
    /// One line of the report: a home region, a plan and a month (`2026-12`, UTC).
    public struct Group: Hashable, Sendable, Comparable {
        public var region: RegionID
        public var plan: PlanID
        public var month: String

        public init(region: RegionID, plan: PlanID, month: String) {
            self.region = region
            self.plan = plan
            self.month = month
        }

        public static func < (a: Group, b: Group) -> Bool {
            (a.region.rawValue, a.plan.rawValue, a.month) < (b.region.rawValue, b.plan.rawValue, b.month)
        }
    }

    /// The figures of one group.
    public struct Line: Sendable, Equatable {
        public var group: Group
        public var tickets = 0
        public var firstResponseMet = 0
        public var firstResponseBreached = 0
        public var resolutionMet = 0
        public var resolutionBreached = 0
        public var escalated = 0
        /// Times to first response (business seconds).
        public var firstResponseTimes = DurationHistogram()

        /// Escalated tickets over tickets; 0 for no tickets.
        public var escalationRate: Double { tickets == 0 ? 0 : Double(escalated) / Double(tickets) }
        public var medianFirstResponse: Int64? { firstResponseTimes.percentile(0.5) }
        public var p90FirstResponse: Int64? { firstResponseTimes.percentile(0.9) }
    }

    /// Met and breached outcomes (first responses and resolutions) of a region's tickets
    /// created in one week (starting Monday 00:00 UTC), for the chart.
    public struct Week: Hashable, Sendable, Comparable {
        public var region: RegionID
        /// Local day number (days since 1970-01-01) of the week's Monday, UTC.
        public var monday: Int64

        public init(region: RegionID, monday: Int64) {
            self.region = region
            self.monday = monday
        }

        public static func < (a: Week, b: Week) -> Bool { (a.region.rawValue, a.monday) < (b.region.rawValue, b.monday) }
    }

    /// An open ticket: where its outcomes go and what has been counted.
    struct OpenTicket: Sendable {
        var line: Int
        var week: Week
        var createdAt: Instant
        var calendar: BusinessCalendar?
        /// First response met or breached has been counted.
        var firstResponseCounted = false
        /// The first human response has been timed.
        var responded = false
        var resolutionBreached = false
        var escalated = false
    }

    public let config: MeridianConfig
    public let from: Instant?
    public let to: Instant?
    public let region: RegionID?
    public let plan: PlanID?

    private var openByID: [TicketID: OpenTicket] = [:]
    private var lineIndex: [Group: Int] = [:]
    private var lineStore: [Line] = []
    private var weekStore: [Week: (met: Int, breached: Int)] = [:]
    /// Events that changed nothing: unknown, already resolved or filtered-out tickets.
    public private(set) var ignoredEvents = 0
    /// Events read.
    public private(set) var events = 0

    /// A report of tickets created in `[from, to)` (either open-ended when nil), of one home
    /// region and one plan when given.
    public init(config: MeridianConfig, from: Instant? = nil, to: Instant? = nil, region: RegionID? = nil, plan: PlanID? = nil) {
        self.config = config
        self.from = from
        self.to = to
        self.region = region
        self.plan = plan
    }

    /// Tickets created and not yet resolved (the state the report holds).
    public var openTickets: Int { openByID.count }

    /// Adds one event of the log.
    /// - Complexity: O(1) expected; a first response costs one `between` (O(1)).
    public mutating func add(_ event: TicketEvent) {
        events += 1
        if event.kind == .created {
            create(event)
            return
        }
        guard var ticket = openByID[event.ticket] else {
            ignoredEvents += 1
            return
        }
        switch event.kind {
        case .responded where event.automatic == false && !ticket.responded:
            ticket.responded = true
            if let calendar = ticket.calendar {
                lineStore[ticket.line].firstResponseTimes.add(calendar.between(ticket.createdAt, event.at))
            }
            if !ticket.firstResponseCounted {
                ticket.firstResponseCounted = true
                lineStore[ticket.line].firstResponseMet += 1
                count(ticket.week, met: true)
            }
        case .breached where event.clock == .firstResponse && !ticket.firstResponseCounted:
            ticket.firstResponseCounted = true
            lineStore[ticket.line].firstResponseBreached += 1
            count(ticket.week, met: false)
        case .breached where event.clock == .resolution && !ticket.resolutionBreached:
            ticket.resolutionBreached = true
            lineStore[ticket.line].resolutionBreached += 1
            count(ticket.week, met: false)
        case .escalated where !ticket.escalated:
            ticket.escalated = true
            lineStore[ticket.line].escalated += 1
        case .resolved:
            if !ticket.resolutionBreached {
                lineStore[ticket.line].resolutionMet += 1
                count(ticket.week, met: true)
            }
            openByID[event.ticket] = nil
            return
        default:
            break
        }
        openByID[event.ticket] = ticket
    }

    private mutating func create(_ event: TicketEvent) {
        let home = event.homeRegion ?? event.region
        let createdAt = event.createdAt ?? event.at
        guard openByID[event.ticket] == nil, let plan = event.plan,
              region.map({ $0 == home }) ?? true, self.plan.map({ $0 == plan }) ?? true,
              from.map({ createdAt >= $0 }) ?? true, to.map({ createdAt < $0 }) ?? true
        else {
            ignoredEvents += 1
            return
        }
        let day = SLAReport.floorDivide(createdAt.unixSeconds, 86_400)
        let date = LocalDate(daysSinceEpoch: day)
        let group = Group(region: home, plan: plan, month: String(date.description.prefix(7)))
        let line: Int
        if let index = lineIndex[group] {
            line = index
        } else {
            line = lineStore.count
            lineIndex[group] = line
            lineStore.append(Line(group: group))
        }
        lineStore[line].tickets += 1
        let monday = day - ((day + 3) - 7 * SLAReport.floorDivide(day + 3, 7))  // 1970-01-01 was a Thursday
        openByID[event.ticket] = OpenTicket(
            line: line, week: Week(region: home, monday: monday), createdAt: createdAt,
            calendar: config.clockCalendar(plan: plan, severity: event.severity ?? .major, home: home))
    }

    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let (q, r) = a.quotientAndRemainder(dividingBy: b)
        return r < 0 ? q - 1 : q
    }

    private mutating func count(_ week: Week, met: Bool) {
        var counts = weekStore[week] ?? (0, 0)
        if met { counts.met += 1 } else { counts.breached += 1 }
        weekStore[week] = counts
    }

    /// The lines, by region, plan and month.
    public var lines: [Line] { lineStore.sorted { $0.group < $1.group } }

    /// Met and breached outcomes per region and week, by region and week.
    public var weeks: [(week: Week, met: Int, breached: Int)] {
        weekStore.map { ($0.key, $0.value.met, $0.value.breached) }.sorted { $0.week < $1.week }
    }
}
