import Testing
import BusinessTime

/// The same hours on every day of the week (DST changes happen on Sundays).
func everyDay(_ hours: String, zone: String, rules: [DayRule] = []) throws -> BusinessCalendar {
    let intervals = hours.split(separator: ",").map { interval(String($0)) }
    return try BusinessCalendar(CalendarSpec(
        id: "every-day", timeZoneIdentifier: zone, weekly: .everyDay(intervals), rules: rules))
}

@Suite("DST and odd time zones")
struct DSTTests {
    // MARK: Europe/Paris: 2026-03-29 02:00 CET → 03:00 CEST (01:00Z); 2026-10-25 03:00 CEST → 02:00 CET (01:00Z).

    @Test func parisTwentyFourSevenHasA23And25HourDay() throws {
        let cal = try twentyFourSeven(zone: "Europe/Paris")
        #expect(cal.between(at("2026-03-28T23:00:00Z"), at("2026-03-29T22:00:00Z")) == 23 * 3600)
        #expect(cal.between(at("2026-10-24T22:00:00Z"), at("2026-10-25T23:00:00Z")) == 25 * 3600)
        // 24 business hours from local midnight on the short day end at 01:00 CEST next day.
        #expect(cal.add(at("2026-03-28T23:00:00Z"), seconds: 86_400) == at("2026-03-29T23:00:00Z"))
        #expect(cal.localTimeString(of: at("2026-03-29T23:00:00Z")) == "2026-03-30 01:00:00 +02:00")
        // ... and at 23:00 CET on the long day.
        #expect(cal.add(at("2026-10-24T22:00:00Z"), seconds: 86_400) == at("2026-10-25T22:00:00Z"))
        #expect(cal.localTimeString(of: at("2026-10-25T22:00:00Z")) == "2026-10-25 23:00:00 +01:00")
        // One merged interval across both changes.
        #expect(cal.openIntervals(from: at("2026-03-28T00:00:00Z"), to: at("2026-10-27T00:00:00Z"))
            == [OpenInterval(start: at("2026-03-28T00:00:00Z"), end: at("2026-10-27T00:00:00Z"))])
        #expect(cal.nextClosing(after: at("2026-03-29T01:00:00Z")) == BusinessCalendar.domain.upperBound)
    }

    @Test func parisEightToSixOnTheChangeDays() throws {
        let cal = try everyDay("08:00-18:00", zone: "Europe/Paris")
        // Saturday 2026-03-28 in CET: 07:00Z-17:00Z; Sunday 03-29 in CEST: 06:00Z-16:00Z.
        #expect(cal.openIntervals(from: at("2026-03-28T00:00:00Z"), to: at("2026-03-30T00:00:00Z")) == [
            OpenInterval(start: at("2026-03-28T07:00:00Z"), end: at("2026-03-28T17:00:00Z")),
            OpenInterval(start: at("2026-03-29T06:00:00Z"), end: at("2026-03-29T16:00:00Z")),
        ])
        #expect(cal.add(at("2026-03-28T16:00:00Z"), seconds: 7200) == at("2026-03-29T07:00:00Z"))
        #expect(cal.between(at("2026-03-28T16:00:00Z"), at("2026-03-29T07:00:00Z")) == 7200)
        // Both days are 10 real hours (the change is outside the open hours).
        #expect(cal.between(at("2026-03-29T00:00:00Z"), at("2026-03-30T00:00:00Z")) == 36_000)
        #expect(cal.between(at("2026-10-25T00:00:00Z"), at("2026-10-26T00:00:00Z")) == 36_000)
        // Fall back: Saturday 10-24 CEST 06:00Z-16:00Z, Sunday 10-25 CET 07:00Z-17:00Z.
        #expect(cal.add(at("2026-10-24T15:00:00Z"), seconds: 7200) == at("2026-10-25T08:00:00Z"))
        #expect(cal.nextOpening(after: at("2026-10-24T16:00:00Z")) == at("2026-10-25T07:00:00Z"))
        #expect(cal.nextClosing(after: at("2026-10-25T07:00:00Z")) == at("2026-10-25T17:00:00Z"))
    }

    @Test func parisWeekdaysAcrossTheDSTWeekend() throws {
        let cal = try weekdays("08:00-18:00", zone: "Europe/Paris")
        // Friday 03-27 closes 17:00Z (CET); Monday 03-30 opens 06:00Z (CEST).
        #expect(cal.add(at("2026-03-27T16:30:00Z"), seconds: 3600) == at("2026-03-30T06:30:00Z"))
        #expect(cal.between(at("2026-03-27T16:30:00Z"), at("2026-03-30T06:30:00Z")) == 3600)
        // Friday 10-23 closes 16:00Z (CEST); Monday 10-26 opens 07:00Z (CET).
        #expect(cal.add(at("2026-10-23T15:30:00Z"), seconds: 3600) == at("2026-10-26T07:30:00Z"))
    }

    // MARK: America/New_York: 2026-03-08 02:00 EST → 03:00 EDT (07:00Z); 2026-11-01 02:00 EDT → 01:00 EST (06:00Z).

    @Test func newYorkTwentyFourSeven() throws {
        let cal = try twentyFourSeven(zone: "America/New_York")
        #expect(cal.between(at("2026-03-08T05:00:00Z"), at("2026-03-09T04:00:00Z")) == 23 * 3600)
        #expect(cal.between(at("2026-11-01T04:00:00Z"), at("2026-11-02T05:00:00Z")) == 25 * 3600)
        #expect(cal.add(at("2026-11-01T04:00:00Z"), seconds: 25 * 3600) == at("2026-11-02T05:00:00Z"))
        #expect(cal.localTimeString(of: at("2026-11-01T05:30:00Z")) == "2026-11-01 01:30:00 -04:00")
        #expect(cal.localTimeString(of: at("2026-11-01T06:30:00Z")) == "2026-11-01 01:30:00 -05:00")
    }

    @Test func newYorkEightToSix() throws {
        let cal = try everyDay("08:00-18:00", zone: "America/New_York")
        // Saturday 03-07 EST 13:00Z-23:00Z; Sunday 03-08 EDT 12:00Z-22:00Z.
        #expect(cal.add(at("2026-03-07T22:00:00Z"), seconds: 7200) == at("2026-03-08T13:00:00Z"))
        // Saturday 10-31 EDT 12:00Z-22:00Z; Sunday 11-01 EST 13:00Z-23:00Z.
        #expect(cal.add(at("2026-10-31T21:00:00Z"), seconds: 7200) == at("2026-11-01T14:00:00Z"))
        #expect(cal.between(at("2026-10-31T00:00:00Z"), at("2026-11-02T00:00:00Z")) == 72_000)
        let weekdaysOnly = try weekdays("09:00-17:00", zone: "America/New_York")
        // Friday 03-06 closes 22:00Z (EST); Monday 03-09 opens 13:00Z (EDT).
        #expect(weekdaysOnly.add(at("2026-03-06T21:00:00Z"), seconds: 7200) == at("2026-03-09T14:00:00Z"))
    }

    // MARK: America/Sao_Paulo (historical DST; OTRS bug 9884: solution time wrong across DST)
    // 2018-11-04 00:00 -03 → 01:00 -02 (03:00Z): midnight did not exist.
    // 2019-02-17 00:00 -02 → 2019-02-16 23:00 -03 (02:00Z).

    @Test func saoPauloSolutionTimeAcrossDST() throws {
        let cal = try weekdays("08:00-18:00", zone: "America/Sao_Paulo")
        // Friday 2018-11-02 17:00 -03 = 20:00Z; 1 h left; Monday 11-05 08:00 -02 = 10:00Z.
        #expect(cal.add(at("2018-11-02T20:00:00Z"), seconds: 7200) == at("2018-11-05T11:00:00Z"))
        #expect(cal.between(at("2018-11-02T20:00:00Z"), at("2018-11-05T11:00:00Z")) == 7200)
        // A week of solution time (50 h) from Thursday 2019-02-14 09:00 -02 (11:00Z):
        // Thu 9 h, Fri 10 h (DST), Mon-Wed 30 h in -03, then 1 h on Thursday 02-21: 12:00Z.
        #expect(cal.add(at("2019-02-14T11:00:00Z"), seconds: 50 * 3600) == at("2019-02-21T12:00:00Z"))
        #expect(cal.localTimeString(of: at("2019-02-21T12:00:00Z")) == "2019-02-21 09:00:00 -03:00")
    }

    @Test func saoPauloMissingMidnight() throws {
        let cal = try twentyFourSeven(zone: "America/Sao_Paulo")
        // 2018-11-04 starts at 01:00 -02 (03:00Z) and is 23 h long.
        #expect(cal.localInstant(date: date("2018-11-04"), secondOfDay: 0) == at("2018-11-04T03:00:00Z"))
        #expect(cal.between(at("2018-11-04T03:00:00Z"), at("2018-11-05T02:00:00Z")) == 23 * 3600)
        #expect(cal.add(at("2018-11-04T02:59:59Z"), seconds: 2) == at("2018-11-04T03:00:01Z"))
        // 2019-02-16 is 25 h long: 03:00Z .. 2019-02-17T03:00Z.
        #expect(cal.between(at("2019-02-16T02:00:00Z"), at("2019-02-17T03:00:00Z")) == 25 * 3600)
        // Saturday 22:00-24:00 + Sunday 00:00-06:00 around the missing midnight: 7 real hours.
        let night = try BusinessCalendar(CalendarSpec(
            id: "night", timeZoneIdentifier: "America/Sao_Paulo",
            weekly: WeeklySchedule(days: [.saturday: [interval("22:00-24:00")], .sunday: [interval("00:00-06:00")]])))
        #expect(night.openIntervals(from: at("2018-11-03T00:00:00Z"), to: at("2018-11-05T00:00:00Z"))
            == [OpenInterval(start: at("2018-11-04T01:00:00Z"), end: at("2018-11-04T08:00:00Z"))])
    }

    // MARK: Australia/Lord_Howe: 30-minute DST (+10:30 / +11).
    // 2026-04-05 02:00 +11 → 01:30 +10:30 (04-04T15:00Z); 2026-10-04 02:00 +10:30 → 02:30 +11 (10-03T15:30Z).

    @Test func lordHoweHalfHourDST() throws {
        let cal = try twentyFourSeven(zone: "Australia/Lord_Howe")
        #expect(cal.between(at("2026-04-04T13:00:00Z"), at("2026-04-05T13:30:00Z")) == 24 * 3600 + 1800)
        #expect(cal.between(at("2026-10-03T13:30:00Z"), at("2026-10-04T13:00:00Z")) == 23 * 3600 + 1800)
        #expect(cal.localTimeString(of: at("2026-10-03T15:30:00Z")) == "2026-10-04 02:30:00 +11:00")
        #expect(cal.localTimeString(of: at("2026-10-03T15:29:59Z")) == "2026-10-04 01:59:59 +10:30")
        let office = try everyDay("01:00-03:00", zone: "Australia/Lord_Howe")
        // 01:00 +10:30 = 14:30Z; 02:00-02:30 does not exist; 03:00 +11 = 16:00Z: 1.5 real hours.
        #expect(office.openIntervals(from: at("2026-10-03T00:00:00Z"), to: at("2026-10-04T00:00:00Z"))
            == [OpenInterval(start: at("2026-10-03T14:30:00Z"), end: at("2026-10-03T16:00:00Z"))])
        // 01:00 +11 = 14:00Z; 01:30-02:00 happens twice; 03:00 +10:30 = 16:30Z: 2.5 real hours.
        #expect(office.between(at("2026-04-04T00:00:00Z"), at("2026-04-05T00:00:00Z")) == 9000)
        #expect(office.add(at("2026-04-04T14:00:00Z"), seconds: 9000) == at("2026-04-04T16:30:00Z"))
    }

    // MARK: Fractional offsets

    @Test func kolkataHalfHourOffset() throws {
        let cal = try weekdays("09:00-18:00", zone: "Asia/Kolkata")
        // 09:00 IST = 03:30Z, 18:00 IST = 12:30Z. Monday 2026-11-23 17:30 IST + 1 h → Tuesday 09:30 IST.
        #expect(cal.add(at("2026-11-23T12:00:00Z"), seconds: 3600) == at("2026-11-24T04:00:00Z"))
        #expect(cal.nextOpening(after: at("2026-11-23T00:00:00Z")) == at("2026-11-23T03:30:00Z"))
        #expect(cal.localDate(of: at("2026-11-22T18:30:00Z")) == date("2026-11-23"))
        #expect(cal.localTimeString(of: at("2026-11-23T03:30:00Z")) == "2026-11-23 09:00:00 +05:30")
    }

    @Test func kathmanduQuarterHourOffset() throws {
        let cal = try weekdays("09:00-18:00", zone: "Asia/Kathmandu")
        // 09:00 +05:45 = 03:15Z, 18:00 = 12:15Z. Friday 2026-11-27 18:00 → Monday 11-30 09:00.
        #expect(cal.add(at("2026-11-27T12:00:00Z"), seconds: 1800) == at("2026-11-30T03:30:00Z"))
        #expect(cal.nextClosing(after: at("2026-11-27T03:15:00Z")) == at("2026-11-27T12:15:00Z"))
        #expect(cal.between(at("2026-11-23T00:00:00Z"), at("2026-11-30T00:00:00Z")) == 5 * 9 * 3600)
        #expect(cal.localTimeString(of: at("2026-11-27T12:15:00Z")) == "2026-11-27 18:00:00 +05:45")
    }

    // MARK: Pacific/Apia: Thursday 2011-12-29 (-10) was followed by Saturday 2011-12-31 (+14).

    @Test func apiaDayThatDidNotExist() throws {
        let cal = try weekdays("08:00-18:00", zone: "Pacific/Apia")
        // Thursday 08:00-18:00 -10 = 12-29T18:00Z .. 12-30T04:00Z; Friday did not exist;
        // Monday 2012-01-02 08:00 +14 = 2012-01-01T18:00Z.
        #expect(cal.openIntervals(from: at("2011-12-29T12:00:00Z"), to: at("2012-01-02T12:00:00Z")) == [
            OpenInterval(start: at("2011-12-29T18:00:00Z"), end: at("2011-12-30T04:00:00Z")),
            OpenInterval(start: at("2012-01-01T18:00:00Z"), end: at("2012-01-02T04:00:00Z")),
        ])
        #expect(cal.add(at("2011-12-30T03:00:00Z"), seconds: 7200) == at("2012-01-01T19:00:00Z"))
        #expect(cal.localTimeString(of: at("2011-12-30T09:59:59Z")) == "2011-12-29 23:59:59 -10:00")
        #expect(cal.localTimeString(of: at("2011-12-30T10:00:00Z")) == "2011-12-31 00:00:00 +14:00")
        let always = try twentyFourSeven(zone: "Pacific/Apia")
        // Local 12-29 00:00 to 12-31 00:00 were 24 real hours.
        #expect(always.between(
            always.localInstant(date: date("2011-12-29"), secondOfDay: 0),
            always.localInstant(date: date("2011-12-31"), secondOfDay: 0)) == 86_400)
        #expect(always.localInstant(date: date("2011-12-30"), secondOfDay: 12 * 3600) == at("2011-12-30T22:00:00Z"))
    }

    // MARK: Interval boundaries in a non-existent or ambiguous local hour

    @Test func boundaryInNonExistentHourShiftsForward() throws {
        let cal = try everyDay("02:30-10:00", zone: "Europe/Paris")
        // 2026-03-29 02:30 does not exist: it becomes 03:30 CEST (01:30Z); 10:00 CEST = 08:00Z.
        #expect(cal.localInstant(date: date("2026-03-29"), secondOfDay: 9000) == at("2026-03-29T01:30:00Z"))
        #expect(cal.nextOpening(after: at("2026-03-29T00:00:00Z")) == at("2026-03-29T01:30:00Z"))
        #expect(cal.between(at("2026-03-29T00:00:00Z"), at("2026-03-30T00:00:00Z")) == 6 * 3600 + 1800)
        // An interval entirely inside the gap keeps its length (both ends shift by the gap).
        let gap = try everyDay("02:10-02:40", zone: "Europe/Paris")
        #expect(gap.openIntervals(from: at("2026-03-29T00:00:00Z"), to: at("2026-03-30T00:00:00Z"))
            == [OpenInterval(start: at("2026-03-29T01:10:00Z"), end: at("2026-03-29T01:40:00Z"))])
        // An end shifted past the start leaves nothing that day: 02:30-03:00 → 03:30-03:00.
        let empty = try everyDay("02:30-03:00", zone: "Europe/Paris")
        #expect(empty.between(at("2026-03-29T00:00:00Z"), at("2026-03-30T00:00:00Z")) == 0)
        #expect(empty.between(at("2026-03-30T00:00:00Z"), at("2026-03-31T00:00:00Z")) == 1800)
    }

    @Test func boundaryInAmbiguousHourTakesEarlierOccurrence() throws {
        let cal = try everyDay("02:30-10:00", zone: "Europe/Paris")
        // 2026-10-25 02:30 happens at 00:30Z (CEST) and 01:30Z (CET): the earlier one; 10:00 CET = 09:00Z.
        #expect(cal.localInstant(date: date("2026-10-25"), secondOfDay: 9000) == at("2026-10-25T00:30:00Z"))
        #expect(cal.openIntervals(from: at("2026-10-25T00:00:00Z"), to: at("2026-10-26T00:00:00Z"))
            == [OpenInterval(start: at("2026-10-25T00:30:00Z"), end: at("2026-10-25T09:00:00Z"))])
        // An end in the repeated hour: 00:00-02:30 is 22:00Z .. 00:30Z.
        let night = try everyDay("00:00-02:30", zone: "Europe/Paris")
        #expect(night.openIntervals(from: at("2026-10-24T12:00:00Z"), to: at("2026-10-25T12:00:00Z"))
            == [OpenInterval(start: at("2026-10-24T22:00:00Z"), end: at("2026-10-25T00:30:00Z"))])
        #expect(night.isOpen(at: at("2026-10-25T00:29:59Z")))
        #expect(!night.isOpen(at: at("2026-10-25T00:30:00Z")))
        #expect(!night.isOpen(at: at("2026-10-25T01:29:59Z")))  // 02:29:59 CET, the second occurrence
    }
}
