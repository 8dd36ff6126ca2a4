import BusinessTime
import Foundation
import Testing

@Suite("iCalendar holiday import")
struct ICalendarTests {
    static func date(_ text: String) -> LocalDate { LocalDate(iso: text)! }

    /// Joins lines with CRLF, as RFC 5545 files are written.
    static func ics(_ lines: [String], newline: String = "\r\n") -> String {
        lines.joined(separator: newline) + newline
    }

    @Test("all-day events, names, multi-day events, DURATION, CRLF, quoted parameters, lower-case names")
    func allDayEvents() throws {
        let text = Self.ics([
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//test//EN",
            "BEGIN:VEVENT",
            "DTSTART;VALUE=DATE:20261225",
            "DTEND;VALUE=DATE:20261226",
            "SUMMARY:Christmas Day",
            "END:VEVENT",
            "BEGIN:VEVENT",
            "SUMMARY:Winter break",
            "DTSTART;VALUE=DATE:20261230",
            "DTEND;VALUE=DATE:20270102",
            "END:VEVENT",
            "BEGIN:VEVENT",
            "DTSTART:20270301",
            "DURATION:P2D",
            "END:VEVENT",
            "BEGIN:VEVENT",
            "dtstart;X-SOURCE=\"https://example.org/a;b:c\";value=date:20270401",
            "summary;ALTREP=\"cid:x\":Quoted: parameters",
            "END:VEVENT",
            "END:VCALENDAR",
        ])
        #expect(try ICalendar.parseHolidays(text) == [
            .closed(Self.date("2026-12-25"), name: "Christmas Day"),
            .closed(Self.date("2026-12-30"), name: "Winter break"),
            .closed(Self.date("2026-12-31"), name: "Winter break"),
            .closed(Self.date("2027-01-01"), name: "Winter break"),
            .closed(Self.date("2027-03-01"), name: nil),
            .closed(Self.date("2027-03-02"), name: nil),
            .closed(Self.date("2027-04-01"), name: "Quoted: parameters"),
        ])
    }

    @Test("RRULE FREQ=YEARLY becomes a yearly rule; COUNT and UNTIL expand into dates")
    func yearly() throws {
        let text = Self.ics([
            "BEGIN:VCALENDAR",
            "BEGIN:VEVENT",
            "DTSTART;VALUE=DATE:20260714",
            "RRULE:FREQ=YEARLY",
            "SUMMARY:Fête nationale",
            "END:VEVENT",
            "BEGIN:VEVENT",
            "DTSTART;VALUE=DATE:20251231",
            "DTEND;VALUE=DATE:20260102",
            "RRULE:FREQ=YEARLY;INTERVAL=1",
            "SUMMARY:New Year",
            "END:VEVENT",
            "BEGIN:VEVENT",
            "DTSTART;VALUE=DATE:20260501",
            "RRULE:FREQ=YEARLY;COUNT=2",
            "SUMMARY:May Day",
            "END:VEVENT",
            "BEGIN:VEVENT",
            "DTSTART;VALUE=DATE:20240229",
            "RRULE:FREQ=YEARLY;UNTIL=20281231",
            "SUMMARY:Leap",
            "END:VEVENT",
            "END:VCALENDAR",
        ])
        #expect(try ICalendar.parseHolidays(text) == [
            .closedYearly(month: 7, day: 14, name: "Fête nationale"),
            .closedYearly(month: 12, day: 31, name: "New Year"),
            .closedYearly(month: 1, day: 1, name: "New Year"),
            .closed(Self.date("2026-05-01"), name: "May Day"),
            .closed(Self.date("2027-05-01"), name: "May Day"),
            .closed(Self.date("2024-02-29"), name: "Leap"),
            .closed(Self.date("2028-02-29"), name: "Leap"),
        ])
    }

    @Test("folded lines, escapes, LF endings, nested and other components, cancelled events")
    func foldingAndComponents() throws {
        let text = Self.ics([
            "BEGIN:VCALENDAR",
            "BEGIN:VTIMEZONE",
            "TZID:Europe/Paris",
            "BEGIN:STANDARD",
            "DTSTART:19701025T030000",
            "END:STANDARD",
            "END:VTIMEZONE",
            "BEGIN:VEVENT",
            "DTSTART;VALUE=DATE:",
            " 20261111",
            "SUMMARY;LANGUAGE=fr:Armistice\\, fin de la",
            "\t Première Guerre mondiale",
            "BEGIN:VALARM",
            "TRIGGER:-PT15M",
            "DTSTART:20261110T090000Z",
            "END:VALARM",
            "END:VEVENT",
            "BEGIN:VEVENT",
            "DTSTART;VALUE=DATE:20261112",
            "STATUS:CANCELLED",
            "SUMMARY:Moved",
            "END:VEVENT",
            "BEGIN:VTODO",
            "DTSTART:20261113T090000Z",
            "END:VTODO",
            "END:VCALENDAR",
        ], newline: "\n")
        #expect(try ICalendar.parseHolidays(text) == [
            .closed(Self.date("2026-11-11"), name: "Armistice, fin de la Première Guerre mondiale"),
        ])
    }

    @Test("a feed with regional entries adds only what it lists (zammad #390)")
    func regionalFeed() throws {
        // An Alsace-Moselle feed: two regional days, nothing of the national list.
        let text = Self.ics([
            "BEGIN:VCALENDAR",
            "BEGIN:VEVENT",
            "DTSTART;VALUE=DATE:20260403",
            "DTEND;VALUE=DATE:20260404",
            "SUMMARY:Vendredi saint (Alsace-Moselle)",
            "END:VEVENT",
            "BEGIN:VEVENT",
            "DTSTART;VALUE=DATE:20261226",
            "RRULE:FREQ=YEARLY",
            "SUMMARY:Saint-Étienne (Alsace-Moselle)",
            "END:VEVENT",
            "END:VCALENDAR",
        ])
        #expect(try ICalendar.parseHolidays(text) == [
            .closed(Self.date("2026-04-03"), name: "Vendredi saint (Alsace-Moselle)"),
            .closedYearly(month: 12, day: 26, name: "Saint-Étienne (Alsace-Moselle)"),
        ])
    }

    @Test("an empty calendar has no holidays; a byte-order mark is skipped")
    func emptyCalendar() throws {
        #expect(try ICalendar.parseHolidays("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n") == [])
        #expect(try ICalendar.parseHolidays("\u{FEFF}BEGIN:VCALENDAR\r\nEND:VCALENDAR") == [])
    }

    @Test(
        "errors name the line",
        arguments: [
            ("", "line 1: not an iCalendar file (expected BEGIN:VCALENDAR)"),
            ("hello\r\n", "line 1: not an iCalendar content line: \"hello\""),
            ("BEGIN:VEVENT\r\nEND:VEVENT\r\n", "line 1: not an iCalendar file (expected BEGIN:VCALENDAR)"),
            (
                "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:x\r\nDTSTART:20261225T090000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
                "line 4: DTSTART 20261225T090000Z is not an all-day date (holidays need DTSTART;VALUE=DATE:YYYYMMDD)"
            ),
            (
                "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261332\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
                "line 3: DTSTART \"20261332\" is not a date (YYYYMMDD)"
            ),
            (
                "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
                "line 2: VEVENT without DTSTART"
            ),
            (
                "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261225\r\nDTEND;VALUE=DATE:20261225\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
                "line 4: DTEND 2026-12-25 is not after DTSTART 2026-12-25"
            ),
            (
                "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261126\r\nRRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=4TH\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
                "line 4: RRULE BYMONTH is not supported (only FREQ=YEARLY on a fixed date)"
            ),
            (
                "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261126\r\nRRULE:FREQ=WEEKLY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
                "line 4: RRULE FREQ=WEEKLY is not supported (only FREQ=YEARLY)"
            ),
            (
                "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261225\r\nEND:VCALENDAR\r\n",
                "line 4: END:VCALENDAR without a matching BEGIN (inside VEVENT)"
            ),
            (
                "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261225\r\n",
                "line 2: BEGIN:VEVENT without END:VEVENT"
            ),
            (
                "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261225\r\nDURATION:PT8H\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
                "line 4: DURATION \"PT8H\" is not a whole number of days (P1D, P2W)"
            ),
        ])
    func errors(text: String, expected: String) {
        #expect(throws: ICalendarError.self) { try ICalendar.parseHolidays(text) }
        do {
            _ = try ICalendar.parseHolidaysTyped(text)
        } catch {
            #expect(error.description == expected)
        }
    }

    @Test("the shipped French feed")
    func shippedFeed() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("Config/holidays/fr.ics"), encoding: .utf8)
        #expect(try ICalendar.parseHolidays(text) == [
            .closed(Self.date("2026-04-06"), name: "Lundi de Pâques"),
            .closed(Self.date("2026-05-14"), name: "Ascension"),
            .closed(Self.date("2026-05-25"), name: "Lundi de Pentecôte"),
            .closed(Self.date("2027-03-29"), name: "Lundi de Pâques"),
            .closed(Self.date("2027-05-06"), name: "Ascension"),
            .closed(Self.date("2027-05-17"), name: "Lundi de Pentecôte"),
            .closedYearly(month: 7, day: 14, name: "Fête nationale"),
        ])
    }
}
