import BusinessTime
import Testing
import TicketRouting

@Suite("SLA clock book")
struct BookTests {
    let config = Fixtures.config

    @Test("Handoff candidates come from the book; the router moves only unanswered follow-the-sun tickets")
    func handoffFromBook() {
        var book = SLAClockBook()
        let created = "2026-11-30T15:00:00+01:00"
        for (id, plan) in [("A", "enterprise"), ("B", "enterprise"), ("C", "premium"), ("D", "enterprise")] {
            _ = book.apply(.created(Fixtures.ticket(id, plan: plan, createdAt: created)), config: config)
        }
        _ = book.apply(Fixtures.ev(.responded, "2026-11-30T15:10:00+01:00", ticket: "B"), config: config)
        _ = book.apply(Fixtures.ev(.resolved, "2026-11-30T15:20:00+01:00", ticket: "D"), config: config)
        var off = Fixtures.ev(.handedOff, "2026-11-30T15:30:00+01:00", ticket: "C")
        off.toRegion = "amer"
        _ = book.apply(off, config: config)
        let candidates = book.handoffCandidates(handledBy: "emea")
        #expect(candidates.map(\.ticket) == ["A", "B"])
        #expect(candidates.map(\.responded) == [false, true])
        #expect(book.handoffCandidates(handledBy: "amer").map(\.ticket) == ["C"])

        // Two unanswered tickets at closing with amer and apac... apac is closed at 01:00 SGT: both go to amer.
        var live = Fixtures.allLive
        live["amer"] = RegionLoad(liveWorkers: 1, backlog: 0)
        let moves = Router.handoffs(
            closing: "emea", tickets: candidates + [HandoffCandidate(ticket: "E", plan: "enterprise", home: "emea", tier: .l1, responded: false)],
            config: config, now: Fixtures.t("2026-11-30T18:00:00+01:00"), live: live)
        #expect(moves.map(\.to) == ["amer", nil, "amer"])
        #expect(moves.map(\.reason) == [.handedOff, .staysAnswered, .handedOff])
    }

    @Test("remove keeps the other clocks and the timer queue consistent")
    func remove() {
        var book = SLAClockBook()
        for id in ["A", "B", "C"] {
            _ = book.apply(.created(Fixtures.ticket(id, createdAt: "2026-11-30T09:00:00+01:00")), config: config)
        }
        let first = book.remove("A"), second = book.remove("A")
        #expect(first)
        #expect(!second)
        #expect(book.count == 2)
        #expect(Set(book.tickets) == ["B", "C"])
        let next = book.nextDeadline
        #expect(next == Fixtures.t("2026-11-30T10:00:00+01:00"))
        let fired = book.advance(to: Fixtures.t("2026-11-30T10:00:00+01:00"), config: config)
        #expect(Set(fired.map(\.ticket)) == ["B", "C"])
        #expect(fired.compactMap { $0.action.alert?.messageID }.sorted()
            == ["B:first_response:0:warning500", "C:first_response:0:warning500"])
    }

    @Test("Events before a ticket's created/routed are counted and ignored")
    func orphans() {
        var book = SLAClockBook()
        #expect(book.apply(Fixtures.ev(.responded, "2026-11-30T09:00:00+01:00"), config: config) == [])
        #expect(book.orphanEvents == 1)
        #expect(book.count == 0)
    }

    @Test("A routed event alone creates the clock, with its handling region and tier")
    func routedCreates() {
        var book = SLAClockBook()
        let ticket = Fixtures.ticket(createdAt: "2026-11-27T17:50:00+01:00")
        let decision = Router.decide(ticket: ticket, config: config, now: ticket.createdAt, live: Fixtures.allLive)
        let actions = book.apply(.routed(ticket, decision: decision, at: ticket.createdAt + 1), config: config)
        #expect(actions.first == .cancelTimers)
        #expect(actions.timers.contains(.breach(.firstResponse, at: decision.firstResponseDue)))
        #expect(book["T-1"]?.handling == "amer")
        #expect(book["T-1"]?.tier == .l1)
        // The created event arriving afterwards changes nothing.
        #expect(book.apply(.created(ticket), config: config) == [])
    }
}

@Suite("SLA clock book: duplicates of routing records")
struct RoutedDuplicateTests {
    @Test("A duplicate routed event after a hand-off does not move the ticket back")
    func routedAfterHandoff() {
        let config = Fixtures.config
        var book = SLAClockBook()
        let ticket = Fixtures.ticket(createdAt: "2026-11-30T17:00:00+01:00")
        let decision = Router.decide(ticket: ticket, config: config, now: ticket.createdAt, live: Fixtures.allLive)
        let routed = TicketEvent.routed(ticket, decision: decision, at: ticket.createdAt)
        _ = book.apply(.created(ticket), config: config)
        _ = book.apply(routed, config: config)
        #expect(book["T-1"]?.handling == "emea")
        var off = Fixtures.ev(.handedOff, "2026-11-30T18:00:00+01:00")
        off.toRegion = "amer"
        _ = book.apply(off, config: config)
        #expect(book.apply(routed, config: config) == [])
        #expect(book["T-1"]?.handling == "amer")
    }
}

@Suite("SLA clock footprint")
struct FootprintTests {
    @Test("A clock stays a small inline value (no arrays or strings of its own beyond inline ids)")
    func layout() {
        #expect(MemoryLayout<SLAClock>.stride == 152)
    }
}
