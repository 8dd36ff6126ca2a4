public import BusinessTime

/// How support time on a case counts against a partner's hours.
public enum WorkClass: String, Codable, Hashable, Sendable, CaseIterable {
    /// A how-to question: deducted.
    case question
    /// An incident (a product fault): not deducted.
    case incident
}

/// One line of time logged on a case (`meridian ticket log-time`).
public struct HoursLine: Codable, Hashable, Sendable {
    public var at: Instant
    public var seconds: Int64
    public var workClass: WorkClass?
    public var note: String?
    public var by: String?

    public init(at: Instant, seconds: Int64, workClass: WorkClass?, note: String?, by: String?) {
        self.at = at
        self.seconds = seconds
        self.workClass = workClass
        self.note = note
        self.by = by
    }

    enum CodingKeys: String, CodingKey {
        case at, seconds, note, by
        case workClass = "class"
    }
}

/// One case of a partner in a statement: its lines and what it deducts.
public struct CaseHours: Codable, Hashable, Sendable {
    public var ticket: TicketID
    public var openedAt: Instant
    /// The class of the case: that of its latest line giving one (default `question`).
    public var workClass: WorkClass
    /// All time logged on it.
    public var used: Int64
    /// What it deducts: 0 for an incident; otherwise the time logged, at least the minimum.
    public var deducted: Int64
    public var lines: [HoursLine]

    enum CodingKeys: String, CodingKey {
        case ticket, used, deducted, lines
        case openedAt = "opened_at"
        case workClass = "class"
    }
}

/// A partner's support hours over a period (`meridian report hours`).
public struct HoursStatement: Codable, Hashable, Sendable {
    public var partner: PartnerID
    public var from: Instant
    public var to: Instant
    /// The hours bought per year, in seconds (nil: the config has none for this partner).
    public var allowance: Int64?
    public var used: Int64
    public var deducted: Int64
    /// `allowance − deducted` (negative when overdrawn); nil without an allowance.
    public var remaining: Int64?
    public var cases: [CaseHours]
}

/// Support-hours accounting (issue 15, item 3), fed the event log in one pass.
///
/// Policy: each case opened (a `created` event of the partner with `at` in `[from, to)`) deducts
/// at least `minimumPerCase` (15 minutes), also with no time logged; a case classed `incident`
/// (a product fault) deducts nothing; a `question` (how-to) deducts the time logged, at least the
/// minimum. Time is logged with `time_logged` events (`seconds`, `work_class`); a case's class is
/// that of its latest line that gives one, so reclassifying a case changes its whole deduction.
/// Lines of cases opened outside the period, or of other partners, are ignored.
///
/// Memory: the partner's cases in the period and their lines.
public struct SupportHoursLedger: Sendable {
    public let partner: PartnerID
    public let from: Instant
    public let to: Instant
    public let minimumPerCase: Int64

    private var cases: [TicketID: CaseHours] = [:]

    /// 15 minutes.
    public static let defaultMinimum: Int64 = 15 * 60

    public init(partner: PartnerID, from: Instant, to: Instant, minimumPerCase: Int64 = defaultMinimum) {
        self.partner = partner
        self.from = from
        self.to = to
        self.minimumPerCase = minimumPerCase
    }

    /// Applies one event of the log.
    /// - Complexity: O(1) amortised.
    public mutating func apply(_ event: TicketEvent) {
        switch event.kind {
        case .created:
            guard event.partner == partner.rawValue, event.at >= from, event.at < to, cases[event.ticket] == nil else { return }
            cases[event.ticket] = CaseHours(ticket: event.ticket, openedAt: event.at, workClass: .question, used: 0,
                                            deducted: 0, lines: [])
        case .timeLogged:
            guard var c = cases[event.ticket], let seconds = event.seconds, seconds > 0 else { return }
            c.lines.append(HoursLine(at: event.at, seconds: seconds, workClass: event.workClass, note: event.note,
                                     by: event.owner))
            c.used = c.used.addingClamped(seconds)
            if let workClass = event.workClass { c.workClass = workClass }
            cases[event.ticket] = c
        default:
            return
        }
    }

    /// The statement with `allowance` (the partner's yearly hours, in seconds).
    /// - Complexity: O(c log c) for c cases (sorted by opening, then id).
    public func statement(allowance: Int64?) -> HoursStatement {
        var used: Int64 = 0, deducted: Int64 = 0
        let list = cases.values.sorted { ($0.openedAt, $0.ticket) < ($1.openedAt, $1.ticket) }.map { c -> CaseHours in
            var c = c
            c.deducted = c.workClass == .incident ? 0 : max(c.used, minimumPerCase)
            used = used.addingClamped(c.used)
            deducted = deducted.addingClamped(c.deducted)
            return c
        }
        return HoursStatement(partner: partner, from: from, to: to, allowance: allowance, used: used, deducted: deducted,
                              remaining: allowance.map { $0 - deducted }, cases: list)
    }
}

/// Limits of `meridian ticket log-time`.
public enum LoggedTime {
    /// The most time one line may log: 24 hours.
    public static let maxSeconds: Int64 = 24 * 3600

    /// Parses a logged duration (`25m`, `1h30m`, `90s`). - Returns: nil unless 1 s … 24 h.
    public static func seconds(_ text: some StringProtocol) -> Int64? {
        guard let s = DurationText.seconds(text), s <= maxSeconds else { return nil }
        return s
    }

    /// The `time_logged` event for `ticket` in its home region's log.
    public static func event(ticket: TicketID, home: RegionID, at: Instant, seconds: Int64, workClass: WorkClass?,
                             note: String?, by: String?) -> TicketEvent {
        var event = TicketEvent(ticket: ticket, kind: .timeLogged, at: at, region: home)
        event.seconds = seconds
        event.workClass = workClass
        event.note = note
        event.owner = by
        return event
    }
}

extension Int64 {
    /// `self + other`, saturating at the bounds instead of trapping.
    func addingClamped(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }
}
