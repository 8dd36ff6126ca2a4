import BusinessTime
import Testing
import TicketRouting

@Suite("Case references, threading and ownership")
struct ThreadingTests {
    @Test("a case named in a subject, in each accepted form", arguments: [
        ("[Case T-1001] printer on fire", "T-1001"),
        ("Re: [case t_9]", "t_9"),
        ("[CASE #A-1]", "A-1"),
        ("Still broken, Case #T-77.", "T-77"),
        ("case #X", "X"),
        ("Re: Case  #9 again", "9"),
        ("[Case T-1] and [Case T-2]", "T-1"),
        ("no ref, then Case #T-5", "T-5"),
        ("[Case \(String(repeating: "a", count: 64))]", String(repeating: "a", count: 64)),
    ])
    func references(subject: String, id: String) {
        #expect(CaseReference.inSubject(subject) == TicketID(id))
    }

    @Test("hostile subjects name no case", arguments: [
        "", "Case", "[Case]", "[Case ]", "[Case T-1", "[Case T-1 ]", "[CaseT-1]", "Case T-1", "Case #",
        "Showcase #12", "Suitcase #1", "_case #1", "[Case T/1]", "[Case T.1]", "Case #é1",
        "[Case \(String(repeating: "a", count: 65))]", "Case #\(String(repeating: "b", count: 65))",
        "[Case \u{0}T-1]", "[Case T-1\u{0}]", "[Case #]", "[Case 🙂]", "Cas\u{0301}e #1",
    ])
    func hostile(subject: String) {
        #expect(CaseReference.inSubject(subject) == nil)
    }

    @Test("intake JSON: a case field or a subject reference is a follow-up; a bad case field is bad_case")
    func parse() throws {
        func parse(_ json: String) -> Result<FollowUpMessage, ValidationErrorReport>? {
            FollowUpMessage.parse(json: Array(json.utf8))
        }
        #expect(parse(#"{"case":"T-1","id":"M-1","details":"thanks"}"#)
            == .success(FollowUpMessage(caseID: "T-1", messageID: "M-1", details: "thanks")))
        #expect(parse(#"{"subject":"Re: [Case T-2] hi","id":"bad id"}"#) == .success(FollowUpMessage(caseID: "T-2")))
        #expect(parse(#"{"id":"T-3","subject":"new problem"}"#) == nil)
        #expect(parse("not json") == nil)
        #expect(parse(#"["case","T-1"]"#) == nil)
        for bad in [#"{"case":5}"#, #"{"case":"T 1"}"#, #"{"case":""}"#, #"{"case":["T-1"]}"#,
                    #"{"case":"\#(String(repeating: "x", count: 65))"}"#] {
            guard case .failure(let report)? = parse(bad) else {
                Issue.record("\(bad) was not refused")
                continue
            }
            #expect(report.error.code == .badCase)
            #expect(report.error.field == "case")
        }
        let long = String(repeating: "y", count: 5_000)
        guard case .success(let m)? = parse(#"{"case":"T-1","details":"\#(long)"}"#) else {
            Issue.record("long details")
            return
        }
        #expect(m.details?.count == FollowUpMessage.maxNoteLength)
        let huge = #"{"case":"T-1","details":""# + String(repeating: "z", count: 70_000) + #""}"#
        #expect(parse(huge) == nil)   // the validator reports too_large
    }

    @Test("open case: customer_replied; resolved within the window: reopened; later: a new linked ticket; unknown: unknown_case")
    func decide() {
        let now = Fixtures.t("2026-12-01T10:00:00Z")
        let policy = ThreadingPolicy(reopenWindow: 30 * 86_400)
        let message = FollowUpMessage(caseID: "T-1", messageID: "M-9", details: "it happened again")
        guard case .thread(let replied, let id) = Threading.decide(
            message, state: CaseState(home: "emea"), now: now, policy: policy) else {
            Issue.record("open case not threaded")
            return
        }
        #expect(replied.kind == .customerReplied)
        #expect(replied.ticket == "T-1")
        #expect(replied.region == "emea")
        #expect(replied.at == now)
        #expect(replied.note == "it happened again")
        #expect(id == "T-1:followup:M-9")

        let recent = CaseState(home: "amer", lastResolved: now - 30 * 86_400, lastReopened: nil)
        guard case .thread(let reopened, let id2) = Threading.decide(
            FollowUpMessage(caseID: "T-1"), state: recent, now: now, policy: policy) else {
            Issue.record("recent case not reopened")
            return
        }
        #expect(reopened.kind == .reopened)
        #expect(reopened.region == "amer")
        #expect(id2 == "T-1:reopened:\(now.unixSeconds)")

        let old = CaseState(home: "amer", lastResolved: now - 30 * 86_400 - 1, lastReopened: now - 40 * 86_400)
        #expect(Threading.decide(message, state: old, now: now, policy: policy) == .newTicket(linkedTo: "T-1"))

        guard case .unknown(let report) = Threading.decide(message, state: nil, now: now, policy: policy) else {
            Issue.record("unknown case accepted")
            return
        }
        #expect(report.error.code == .unknownCase)
        #expect(report.jsonString.hasPrefix(#"{"error":{"code":"unknown_case","field":"case","#))
    }

    @Test("case state: a reopening after the last resolution makes the case open")
    func caseState() {
        let t = Fixtures.t("2026-12-01T10:00:00Z")
        #expect(CaseState(home: "emea", lastResolved: nil, lastReopened: nil).resolvedAt == nil)
        #expect(CaseState(home: "emea", lastResolved: t, lastReopened: nil).resolvedAt == t)
        #expect(CaseState(home: "emea", lastResolved: t, lastReopened: t + 1).resolvedAt == nil)
        #expect(CaseState(home: "emea", lastResolved: t + 1, lastReopened: t).resolvedAt == t + 1)
    }

    @Test("take: L2 or above, a sane name; the taken event round-trips")
    func take() throws {
        #expect(CaseOwner.refusal(name: "ana", tier: .l1)
            == "the case is at l1; a case is taken at L2 or above (escalate it first)")
        #expect(CaseOwner.refusal(name: "ana", tier: .l2) == nil)
        #expect(CaseOwner.refusal(name: "ana", tier: .l3) == nil)
        #expect(CaseOwner.refusal(name: "", tier: .l2) != nil)
        #expect(CaseOwner.refusal(name: "a\nb", tier: .l2) != nil)
        #expect(CaseOwner.refusal(name: String(repeating: "n", count: 129), tier: .l2) != nil)
        let owner = CaseOwner(name: "ana", region: "amer", takenAt: Fixtures.t("2026-12-01T15:00:00Z"))
        let event = owner.event(ticket: "T-1", home: "emea", tier: .l2)
        #expect(event.subject == "meridian.events.emea.taken.T-1")
        #expect(event.jsonString == #"{"at":"2026-12-01T15:00:00Z","kind":"taken","owner":"ana","region":"emea","ticket":"T-1","tier":"l2","to_region":"amer"}"#)
        let back = try TicketEvent.decode(json: Array(event.jsonString.utf8))
        #expect(CaseOwner(event: back) == owner)
        #expect(CaseOwner(event: TicketEvent.simple(.resolved, ticket: "T-1", at: owner.takenAt, region: "emea")) == nil)
    }

    @Test("follow-up work: to the owner's region, marked, while it is open and staffs the tier; else the tier's queue")
    func route() {
        let config = Fixtures.config
        let owner = CaseOwner(name: "ana", region: "amer", takenAt: Fixtures.t("2026-12-01T15:00:00Z"))
        // Tuesday 2026-12-01 15:00Z = 10:00 New York: amer open.
        let open = Fixtures.t("2026-12-01T15:00:00Z")
        #expect(CaseOwner.route(owner: owner, handling: "emea", tier: .l2, config: config, now: open)
            == FollowUpDecision(region: "amer", tier: .l2, owner: "ana", reason: "owner",
                                reasonText: "owned by ana (amer), on shift"))
        // 03:00Z = 22:00 New York: off shift.
        let night = Fixtures.t("2026-12-02T03:00:00Z")
        let off = CaseOwner.route(owner: owner, handling: "emea", tier: .l2, config: config, now: night)
        #expect(off.region == "emea")
        #expect(off.owner == nil)
        #expect(off.reason == "owner_off_shift")
        // amer does not staff l3 (fixture tiers: [l1, l2]).
        #expect(CaseOwner.route(owner: owner, handling: "emea", tier: .l3, config: config, now: open).region == "emea")
        #expect(CaseOwner.route(owner: nil, handling: "apac", tier: .l2, config: config, now: open)
            == FollowUpDecision(region: "apac", tier: .l2, owner: nil, reason: "tier_queue",
                                reasonText: "no owner; to the l2 queue of apac"))
    }
}
