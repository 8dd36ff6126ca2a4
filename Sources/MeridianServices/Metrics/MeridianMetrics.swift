public import BusinessTime
public import Prometheus
public import TicketRouting

/// Where a message that could not be read came from (`meridian_bad_messages_total{source}`).
public enum BadMessageSource: String, Sendable, CaseIterable {
    case heartbeat, event, work, escalation
}

/// Meridian's Prometheus metrics, on a registry the caller owns (`main` makes one per process;
/// tests make their own, so nothing is global). Names and labels are a contract: Deploy/'s
/// rules and dashboard are written against them, and Docs/OPERATIONS.md lists their meaning.
///
/// Label values come only from the config (regions, plans), from closed enums (tiers, clocks,
/// reasons, codes, sources) or from validated ids: no ticket id is ever a label, so the number of
/// series is bounded by the config, whatever the traffic.
public final class MeridianMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry

    /// Buckets of `meridian_assignment_latency_seconds`: from a worker taking queued work at once
    /// (tens of milliseconds) to work that waited a night for its region to open (hours).
    public static let latencyBuckets: [Duration] = [
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(300),
        .seconds(900), .seconds(3600), .seconds(4 * 3600), .seconds(12 * 3600),
    ]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        // Series without labels exist from the start, so a rate() over them never has a hole.
        _ = counter("meridian_tickets_duplicate_total", [])
        _ = counter("meridian_nats_reconnects_total", [])
        for source in BadMessageSource.allCases { _ = counter("meridian_bad_messages_total", [("source", source.rawValue)]) }
    }

    private static let help: [String: String] = [
        "meridian_tickets_routed_total": "Tickets routed, by the region that got the work, the plan and the routing reason.",
        "meridian_tickets_rejected_total": "Tickets rejected at intake, by error code.",
        "meridian_tickets_duplicate_total": "Tickets submitted again after they were routed (answered as duplicates, routed once).",
        "meridian_handoffs_total": "Unanswered tickets handed off at a region's closing, by from and to region.",
        "meridian_escalations_total": "Escalations turned into work, by the region and tier that got it.",
        "meridian_sla_warnings_total": "SLA warnings this node stored in the event log, by home region, plan and clock.",
        "meridian_sla_breaches_total": "SLA breaches this node stored in the event log, by home region, plan and clock.",
        "meridian_open_clocks": "Unresolved tickets in the region's event log, by state (open or waiting on the customer).",
        "meridian_clocks_at_risk": "Unresolved, running tickets of the region whose next SLA deadline is within one hour.",
        "meridian_work_backlog": "Routed work not yet acknowledged by a worker (waiting or being taken), by region and tier.",
        "meridian_work_oldest_age_seconds": "Age of the oldest unacknowledged work item, by region and tier (0 when none).",
        "meridian_live_workers": "Worker nodes with a recent heartbeat, by region.",
        "meridian_region_open": "1 while the region's calendar is open, 0 while it is closed.",
        "meridian_assignment_latency_seconds": "From the router storing a work item to a worker recording its assignment.",
        "meridian_replay_duration_seconds": "How long the last replay of the event log at start-up took.",
        "meridian_nats_reconnects_total": "Reconnections to NATS since the process started.",
        "meridian_bad_messages_total": "Messages skipped because they could not be read, by source.",
    ]

    private func descriptor(_ name: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: Self.help[name] ?? name)
    }

    private func counter(_ name: String, _ labels: [(String, String)]) -> Counter {
        registry.makeCounter(descriptor: descriptor(name), labels: labels)
    }

    private func gauge(_ name: String, _ labels: [(String, String)]) -> Gauge {
        registry.makeGauge(descriptor: descriptor(name), labels: labels)
    }

    // MARK: - Router

    /// A ticket routed now.
    public func routed(_ decision: RoutingDecision, plan: PlanID) {
        counter("meridian_tickets_routed_total", [
            ("region", decision.region.rawValue), ("plan", plan.rawValue), ("reason", decision.reason.rawValue),
        ]).increment()
    }

    /// A ticket rejected at intake, counted by its first error's code.
    public func rejected(_ report: ValidationErrorReport) {
        counter("meridian_tickets_rejected_total", [("code", report.error.code.rawValue)]).increment()
    }

    public func duplicate() {
        counter("meridian_tickets_duplicate_total", []).increment()
    }

    public func handedOff(from: RegionID, to: RegionID) {
        counter("meridian_handoffs_total", [("from", from.rawValue), ("to", to.rawValue)]).increment()
    }

    public func escalated(region: RegionID, tier: Tier) {
        counter("meridian_escalations_total", [("region", region.rawValue), ("tier", tier.rawValue)]).increment()
    }

    /// Live workers of every configured region (0 where none beats).
    public func liveWorkers(_ counts: [RegionID: Int], regions: [RegionID]) {
        for region in regions {
            gauge("meridian_live_workers", [("region", region.rawValue)]).set(Double(counts[region] ?? 0))
        }
    }

    // MARK: - Worker

    /// An alert (warning or breach) this node stored; other kinds are ignored.
    public func alertStored(_ event: TicketEvent) {
        let name: String
        switch event.kind {
        case .warning: name = "meridian_sla_warnings_total"
        case .breached: name = "meridian_sla_breaches_total"
        default: return
        }
        counter(name, [
            ("region", event.region.rawValue), ("plan", event.plan?.rawValue ?? "unknown"),
            ("clock", event.clock?.rawValue ?? "unknown"),
        ]).increment()
    }

    /// The clock gauges of a region's log.
    public func clocks(_ census: ClockCensus, region: RegionID) {
        gauge("meridian_open_clocks", [("region", region.rawValue), ("state", "open")]).set(Double(census.open))
        gauge("meridian_open_clocks", [("region", region.rawValue), ("state", "waiting")]).set(Double(census.waiting))
        gauge("meridian_clocks_at_risk", [("region", region.rawValue)]).set(Double(census.atRisk))
    }

    /// The work queue gauges of a region's tier.
    public func workQueue(_ queue: WorkQueueCensus) {
        let labels = [("region", queue.region.rawValue), ("tier", queue.tier.rawValue)]
        gauge("meridian_work_backlog", labels).set(Double(queue.backlog))
        gauge("meridian_work_oldest_age_seconds", labels).set(Double(queue.oldestAgeSeconds))
    }

    /// From the router storing the work item to this node recording `assigned`.
    public func assignmentLatency(_ latency: Duration, region: RegionID) {
        registry.makeDurationHistogram(
            descriptor: descriptor("meridian_assignment_latency_seconds"), labels: [("region", region.rawValue)],
            buckets: Self.latencyBuckets
        ).record(max(latency, .zero))
    }

    // MARK: - Both

    /// Whether each region's calendar (or those of `only`) is open at `now`.
    public func regionsOpen(_ config: MeridianConfig, only: [RegionID]? = nil, at now: Instant) {
        for region in only ?? config.regions {
            guard let calendar = config.calendars[region] else { continue }
            gauge("meridian_region_open", [("region", region.rawValue)]).set(calendar.isOpen(at: now) ? 1.0 : 0.0)
        }
    }

    public func replayed(in duration: Duration) {
        gauge("meridian_replay_duration_seconds", []).set(duration.secondsDouble)
    }

    public func reconnected() {
        counter("meridian_nats_reconnects_total", []).increment()
    }

    public func badMessage(_ source: BadMessageSource) {
        counter("meridian_bad_messages_total", [("source", source.rawValue)]).increment()
    }

    /// The Prometheus text exposition of every metric.
    public func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }
}

extension Duration {
    /// Seconds as a `Double` (for gauges and durations shown to people).
    var secondsDouble: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
