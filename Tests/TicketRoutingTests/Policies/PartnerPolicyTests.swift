import BusinessTime
import Testing
import TicketRouting

@Suite("Partner escalation warnings, support hours, partner config")
struct PartnerPolicyTests {
    static let t0 = Fixtures.t("2026-11-02T09:00:00Z")

    static func created(_ id: String, partner: String?, at: Instant, region: RegionID = "emea") -> TicketEvent {
        var e = TicketEvent(ticket: TicketID(id)!, kind: .created, at: at, region: region, plan: "premium",
                            severity: .major, homeRegion: region, createdAt: at)
        e.partner = partner
        return e
    }

    static func escalated(_ id: String, to tier: Tier, at: Instant, region: RegionID = "emea") -> TicketEvent {
        TicketEvent.simple(.escalated, ticket: TicketID(id)!, at: at, region: region, tier: tier, automatic: false)
    }

    @Test("the warning fires when the share beyond L1 reaches the threshold with enough cases, once per window")
    func warning() {
        var tracker = PartnerEscalations(policy: EscalationWarningPolicy(threshold: 0.3, window: 30 * 86_400, minCases: 10))
        // 10 cases of p-1, one an hour; 2 of another partner.
        for i in 0..<10 {
            #expect(tracker.apply(Self.created("P\(i)", partner: "p-1", at: Self.t0 + Int64(i) * 3600)) == nil)
        }
        #expect(tracker.apply(Self.created("Q1", partner: "p-2", at: Self.t0)) == nil)
        #expect(tracker.apply(Self.created("N1", partner: nil, at: Self.t0)) == nil)
        #expect(tracker.apply(Self.escalated("P0", to: .l2, at: Self.t0 + 86_400)) == nil)          // 1/10
        #expect(tracker.apply(Self.escalated("P0", to: .l3, at: Self.t0 + 86_401)) == nil)          // same case
        #expect(tracker.apply(Self.escalated("P1", to: .l2, at: Self.t0 + 86_402)) == nil)          // 2/10
        #expect(tracker.apply(Self.escalated("Q1", to: .l2, at: Self.t0 + 86_403)) == nil)          // other partner
        #expect(tracker.apply(Self.escalated("P2", to: .l1, at: Self.t0 + 86_404)) == nil)          // not beyond L1
        let at = Self.t0 + 86_405
        let warning = tracker.apply(Self.escalated("P3", to: .l2, at: at))                           // 3/10 = 0.3
        #expect(warning?.kind == .partnerWarning)
        #expect(warning?.ticket == "P3")
        #expect(warning?.at == at)
        #expect(warning?.partner == "p-1")
        #expect(warning?.cases == 10)
        #expect(warning?.escalations == 3)
        #expect(warning?.subject == "meridian.events.emea.partner_warning.P3")
        #expect(warning?.messageID == "P3:partner_warning:\(at.unixSeconds)")
        #expect(warning?.note == "3 of 10 cases of partner p-1 in the last 30d went beyond L1. Cases should be solved at partner level first; we advise buying a partner support plan.")
        // Still over the threshold: no second warning inside the window.
        #expect(tracker.apply(Self.escalated("P4", to: .l2, at: at + 10)) == nil)
        // 30 days after the warning: the cases opened then are out of the window; new ones count.
        let later = at + 30 * 86_400
        for i in 0..<10 {
            _ = tracker.apply(Self.created("R\(i)", partner: "p-1", at: later + Int64(i)))
        }
        #expect(tracker.window(of: "p-1").cases == 10)
        #expect(tracker.window(of: "p-1").escalations == 0)
        #expect(tracker.apply(Self.escalated("R0", to: .l2, at: later + 100)) == nil)
        #expect(tracker.apply(Self.escalated("R1", to: .l2, at: later + 101)) == nil)
        #expect(tracker.apply(Self.escalated("R2", to: .l2, at: later + 102))?.escalations == 3)
        #expect(tracker.apply(Self.escalated("P9", to: .l2, at: later + 103)) == nil)              // out of the window
    }

    @Test("below min_cases there is no warning, whatever the share")
    func minCases() {
        var tracker = PartnerEscalations(policy: EscalationWarningPolicy(threshold: 0.3, window: 86_400 * 30, minCases: 10))
        for i in 0..<9 { _ = tracker.apply(Self.created("P\(i)", partner: "p-1", at: Self.t0 + Int64(i))) }
        for i in 0..<9 { #expect(tracker.apply(Self.escalated("P\(i)", to: .l2, at: Self.t0 + 100 + Int64(i))) == nil) }
        // The tenth case makes 9/10.
        #expect(tracker.apply(Self.created("P9", partner: "p-1", at: Self.t0 + 200))?.escalations == 9)
    }

    @Test("replay: warnings already in the log are not repeated; missing ones are published once caught up")
    func feed() {
        let policy = EscalationWarningPolicy(threshold: 0.5, window: 86_400, minCases: 2)
        var log = [Self.created("A", partner: "p", at: Self.t0), Self.created("B", partner: "p", at: Self.t0 + 1),
                   Self.escalated("A", to: .l2, at: Self.t0 + 10)]
        var first = PartnerWarningFeed(policy: policy)
        for e in log { #expect(first.read(e) == []) }
        let due = first.caughtUp()
        #expect(due.map(\.messageID) == ["A:partner_warning:\(Self.t0.unixSeconds + 10)"])
        log.append(due[0])
        #expect(first.read(due[0]) == [])      // its own warning read back
        // A node replaying the whole log later publishes nothing.
        var second = PartnerWarningFeed(policy: policy)
        for e in log { #expect(second.read(e) == []) }
        #expect(second.caughtUp() == [])
        // Live: the next window's warning is returned at once.
        let next = Self.t0 + 86_400 + 20
        #expect(second.read(Self.created("C", partner: "p", at: next)) == [])
        #expect(second.read(Self.created("D", partner: "p", at: next + 1)) == [])
        #expect(second.read(Self.escalated("C", to: .l3, at: next + 2)).map(\.ticket) == ["C"])
        #expect(PartnerWarningFeed.reads(subjectKind: "escalated"))
        #expect(!PartnerWarningFeed.reads(subjectKind: "assigned"))
    }

    @Test("hours: three cases — 5m question → 15m, 40m question → 40m, 2h incident → 0")
    func hours() {
        var ledger = SupportHoursLedger(partner: "p-1", from: Fixtures.t("2026-01-01T00:00:00Z"),
                                        to: Fixtures.t("2027-01-01T00:00:00Z"))
        let events: [TicketEvent] = [
            Self.created("H1", partner: "p-1", at: Self.t0),
            Self.created("H2", partner: "p-1", at: Self.t0 + 60),
            Self.created("H3", partner: "p-1", at: Self.t0 + 120),
            Self.created("X1", partner: "p-2", at: Self.t0),
            Self.created("OLD", partner: "p-1", at: Fixtures.t("2025-12-31T23:59:59Z")),
            LoggedTime.event(ticket: "H1", home: "emea", at: Self.t0 + 600, seconds: 300, workClass: .question, note: "how to export", by: "ana"),
            LoggedTime.event(ticket: "H2", home: "emea", at: Self.t0 + 700, seconds: 1500, workClass: nil, note: nil, by: "ana"),
            LoggedTime.event(ticket: "H2", home: "emea", at: Self.t0 + 800, seconds: 900, workClass: .question, note: nil, by: "bo"),
            LoggedTime.event(ticket: "H3", home: "emea", at: Self.t0 + 900, seconds: 3600, workClass: .question, note: nil, by: "bo"),
            LoggedTime.event(ticket: "H3", home: "emea", at: Self.t0 + 1000, seconds: 3600, workClass: .incident, note: "bug 12", by: "bo"),
            LoggedTime.event(ticket: "X1", home: "emea", at: Self.t0 + 1000, seconds: 3600, workClass: .question, note: nil, by: "bo"),
            LoggedTime.event(ticket: "OLD", home: "emea", at: Self.t0 + 1000, seconds: 3600, workClass: .question, note: nil, by: "bo"),
        ]
        for e in events { ledger.apply(e) }
        let s = ledger.statement(allowance: 40 * 3600)
        #expect(s.cases.map(\.ticket) == ["H1", "H2", "H3"])
        #expect(s.cases.map(\.used) == [300, 2400, 7200])
        #expect(s.cases.map(\.deducted) == [900, 2400, 0])
        #expect(s.cases.map(\.workClass) == [.question, .question, .incident])
        #expect(s.used == 9900)
        #expect(s.deducted == 3300)
        #expect(s.remaining == Int64(40 * 3600 - 3300))
        #expect(s.cases[0].lines == [HoursLine(at: Self.t0 + 600, seconds: 300, workClass: .question, note: "how to export", by: "ana")])
        // A case opened with no time logged still deducts 15 minutes.
        var empty = SupportHoursLedger(partner: "p-1", from: Self.t0, to: Self.t0 + 86_400)
        empty.apply(Self.created("E", partner: "p-1", at: Self.t0))
        #expect(empty.statement(allowance: nil).deducted == 900)
        #expect(empty.statement(allowance: nil).remaining == nil)
    }

    @Test("time_logged event: its message id carries the seconds; hostile durations are refused")
    func loggedTime() {
        let e = LoggedTime.event(ticket: "T-1", home: "emea", at: Self.t0, seconds: 1500, workClass: .incident, note: "n", by: "ana")
        #expect(e.messageID == "T-1:time_logged:\(Self.t0.unixSeconds):1500")
        #expect(e.jsonString == #"{"at":"2026-11-02T09:00:00Z","kind":"time_logged","note":"n","owner":"ana","region":"emea","seconds":1500,"ticket":"T-1","work_class":"incident"}"#)
        #expect(LoggedTime.seconds("25m") == 1500)
        #expect(LoggedTime.seconds("24h") == 86_400)
        for bad in ["0", "0m", "-5m", "24h1s", "25", "1d", "9999999999999999999h", "", "m", "5 m"] where bad != "25" {
            #expect(LoggedTime.seconds(bad) == nil, "\(bad)")
        }
    }

    @Test("partners report: cases, escalations beyond L1, rate and warnings per partner in the period")
    func report() {
        var report = PartnerReport(from: Self.t0, to: Self.t0 + 86_400)
        var warning = TicketEvent(ticket: "A", kind: .partnerWarning, at: Self.t0 + 50, region: "emea")
        warning.partner = "p-1"
        for e in [Self.created("A", partner: "p-1", at: Self.t0), Self.created("B", partner: "p-1", at: Self.t0 + 1),
                  Self.created("C", partner: "p-2", at: Self.t0 + 2), Self.created("D", partner: "p-1", at: Self.t0 - 1),
                  Self.escalated("A", to: .l2, at: Self.t0 + 10), Self.escalated("A", to: .l3, at: Self.t0 + 11),
                  Self.escalated("D", to: .l2, at: Self.t0 + 12), warning] {
            report.apply(e)
        }
        #expect(report.result == [
            PartnerReportRow(partner: "p-1", cases: 2, escalations: 1, rate: 0.5, warnings: 1),
            PartnerReportRow(partner: "p-2", cases: 1, escalations: 0, rate: 0, warnings: 0),
        ])
    }

    @Test("config: partners and threading sections, with hostile values refused by key path")
    func config() throws {
        let good = Fixtures.yaml + """
            partners:
              escalation_warning: { threshold: 0.25, window: 7d12h, min_cases: 4 }
              reseller-7: { hours_per_year: 40 }
              "Acme Partners": { hours_per_year: 12.5 }
            threading: { reopen_window: 14d }

            """
        let config = try MeridianConfig.parse(yaml: good, file: "p.yaml")
        #expect(config.partners.escalationWarning == EscalationWarningPolicy(threshold: 0.25, window: 7 * 86_400 + 12 * 3600, minCases: 4))
        #expect(config.partners.yearlyAllowance == ["reseller-7": 144_000, "Acme Partners": 45_000])
        #expect(config.partners.threading.reopenWindow == 14 * 86_400)
        #expect(Fixtures.config.partners == PartnerPolicy())

        let bad: [(String, String)] = [
            ("partners: { escalation_warning: { threshold: 0 } }", "partners.escalation_warning.threshold"),
            ("partners: { escalation_warning: { threshold: 1.5 } }", "partners.escalation_warning.threshold"),
            ("partners: { escalation_warning: { threshold: nan } }", "partners.escalation_warning.threshold"),
            ("partners: { escalation_warning: { window: 0d } }", "partners.escalation_warning.window"),
            ("partners: { escalation_warning: { window: 99999d } }", "partners.escalation_warning.window"),
            ("partners: { escalation_warning: { min_cases: -1 } }", "partners.escalation_warning.min_cases"),
            ("partners: { escalation_warning: { min_cases: 99999999999999999999 } }", "partners.escalation_warning.min_cases"),
            ("partners: { escalation_warning: { limit: 3 } }", "partners.escalation_warning.limit"),
            ("partners: { r1: { hours_per_year: -4 } }", "partners.r1.hours_per_year"),
            ("partners: { r1: { hours_per_year: 1e300 } }", "partners.r1.hours_per_year"),
            ("partners: { r1: { hours_per_year: 0.0000001 } }", "partners.r1.hours_per_year"),
            ("partners: { r1: {} }", "partners.r1.hours_per_year"),
            ("partners: { r1: { hours: 3 } }", "partners.r1.hours"),
            ("threading: { reopen_window: soon }", "threading.reopen_window"),
            ("threading: { window: 3d }", "threading.window"),
        ]
        for (yaml, path) in bad {
            #expect(throws: ConfigError.self, "\(yaml)") { try MeridianConfig.parse(yaml: Fixtures.yaml + yaml + "\n", file: "b.yaml") }
            do {
                _ = try MeridianConfig.parse(yaml: Fixtures.yaml + yaml + "\n", file: "b.yaml")
            } catch {
                #expect(error.keyPath == path, "\(yaml): \(error)")
            }
        }
        #expect(CalendarSpan.seconds("30d") == 2_592_000)
        #expect(CalendarSpan.seconds("1d1h") == 90_000)
        #expect(CalendarSpan.seconds("d") == nil)
        #expect(CalendarSpan.seconds("9999999d") == nil)
        #expect(CalendarSpan.format(2_592_000) == "30d")
    }
}
