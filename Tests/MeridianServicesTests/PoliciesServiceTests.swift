import NATSServerLauncher
import BusinessTime
import Foundation
import MeridianServices
import MeridianTesting
import NATS
import Testing
import TicketRouting

@Suite("Support policies on a real nats-server: threading, owners, partner warnings")
struct PoliciesServiceTests {
    static let config: MeridianConfig = {
        let yaml = ServiceFixtures.yaml + """

            partners:
              escalation_warning: { threshold: 0.5, window: 30d, min_cases: 2 }
            threading: { reopen_window: 1d }

            """
        do { return try MeridianConfig.parse(yaml: yaml, file: "policies-test.yaml") } catch {
            fatalError("policies config: \(error)")
        }
    }()

    /// The phase of `ticket` as its home region's workers answer on the inbox.
    static func phase(_ h: ServiceHarness, _ ticket: TicketID, home: RegionID = "emea") async throws -> TicketPhase? {
        let reply = try await h.connection.request(Subjects.inbox(home), timeout: .seconds(5))
        return try JSONCoding.decode([TicketClockStatus].self, from: reply.payload).first { $0.ticket == ticket }?.phase
    }

    // Tuesday 2026-11-24 09:00Z: 10:00 Paris (emea open), 04:00 New York (amer closed).
    static let morning = ServiceFixtures.t("2026-11-24T09:00:00Z")

    @Test("""
        a follow-up naming a case is customer_replied on it and opens nothing; its work goes to the owner \
        while the owner's region is open, else the tier's queue; an unknown case is unknown_case; a case \
        resolved within the window is reopened, one resolved longer ago gets a new linked ticket; \
        the partner crossing its threshold is warned once
        """)
    func threadingOwnersWarnings() async throws {
        let h = try await ServiceHarness(name: "policies", start: Self.morning, config: Self.config)
        let router = h.startRouter()
        try await h.startWorker("emea", node: "emea-1")
        try await h.startWorker("amer", node: "amer-1")
        try await waitUntil("workers live") { router.liveLoads().count == 2 }
        let log = EventLog(h.js)

        let first = try await h.submit(ServiceFixtures.ticketJSON("T-1", plan: "premium", createdAt: "2026-11-24T09:00:00Z"))
        #expect(first.contains(#""region":"emea""#))
        try await waitUntil("T-1 at l1") { h.delivered.count == 1 }
        try await log.append(.simple(.escalated, ticket: "T-1", at: Self.morning + 60, region: "emea", tier: .l2,
                                     automatic: false), id: "T-1:escalated:l2")
        try await waitUntil("T-1 at l2") { h.delivered.count == 2 }
        #expect(h.delivered[1].work.tier == .l2)
        let owner = CaseOwner(name: "ana", region: "amer", takenAt: Self.morning + 120)
        let taken = owner.event(ticket: "T-1", home: "emea", tier: .l2)
        try await log.append(taken, id: taken.messageID)

        // The team waits on the customer: the clocks pause.
        try await log.append(.simple(.waitingOnCustomer, ticket: "T-1", at: Self.morning + 180, region: "emea"), id: "T-1:wait")
        try await waitUntil("T-1 waiting") { try await Self.phase(h, "T-1") == .waiting }
        h.clock.advance(to: Self.morning + 300)

        // amer is closed: the follow-up resumes the clock and goes to the l2 queue of emea, unmarked.
        let reply = try await h.submit(Array(#"{"case":"T-1","id":"M-1","details":"Still failing at 90%."}"#.utf8))
        #expect(reply == #"{"threaded":"T-1"}"#)
        try await waitUntil("T-1 running again") { try await Self.phase(h, "T-1") == .open }
        try await waitUntil("follow-up work (off shift)") { h.delivered.count == 3 }
        let offShift = h.delivered[2].work
        #expect(offShift.workID.rawValue.hasPrefix("T-1:followup:"))
        #expect(offShift.region == "emea")
        #expect(offShift.tier == .l2)
        #expect(offShift.owner == nil)
        #expect(offShift.reason == "owner_off_shift")
        let replied = try await h.events("meridian.events.emea.customer_replied.T-1")
        #expect(replied.count == 1)
        #expect(replied.first?.at == Self.morning + 300)
        #expect(replied.first?.note == "Still failing at 90%.")
        #expect(try await h.events("meridian.events.*.created.*").map(\.ticket) == ["T-1"])
        // The same follow-up again is stored once (its id is the de-duplication key).
        #expect(try await h.submit(Array(#"{"case":"T-1","id":"M-1","details":"Still failing at 90%."}"#.utf8))
            == #"{"threaded":"T-1"}"#)
        #expect(try await h.events("meridian.events.emea.customer_replied.T-1").count == 1)

        // 15:00Z = 10:00 New York: the owner is on shift; a subject reference threads too.
        h.clock.advance(to: ServiceFixtures.t("2026-11-24T15:00:00Z"))
        var followUp = String(decoding: ServiceFixtures.ticketJSON("M-2", plan: "premium", createdAt: "2026-11-24T15:00:00Z"), as: UTF8.self)
        followUp = followUp.replacingOccurrences(of: #""subject":"Export fails""#, with: #""subject":"Re: [Case T-1] Export fails""#)
        #expect(try await h.submit(Array(followUp.utf8)) == #"{"threaded":"T-1"}"#)
        try await waitUntil("follow-up work (owner)") { h.delivered.count == 4 }
        let toOwner = h.delivered[3].work
        #expect(toOwner.region == "amer")
        #expect(toOwner.tier == .l2)
        #expect(toOwner.owner == "ana")
        #expect(toOwner.reason == "owner")
        #expect(h.delivered[3].node == "amer-1")

        // Unknown case: an error, nothing recorded.
        let before = try await h.js.streamInfo(MeridianStreams.events).lastSequence
        let unknown = try await h.submit(Array(#"{"case":"NOPE-9","details":"hello"}"#.utf8))
        #expect(unknown.hasPrefix(#"{"error":{"code":"unknown_case","field":"case","#))
        let badCase = try await h.submit(Array(#"{"case":"T 1"}"#.utf8))
        #expect(badCase.hasPrefix(#"{"error":{"code":"bad_case","field":"case","#))
        #expect(try await h.js.streamInfo(MeridianStreams.events).lastSequence == before)

        // A second case of reseller-7: 1 of 2 escalated = 0.5 ≥ threshold with min_cases 2: one warning.
        _ = try await h.submit(ServiceFixtures.ticketJSON("T-2", plan: "premium", createdAt: "2026-11-24T15:00:00Z"))
        try await waitUntil("partner warning") {
            try await h.events("meridian.events.*.partner_warning.*").count == 1
        }
        let warning = try await h.events("meridian.events.*.partner_warning.*")[0]
        #expect(warning.ticket == "T-2")
        #expect(warning.region == "emea")
        #expect(warning.partner == "reseller-7")
        #expect(warning.cases == 2)
        #expect(warning.escalations == 1)
        #expect(warning.at == ServiceFixtures.t("2026-11-24T15:00:00Z"))
        #expect(warning.note?.hasSuffix("we advise buying a partner support plan.") == true)

        // Resolved an hour ago (within 1d): a follow-up reopens the case.
        try await log.append(.simple(.resolved, ticket: "T-1", at: ServiceFixtures.t("2026-11-24T15:00:00Z"), region: "emea"),
                             id: "T-1:resolved:1")
        try await log.append(.simple(.resolved, ticket: "T-2", at: ServiceFixtures.t("2026-11-24T15:00:00Z"), region: "emea"),
                             id: "T-2:resolved:1")
        h.clock.advance(to: ServiceFixtures.t("2026-11-24T16:00:00Z"))
        #expect(try await h.submit(Array(#"{"case":"T-1"}"#.utf8)) == #"{"threaded":"T-1"}"#)
        let reopened = try await h.events("meridian.events.emea.reopened.T-1")
        #expect(reopened.map(\.at) == [ServiceFixtures.t("2026-11-24T16:00:00Z")])

        // T-2 resolved 25 hours ago: the message is a new ticket, linked to it.
        h.clock.advance(to: ServiceFixtures.t("2026-11-25T16:00:00Z"))
        var late = String(decoding: ServiceFixtures.ticketJSON("T-3", plan: "premium", createdAt: "2026-11-25T16:00:00Z"), as: UTF8.self)
        late = late.replacingOccurrences(of: #""subject":"Export fails""#, with: #""subject":"Case #T-2 is back""#)
        let routed = try await h.submit(Array(late.utf8))
        #expect(routed.contains(#""ticket":"T-3""#))
        let created = try await h.events("meridian.events.emea.created.T-3")
        #expect(created.map(\.linkedCase) == ["T-2"])
        #expect(created.map(\.partner) == ["reseller-7"])
        // Still one warning: 1 of 3 is below the threshold, and the window's warning was given.
        #expect(try await h.events("meridian.events.*.partner_warning.*").count == 1)
        await h.stop()
    }
}
