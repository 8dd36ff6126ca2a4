import BusinessTime
import Foundation
import Testing
import TicketRouting

/// Hostile input at the pure core's boundaries: every case gets an exact error (code and field).
@Suite("Hostile input: event decoding")
struct HostileEventTests {
    static let base = #""ticket":"T-1","at":"2026-11-30T10:20:00Z","region":"emea","plan":"enterprise","severity":"major""#

    func error(_ json: String) -> WireError? {
        do {
            _ = try TicketEvent.decode(json: Array(json.utf8))
            return nil
        } catch {
            return error
        }
    }

    func warning(_ extra: String) -> String {
        #"{"# + Self.base + #","kind":"warning","due":"2026-11-30T10:00:00Z","# + extra + "}"
    }

    @Test("Field values that once trapped or lied are refused with code and field", arguments: [
        (#""threshold":1e300"#, "out_of_range", "threshold"),
        (#""threshold":-1e300"#, "out_of_range", "threshold"),
        (#""threshold":1.5"#, "out_of_range", "threshold"),
        (#""threshold":0"#, "out_of_range", "threshold"),
        (#""threshold":0.0001"#, "out_of_range", "threshold"),
        (#""threshold":"NaN""#, "bad_type", "threshold"),
        (#""threshold":"Infinity""#, "bad_type", "threshold"),
        (#""threshold":0.5,"cycle":1e300"#, "out_of_range", "cycle"),
        (#""threshold":0.5,"cycle":-1"#, "out_of_range", "cycle"),
        (#""threshold":0.5,"cycle":65536"#, "out_of_range", "cycle"),
        (#""threshold":0.5,"cycle":1.5"#, "out_of_range", "cycle"),
        (#""threshold":0.5,"overdue_seconds":-5"#, "out_of_range", "overdue_seconds"),
        (#""threshold":0.5,"overdue_seconds":9223372036854775807"#, "out_of_range", "overdue_seconds"),
        (#""threshold":0.5,"clock":"lunch""#, "unknown_value", "clock"),
        (#""threshold":0.5,"tier":"l9""#, "unknown_value", "tier"),
        (#""threshold":0.5,"to_region":"em ea""#, "bad_token", "to_region"),
        (#""threshold":0.5,"node":"a.b""#, "bad_token", "node"),
        (#""threshold":0.5,"automatic":"yes""#, "bad_type", "automatic"),
    ])
    func badWarningFields(extra: String, code: String, field: String) {
        let e = error(warning(extra))
        #expect(e?.code.rawValue == code)
        #expect(e?.field == field)
    }

    @Test("Common fields: unknown kinds, bad ids and regions, instants out of range", arguments: [
        (#"{"ticket":"T-1","kind":"exploded","at":"2026-11-30T10:00:00Z","region":"emea"}"#, "unknown_value", "kind"),
        (#"{"ticket":"a b","kind":"created","at":"2026-11-30T10:00:00Z","region":"emea"}"#, "bad_id", "ticket"),
        (#"{"ticket":"T-1","kind":"created","at":"2026-11-30T10:00:00Z","region":"em ea"}"#, "bad_token", "region"),
        (#"{"ticket":"T-1","kind":"created","at":"2026-11-30T10:00:00Z","region":"emea.>"}"#, "bad_token", "region"),
        (#"{"ticket":"T-1","kind":"created","at":"1900-01-01T00:00:00Z","region":"emea"}"#, "out_of_range", "at"),
        (#"{"ticket":"T-1","kind":"created","at":"9999-12-31T23:59:59Z","region":"emea"}"#, "out_of_range", "at"),
        (#"{"ticket":"T-1","kind":"created","at":"2026-11-30T10:00:00+23:59","region":"emea"}"#, "bad_timestamp", "at"),
        (#"{"ticket":"T-1","kind":"created","at":"yesterday","region":"emea"}"#, "bad_timestamp", "at"),
        (#"{"ticket":"T-1","kind":"created","at":"2026-11-30T10:00:00Z","region":"emea","created_at":"0000-01-01T00:00:00Z"}"#, "out_of_range", "created_at"),
        (#"{"ticket":"T-1","kind":"created","region":"emea"}"#, "missing_field", "at"),
        (#"{"kind":"created","at":"2026-11-30T10:00:00Z","region":"emea"}"#, "missing_field", "ticket"),
        (#"{"ticket":"T-1","kind":null,"at":"2026-11-30T10:00:00Z","region":"emea"}"#, "missing_field", "kind"),
        (#"{"ticket":7,"kind":"created","at":"2026-11-30T10:00:00Z","region":"emea"}"#, "bad_type", "ticket"),
        (#"[1,2,3]"#, "bad_type", ""),
        (#"{"ticket":"T-1""#, "bad_json", ""),
        ("", "bad_json", ""),
    ])
    func badCommonFields(json: String, code: String, field: String) {
        let e = error(json)
        #expect(e?.code.rawValue == code)
        #expect(e?.field == field)
    }

    @Test("Over-long text and oversize payloads")
    func tooLong() {
        let note = String(repeating: "x", count: TicketEvent.maxNoteLength + 1)
        let e = error(#"{"ticket":"T-1","kind":"responded","at":"2026-11-30T10:00:00Z","region":"emea","note":"\#(note)"}"#)
        #expect(e?.code == .tooLong)
        #expect(e?.field == "note")
        #expect(e?.message == "note has 4001 characters; the limit is 4000")
        let plan = String(repeating: "p", count: 65)
        #expect(error(#"{"ticket":"T-1","kind":"created","at":"2026-11-30T10:00:00Z","region":"emea","plan":"\#(plan)"}"#)?.code == .badToken)
        let huge = #"{"ticket":"T-1","kind":"created","at":"2026-11-30T10:00:00Z","region":"emea","note":""# + String(repeating: "y", count: 70_000) + #""}"#
        #expect(error(huge)?.code == .tooLarge)
    }

    @Test("A valid warning still decodes, and its permille and message id come from the checked conversion")
    func validWarning() throws {
        let event = try TicketEvent.decode(json: Array(warning(#""clock":"first_response","cycle":0,"threshold":0.755"#).utf8))
        #expect(event.warningPermille == 755)
        #expect(event.messageID == "T-1:first_response:0:warning755")
        // A hand-built event with a hostile threshold gets a message id, not a trap.
        var bad = event
        bad.threshold = .nan
        #expect(bad.messageID == "T-1:first_response:0:warning0")
        bad.threshold = 1e300
        #expect(bad.warningPermille == nil)
    }

    @Test("A clock fed a hand-built warning with a hostile threshold ignores it")
    func clockIgnoresBadThreshold() {
        let ticket = Fixtures.ticket(createdAt: "2026-11-30T09:00:00Z")
        var clock = SLAClock(event: .created(ticket))!
        _ = clock.handle(.created(ticket), config: Fixtures.config)
        for threshold in [1e300, -1e300, Double.nan, .infinity] {
            var alert = TicketEvent(
                ticket: ticket.id, kind: .warning, at: Fixtures.t("2026-11-30T09:30:00Z"), region: "emea",
                plan: "enterprise", severity: .major, clock: .firstResponse, cycle: 0, threshold: threshold,
                due: Fixtures.t("2026-11-30T09:30:00Z"))
            alert.note = nil
            #expect(clock.handle(alert, config: Fixtures.config) == [])
        }
    }

    @Test("Checked conversion refuses what Int(_:) traps on", arguments: [
        (Double.nan, Int?.none), (.infinity, nil), (-.infinity, nil), (1e300, nil), (-1e300, nil),
        (9.3e18, nil), (2.5, 3), (-2.5, -3), (41.4, 41),
    ])
    func checked(value: Double, expected: Int?) {
        #expect(CheckedConversion.rounded(value, in: Int.min...Int.max) == expected)
    }
}

@Suite("Hostile input: stored tickets and intake time window")
struct HostileTicketTests {
    let config = Fixtures.config
    let now = Fixtures.t("2026-11-30T12:00:00Z")

    func ticketJSON(createdAt: String) -> [UInt8] {
        Array(Fixtures.validJSON.replacingOccurrences(of: "2026-11-27T17:50:00+01:00", with: createdAt).utf8)
    }

    func problem(_ createdAt: String) -> String? {
        guard case .failure(let report) = Ticket.validate(json: ticketJSON(createdAt: createdAt), config: config, now: now)
        else { return nil }
        return "\(report.error.code.rawValue) \(report.error.field)"
    }

    @Test("created_at outside the window around now, or with an impossible offset, is refused", arguments: [
        ("0000-01-01T00:00:00Z", "out_of_range created_at"),
        ("1900-01-01T00:00:00Z", "out_of_range created_at"),
        ("1970-01-01T00:00:00Z", "out_of_range created_at"),
        ("9999-12-31T23:59:59Z", "out_of_range created_at"),
        ("2025-11-29T11:59:59Z", "out_of_range created_at"),
        ("2026-11-30T12:05:01Z", "out_of_range created_at"),
        ("2026-11-30T12:00:00+23:59", "bad_timestamp created_at"),
        ("2026-11-30T12:00:00-14:01", "bad_timestamp created_at"),
    ])
    func outside(createdAt: String, expected: String) {
        #expect(problem(createdAt) == expected)
    }

    @Test("The window's edges are inside", arguments: [
        "2025-11-30T12:00:00Z", "2026-11-30T12:05:00Z", "2026-11-30T23:00:00+11:00", "2026-11-30T12:00:00+14:00",
    ])
    func inside(createdAt: String) {
        #expect(problem(createdAt) == nil)
    }

    @Test("The message names the limit and its config key")
    func message() throws {
        guard case .failure(let report) = Ticket.validate(json: ticketJSON(createdAt: "1970-01-01T00:00:00Z"), config: config, now: now)
        else { Issue.record("accepted"); return }
        #expect(report.error.message
            == "created_at 1970-01-01T00:00:00Z is more than 8760h before now (2026-11-30T12:00:00Z); the limit is intake.max_age")
    }

    @Test("intake.max_age and intake.max_future come from the config")
    func configured() throws {
        let yaml = Fixtures.yaml + "intake: { max_age: 30d, max_future: 0s }\n"
        let c = try MeridianConfig.parse(yaml: yaml, file: "t.yaml")
        #expect(c.intake == IntakeWindow(maxAge: 30 * 86_400, maxFuture: 0))
        guard case .failure(let report) = Ticket.validate(json: ticketJSON(createdAt: "2026-11-30T12:00:01Z"), config: c, now: now)
        else { Issue.record("accepted"); return }
        #expect(report.error.code == .outOfRange)
        #expect(Fixtures.config.intake == IntakeWindow(maxAge: 31_536_000, maxFuture: 300))
    }

    @Test("Action instants: never before the ticket's creation, and inside the window")
    func actions() {
        let window = IntakeWindow()
        let created = Fixtures.t("2026-11-30T09:00:00Z")
        #expect(window.checkAction(at: Fixtures.t("2026-11-30T10:00:00Z"), ticketCreatedAt: created, now: now) == nil)
        let before = window.checkAction(at: Fixtures.t("2026-11-30T08:59:59Z"), ticketCreatedAt: created, now: now)
        #expect(before == ValidationError(
            code: .outOfRange, field: "at",
            message: "at 2026-11-30T08:59:59Z is before the ticket was created (2026-11-30T09:00:00Z)"))
        let future = window.checkAction(at: Fixtures.t("2099-01-01T00:00:00Z"), ticketCreatedAt: created, now: now)
        #expect(future?.code == .outOfRange)
        #expect(future?.field == "at")
        // Extreme instants saturate instead of overflowing.
        let far = window.checkAction(at: Instant(unixSeconds: .max), ticketCreatedAt: created, now: Instant(unixSeconds: .max - 1))
        #expect(far == nil)
        #expect(window.range(now: Instant(unixSeconds: .min)).lowerBound == Instant(unixSeconds: .min))
    }

    func storedError(_ json: String) -> WireError? {
        do {
            _ = try WireDecoding.decode(Ticket.self, from: Array(json.utf8))
            return nil
        } catch {
            return error
        }
    }

    @Test("A ticket read back from the bus or the store is checked field by field", arguments: [
        ("\"region\":\"emea\"", "\"region\":\"em ea\"", "bad_token", "region"),
        ("\"id\":\"T-1001\"", "\"id\":\"T 1001\"", "bad_id", "id"),
        ("\"plan\":\"enterprise\"", "\"plan\":\"a.b\"", "bad_token", "plan"),
        ("\"severity\":\"major\"", "\"severity\":\"apocalyptic\"", "unknown_value", "severity"),
        ("\"created_at\":\"2026-11-27T17:50:00+01:00\"", "\"created_at\":\"9999-01-01T00:00:00Z\"", "out_of_range", "created_at"),
        ("\"subject\":\"Export fails\"", "\"subject\":\"\(String(repeating: "s", count: 201))\"", "too_long", "subject"),
        ("\"customer\":\"acme\",", "", "missing_field", "customer"),
    ])
    func stored(from: String, to: String, code: String, field: String) {
        let e = storedError(Fixtures.validJSON.replacingOccurrences(of: from, with: to))
        #expect(e?.code.rawValue == code)
        #expect(e?.field == field)
    }

    @Test("A valid stored ticket round-trips")
    func roundTrip() throws {
        let ticket = Fixtures.ticket(createdAt: "2026-11-30T09:00:00Z")
        #expect(try WireDecoding.decode(Ticket.self, from: Array(ticket.jsonString.utf8)) == ticket)
    }
}

@Suite("Ticket identity and escalation rules")
struct IdentityAndEscalationTests {
    @Test("The same id with the same content is a duplicate; with other content a conflict naming the fields")
    func resubmission() {
        let stored = Fixtures.ticket(createdAt: "2026-11-30T09:00:00Z")
        #expect(Resubmission.compare(stored, stored: stored) == .duplicate)
        var other = stored
        other.region = "apac"
        other.details = "Something else."
        other.language = nil
        #expect(other.differingFields(from: stored) == ["region", "details", "language"])
        #expect(Resubmission.compare(other, stored: stored) == .conflict(ValidationError(
            code: .conflict, field: "region",
            message: "ticket T-1 was submitted before with other content; different: region, details, language (use a new id for a new ticket)")))
    }

    func clock(tier: Tier = .l1) -> SLAClock {
        let ticket = Fixtures.ticket(createdAt: "2026-11-30T09:00:00Z")
        var clock = SLAClock(event: .created(ticket))!
        _ = clock.handle(.created(ticket), config: Fixtures.config)
        if tier > .l1 {
            _ = clock.handle(Fixtures.ev(.escalated, "2026-11-30T09:10:00Z", tier: tier), config: Fixtures.config)
        }
        #expect(clock.tier == tier)
        return clock
    }

    @Test("Escalating goes up: next tier by default, the named higher tier")
    func up() {
        #expect(clock().escalationTarget(nil, ticket: "T-1") == .success(.l2))
        #expect(clock().escalationTarget(.l3, ticket: "T-1") == .success(.l3))
    }

    @Test("To the same or a lower tier, beyond L3, or of a resolved ticket: invalid_transition", arguments: [
        (Tier.l2, Tier?.some(.l2), "tier", "ticket T-1 is at l2; an escalation goes to a higher tier, not l2"),
        (.l2, .l1, "tier", "ticket T-1 is at l2; an escalation goes to a higher tier, not l1"),
        (.l3, nil, "tier", "ticket T-1 is at l3, the highest tier"),
    ])
    func refused(at tier: Tier, requested: Tier?, field: String, message: String) {
        #expect(clock(tier: tier).escalationTarget(requested, ticket: "T-1")
            == .failure(ValidationError(code: .invalidTransition, field: field, message: message)))
    }

    @Test("A resolved ticket is not escalated, and an escalated event for it changes nothing")
    func resolved() {
        var c = clock()
        _ = c.handle(Fixtures.ev(.resolved, "2026-11-30T10:00:00Z"), config: Fixtures.config)
        #expect(c.escalationTarget(.l2, ticket: "T-1") == .failure(ValidationError(
            code: .invalidTransition, field: "ticket", message: "ticket T-1 is resolved; reopen it before escalating")))
        let before = c
        #expect(c.handle(Fixtures.ev(.escalated, "2026-11-30T10:05:00Z", tier: .l2), config: Fixtures.config) == [])
        #expect(c == before)
        #expect(c.tier == .l1)
    }
}
