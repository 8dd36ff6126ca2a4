import BusinessTime
import Testing
import TicketRouting

@Suite("Replay determinism")
struct ReplayTests {
    let config = Fixtures.config

    /// A random but plausible lifecycle for `count` tickets, each ticket's events in causal order.
    static func lifecycles(count: Int, seed: UInt64) -> [[TicketEvent]] {
        var rng = SplitMix64(seed: seed)
        let plans: [PlanID] = ["enterprise", "premium", "standard", "odd"]
        let base = Fixtures.t("2026-11-30T07:00:00Z").unixSeconds
        return (0..<count).map { n in
            let id = "T-\(n)"
            var at = base + Int64(rng.next() % (5 * 86_400))
            let ticket = Ticket(
                id: TicketID(id)!, customer: "c", plan: plans[Int(rng.next() % 4)],
                severity: Severity.allCases[Int(rng.next() % 3)], region: "emea",
                createdAt: Instant(unixSeconds: at), subject: "s", details: "d")
            var events = [TicketEvent.created(ticket)]
            var phase = TicketPhase.open
            var tier = Tier.l1
            for _ in 0..<Int(rng.next() % 10) {
                at += Int64(rng.next() % (20 * 3600))
                let when = Instant(unixSeconds: at)
                let ev = { (k: TicketEvent.Kind) in TicketEvent.simple(k, ticket: ticket.id, at: when, region: "emea") }
                switch (phase, rng.next() % 6) {
                case (.open, 0): events.append(ev(.responded))
                case (.open, 1): events.append(ev(.waitingOnCustomer)); phase = .waiting
                case (.waiting, 0...2): events.append(ev(.customerReplied)); phase = .open
                case (.open, 2), (.waiting, 3): events.append(ev(.resolved)); phase = .resolved
                case (.resolved, _): events.append(ev(.reopened)); phase = .open
                case (.open, 3):
                    if let next = tier.next {
                        tier = next
                        var e = ev(.escalated)
                        e.tier = next
                        events.append(e)
                    }
                case (_, 4):
                    var e = ev(.planChanged)
                    e.plan = plans[Int(rng.next() % 4)]
                    events.append(e)
                default:
                    events.append(ev(.assigned))
                }
            }
            return events
        }
    }

    /// The clean log: all events by time, with the alerts a live node would have published.
    static func cleanLog(_ lifecycles: [[TicketEvent]], config: MeridianConfig) -> [TicketEvent] {
        let events = lifecycles.flatMap { $0 }.enumerated().sorted {
            ($0.element.at, $0.offset) < ($1.element.at, $1.offset)
        }.map(\.element)
        var book = SLAClockBook()
        var log: [TicketEvent] = []
        for event in events {
            for a in book.advance(to: event.at, config: config) {
                if let alert = a.action.alert { log.append(alert.event) }
            }
            log.append(event)
            for action in book.apply(event, config: config) {
                if let alert = action.alert { log.append(alert.event) }
            }
        }
        return log
    }

    func finalState(_ log: [TicketEvent]) -> (SLAClockBook, [TicketAction]) {
        var book = SLAClockBook()
        let pending = book.replay(log, config: config)
        return (book, pending)
    }

    func snapshot(_ book: SLAClockBook) -> [TicketID: SLAClock] {
        Dictionary(uniqueKeysWithValues: book.tickets.map { ($0, book[$0]!) })
    }

    @Test("The same log always gives the same clocks, and replaying a log with its alerts repeats none")
    func sameLog() {
        let log = Self.cleanLog(Self.lifecycles(count: 200, seed: 1), config: config)
        #expect(log.contains { $0.kind == .breached })
        #expect(log.contains { $0.kind == .warning })
        let (a, pendingA) = finalState(log)
        let (b, _) = finalState(log)
        #expect(snapshot(a) == snapshot(b))
        #expect(pendingA.filter { $0.action.alert != nil } == [])
    }

    @Test("Shuffled-but-causal and duplicated logs give the same final state as the clean log", arguments: [2, 3, 4])
    func shuffledAndDuplicated(seed: UInt64) {
        let clean = Self.cleanLog(Self.lifecycles(count: 150, seed: seed), config: config)
        let (reference, _) = finalState(clean)
        let now = Fixtures.t("2026-12-20T12:00:00Z")
        var rng = SplitMix64(seed: seed * 7919)

        // Interleave the tickets' own sequences at random (each ticket keeps its order).
        var queues = Dictionary(grouping: clean, by: \.ticket).mapValues { ArraySlice($0) }
        var keys = queues.keys.sorted()
        var shuffled: [TicketEvent] = []
        while !keys.isEmpty {
            let k = Int(rng.next() % UInt64(keys.count))
            let id = keys[k]
            shuffled.append(queues[id]!.removeFirst())
            if queues[id]!.isEmpty { keys.remove(at: k) }
        }
        // Duplicate 20% of the events at a random later position.
        // Duplicate 20% of the events, each copy arriving 0-60 events after its original.
        var duplicated: [TicketEvent] = []
        var copies: [(due: Int, event: TicketEvent)] = []
        for (i, e) in shuffled.enumerated() {
            duplicated.append(e)
            if rng.next() % 5 == 0 { copies.append((i + Int(rng.next() % 60), e)) }
            duplicated += copies.filter { $0.due <= i }.map(\.event)
            copies.removeAll { $0.due <= i }
        }
        duplicated += copies.map(\.event)
        #expect(duplicated.count > shuffled.count + shuffled.count / 10)
        for log in [shuffled, duplicated] {
            let (book, _) = finalState(log)
            #expect(snapshot(book) == snapshot(reference))
            #expect(book.statuses(at: now, config: config).sorted { $0.ticket < $1.ticket }
                == reference.statuses(at: now, config: config).sorted { $0.ticket < $1.ticket })
        }
    }

    @Test("A restarted node publishes only the alerts missing from the log")
    func replayReturnsMissingAlerts() {
        let ticket = Fixtures.ticket(createdAt: "2026-11-30T09:00:00+01:00")
        let log = [TicketEvent.created(ticket), Fixtures.ev(.assigned, "2026-11-30T12:00:00+01:00")]
        var book = SLAClockBook()
        let pending = book.replay(log, config: config)
        // By 12:00 the first response (due 11:00) breached: only the breach is published, not the warnings.
        #expect(pending.compactMap { $0.action.alert?.messageID } == ["T-1:first_response:0:breached"])
        var again = SLAClockBook()
        let withAlert = log + pending.compactMap { $0.action.alert?.event }
        #expect(again.replay(withAlert, config: config).compactMap { $0.action.alert } == [])
        let next = book.nextDeadline
        #expect(next == Fixtures.t("2026-11-30T17:00:00+01:00"))
        let fired = book.advance(to: Fixtures.t("2026-11-30T17:00:00+01:00"), config: config)
        #expect(fired == [TicketAction(ticket: "T-1", action: .escalate(to: .l2))])
    }
}

@Suite("SLA clock invariants")
struct ClockInvariantTests {
    @Test("After any pauses, the due instant is exactly where used business time reaches the target")
    func dueMatchesUsedTime() {
        let config = Fixtures.config
        var rng = SplitMix64(seed: 99)
        for n in 0..<300 {
            let created = Fixtures.t("2026-11-30T00:00:00Z").unixSeconds + Int64(rng.next() % (30 * 86_400))
            let ticket = Ticket(
                id: TicketID("P-\(n)")!, customer: "c", plan: ["enterprise", "premium", "standard"][n % 3],
                severity: Severity.allCases[Int(rng.next() % 3)], region: "emea",
                createdAt: Instant(unixSeconds: created), subject: "s", details: "d")
            var clock = SLAClock(event: .created(ticket))!
            _ = clock.handle(.created(ticket), config: config)
            var at = created
            var pausedByHand: Int64 = 0
            let calendar = clock.calendar(config: config)!
            for _ in 0..<Int(rng.next() % 4) {
                let start = at + Int64(rng.next() % 20_000)
                let end = start + 1 + Int64(rng.next() % 200_000)
                _ = clock.handle(.simple(.waitingOnCustomer, ticket: ticket.id, at: Instant(unixSeconds: start), region: "emea"), config: config)
                _ = clock.handle(.simple(.customerReplied, ticket: ticket.id, at: Instant(unixSeconds: end), region: "emea"), config: config)
                pausedByHand += calendar.between(Instant(unixSeconds: start), Instant(unixSeconds: end))
                at = end
            }
            let s = clock.status(at: Instant(unixSeconds: at), ticket: ticket.id, config: config)
            let target = s.resolution.targetSeconds
            guard s.resolution.state == .running, let due = s.resolution.due else { continue }
            #expect(calendar.between(ticket.createdAt, due) - pausedByHand == target, "ticket \(n)")
            #expect(clock.status(at: due, ticket: ticket.id, config: config).resolution.usedSeconds == target)
            #expect(clock.status(at: due, ticket: ticket.id, config: config).resolution.state == .breached)
            #expect(clock.status(at: due - 1, ticket: ticket.id, config: config).resolution.state == .running)
        }
    }
}
