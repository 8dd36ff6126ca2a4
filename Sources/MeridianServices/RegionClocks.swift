public import BusinessTime
import Synchronization
public import TicketRouting

/// A region's SLA clocks in memory: the projection of the region's event log that a worker
/// node keeps, with the timers of every clock.
///
/// Replay first (`receive` replays the log's events as they stream in, `caughtUp` says which
/// alerts came due and are not in the log), then live events
/// (`apply`) and the passing of time (`advance`). Thread-safe: one lock around the book, held
/// for O(log n) work per event or timer; `openTickets(at:)` takes the statuses of every clock,
/// O(n) under the lock, and sorts them after releasing it.
public final class RegionClocks: Sendable {
    public let region: RegionID
    public let config: MeridianConfig

    private struct State: ~Copyable {
        var book = SLAClockBook()
        /// While the log is replayed: what came due, and which of it the log already holds.
        var replaying: SLAClockBook.Replay? = SLAClockBook.Replay()
    }

    private let state = Mutex(State())

    public init(region: RegionID, config: MeridianConfig) {
        self.region = region
        self.config = config
    }

    /// Whether the replay of the log has caught up.
    public var isLive: Bool { state.withLock { $0.replaying == nil } }

    /// Feeds an event: replayed while the log catches up, applied when live.
    /// - Returns: alerts and escalations to publish now (only when live).
    public func receive(_ event: TicketEvent) -> [TicketAction] {
        state.withLock { state in
            if state.replaying != nil {
                state.book.replay(event, into: &state.replaying!, config: config)
                return []
            }
            return state.book.apply(event, config: config).compactMap { action in
                switch action {
                case .emitWarning, .emitBreach, .escalate, .targetChanged: TicketAction(ticket: event.ticket, action: action)
                case .cancelTimers, .schedule: nil
                }
            }
        }
    }

    /// The replay caught up with the log.
    /// - Returns: alerts and escalations that came due and are not already in the log.
    public func caughtUp() -> [TicketAction] {
        state.withLock { state in
            state.replaying.take()?.due ?? []
        }
    }

    /// The earliest pending timer.
    public var nextDeadline: Instant? {
        state.withLock { $0.book.nextDeadline }
    }

    /// Time passed: the alerts and escalations due by `now`.
    public func advance(to now: Instant) -> [TicketAction] {
        state.withLock { state in
            state.replaying == nil ? state.book.advance(to: now, config: config) : []
        }
    }

    /// Clocks held.
    public var count: Int { state.withLock { $0.book.count } }

    /// The clock of one ticket.
    public func clock(_ ticket: TicketID) -> SLAClock? {
        state.withLock { $0.book[ticket] }
    }

    /// Every ticket's clock status at `now`, in no order (resolved ones included).
    public func statuses(at now: Instant) -> [TicketClockStatus] { state.withLock { $0.book.statuses(at: now, config: config) } }

    /// Unresolved tickets with their clocks at `now`, most urgent first.
    public func openTickets(at now: Instant) -> [TicketClockStatus] {
        let all = state.withLock { $0.book.statuses(at: now, config: config) }
        return all.filter { $0.phase != .resolved }.sorted(by: Self.mostUrgentFirst)
    }

    /// The inbox order: overdue tickets (a clock breached and still counting) first, then the
    /// earliest next deadline first, tickets without one (paused) last; ties by ticket id.
    public static func mostUrgentFirst(_ a: TicketClockStatus, _ b: TicketClockStatus) -> Bool {
        if a.isOverdue != b.isOverdue { return a.isOverdue }
        return switch (a.nextDeadline, b.nextDeadline) {
        case let (x?, y?): x != y ? x < y : a.ticket < b.ticket
        case (_?, nil): true
        case (nil, _?): false
        case (nil, nil): a.ticket < b.ticket
        }
    }
}
