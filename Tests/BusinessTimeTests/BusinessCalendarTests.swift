import Testing
@testable import BusinessTime

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
