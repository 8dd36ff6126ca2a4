import BusinessTime
import Foundation
import MeridianServices
import MeridianTesting
import Testing
import TicketRouting

@Suite("Webhook team channel")
struct WebhookTests {
    static let assignment: Assignment = {
        let ticket = Ticket(
            id: "W-1", customer: "acme", plan: "enterprise", severity: .major, region: "emea",
            createdAt: Instant(iso8601: "2026-11-24T09:00:00Z")!, subject: "Export fails", details: "Stops at 90%.")
        let work = WorkItem(workID: .intake("W-1", .l1), ticket: ticket, region: "emea", tier: .l1, reason: "home_open",
                            reasonText: "home region emea is open")
        return Assignment(work: work, node: "emea-1", assignedAt: Instant(iso8601: "2026-11-24T09:00:01Z")!, delivery: 1)
    }()

    @Test("an assignment is POSTed as JSON; a non-2xx answer is an error, so the work is not acknowledged")
    func postsAndFails() async throws {
        let server = try LoopbackHTTPServer(status: 204)
        defer { server.stop() }
        let channel = WebhookChannel(url: URL(string: server.url)!, timeout: .seconds(5))
        try await channel.deliver(Self.assignment)
        #expect(server.bodies.count == 1)
        #expect(try JSONCoding.decode(Assignment.self, from: server.bodies[0]) == Self.assignment)

        server.answer(503)
        let error = await #expect(throws: WebhookError.self) { try await channel.deliver(Self.assignment) }
        #expect(error?.status == 503)
        #expect(server.bodies.count == 2)
    }
}
