public import BusinessTime

/// One partner's line of `meridian report partners`.
public struct PartnerReportRow: Codable, Hashable, Sendable {
    public var partner: PartnerID
    /// Cases opened in the period.
    public var cases: Int
    /// Of them, escalated beyond L1 (at any time the log shows).
    public var escalations: Int
    /// `escalations / cases` (0 without cases).
    public var rate: Double
    /// `partner_warning` events of the partner in the period.
    public var warnings: Int

    public init(partner: PartnerID, cases: Int, escalations: Int, rate: Double, warnings: Int) {
        self.partner = partner
        self.cases = cases
        self.escalations = escalations
        self.rate = rate
        self.warnings = warnings
    }
}

/// Per partner: cases, escalations beyond L1, their rate and the warnings, over `[from, to)`,
/// fed the event log in one pass.
///
/// Memory: one entry per case of the period (to attribute its escalation) and per partner.
public struct PartnerReport: Sendable {
    public let from: Instant
    public let to: Instant
    private var partnerOf: [TicketID: PartnerID] = [:]
    private var escalated: Set<TicketID> = []
    private var rows: [PartnerID: PartnerReportRow] = [:]

    public init(from: Instant, to: Instant) {
        self.from = from
        self.to = to
    }

    /// Applies one event of the log.
    /// - Complexity: O(1) amortised.
    public mutating func apply(_ event: TicketEvent) {
        switch event.kind {
        case .created:
            guard let text = event.partner, event.at >= from, event.at < to, partnerOf[event.ticket] == nil else { return }
            let partner = PartnerID(text)
            partnerOf[event.ticket] = partner
            rows[partner, default: Self.empty(partner)].cases += 1
        case .escalated:
            guard let tier = event.tier, tier > .l1, let partner = partnerOf[event.ticket],
                  escalated.insert(event.ticket).inserted else { return }
            rows[partner, default: Self.empty(partner)].escalations += 1
        case .partnerWarning:
            guard let text = event.partner, event.at >= from, event.at < to else { return }
            rows[PartnerID(text), default: Self.empty(PartnerID(text))].warnings += 1
        default:
            return
        }
    }

    /// The rows, sorted by partner id.
    public var result: [PartnerReportRow] {
        rows.values.sorted { $0.partner < $1.partner }.map { row in
            var row = row
            row.rate = row.cases > 0 ? Double(row.escalations) / Double(row.cases) : 0
            return row
        }
    }

    private static func empty(_ partner: PartnerID) -> PartnerReportRow {
        PartnerReportRow(partner: partner, cases: 0, escalations: 0, rate: 0, warnings: 0)
    }
}
