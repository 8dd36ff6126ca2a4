public import BusinessTime
public import TicketRouting

/// One alert as Alertmanager's `POST /api/v2/alerts` takes it.
public struct AlertmanagerAlert: Codable, Hashable, Sendable {
    public var labels: [String: String]
    public var annotations: [String: String]
    public var startsAt: String
    public var endsAt: String
    public var generatorURL: String?

    public init(labels: [String: String], annotations: [String: String], startsAt: Instant, endsAt: Instant) {
        self.labels = labels
        self.annotations = annotations
        self.startsAt = startsAt.iso8601
        self.endsAt = endsAt.iso8601
    }
}

/// The SLA alerts of the event log as Alertmanager should see them: a pure state machine fed
/// with events (in log order) and asked for what to post.
///
/// - A `breached` event (and a `warning`, when `warnings` is on) makes an active alert, keyed
///   by ticket, clock and cycle (and kind).
/// - A `responded` event resolves the ticket's first-response alerts; `resolved` resolves all
///   of the ticket's alerts; a breach resolves the warnings of the same clock (it supersedes
///   them). A resolved alert is posted once with `endsAt` = the event's instant, then forgotten.
/// - Active alerts are posted with `endsAt` = now + `resolveTimeout` and posted again every
///   refresh: if the bridge stops, Alertmanager lets them expire instead of keeping them forever.
///
/// Memory: the active alerts only (resolved ones leave after they are posted).
public struct AlertBook: Sendable {
    public struct Key: Hashable, Sendable, Comparable {
        public var ticket: TicketID
        public var clock: ClockKind
        public var cycle: Int
        public var kind: TicketEvent.Kind

        public static func < (a: Key, b: Key) -> Bool {
            (a.ticket.rawValue, a.clock.rawValue, a.cycle, a.kind.rawValue)
                < (b.ticket.rawValue, b.clock.rawValue, b.cycle, b.kind.rawValue)
        }
    }

    /// Whether warnings become alerts too (breaches always do).
    public let warnings: Bool
    private var active: [Key: TicketEvent] = [:]
    /// Resolved since the last `takeResolved`: the alert and when it ended.
    private var resolved: [Key: (event: TicketEvent, at: Instant)] = [:]

    public init(warnings: Bool) {
        self.warnings = warnings
    }

    /// Active alerts held.
    public var activeCount: Int { active.count }

    /// Feeds one event of the log.
    /// - Complexity: O(alerts of the ticket) for a response or resolution, O(1) otherwise.
    public mutating func apply(_ event: TicketEvent) {
        switch event.kind {
        case .breached, .warning:
            guard event.kind == .breached || warnings, let clock = event.clock else { return }
            let key = Key(ticket: event.ticket, clock: clock, cycle: event.cycle ?? 0, kind: event.kind)
            if event.kind == .breached {
                resolve(event.ticket, at: event.at) { $0.kind == .warning && $0.clock == clock }
            }
            active[key] = event
        case .responded:
            resolve(event.ticket, at: event.at) { $0.clock == .firstResponse }
        case .resolved:
            resolve(event.ticket, at: event.at) { _ in true }
        default:
            return
        }
    }

    private mutating func resolve(_ ticket: TicketID, at: Instant, where matches: (Key) -> Bool) {
        for (key, event) in active where key.ticket == ticket && matches(key) {
            active[key] = nil
            resolved[key] = (event, at)
        }
    }

    /// Forgets what was resolved during the replay of history: Alertmanager already let those
    /// alerts expire (or never saw them).
    public mutating func forgetResolved() {
        resolved = [:]
    }

    /// The resolved alerts to post once (with `endsAt` = when they ended), and forgets them.
    public mutating func takeResolved() -> [AlertmanagerAlert] {
        defer { resolved = [:] }
        return resolved.sorted { $0.key < $1.key }.map { Self.alert($0.value.event, endsAt: $0.value.at) }
    }

    /// Every active alert, to post with `endsAt` = `now + resolveTimeout`.
    public func activeAlerts(now: Instant, resolveTimeout: Int64) -> [AlertmanagerAlert] {
        active.sorted { $0.key < $1.key }.map { Self.alert($0.value, endsAt: now + resolveTimeout) }
    }

    /// The Alertmanager form of an alert event.
    static func alert(_ event: TicketEvent, endsAt: Instant) -> AlertmanagerAlert {
        let breach = event.kind == .breached
        let clock = event.clock?.rawValue ?? "unknown"
        var annotations = [
            "summary": "\(breach ? "SLA breached" : "SLA warning"): \(event.ticket) \(clock) (\(event.plan?.rawValue ?? "?")/\(event.severity?.rawValue ?? "?")) in \(event.region)",
        ]
        if let due = event.due { annotations["due"] = due.iso8601 }
        if let overdue = event.overdueSeconds { annotations["overdue_seconds"] = "\(overdue)" }
        if let threshold = event.threshold { annotations["threshold"] = "\(threshold)" }
        annotations["cycle"] = "\(event.cycle ?? 0)"
        return AlertmanagerAlert(
            labels: [
                "alertname": breach ? "MeridianSLABreach" : "MeridianSLAWarning",
                "region": event.region.rawValue,
                "plan": event.plan?.rawValue ?? "unknown",
                "severity": event.severity?.rawValue ?? "unknown",
                "clock": clock,
                "ticket": event.ticket.rawValue,
            ],
            annotations: annotations, startsAt: event.at, endsAt: max(endsAt, event.at + 1))
    }
}
