import NATSServerLauncher
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

@Suite("Webhook signatures")
struct WebhookSignatureTests {
    static let signer = WebhookSigner(secret: Array("whsec-test-0123456789".utf8))!

    @Test("t=<unix>,v1=<hex HMAC-SHA256 of \"t.body\">: the known answer, checked by a receiver within 5 minutes")
    func knownAnswerAndReplayWindow() {
        let body = Array(#"{"a":1}"#.utf8)
        // python3: hmac.new(b"whsec-test-0123456789", b'1764820800.{"a":1}', hashlib.sha256).hexdigest()
        let header = Self.signer.signature(body: body, at: 1_764_820_800)
        #expect(header == "t=1764820800,v1=\(Self.expected)")
        #expect(Self.signer.verify(header: header, body: body, now: 1_764_820_800 + 300))
        #expect(!Self.signer.verify(header: header, body: body, now: 1_764_820_800 + 301))   // a replay
        #expect(!Self.signer.verify(header: header, body: Array(#"{"a":2}"#.utf8), now: 1_764_820_800))
        #expect(!(WebhookSigner(secret: Array("another-secret-0123".utf8))!.verify(header: header, body: body, now: 1_764_820_800)))
    }

    @Test("hostile headers are rejected, never trap", arguments: [
        "", "t=", "v1=00", "t=1764820800", "t=abc,v1=00", "t=-9223372036854775808,v1=" + String(repeating: "0", count: 64),
        "t=9223372036854775807,v1=zz", "t=1764820800,v1=" + String(repeating: "g", count: 64),
    ])
    func hostileHeaders(_ header: String) {
        #expect(!Self.signer.verify(header: header, body: [], now: 1_764_820_800))
        #expect(WebhookSigner(secret: Array("short".utf8)) == nil)
    }

    @Test("a signed delivery carries the header the receiver verifies")
    func signedDelivery() async throws {
        let server = try LoopbackHTTPServer(status: 204)
        defer { server.stop() }
        let channel = WebhookChannel(url: URL(string: server.url)!, timeout: .seconds(5), signer: Self.signer)
        try await channel.deliver(WebhookTests.assignment)
        let head = try #require(server.heads.first)
        let line = try #require(head.split(separator: "\r\n").first { $0.hasPrefix("meridian-signature:") })
        let value = line.dropFirst("meridian-signature:".count).trimmingCharacters(in: .whitespaces)
        let now = Int64(Date().timeIntervalSince1970)
        #expect(Self.signer.verify(header: value, body: server.bodies[0], now: now))
    }
}

extension WebhookSignatureTests {
    static let expected = "345a6234b51fc70f44c07851816e8ec51ab2bc48669b2dc1a2abdb7c492c5621"
}
