public import BusinessTime
import Foundation
import Logging
import NATS
import Synchronization
public import TicketRouting

/// Breach events of a region's log per local date of the region, for "breaches today" in the
/// heartbeats and `meridian status`. Counts what the log holds (replayed and live), so several
/// nodes of a region report the same number and a restart does not reset it. Keeps the latest
/// `keptDays` dates only: a log with events on many dates cannot grow it.
public final class BreachTally: Sendable {
    public let calendar: BusinessCalendar
    public static let keptDays = 8
    private let counts = Mutex<[LocalDate: Int]>([:])

    public init(calendar: BusinessCalendar) {
        self.calendar = calendar
    }

    /// Counts `event` if it is a breach.
    /// - Complexity: O(1) (O(keptDays) when a new date arrives).
    public func observe(_ event: TicketEvent) {
        guard event.kind == .breached else { return }
        let date = calendar.localDate(of: event.at)
        counts.withLock { counts in
            counts[date, default: 0] += 1
            if counts.count > Self.keptDays, let oldest = counts.keys.min() { counts[oldest] = nil }
        }
    }

    /// Breaches whose instant falls on the region's local date of `now`.
    public func today(at now: Instant) -> Int {
        let date = calendar.localDate(of: now)
        return counts.withLock { $0[date] ?? 0 }
    }
}

extension WorkerService {
    /// The heartbeat of this node now: its region's share of the log's clocks (`clocks`,
    /// `backlog`), the log's tickets other regions work on, clocks at risk and breaches today.
    func makeHeartbeat(_ state: Heartbeat.State) -> Heartbeat {
        let now = clock.now()
        let census = ClockCensus.byHandlingRegion(clocks.statuses(at: now), at: now)
        let own = census[region] ?? ClockCensus()
        var elsewhere: [String: Int] = [:]
        var atRisk = 0
        for (handling, counts) in census {
            atRisk += counts.atRisk
            if handling != region { elsewhere[handling.rawValue] = counts.unresolved }
        }
        var beat = Heartbeat(node: options.node, region: region, state: state, backlog: own.unanswered,
                             clocks: own.unresolved)
        beat.handledElsewhere = elsewhere
        beat.atRisk = atRisk
        beat.breachesToday = breaches.today(at: now)
        beat.caughtUp = clocks.isLive
        return beat
    }

    /// Refreshes the worker's gauges: its log's clocks, its tiers' queues, its region's calendar.
    public func sampleGauges() async {
        let now = clock.now()
        metrics.clocks(ClockCensus.of(clocks.statuses(at: now), at: now), region: region)
        metrics.regionsOpen(config, only: [region], at: now)
        guard let js = try? connection.jetStream() else { return }
        let realNow = Int64(Date().timeIntervalSince1970)
        for tier in config.tiers(of: region).sorted() {
            do {
                if let queue = try await WorkQueueCensus.read(js, connection: connection, region: region, tier: tier,
                                                              now: realNow) {
                    metrics.workQueue(queue)
                }
            } catch {
                logger.warning("could not read a work queue for the metrics",
                               metadata: ["tier": "\(tier.rawValue)", "error": "\(error)"])
            }
        }
    }

    /// Records the latency from the router storing `message` to this node's `assigned`.
    func recordAssignment(of message: JetStreamMessage, region handling: RegionID) {
        let nowNanos = Int64(Date().timeIntervalSince1970 * 1e9)
        let latency = nowNanos.subtractingReportingOverflow(message.metadata.timestampNanoseconds)
        guard !latency.overflow else { return }
        metrics.assignmentLatency(.nanoseconds(latency.partialValue), region: handling)
    }
}

extension RouterService {
    /// Refreshes the router's gauges: live workers and open regions.
    public func sampleGauges() async {
        metrics.liveWorkers(liveLoads().mapValues(\.liveWorkers), regions: config.regions)
        metrics.regionsOpen(config, at: clock.now())
    }

    /// Counts and logs one intake answer (info level: ticket, region, tier, reason; never the payload).
    func record(_ ticket: Ticket, _ reply: IntakeReply) {
        switch reply {
        case .routed(let decision):
            metrics.routed(decision, plan: ticket.plan)
            logger.info("routed", metadata: [
                "ticket": "\(ticket.id)", "region": "\(decision.region)", "tier": "\(decision.tier.rawValue)",
                "reason": "\(decision.reason.rawValue)",
            ])
        case .duplicate(let id, let region, let tier, let reason):
            metrics.duplicate()
            logger.info("duplicate", metadata: [
                "ticket": "\(id)", "region": "\(region)", "tier": "\(tier.rawValue)", "reason": "\(reason)",
            ])
        case .threaded(let id):
            logger.info("threaded", metadata: ["ticket": "\(ticket.id)", "case": "\(id)"])
        case .rejected, .unavailable:
            // Rejections are counted where they are decided, before there is a ticket.
            break
        }
    }
}
