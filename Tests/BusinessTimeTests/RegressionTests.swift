import Testing
import BusinessTime

/// Bugs other helpdesks shipped, and the calendar features they touched.
@Suite("Helpdesk regressions and calendar rules")
struct RegressionTests {
    // MARK: zammad #3180: a 24x7 calendar loses a second (or more) at midnight.

    @Test func twentyFourSevenLosesNoSecondAtMidnight() throws {
        let utc = BusinessCalendar.twentyFourSeven()
        #expect(utc.id == "24x7")
        #expect(utc.between(at("2026-11-24T23:59:59Z"), at("2026-11-25T00:00:01Z")) == 2)
        #expect(utc.add(at("2026-11-24T23:59:59Z"), seconds: 1) == at("2026-11-25T00:00:00Z"))
        #expect(utc.add(at("2026-11-24T23:59:59Z"), seconds: 2) == at("2026-11-25T00:00:01Z"))
        #expect(utc.isOpen(at: at("2026-11-25T00:00:00Z")))
        #expect(utc.between(at("2026-11-23T00:00:00Z"), at("2026-11-30T00:00:00Z")) == 604_800)
        #expect(utc.openIntervals(from: at("2026-11-23T00:00:00Z"), to: at("2026-11-26T00:00:00Z"))
            == [OpenInterval(start: at("2026-11-23T00:00:00Z"), end: at("2026-11-26T00:00:00Z"))])
        // The same with "00:00-24:00" written out for every day in a local zone.
        let berlin = try everyDay("00:00-24:00", zone: "Europe/Berlin")
        #expect(berlin.between(at("2026-11-24T22:59:59Z"), at("2026-11-24T23:00:01Z")) == 2)
        #expect(berlin.add(at("2026-11-24T22:59:59Z"), seconds: 2) == at("2026-11-24T23:00:01Z"))
        #expect(berlin.nextClosing(after: at("2026-11-24T23:00:00Z")) == BusinessCalendar.domain.upperBound)
    }

    @Test func nextClosingOfAlmostAlwaysOpenCalendars() throws {
        let always = try twentyFourSeven(zone: "Europe/Paris")
        #expect(always.nextClosing(after: at("2026-11-25T10:00:00Z")) == BusinessCalendar.domain.upperBound)
        #expect(always.precomputedDates == date("2020-01-01")..<date("2036-01-01"))  // found without compiling
        // Two half-days per day are always open too.
        let halves = try everyDay("00:00-12:00,12:00-24:00", zone: "America/New_York")
        #expect(halves.nextClosing(after: at("2026-11-01T05:30:00Z")) == BusinessCalendar.domain.upperBound)
        // One holiday in 2040 ends the interval that starts in 2026 (a compile beyond 2035).
        let almost = try everyDay("00:00-24:00", zone: "Europe/Paris", rules: [.closed(date("2040-05-01"), name: nil)])
        #expect(almost.nextClosing(after: at("2026-11-25T10:00:00Z")) == at("2040-04-30T22:00:00Z"))
        #expect(almost.nextOpening(after: at("2040-04-30T22:00:00Z")) == at("2040-05-01T22:00:00Z"))
        #expect(almost.between(at("2026-01-01T00:00:00Z"), at("2041-01-01T00:00:00Z"))
            == at("2041-01-01T00:00:00Z") - at("2026-01-01T00:00:00Z") - 86_400)
    }

    @Test func nightShiftSplitAtMidnightMerges() throws {
        // Monday 22:00-24:00 and Tuesday 00:00-06:00 form one shift.
        let cal = try BusinessCalendar(CalendarSpec(
            id: "night", timeZoneIdentifier: "Europe/Paris",
            weekly: WeeklySchedule(days: [.monday: [interval("22:00-24:00")], .tuesday: [interval("00:00-06:00")]])))
        #expect(cal.openIntervals(from: at("2026-11-23T00:00:00Z"), to: at("2026-11-25T00:00:00Z"))
            == [OpenInterval(start: at("2026-11-23T21:00:00Z"), end: at("2026-11-24T05:00:00Z"))])
        #expect(cal.between(at("2026-11-23T22:00:00Z"), at("2026-11-24T00:00:00Z")) == 7200)
        #expect(cal.nextClosing(after: at("2026-11-23T22:59:59Z")) == at("2026-11-24T05:00:00Z"))
    }

    // MARK: OTRS bug 11243: a target up to 60 minutes longer than what remains of the day.

    @Test(arguments: [1, 60, 1800, 3599, 3600] as [Int64])
    func targetJustLongerThanTheRestOfTheDayCarriesOver(extra: Int64) throws {
        let cal = try weekdays("08:00-18:00", zone: "Europe/Berlin")
        // Monday 2026-11-23 17:30 CET (16:30Z): 30 minutes left; Tuesday opens 07:00Z.
        #expect(cal.add(at("2026-11-23T16:30:00Z"), seconds: 1800 + extra) == at("2026-11-24T07:00:00Z") + extra)
        // Friday 17:30 carries into Monday.
        #expect(cal.add(at("2026-11-27T16:30:00Z"), seconds: 1800 + extra) == at("2026-11-30T07:00:00Z") + extra)
        // Started before opening time on the same day.
        #expect(cal.add(at("2026-11-24T05:00:00Z"), seconds: 36_000 + extra) == at("2026-11-25T07:00:00Z") + extra)
    }

    @Test func additionEndingAtClosingReturnsTheClosingInstant() throws {
        let cal = try weekdays("08:00-18:00", zone: "Europe/Berlin")
        #expect(cal.add(at("2026-11-23T16:30:00Z"), seconds: 1800) == at("2026-11-23T17:00:00Z"))
        #expect(cal.add(at("2026-11-27T07:00:00Z"), seconds: 36_000) == at("2026-11-27T17:00:00Z"))
        #expect(cal.add(at("2026-11-28T12:00:00Z"), seconds: 0) == at("2026-11-28T12:00:00Z"))  // closed, 0 → start
        #expect(cal.add(at("2026-11-28T12:00:00Z"), seconds: 1) == at("2026-11-30T07:00:01Z"))
        #expect(cal.between(at("2026-11-30T08:00:00Z"), at("2026-11-30T07:00:00Z")) == 0)
    }

    // MARK: osTicket #6739: schedules with only some weekdays open.

    @Test func everySubsetOfWeekdaysWorks() throws {
        let monday = date("2026-11-23")
        for mask in 1..<128 {
            let open = Weekday.allCases.filter { mask & (1 << ($0.rawValue - 1)) != 0 }
            var days: [Weekday: [DailyInterval]] = [:]
            for day in open { days[day] = [interval("09:00-17:00")] }
            let cal = try BusinessCalendar(CalendarSpec(
                id: "mask\(mask)", timeZoneIdentifier: "Asia/Tokyo", weekly: WeeklySchedule(days: days)))
            // Local Monday 00:00 in Tokyo (+09:00).
            let start = Instant(unixSeconds: monday.daysSinceEpoch * 86_400 - 9 * 3600)
            var openDates: [LocalDate] = []
            var d = monday
            while openDates.count < 10 {
                if open.contains(d.weekday) { openDates.append(d) }
                d = d.adding(days: 1)
            }
            for (k, openDate) in openDates.enumerated() {
                let expected = Instant(unixSeconds: openDate.daysSinceEpoch * 86_400 + 17 * 3600 - 9 * 3600)
                #expect(cal.add(start, seconds: Int64(k + 1) * 28_800) == expected, "mask \(mask) day \(k)")
            }
            #expect(cal.between(start, start + 7 * 86_400) == Int64(open.count) * 28_800)
            let firstOpening = Instant(unixSeconds: openDates[0].daysSinceEpoch * 86_400 + 9 * 3600 - 9 * 3600)
            #expect(cal.nextOpening(after: start) == firstOpening)
        }
    }

    // MARK: Holidays, yearly holidays, reduced hours, an extra open Saturday.

    @Test func holidaysReducedHoursAndExtraDays() throws {
        let cal = try weekdays("08:00-18:00", zone: "Europe/Paris", rules: [
            .closedYearly(month: 12, day: 25, name: "Noël"),
            .closedYearly(month: 1, day: 1, name: nil),
            .closed(date("2026-12-31"), name: "Company day"),
            .hours(date("2026-12-24"), [interval("08:00-12:00")], name: "Christmas Eve"),
            .hours(date("2026-12-19"), [interval("10:00-14:00")], name: "Inventory Saturday"),
            .hours(date("2029-12-25"), [interval("09:00-10:00")], name: "Emergency opening"),
        ])
        #expect(cal.holidayName(on: date("2026-12-25")) == "Noël")
        #expect(cal.holidayName(on: date("2031-12-25")) == "Noël")
        #expect(cal.holidayName(on: date("2027-01-01")) == "holiday")
        #expect(cal.holidayName(on: date("2026-12-24")) == "Christmas Eve")
        #expect(cal.holidayName(on: date("2026-12-23")) == nil)
        #expect(cal.openingHours(on: date("2026-12-24")) == [interval("08:00-12:00")])
        #expect(cal.openingHours(on: date("2026-12-25")) == [])
        #expect(cal.openingHours(on: date("2026-12-19")) == [interval("10:00-14:00")])
        // Saturday 2026-12-19 is open 09:00Z-13:00Z.
        #expect(cal.add(at("2026-12-18T16:00:00Z"), seconds: 7200) == at("2026-12-19T10:00:00Z"))
        // Christmas Eve 07:00Z-11:00Z, then Christmas is closed, then Monday 12-28.
        #expect(cal.add(at("2026-12-24T10:00:00Z"), seconds: 7200) == at("2026-12-28T08:00:00Z"))
        #expect(cal.between(at("2026-12-21T00:00:00Z"), at("2026-12-28T00:00:00Z")) == 4 * 36_000 - 6 * 3600)
        // 12-31 (company) and 01-01 (yearly) closed: Wednesday 12-30 → Monday 2027-01-04.
        #expect(cal.nextOpening(after: at("2026-12-30T17:00:00Z")) == at("2027-01-04T07:00:00Z"))
        // Yearly holidays recur in later years; 2027-12-25 is a Saturday anyway, 2028-12-25 a Monday.
        #expect(!cal.isOpen(at: at("2028-12-25T10:00:00Z")))
        #expect(cal.isOpen(at: at("2028-12-26T10:00:00Z")))
        // A dated `.hours` rule opens a yearly holiday (2029-12-25 is a Tuesday).
        #expect(cal.openIntervals(from: at("2029-12-25T00:00:00Z"), to: at("2029-12-26T00:00:00Z"))
            == [OpenInterval(start: at("2029-12-25T08:00:00Z"), end: at("2029-12-25T09:00:00Z"))])
    }

    // MARK: Intervals crossing midnight belong to the day they start on.

    @Test func crossingMidnightIntervals() throws {
        let cal = try weekdays("22:00-06:00", zone: "Europe/Paris", rules: [.closed(date("2026-11-27"), name: "Friday off")])
        // Thursday 11-26 22:00 → Friday 06:00 is Thursday's (open); Friday's night shift is closed.
        #expect(cal.openIntervals(from: at("2026-11-26T12:00:00Z"), to: at("2026-12-01T00:00:00Z")) == [
            OpenInterval(start: at("2026-11-26T21:00:00Z"), end: at("2026-11-27T05:00:00Z")),
            OpenInterval(start: at("2026-11-30T21:00:00Z"), end: at("2026-12-01T00:00:00Z")),
        ])
        #expect(cal.add(at("2026-11-27T04:00:00Z"), seconds: 7200) == at("2026-11-30T22:00:00Z"))
        // The Sunday-night shift belongs to Sunday, which is closed; Monday's starts Monday 22:00.
        #expect(cal.nextOpening(after: at("2026-11-29T12:00:00Z")) == at("2026-11-30T21:00:00Z"))
        // A crossing interval into a day with its own morning hours: the union counts once.
        let overlapping = try BusinessCalendar(CalendarSpec(
            id: "x", timeZoneIdentifier: "UTC",
            weekly: WeeklySchedule(days: [.monday: [interval("20:00-04:00")], .tuesday: [interval("02:00-10:00")]])))
        #expect(overlapping.openIntervals(from: at("2026-11-23T00:00:00Z"), to: at("2026-11-25T00:00:00Z"))
            == [OpenInterval(start: at("2026-11-23T20:00:00Z"), end: at("2026-11-24T10:00:00Z"))])
        #expect(overlapping.between(at("2026-11-23T00:00:00Z"), at("2026-11-25T00:00:00Z")) == 14 * 3600)
    }

    // MARK: Bad specs fail at init, never loop.

    @Test func badSpecsAreErrors() throws {
        #expect(throws: CalendarError.unknownTimeZone("Europe/Pariss")) {
            try weekdays("08:00-18:00", zone: "Europe/Pariss")
        }
        #expect(throws: CalendarError.noOpenTime) {
            try BusinessCalendar(CalendarSpec(id: "none", timeZoneIdentifier: "UTC", weekly: WeeklySchedule()))
        }
        // One-off open days alone cannot carry arithmetic forever.
        #expect(throws: CalendarError.noOpenTime) {
            try BusinessCalendar(CalendarSpec(
                id: "once", timeZoneIdentifier: "UTC", weekly: WeeklySchedule(),
                rules: [.hours(date("2026-12-19"), [interval("10:00-14:00")], name: nil)]))
        }
        // Every day of the year a yearly holiday.
        var everyDayOff: [DayRule] = []
        for month in 1...12 {
            for day in 1...LocalDate.daysInMonth(year: 2026, month: month) {
                everyDayOff.append(.closedYearly(month: month, day: day, name: nil))
            }
        }
        #expect(throws: CalendarError.noOpenTime) {
            try weekdays("08:00-18:00", zone: "UTC", rules: everyDayOff)
        }
        #expect(throws: CalendarError.overlappingIntervals("mon: 08:00-12:00 overlaps 11:00-13:00")) {
            try weekdays("08:00-12:00,11:00-13:00", zone: "UTC")
        }
        #expect(throws: CalendarError.overlappingIntervals("mon: 20:00-02:00 overlaps 22:00-23:00")) {
            try weekdays("20:00-02:00,22:00-23:00", zone: "UTC")
        }
        // Touching intervals are fine and merge.
        let touching = try weekdays("08:00-12:00,12:00-18:00", zone: "UTC")
        #expect(touching.openIntervals(from: at("2026-11-23T00:00:00Z"), to: at("2026-11-24T00:00:00Z"))
            == [OpenInterval(start: at("2026-11-23T08:00:00Z"), end: at("2026-11-23T18:00:00Z"))])
    }

    // MARK: Far from the precomputed range.

    @Test func spansFarBeyondAndBeforeThePrecomputedRange() throws {
        let cal = try weekdays("08:00-18:00", zone: "Europe/Paris", rules: [.closedYearly(month: 12, day: 25, name: nil)])
        #expect(cal.precomputedDates == date("2020-01-01")..<date("2036-01-01"))
        // 10,000 business hours from 2026: about four years, inside the range.
        let start = at("2026-12-24T16:30:00Z")
        let end = cal.add(start, seconds: 36_000_000)
        #expect(cal.between(start, end) == 36_000_000)
        // A century of business time runs past 2036: the table grows lazily.
        let far = cal.add(start, seconds: 100 * 250 * 36_000)
        #expect(cal.between(start, far) == 100 * 250 * 36_000)
        #expect(cal.precomputedDates.upperBound > date("2036-01-01"))
        #expect(cal.localTimeString(of: far).hasSuffix(":00 +01:00") || cal.localTimeString(of: far).hasSuffix(":00 +02:00"))
        // Before the range: Monday 1990-01-01 08:00 CET.
        #expect(cal.nextOpening(after: at("1989-12-31T12:00:00Z")) == at("1990-01-01T07:00:00Z"))
        #expect(cal.precomputedDates.lowerBound <= date("1990-01-01"))
        // 2126-12-25 is a Wednesday and a yearly holiday.
        #expect(cal.between(at("2126-12-25T00:00:00Z"), at("2126-12-26T00:00:00Z")) == 0)
        #expect(cal.between(at("2126-12-24T00:00:00Z"), at("2126-12-25T00:00:00Z")) == 36_000)
        // Outside the domain: closed; sums that cannot be reached saturate.
        #expect(!cal.isOpen(at: at("1850-01-01T12:00:00Z")))
        #expect(cal.add(at("2399-12-30T00:00:00Z"), seconds: 10 * 86_400) == BusinessCalendar.domain.upperBound)
        #expect(cal.add(start, seconds: .max) == BusinessCalendar.domain.upperBound)
    }

    @Test func copiesShareTheEngine() throws {
        let cal = try weekdays("08:00-18:00", zone: "Europe/Paris")
        var renamed = cal
        renamed.id = "emea"
        #expect(renamed.spec.id == "emea")
        #expect(renamed != cal)
        renamed.id = cal.id
        #expect(renamed == cal)
        #expect(cal.timeZoneIdentifier == "Europe/Paris")
        #expect(cal.memoryFootprint > 0 && cal.memoryFootprint < 200_000)
    }
}
