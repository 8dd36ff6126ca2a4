import BusinessTime
import MeridianServices
import Testing
import TicketRouting

@Suite("Report text: CSV quoting, hostile text from the log, subjects")
struct ReportTextTests {
    @Test("CSV cells: quotes doubled, commas quoted, formulas defused, control characters blanked")
    func csv() {
        #expect(ReportText.csv(["a", "b,c", #"say "hi""#]) == #"a,"b,c","say ""hi""""#)
        #expect(ReportText.csv(["=HYPERLINK(\"x\")", "+1+1", "@SUM(A1)", "-2", "-x"])
            == #""'=HYPERLINK(""x"")",'+1+1,'@SUM(A1),-2,'-x"#)
        #expect(ReportText.csv(["line\nbreak", "tab\there", "\r"]) == "line break,tab here, ")
        #expect(ReportText.span(-5400) == "-1h30m")
        #expect(ReportText.span(.min) == "-" + DurationText.format(.max))
        #expect(ReportText.percent(1.0 / 3.0) == "33.3%")
    }

    @Test("a partner warning from the log stays on one line")
    func warningLine() {
        var e = TicketEvent(ticket: "T-9", kind: .partnerWarning, at: Instant(iso8601: "2026-11-24T11:00:00Z")!, region: "emea")
        e.partner = "evil\npartner"
        e.cases = 10
        e.escalations = 3
        e.note = "advice\r\n\u{1b}[31mred"
        #expect(AlertTail.line(e) == "2026-11-24T11:00:00Z PARTNER emea evil partner 3/10 beyond L1 (T-9): advice   [31mred")
        #expect(AlertFilter(kind: .partnerWarning).matches(e))
        #expect(!AlertFilter().matches(e))                 // the default tail shows SLA alerts only
        #expect(AlertFilter(kind: .partnerWarning).subject == "meridian.events.*.partner_warning.*")
    }

    @Test("the kind token of an event subject; other shapes are nil")
    func subjects() {
        #expect(EventSubject.kind(of: "meridian.events.emea.created.T-1") == "created")
        for bad in ["meridian.events.emea.created", "meridian.events.emea.created.T-1.x", "other.events.emea.created.T-1",
                    "", "....", "meridian.work.emea.l1.x"] {
            #expect(EventSubject.kind(of: bad) == nil, "\(bad)")
        }
    }

    @Test("hostile time_logged values cannot trap the ledger: negative and zero are ignored, sums saturate")
    func hostileLedger() {
        let t = Instant(iso8601: "2026-11-02T09:00:00Z")!
        var ledger = SupportHoursLedger(partner: "p", from: t, to: t + 86_400)
        var created = TicketEvent(ticket: "H", kind: .created, at: t, region: "emea")
        created.partner = "p"
        ledger.apply(created)
        for seconds: Int64 in [.max, .max, -5, 0, .min] {
            ledger.apply(LoggedTime.event(ticket: "H", home: "emea", at: t, seconds: seconds, workClass: nil, note: nil, by: nil))
        }
        let s = ledger.statement(allowance: 3600)
        #expect(s.used == .max)
        #expect(s.deducted == .max)
        #expect(s.remaining == 3600 - .max)
        #expect(s.cases[0].lines.count == 2)
    }
}
