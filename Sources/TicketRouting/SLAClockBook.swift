public import BusinessTime

/// An action of one ticket's clock, as returned by `SLAClockBook`.
public struct TicketAction: Hashable, Sendable {
    public var ticket: TicketID
    public var action: ClockAction

    public init(ticket: TicketID, action: ClockAction) {
        self.ticket = ticket
        self.action = action
    }
}

/// The SLA clocks of many tickets (a worker's region), keyed by ticket id, with one timer queue.
///
/// A worker replays its region's event log into a book (`replay`), then feeds it new events
/// (`apply`) and the time (`advance(to:)` whenever `nextDeadline` passes). Storage: the clocks in
/// one contiguous array, an id → slot dictionary and a binary heap of (deadline, slot) entries
/// (stale entries are skipped when popped and dropped when the heap grows past twice the clocks).
///
/// Events of a ticket that has no clock yet (neither `created` nor `routed` seen) are counted in
/// `orphanEvents` and otherwise ignored.
public struct SLAClockBook: Sendable {
    var slots: [TicketID: Int32] = [:]
    var ids: [TicketID] = []
    var clocks: [SLAClock] = []
    var heap: [HeapEntry] = []

    /// Events ignored because their ticket had no clock yet.
    public private(set) var orphanEvents = 0

    struct HeapEntry: Sendable {
        var deadline: Int64
        var slot: Int32
    }

    public init() {}

    /// Reserves room for `count` clocks.
    public mutating func reserveCapacity(_ count: Int) {
        slots.reserveCapacity(count)
        ids.reserveCapacity(count)
        clocks.reserveCapacity(count)
        heap.reserveCapacity(count)
    }

    /// The number of clocks.
    public var count: Int { clocks.count }

    /// Ticket ids in the order their clocks were created.
    public var tickets: [TicketID] { ids }

    /// The clock of `ticket`.
    public subscript(ticket: TicketID) -> SLAClock? {
        slots[ticket].map { clocks[Int($0)] }
    }

    /// The earliest pending timer of any clock. - Complexity: O(1) amortised.
    public var nextDeadline: Instant? {
        mutating get {
            dropStaleTop()
            return heap.first.map { Instant(unixSeconds: $0.deadline) }
        }
    }

    /// Feeds one event; creates the clock on the ticket's first `created` / `routed` event.
    /// - Returns: the clock's actions (see `SLAClock.handle`).
    /// - Complexity: O(log n) plus the clock's calendar work.
    public mutating func apply(_ event: TicketEvent, config: MeridianConfig) -> [ClockAction] {
        let slot: Int
        if let s = slots[event.ticket] {
            slot = Int(s)
        } else {
            guard let clock = SLAClock(event: event) else {
                orphanEvents += 1
                return []
            }
            slot = clocks.count
            slots[event.ticket] = Int32(slot)
            ids.append(event.ticket)
            clocks.append(clock)
        }
        let before = clocks[slot].nextDeadlineStorage
        let actions = clocks[slot].handle(event, config: config)
        let after = clocks[slot].nextDeadlineStorage
        if after != before || (actions.contains(.cancelTimers) && after != SLAClock.none) {
            push(after, slot: slot)
        }
        return actions
    }

    /// Time passed: fires every timer due at or before `now`.
    /// - Returns: emitted alerts and escalations (schedule / cancel actions are handled inside the book).
    /// - Complexity: O(k log n) for k due clocks.
    public mutating func advance(to now: Instant, config: MeridianConfig) -> [TicketAction] {
        var out: [TicketAction] = []
        var again: [(Instant, Int)] = []
        while let top = heap.first, top.deadline <= now.unixSeconds {
            popTop()
            let slot = Int(top.slot)
            guard clocks[slot].nextDeadlineStorage.unixSeconds == top.deadline else { continue }
            let actions = clocks[slot].advance(to: now, ticket: ids[slot], config: config)
            for a in actions {
                switch a {
                case .emitWarning, .emitBreach, .escalate, .targetChanged:
                    out.append(TicketAction(ticket: ids[slot], action: a))
                case .cancelTimers, .schedule: break
                }
            }
            let next = clocks[slot].nextDeadlineStorage
            if next != SLAClock.none {
                if next > now { push(next, slot: slot) } else { again.append((next, slot)) }
            }
        }
        for (deadline, slot) in again { push(deadline, slot: slot) }
        return out
    }

    /// What a replay found due so far, and which of it the log already holds.
    public struct Replay: Sendable {
        var pending: [TicketAction] = []
        var removed = Set<Int>()
        var alertIndex: [String: Int] = [:]
        var escalationIndex: [TicketID: [Int]] = [:]

        public init() {}

        /// Actions still to publish, in the order they became due.
        public var due: [TicketAction] {
            pending.indices.filter { !removed.contains($0) }.map { pending[$0] }
        }
    }

    /// Replays a log (e.g. the region's stream from the start) into the book.
    ///
    /// Alerts, target changes and escalations that the replay finds due are returned only if the
    /// log does not already hold them (an alert or `target_changed` event with the same message id,
    /// or an `escalated` event to at least that tier, later in the log): a node that restarts does
    /// not repeat what was published.
    /// - Returns: actions still to publish, in the order they became due.
    public mutating func replay(_ events: some Sequence<TicketEvent>, config: MeridianConfig) -> [TicketAction] {
        var replay = Replay()
        for event in events { self.replay(event, into: &replay, config: config) }
        return replay.due
    }

    /// Replays one event of a log, as `replay(_:config:)` does for a whole sequence: for a log read
    /// from a stream, without holding it in memory. Read `replay.due` once the log is read.
    /// - Complexity: that of `apply`, plus O(e) for an `escalated` event, e = pending escalations of its ticket.
    public mutating func replay(_ event: TicketEvent, into replay: inout Replay, config: MeridianConfig) {
        if event.kind.isMonitored, let i = replay.alertIndex[event.messageID] {
            replay.removed.insert(i)
        }
        if event.kind == .escalated {
            for i in replay.escalationIndex[event.ticket] ?? [] where !replay.removed.contains(i) {
                if case .escalate(let tier) = replay.pending[i].action, tier <= (event.tier ?? tier) {
                    replay.removed.insert(i)
                }
            }
        }
        for action in apply(event, config: config) {
            switch action {
            case .emitWarning(let alert), .emitBreach(let alert):
                replay.alertIndex[alert.messageID] = replay.pending.count
                replay.pending.append(TicketAction(ticket: event.ticket, action: action))
            case .targetChanged(let change):
                replay.alertIndex[change.event.messageID] = replay.pending.count
                replay.pending.append(TicketAction(ticket: event.ticket, action: action))
            case .escalate:
                replay.escalationIndex[event.ticket, default: []].append(replay.pending.count)
                replay.pending.append(TicketAction(ticket: event.ticket, action: action))
            case .cancelTimers, .schedule:
                break
            }
        }
    }

    /// Every ticket's clock state at `now`, in creation order.
    public func statuses(at now: Instant, config: MeridianConfig) -> [TicketClockStatus] {
        clocks.indices.map { clocks[$0].status(at: now, ticket: ids[$0], config: config) }
    }

    /// Open tickets handled by `region`, for `Router.handoffs` at its closing.
    public func handoffCandidates(handledBy region: RegionID) -> [HandoffCandidate] {
        clocks.indices.compactMap { i in
            let c = clocks[i]
            guard c.handling == region, c.phase != .resolved else { return nil }
            return HandoffCandidate(
                ticket: ids[i], plan: c.plan, home: c.home, tier: c.tier, responded: c.firstResponse.stopped)
        }
    }

    /// Removes the clock of `ticket` (e.g. resolved long ago); returns whether it existed.
    /// - Complexity: O(n): the last clock moves into the freed slot in O(1), then the deadline
    ///   heap drops the entries of the freed slot and is rebuilt.
    @discardableResult
    public mutating func remove(_ ticket: TicketID) -> Bool {
        guard let s = slots.removeValue(forKey: ticket) else { return false }
        let slot = Int(s), last = clocks.count - 1
        if slot != last {
            clocks[slot] = clocks[last]
            ids[slot] = ids[last]
            slots[ids[slot]] = Int32(slot)
            if clocks[slot].nextDeadlineStorage != SLAClock.none { push(clocks[slot].nextDeadlineStorage, slot: slot) }
        }
        clocks.removeLast()
        ids.removeLast()
        heap.removeAll { Int($0.slot) >= clocks.count }
        rebuildHeap()
        return true
    }

    // MARK: - Heap

    mutating func push(_ deadline: Instant, slot: Int) {
        guard deadline != SLAClock.none else { return }
        if heap.count > 2 * clocks.count + 64 { rebuildHeap() }
        heap.append(HeapEntry(deadline: deadline.unixSeconds, slot: Int32(slot)))
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[i].deadline < heap[parent].deadline else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    mutating func popTop() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        siftDown(0)
    }

    mutating func siftDown(_ start: Int) {
        var i = start
        let n = heap.count
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < n, heap[l].deadline < heap[m].deadline { m = l }
            if r < n, heap[r].deadline < heap[m].deadline { m = r }
            if m == i { return }
            heap.swapAt(i, m)
            i = m
        }
    }

    mutating func dropStaleTop() {
        while let top = heap.first,
              Int(top.slot) >= clocks.count || clocks[Int(top.slot)].nextDeadlineStorage.unixSeconds != top.deadline
        {
            popTop()
        }
    }

    /// Rebuilds the heap with exactly one entry per clock that has a deadline.
    mutating func rebuildHeap() {
        heap.removeAll(keepingCapacity: true)
        for i in clocks.indices where clocks[i].nextDeadlineStorage != SLAClock.none {
            heap.append(HeapEntry(deadline: clocks[i].nextDeadlineStorage.unixSeconds, slot: Int32(i)))
        }
        var i = heap.count / 2
        while i > 0 {
            i -= 1
            siftDown(i)
        }
    }
}

extension SLAClockBook {
    /// A calendar (a region id or `24x7`) changed in the config: recomputes every unresolved clock
    /// that counts on it, with `config` (the new config), and returns the `calendar_changed` events
    /// to record in the log, one per affected ticket (zammad #534).
    /// - Complexity: O(n) clocks.
    public mutating func calendarChanged(_ calendar: String, at: Instant, config: MeridianConfig) -> [TicketEvent] {
        var recorded: [TicketEvent] = []
        for i in clocks.indices where clocks[i].phase != .resolved && clocks[i].calendarID(config: config) == calendar {
            var event = TicketEvent(ticket: ids[i], kind: .calendarChanged, at: at, region: clocks[i].home)
            event.calendar = calendar
            _ = apply(event, config: config)
            recorded.append(event)
        }
        return recorded
    }
}
