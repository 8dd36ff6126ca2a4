public import BusinessTime

/// Per partner, the share of its cases escalated beyond L1 over a rolling window, and when it
/// crosses the threshold: the `partner_warning` to publish (issue 15, item 2).
///
/// Fed the event log in order (`apply`): `created` (or `routed`) with a `partner` opens a case
/// at the event's `at`; `escalated` to L2 or L3 marks the case escalated; `partner_warning` read
/// back from the log records that the partner was warned. After a case opens or escalates, the
/// partner is evaluated at the log time (the latest `at` seen for it): cases opened in
/// `(time − window, time]`, `n` of them, `e` escalated; a warning is due when `n ≥ min_cases`,
/// `e ≥ threshold × n`, and the last warning is at least `window` old (or there is none). So a
/// partner is warned at most once per window, also across restarts and several routers.
///
/// Memory: the cases inside the window per partner (older ones are dropped as time moves).
public struct PartnerEscalations: Sendable {
    public let policy: EscalationWarningPolicy

    private struct OpenCase: Sendable {
        var ticket: TicketID
        var opened: Instant
        var escalated: Bool
    }

    private struct Partner: Sendable {
        /// Sorted by `opened`.
        var cases: [OpenCase] = []
        var escalated = 0
        var time = Instant(unixSeconds: .min)
        var lastWarning: Instant?
    }

    private var partners: [PartnerID: Partner] = [:]
    private var partnerOf: [TicketID: PartnerID] = [:]

    public init(policy: EscalationWarningPolicy) {
        self.policy = policy
    }

    /// The advice a warning carries.
    public static func advice(partner: PartnerID, cases: Int, escalations: Int, window: Int64) -> String {
        "\(escalations) of \(cases) cases of partner \(partner.rawValue) in the last \(CalendarSpan.format(window)) "
            + "went beyond L1. Cases should be solved at partner level first; we advise buying a partner support plan."
    }

    /// Applies one event. - Returns: the `partner_warning` that is now due, if any.
    /// - Complexity: O(log c) amortised for c cases in the partner's window (plus O(c) for a case
    ///   opened out of order).
    public mutating func apply(_ event: TicketEvent) -> TicketEvent? {
        switch event.kind {
        case .created, .routed:
            guard let text = event.partner, partnerOf[event.ticket] == nil else { return nil }
            let partner = PartnerID(text)
            partnerOf[event.ticket] = partner
            let opened = event.createdAt ?? event.at
            var state = partners[partner] ?? Partner()
            let index = state.cases.partitionPoint { $0.opened > opened }
            state.cases.insert(OpenCase(ticket: event.ticket, opened: opened, escalated: false), at: index)
            partners[partner] = state
            return evaluate(partner, trigger: event, at: max(opened, event.at))
        case .escalated:
            guard let tier = event.tier, tier > .l1, let partner = partnerOf[event.ticket],
                  var state = partners[partner],
                  let i = state.cases.firstIndex(where: { $0.ticket == event.ticket }), !state.cases[i].escalated
            else { return nil }
            state.cases[i].escalated = true
            state.escalated += 1
            partners[partner] = state
            return evaluate(partner, trigger: event, at: event.at)
        case .partnerWarning:
            guard let text = event.partner else { return nil }
            let partner = PartnerID(text)
            var state = partners[partner] ?? Partner()
            state.lastWarning = max(state.lastWarning ?? event.at, event.at)
            partners[partner] = state
            return nil
        default:
            return nil
        }
    }

    /// The cases, escalations and last warning of `partner` in the window ending at its log time.
    public func window(of partner: PartnerID) -> (cases: Int, escalations: Int, lastWarning: Instant?) {
        guard let state = partners[partner] else { return (0, 0, nil) }
        return (state.cases.count, state.escalated, state.lastWarning)
    }

    private mutating func evaluate(_ partner: PartnerID, trigger: TicketEvent, at: Instant) -> TicketEvent? {
        guard var state = partners[partner] else { return nil }
        state.time = max(state.time, at)
        let start = state.time - policy.window
        var drop = 0
        while drop < state.cases.count, state.cases[drop].opened <= start {
            if state.cases[drop].escalated { state.escalated -= 1 }
            partnerOf[state.cases[drop].ticket] = nil
            drop += 1
        }
        if drop > 0 { state.cases.removeFirst(drop) }
        defer { partners[partner] = state }
        let n = state.cases.count, e = state.escalated
        guard n >= policy.minCases, Double(e) >= policy.threshold * Double(n) else { return nil }
        if let last = state.lastWarning, state.time - last < policy.window { return nil }
        state.lastWarning = state.time
        var warning = TicketEvent(ticket: trigger.ticket, kind: .partnerWarning, at: state.time, region: trigger.region)
        warning.partner = partner.rawValue
        warning.cases = n
        warning.escalations = e
        warning.note = Self.advice(partner: partner, cases: n, escalations: e, window: policy.window)
        return warning
    }
}

/// Replays the log into `PartnerEscalations` and says which warnings to publish: while replaying,
/// warnings that came due are held and dropped when the log already holds them (read back by
/// message id); once caught up, the rest are published, then each new one as it comes due.
public struct PartnerWarningFeed: Sendable {
    public private(set) var tracker: PartnerEscalations
    private var pending: [(id: String, event: TicketEvent)] = []
    private var live = false

    public init(policy: EscalationWarningPolicy) {
        tracker = PartnerEscalations(policy: policy)
    }

    /// Reads one event of the log. - Returns: warnings to publish now.
    public mutating func read(_ event: TicketEvent) -> [TicketEvent] {
        if event.kind == .partnerWarning {
            let id = event.messageID
            pending.removeAll { $0.id == id }
        }
        guard let warning = tracker.apply(event) else { return [] }
        if live { return [warning] }
        pending.append((warning.messageID, warning))
        return []
    }

    /// The replay reached the end of the log. - Returns: the warnings the log lacks.
    public mutating func caughtUp() -> [TicketEvent] {
        live = true
        defer { pending = [] }
        return pending.map(\.event)
    }

    /// Whether a subject's kind token (`meridian.events.<region>.<kind>.<ticket>`) can matter:
    /// the feed skips other events without decoding them.
    public static func reads(subjectKind kind: Substring) -> Bool {
        kind == "created" || kind == "routed" || kind == "escalated" || kind == "partner_warning"
    }
}

extension CalendarSpan {
    /// `30d`, `7d12h`, `12h` (the shortest exact form).
    public static func format(_ seconds: Int64) -> String {
        let days = seconds / 86_400, rest = seconds % 86_400
        guard days > 0 else { return DurationText.format(seconds) }
        return rest == 0 ? "\(days)d" : "\(days)d\(DurationText.format(rest))"
    }
}

extension Array {
    /// The first index whose element satisfies `belongsAfter`, in an array partitioned by it.
    /// - Complexity: O(log n).
    func partitionPoint(_ belongsAfter: (Element) -> Bool) -> Int {
        var low = 0, high = count
        while low < high {
            let mid = (low + high) / 2
            if belongsAfter(self[mid]) { high = mid } else { low = mid + 1 }
        }
        return low
    }
}
