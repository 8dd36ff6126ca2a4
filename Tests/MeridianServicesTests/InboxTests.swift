import BusinessTime
import MeridianServices
import MeridianTesting
import NATSServerLauncher
import NATS
import Testing
import TicketRouting

@Suite("A region's inbox on a real nats-server")
struct InboxTests {
    static func t(_ iso: String) -> Instant { Instant(iso8601: iso)! }

    /// Tuesday 2026-11-24, emea open 07:00-17:00Z. The next deadline of a clock is its earliest
    /// timer: the first warning (50%) while nothing else is nearer; L1's 8 business hours end 17:00Z.
    @Test("meridian.inbox.<region> answers the open tickets, most urgent first, with their clocks")
    func inboxMostUrgentFirst() async throws {
        let h = try await ServiceHarness(name: "inbox", start: Self.t("2026-11-24T09:00:00Z"))
        let router = h.startRouter()
        let worker = try await h.startWorker("emea", node: "emea-1")
        try await waitUntil("emea worker live") { router.liveLoads()["emea"]?.liveWorkers == 1 }

        let tickets: [(id: String, plan: String, severity: String, created: String)] = [
            ("I-1", "enterprise", "major", "2026-11-24T09:00:00Z"),     // 2h: 50% at 10:00Z
            ("I-2", "enterprise", "critical", "2026-11-24T09:00:00Z"),  // 1h: 50% at 09:30Z
            ("I-3", "premium", "major", "2026-11-24T09:00:00Z"),        // 12h: 50% at 15:00Z
            ("I-4", "enterprise", "major", "2026-11-24T08:40:00Z"),     // 2h: 50% at 09:40Z
            ("I-5", "enterprise", "major", "2026-11-24T09:00:00Z"),     // waiting: no deadline, last
            ("I-6", "enterprise", "major", "2026-11-24T09:00:00Z"),     // resolved: not in the inbox
            ("I-7", "enterprise", "major", "2026-11-24T09:00:00Z"),     // answered: L1 target 17:00Z
        ]
        for ticket in tickets {
            _ = try await h.submit(ServiceFixtures.ticketJSON(
                ticket.id, plan: ticket.plan, severity: ticket.severity, createdAt: ticket.created))
        }
        try await waitUntil("all assigned") { h.delivered.count == tickets.count }
        h.clock.advance(to: Self.t("2026-11-24T09:15:00Z"))
        try await h.record(.waitingOnCustomer, ticket: "I-5", at: Self.t("2026-11-24T09:05:00Z"))
        try await h.record(.resolved, ticket: "I-6", at: Self.t("2026-11-24T09:10:00Z"))
        try await h.record(.responded, ticket: "I-7", at: Self.t("2026-11-24T09:10:00Z"), automatic: false)
        try await waitUntil("the node applied the team's actions") {
            let clocks = worker.clocks
            return clocks.clock("I-5")?.phase == .waiting && clocks.clock("I-6")?.phase == .resolved
                && clocks.openTickets(at: h.clock.now()).first { $0.ticket == "I-7" }?.firstResponse.state == .met
        }

        let inbox = try await h.inbox("emea")
        #expect(inbox.map(\.ticket) == ["I-2", "I-4", "I-1", "I-3", "I-7", "I-5"])
        #expect(inbox.map(\.nextDeadline) == [
            Self.t("2026-11-24T09:30:00Z"), Self.t("2026-11-24T09:40:00Z"), Self.t("2026-11-24T10:00:00Z"),
            Self.t("2026-11-24T15:00:00Z"), Self.t("2026-11-24T17:00:00Z"), nil,
        ])
        #expect(inbox.map(\.firstResponse.state) == [.running, .running, .running, .running, .met, .paused])
        #expect(inbox.map(\.firstResponse.due) == [
            Self.t("2026-11-24T10:00:00Z"), Self.t("2026-11-24T10:40:00Z"), Self.t("2026-11-24T11:00:00Z"),
            Self.t("2026-11-25T11:00:00Z"),  // 12 business hours: 8 on Tuesday, 4 on Wednesday
            Self.t("2026-11-24T11:00:00Z"), nil,
        ])
        // Business seconds used at 09:15Z (I-4 since 08:40Z; I-5 paused at 09:05Z; I-7 stopped at 09:10Z).
        #expect(inbox.map(\.firstResponse.usedSeconds) == [900, 2100, 900, 900, 600, 300])
        #expect(inbox.allSatisfy { $0.region == "emea" && $0.handling == "emea" && $0.tier == .l1 })
        #expect(inbox.map(\.phase) == [.open, .open, .open, .open, .open, .waiting])
        await h.stop()
    }

    /// 3,000 open tickets take about 1.4 MB of JSON, more than one NATS message may carry
    /// (max_payload, 1 MB by default): the inbox answers with the most urgent that fit, and says
    /// how many are open in the `Meridian-Open-Tickets` header.
    @Test("an inbox larger than one NATS message answers with the most urgent tickets and the total")
    func inboxLargerThanAMessage() async throws {
        let h = try await ServiceHarness(name: "inbox-large", start: Self.t("2026-11-24T09:00:00Z"))
        let worker = try await h.startWorker("emea", node: "emea-1")
        try await h.waitForStreams()
        let count = 3000
        // `created` events are enough for a node to keep a clock. Ticket i is created i seconds
        // before 09:00Z, so the higher i, the more urgent.
        let publisher = try h.js.makeAsyncPublisher()
        for i in 0..<count {
            let json = ServiceFixtures.ticketJSON("L-\(10_000 + i)", createdAt: (Self.t("2026-11-24T09:00:00Z") + Int64(-i)).iso8601)
            guard case .success(let ticket) = Ticket.validate(json: json, config: ServiceFixtures.config) else {
                Issue.record("fixture ticket invalid")
                return
            }
            let event = TicketEvent.created(ticket)
            try await publisher.publish(event.subject, payload: Array(event.jsonString.utf8), messageID: event.messageID)
        }
        #expect(await publisher.complete().acknowledged == count)
        try await waitUntil("the node holds every clock") { worker.clocks.count == count }

        let reply = try await h.connection.request(Subjects.inbox("emea"), timeout: .seconds(10))
        let inbox = try JSONCoding.decode([TicketClockStatus].self, from: reply.payload)
        #expect(reply.headers["Meridian-Open-Tickets"] == "\(count)")
        #expect(inbox.count > 0)
        #expect(inbox.count < count)
        #expect(reply.payload.count <= 1_048_576)
        // The most urgent first: the oldest ticket, created 09:00Z - 2999 s, 50% at 10:00Z - 2999 s.
        #expect(inbox.first?.ticket == "L-12999")
        #expect(inbox.first?.nextDeadline == Self.t("2026-11-24T10:00:00Z") + -2999)
        let all = worker.clocks.openTickets(at: h.clock.now())
        #expect(inbox.map(\.ticket) == Array(all.prefix(inbox.count).map(\.ticket)))
        await h.stop()
    }
}
