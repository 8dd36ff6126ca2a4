import Testing
import BusinessTime

/// Shorthand for an instant in tests.
func at(_ iso: String) -> Instant {
    guard let instant = Instant(iso8601: iso) else { fatalError("bad instant \(iso)") }
    return instant
}

func interval(_ text: String) -> DailyInterval {
    guard let interval = DailyInterval(text) else { fatalError("bad interval \(text)") }
    return interval
}

func date(_ iso: String) -> LocalDate {
    guard let date = LocalDate(iso: iso) else { fatalError("bad date \(iso)") }
    return date
}

/// Mon–Fri with the given hours in a zone, plus rules.
func weekdays(_ hours: String, zone: String, rules: [DayRule] = [], id: String = "test") throws -> BusinessCalendar {
    let intervals = hours.split(separator: ",").map { interval(String($0)) }
    var days: [Weekday: [DailyInterval]] = [:]
    for day in [Weekday.monday, .tuesday, .wednesday, .thursday, .friday] { days[day] = intervals }
    return try BusinessCalendar(CalendarSpec(id: id, timeZoneIdentifier: zone, weekly: WeeklySchedule(days: days), rules: rules))
}

func twentyFourSeven(zone: String) throws -> BusinessCalendar {
    try BusinessCalendar(.twentyFourSeven(id: "24x7", timeZoneIdentifier: zone))
}

@Suite("BusinessCalendar basics")
struct BusinessCalendarTests {
    @Test func christmasExampleFromTheIssue() throws {
        let emea = try weekdays("08:00-18:00", zone: "Europe/Paris", rules: [.closed(date("2026-12-25"), name: "Noël")])
        #expect(emea.add(at("2026-12-24T16:30:00Z"), seconds: 7200) == at("2026-12-28T08:30:00Z"))
        #expect(emea.between(at("2026-12-24T16:30:00Z"), at("2026-12-28T08:30:00Z")) == 7200)
        #expect(emea.holidayName(on: date("2026-12-25")) == "Noël")
        #expect(emea.localTimeString(of: at("2026-12-24T16:30:00Z")) == "2026-12-24 17:30:00 +01:00")
    }
}

@Suite("BusinessCalendar operations")
struct BusinessCalendarOperationTests {
    let cal: BusinessCalendar

    init() throws {
        // Paris, Mon–Fri 08:00–12:00 and 13:00–18:00 (lunch closed).
        cal = try weekdays("08:00-12:00,13:00-18:00", zone: "Europe/Paris")
    }

    @Test func isOpenAtBoundaries() {
        // Tuesday 2026-11-24: 07:00Z-11:00Z, 12:00Z-17:00Z.
        #expect(!cal.isOpen(at: at("2026-11-24T06:59:59Z")))
        #expect(cal.isOpen(at: at("2026-11-24T07:00:00Z")))
        #expect(cal.isOpen(at: at("2026-11-24T10:59:59Z")))
        #expect(!cal.isOpen(at: at("2026-11-24T11:00:00Z")))
        #expect(cal.isOpen(at: at("2026-11-24T12:00:00Z")))
        #expect(!cal.isOpen(at: at("2026-11-24T17:00:00Z")))
        #expect(!cal.isOpen(at: at("2026-11-28T10:00:00Z")))  // Saturday
    }

    @Test func openingsAndClosings() {
        #expect(cal.nextOpening(after: at("2026-11-24T10:00:00Z")) == at("2026-11-24T10:00:00Z"))
        #expect(cal.nextOpening(after: at("2026-11-24T11:00:00Z")) == at("2026-11-24T12:00:00Z"))
        #expect(cal.nextOpening(after: at("2026-11-27T17:00:00Z")) == at("2026-11-30T07:00:00Z"))
        #expect(cal.nextClosing(after: at("2026-11-24T10:00:00Z")) == at("2026-11-24T11:00:00Z"))
        #expect(cal.nextClosing(after: at("2026-11-24T11:00:00Z")) == at("2026-11-24T17:00:00Z"))
        #expect(cal.nextClosing(after: at("2026-11-27T17:00:00Z")) == at("2026-11-30T11:00:00Z"))
    }

    @Test func addAndBetweenAcrossLunchAndWeekend() {
        #expect(cal.add(at("2026-11-24T10:30:00Z"), seconds: 3600) == at("2026-11-24T12:30:00Z"))
        #expect(cal.add(at("2026-11-24T10:30:00Z"), seconds: 1800) == at("2026-11-24T11:00:00Z"))
        #expect(cal.add(at("2026-11-27T16:00:00Z"), seconds: 2 * 3600) == at("2026-11-30T08:00:00Z"))
        // A week is 5 × 9 h.
        #expect(cal.between(at("2026-11-23T00:00:00Z"), at("2026-11-30T00:00:00Z")) == 5 * 9 * 3600)
        #expect(cal.add(at("2026-11-23T00:00:00Z"), seconds: 5 * 9 * 3600) == at("2026-11-27T17:00:00Z"))
        #expect(cal.between(at("2026-11-24T12:00:00Z"), at("2026-11-24T10:00:00Z")) == 0)
        // 10,000 business hours: about 4.3 years of 45-hour weeks.
        let end = cal.add(at("2026-11-23T07:00:00Z"), seconds: 36_000_000)
        #expect(cal.between(at("2026-11-23T07:00:00Z"), end) == 36_000_000)
    }

    @Test func openIntervalsAreClipped() {
        #expect(cal.openIntervals(from: at("2026-11-24T10:00:00Z"), to: at("2026-11-25T08:00:00Z")) == [
            OpenInterval(start: at("2026-11-24T10:00:00Z"), end: at("2026-11-24T11:00:00Z")),
            OpenInterval(start: at("2026-11-24T12:00:00Z"), end: at("2026-11-24T17:00:00Z")),
            OpenInterval(start: at("2026-11-25T07:00:00Z"), end: at("2026-11-25T08:00:00Z")),
        ])
        #expect(cal.openIntervals(from: at("2026-11-28T00:00:00Z"), to: at("2026-11-29T00:00:00Z")).isEmpty)
        #expect(cal.openIntervals(from: at("2026-11-25T00:00:00Z"), to: at("2026-11-24T00:00:00Z")).isEmpty)
    }

    @Test func localTime() {
        #expect(cal.localDate(of: at("2026-11-24T23:30:00Z")) == date("2026-11-25"))
        #expect(cal.localTimeString(of: at("2026-07-14T10:00:00Z")) == "2026-07-14 12:00:00 +02:00")
        #expect(cal.utcOffset(at: at("2026-07-14T10:00:00Z")) == 7200)
        #expect(cal.localInstant(date: date("2026-07-14"), secondOfDay: 12 * 3600) == at("2026-07-14T10:00:00Z"))
        #expect(cal.localInstant(date: date("2026-07-14"), secondOfDay: 86_400) == at("2026-07-14T22:00:00Z"))
        // Far outside the precomputed range, Foundation answers.
        #expect(cal.localTimeString(of: at("1950-07-14T10:00:00Z")) == "1950-07-14 11:00:00 +01:00")
        #expect(cal.openingHours(on: date("2026-11-24")) == [interval("08:00-12:00"), interval("13:00-18:00")])
        #expect(cal.openingHours(on: date("2026-11-28")) == [])
    }
}
