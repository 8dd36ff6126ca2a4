import BusinessTime
import Foundation
import Testing

/// Published holiday tables, embedded with their sources, against the rules of the shipped
/// config compiled into calendars (the engine's tables, not only the rule arithmetic).
@Suite("Movable holidays: Easter, n-th weekdays, observed days")
struct MovableHolidayTests {
    static func date(_ text: String) -> LocalDate { LocalDate(iso: text)! }

    static let shipped: [String: BusinessCalendar] = {
        // The shipped config is part of the package: a failure here fails every test below.
        try! CalendarConfig.load(file: "\(packageRoot)/Config/meridian.yaml", extraKeys: ["tiers"])
    }()

    /// Business seconds of a whole local day.
    static func openSeconds(_ calendar: BusinessCalendar, on day: LocalDate) -> Int64 {
        calendar.between(
            calendar.localInstant(date: day, secondOfDay: 0), calendar.localInstant(date: day, secondOfDay: 86_400))
    }

    // MARK: - Published tables

    /// Western Easter Sunday 2020-2035: IMCCE (Observatoire de Paris), "Dates de Pâques",
    /// and the Astronomical Society of South Australia's Easter Dates table.
    static let easterSundays = [
        "2020-04-12", "2021-04-04", "2022-04-17", "2023-04-09", "2024-03-31", "2025-04-20", "2026-04-05", "2027-03-28",
        "2028-04-16", "2029-04-01", "2030-04-21", "2031-04-13", "2032-03-28", "2033-04-17", "2034-04-09", "2035-03-25",
    ]

    /// Lundi de Pâques, Ascension, Lundi de Pentecôte 2020-2035: service-public.fr,
    /// "Jours fériés" (Direction de l'information légale et administrative), per year.
    static let france: [(easterMonday: String, ascension: String, whitMonday: String)] = [
        ("2020-04-13", "2020-05-21", "2020-06-01"), ("2021-04-05", "2021-05-13", "2021-05-24"),
        ("2022-04-18", "2022-05-26", "2022-06-06"), ("2023-04-10", "2023-05-18", "2023-05-29"),
        ("2024-04-01", "2024-05-09", "2024-05-20"), ("2025-04-21", "2025-05-29", "2025-06-09"),
        ("2026-04-06", "2026-05-14", "2026-05-25"), ("2027-03-29", "2027-05-06", "2027-05-17"),
        ("2028-04-17", "2028-05-25", "2028-06-05"), ("2029-04-02", "2029-05-10", "2029-05-21"),
        ("2030-04-22", "2030-05-30", "2030-06-10"), ("2031-04-14", "2031-05-22", "2031-06-02"),
        ("2032-03-29", "2032-05-06", "2032-05-17"), ("2033-04-18", "2033-05-26", "2033-06-06"),
        ("2034-04-10", "2034-05-18", "2034-05-29"), ("2035-03-26", "2035-05-03", "2035-05-14"),
    ]

    /// US federal holidays 2020-2035 as observed: OPM, "Federal Holidays"
    /// (opm.gov/policy-data-oversight/pay-leave/federal-holidays, the per-year tables), under
    /// 5 U.S.C. 6103 and Executive Order 11582 (Saturday → Friday before, Sunday → Monday after).
    static let unitedStates: [(thanksgiving: String, memorial: String, independence: String, christmas: String)] = [
        ("2020-11-26", "2020-05-25", "2020-07-03", "2020-12-25"), ("2021-11-25", "2021-05-31", "2021-07-05", "2021-12-24"),
        ("2022-11-24", "2022-05-30", "2022-07-04", "2022-12-26"), ("2023-11-23", "2023-05-29", "2023-07-04", "2023-12-25"),
        ("2024-11-28", "2024-05-27", "2024-07-04", "2024-12-25"), ("2025-11-27", "2025-05-26", "2025-07-04", "2025-12-25"),
        ("2026-11-26", "2026-05-25", "2026-07-03", "2026-12-25"), ("2027-11-25", "2027-05-31", "2027-07-05", "2027-12-24"),
        ("2028-11-23", "2028-05-29", "2028-07-04", "2028-12-25"), ("2029-11-22", "2029-05-28", "2029-07-04", "2029-12-25"),
        ("2030-11-28", "2030-05-27", "2030-07-04", "2030-12-25"), ("2031-11-27", "2031-05-26", "2031-07-04", "2031-12-25"),
        ("2032-11-25", "2032-05-31", "2032-07-05", "2032-12-24"), ("2033-11-24", "2033-05-30", "2033-07-04", "2033-12-26"),
        ("2034-11-23", "2034-05-29", "2034-07-04", "2034-12-25"), ("2035-11-22", "2035-05-28", "2035-07-04", "2035-12-25"),
    ]

    /// New Year's Day observed where it moves (OPM): the Saturday ones fall in the year before.
    static let newYearObserved = [
        "2021-12-31", "2023-01-02", "2027-12-31", "2032-12-31", "2034-01-02",
    ]

    @Test("Easter Sunday 2020-2035 matches the published table")
    func easterTable() {
        for (i, text) in Self.easterSundays.enumerated() {
            #expect(MovableHoliday.easterSunday(year: 2020 + i) == Self.date(text))
        }
    }

    /// Oudin's algorithm (1940, as given by Tøndering's Calendar FAQ): an independent
    /// derivation of the Gregorian computus, to check Meeus's over the whole domain.
    static func oudin(_ year: Int) -> LocalDate {
        let g = year % 19, c = year / 100
        let h = (c - c / 4 - (8 * c + 13) / 25 + 19 * g + 15) % 30
        let i = h - (h / 28) * (1 - (29 / (h + 1)) * ((21 - g) / 11))
        let j = (year + year / 4 + i + 2 - c + c / 4) % 7
        let l = i - j
        let month = 3 + (l + 40) / 44
        return LocalDate(year: year, month: month, day: l + 28 - 31 * (month / 4))!
    }

    @Test("Easter 1900-2399: a Sunday from March 22 to April 25, equal to Oudin's algorithm")
    func easterDomain() {
        for year in 1900...2399 {
            let easter = MovableHoliday.easterSunday(year: year)
            #expect(easter == Self.oudin(year), "\(year)")
            #expect(easter.weekday == .sunday)
            #expect(easter >= LocalDate(year: year, month: 3, day: 22)! && easter <= LocalDate(year: year, month: 4, day: 25)!)
        }
        // The extremes of the period: the earliest (2285) and the latest (1943, 2038).
        #expect(MovableHoliday.easterSunday(year: 2285) == Self.date("2285-03-22"))
        #expect(MovableHoliday.easterSunday(year: 1943) == Self.date("1943-04-25"))
        #expect(MovableHoliday.easterSunday(year: 2038) == Self.date("2038-04-25"))
    }

    @Test("France 2020-2035: Easter Monday, Ascension and Whit Monday are closed in the shipped emea calendar")
    func franceTable() throws {
        let emea = try #require(Self.shipped["emea"])
        for (easterMonday, ascension, whitMonday) in Self.france {
            for (text, name, rule) in [
                (easterMonday, "Lundi de Pâques", "easter+1"), (ascension, "Ascension", "easter+39"),
                (whitMonday, "Lundi de Pentecôte", "easter+50"),
            ] {
                let day = Self.date(text)
                #expect(Self.openSeconds(emea, on: day) == 0, "\(text)")
                #expect(emea.holiday(on: day)?.description == "\(name) (\(rule))")
                #expect(emea.openingHours(on: day) == [])
            }
            // The Tuesday after Easter Monday and the Friday after Ascension are working days
            // (the Wednesday before is not always: 2024-05-08 is Victoire 1945).
            #expect(Self.openSeconds(emea, on: Self.date(easterMonday).adding(days: 1)) == 36_000)
            #expect(Self.openSeconds(emea, on: Self.date(ascension).adding(days: 1)) == 36_000)
        }
        // Far beyond the precomputed range, the rules still hold (the table grows).
        #expect(Self.openSeconds(emea, on: Self.date("2399-03-29")) == 0)  // Easter 2399 is 03-28
        #expect(Self.openSeconds(emea, on: Self.date("2399-03-30")) == 36_000)
        #expect(Self.openSeconds(emea, on: Self.date("1901-04-08")) == 0)  // Easter 1901 is 04-07
    }

    @Test("United States 2020-2035: Thanksgiving, Memorial Day, Independence Day and Christmas as observed")
    func unitedStatesTable() throws {
        let amer = try #require(Self.shipped["amer"])
        for (thanksgiving, memorial, independence, christmas) in Self.unitedStates {
            for (text, name, rule) in [
                (thanksgiving, "Thanksgiving Day", "4th thu of nov"), (memorial, "Memorial Day", "last mon of may"),
                (independence, "Independence Day", "07-04 observed"), (christmas, "Christmas Day", "12-25 observed"),
            ] {
                let day = Self.date(text)
                #expect(Self.openSeconds(amer, on: day) == 0, "\(text)")
                #expect(amer.holiday(on: day)?.description == "\(name) (\(rule))")
            }
            // Friday after Thanksgiving and the weekday next to a shifted holiday are open.
            #expect(Self.openSeconds(amer, on: Self.date(thanksgiving).adding(days: 1)) == 28_800)
            let observed = Self.date(independence)
            if observed.day != 4 {
                let neighbour = observed.adding(days: observed.weekday == .friday ? -1 : 1)
                #expect(Self.openSeconds(amer, on: neighbour) == 28_800, "\(neighbour)")
            }
        }
        for text in Self.newYearObserved {
            #expect(Self.openSeconds(amer, on: Self.date(text)) == 0, "\(text)")
            #expect(amer.holidayName(on: Self.date(text)) == "New Year's Day")
        }
        // A Saturday holiday's day itself is closed too (and the weekend is anyway).
        #expect(amer.holiday(on: Self.date("2026-07-04"))?.rule == .observed(month: 7, day: 4))
        #expect(amer.holiday(on: Self.date("2026-07-06")) == nil)
    }

    @Test("Singapore keeps its lunar holidays by date and Good Friday as easter-2")
    func singapore() throws {
        let apac = try #require(Self.shipped["apac"])
        #expect(apac.holiday(on: Self.date("2026-04-03"))?.description == "Good Friday (easter-2)")
        #expect(apac.holiday(on: Self.date("2031-04-11"))?.description == "Good Friday (easter-2)")
        #expect(apac.holidayName(on: Self.date("2027-02-08")) == "Chinese New Year (in lieu)")
        #expect(Self.openSeconds(apac, on: Self.date("2027-02-08")) == 0)
    }

    // MARK: - Rule arithmetic

    @Test("n-th and last weekdays, and a fifth weekday that a year lacks is skipped")
    func nthWeekday() {
        let fifthMonday = MovableHoliday.nthWeekday(ordinal: 5, .monday, month: 2)
        // February has a fifth Monday only in a leap year that starts the month on a Monday.
        let years = (1900...2100).filter { !fifthMonday.dates(forYear: $0).isEmpty }
        #expect(years == [1904, 1932, 1960, 1988, 2016, 2044, 2072])
        #expect(fifthMonday.dates(forYear: 2016) == [Self.date("2016-02-29")])
        #expect(fifthMonday.dates(forYear: 2026) == [])
        #expect(MovableHoliday.nthWeekday(ordinal: 1, .monday, month: 9).dates(forYear: 2026) == [Self.date("2026-09-07")])
        #expect(MovableHoliday.nthWeekday(ordinal: 1, .tuesday, month: 9).dates(forYear: 2026) == [Self.date("2026-09-01")])
        #expect(MovableHoliday.lastWeekday(.sunday, month: 5).dates(forYear: 2026) == [Self.date("2026-05-31")])
        #expect(MovableHoliday.lastWeekday(.monday, month: 2).dates(forYear: 2016) == [Self.date("2016-02-29")])
        #expect(MovableHoliday.observed(month: 2, day: 29).dates(forYear: 2026) == [])
        #expect(MovableHoliday.observed(month: 1, day: 1).dates(forYear: 2028) == [Self.date("2027-12-31"), Self.date("2028-01-01")])
        #expect(MovableHoliday.observed(month: 12, day: 31).dates(forYear: 2028) == [Self.date("2028-12-31"), Self.date("2029-01-01")])
    }

    @Test("a skipped year leaves the calendar open; a year that has the day is closed")
    func skippedYearCompiled() throws {
        let spec = try #require(try CalendarConfigTests.specs("""
            regions:
              x:
                timezone: UTC
                hours: { mon-fri: "09:00-17:00" }
                holidays: [5th mon of feb]
            """)["x"])
        let cal = try BusinessCalendar(spec)
        #expect(Self.openSeconds(cal, on: Self.date("2016-02-29")) == 0)
        #expect(Self.openSeconds(cal, on: Self.date("2044-02-29")) == 0)
        #expect(Self.openSeconds(cal, on: Self.date("2026-02-23")) == 28_800)  // last Monday of Feb 2026
        #expect(Self.openSeconds(cal, on: Self.date("2028-02-28")) == 28_800)  // leap, but Feb 1 is a Tuesday
        #expect(cal.holidayName(on: Self.date("2016-02-29")) == "5th mon of feb")
    }

    @Test("dated hours open a movable holiday; the first rule of a date names it; unnamed rules show their text")
    func precedence() throws {
        let spec = try #require(try CalendarConfigTests.specs("""
            regions:
              x:
                timezone: Europe/Paris
                hours: { mon-fri: "08:00-18:00" }
                holidays:
                  - { rule: easter+1, name: Lundi de Pâques }
                  - { rule: last mon of mar, name: Second name }
                  - easter+39
                  - { date: 2031-05-22, hours: "09:00-12:00", name: Permanence }
            """)["x"])
        let cal = try BusinessCalendar(spec)
        // Easter Monday 2027 is also the last Monday of March: the first rule names it.
        #expect(cal.holiday(on: Self.date("2027-03-29"))?.description == "Lundi de Pâques (easter+1)")
        #expect(cal.holiday(on: Self.date("2026-03-30"))?.description == "Second name (last mon of mar)")
        #expect(cal.holiday(on: Self.date("2026-05-14"))?.description == "easter+39")
        #expect(cal.holidayName(on: Self.date("2026-05-14")) == "easter+39")
        // Ascension 2031 opens 09:00-12:00 Paris (07:00Z-10:00Z).
        #expect(Self.openSeconds(cal, on: Self.date("2031-05-22")) == 3 * 3600)
        #expect(cal.holiday(on: Self.date("2031-05-22"))?.description == "Permanence")
        #expect(cal.holiday(on: Self.date("2026-05-13")) == nil)
    }

    // MARK: - Config syntax

    @Test("rule texts parse and print back in the config syntax")
    func syntax() throws {
        let cases: [(String, MovableHoliday, String)] = [
            ("4th thu of nov", .nthWeekday(ordinal: 4, .thursday, month: 11), "4th thu of nov"),
            ("Last Monday of May", .lastWeekday(.monday, month: 5), "last mon of may"),
            ("1st  mon of september", .nthWeekday(ordinal: 1, .monday, month: 9), "1st mon of sep"),
            ("3rd mon of jan", .nthWeekday(ordinal: 3, .monday, month: 1), "3rd mon of jan"),
            ("easter", .easter(offset: 0), "easter"),
            ("easter+1", .easter(offset: 1), "easter+1"),
            ("easter-2", .easter(offset: -2), "easter-2"),
            ("easter+250", .easter(offset: 250), "easter+250"),
            ("easter-80", .easter(offset: -80), "easter-80"),
            ("07-04 observed", .observed(month: 7, day: 4), "07-04 observed"),
        ]
        for (text, rule, printed) in cases {
            #expect(try MovableHoliday.parse(text)?.get() == rule, "\(text)")
            #expect(rule.description == printed)
        }
        #expect(MovableHoliday.parse("12-25") == nil)
        #expect(MovableHoliday.parse("2026-12-25") == nil)
    }

    @Test("a malformed rule is a config error naming the file, the key path and the problem", arguments: [
        ("- easter+400", "regions.x.holidays[0]: \"easter+400\": an Easter offset is -80 to +250 days (the day must lie in Easter's year), not +400 (line 6)"),
        ("- easter-81", "regions.x.holidays[0]: \"easter-81\": an Easter offset is -80 to +250 days (the day must lie in Easter's year), not -81 (line 6)"),
        ("- easter+", "regions.x.holidays[0]: \"easter+\": expected easter, easter+N or easter-N (days, e.g. easter+1) (line 6)"),
        ("- easter+1d", "regions.x.holidays[0]: \"easter+1d\": expected easter, easter+N or easter-N (days, e.g. easter+1) (line 6)"),
        ("- easter+9999999999999999999999", "regions.x.holidays[0]: \"easter+9999999999999999999999\": expected easter, easter+N or easter-N (days, e.g. easter+1) (line 6)"),
        ("- 0th mon of jan", "regions.x.holidays[0]: \"0th mon of jan\": \"0th\" is not an ordinal (1st, 2nd, 3rd, 4th, 5th or last) (line 6)"),
        ("- 6th mon of jan", "regions.x.holidays[0]: \"6th mon of jan\": \"6th\" is not an ordinal (1st, 2nd, 3rd, 4th, 5th or last) (line 6)"),
        ("- 4th thu of novembre", "regions.x.holidays[0]: \"4th thu of novembre\": \"novembre\" is not a month (jan, feb, ..., dec) (line 6)"),
        ("- 4th thx of nov", "regions.x.holidays[0]: \"4th thx of nov\": \"thx\" is not a weekday (mon, tue, ..., sun) (line 6)"),
        ("- 4th thu nov", "regions.x.holidays[0]: \"4th thu nov\" is not a holiday: expected a date (2026-12-25), a yearly date (12-25), 12-25 observed, 4th thu of nov, last mon of may or easter+1 (line 6)"),
        ("- last mon of", "regions.x.holidays[0]: \"last mon of\": expected \"<1st..5th|last> <weekday> of <month>\" (4th thu of nov) or \"MM-DD observed\" (line 6)"),
        ("- 13-04 observed", "regions.x.holidays[0]: \"13-04 observed\": \"13-04\" is not a yearly date (MM-DD): `observed` follows a month and day, e.g. 07-04 observed (line 6)"),
        ("- 2026-07-04 observed", "regions.x.holidays[0]: \"2026-07-04 observed\": \"2026-07-04\" is not a yearly date (MM-DD): `observed` follows a month and day, e.g. 07-04 observed (line 6)"),
        ("- \"\"", "regions.x.holidays[0]: \"\" is not a holiday: expected a date (2026-12-25), a yearly date (12-25), 12-25 observed, 4th thu of nov, last mon of may or easter+1 (line 6)"),
        ("- ", "regions.x.holidays[0]: expected a date (2026-12-25), a yearly date or rule (12-25, easter+1) or {date: ..., name: ...} (line 6)"),
        ("- { rule: \"\" }", "regions.x.holidays[0].rule: \"\" is not a holiday: expected a date (2026-12-25), a yearly date (12-25), 12-25 observed, 4th thu of nov, last mon of may or easter+1 (line 6)"),
        ("- { rule: }", "regions.x.holidays[0].rule: expected a yearly rule (easter+1, 4th thu of nov, 07-04 observed, 12-25) (line 6)"),
        ("- { rule: 2026-12-25 }", "regions.x.holidays[0].rule: \"2026-12-25\" is a date: write it as date: 2026-12-25 (line 6)"),
        ("- { date: easter+1 }", "regions.x.holidays[0].date: \"easter+1\" is a yearly rule: write it as rule: easter+1 (line 6)"),
        ("- { rule: easter+1, date: 12-25 }", "regions.x.holidays[0]: give \"date\" or \"rule\", not both (line 6)"),
        ("- { name: Easter Monday }", "regions.x.holidays[0]: missing key \"date\" or \"rule\" (line 6)"),
        ("- { rule: easter+1, hours: \"08:00-12:00\" }", "regions.x.holidays[0].rule: reduced hours need a full date (YYYY-MM-DD), not \"easter+1\" (line 6)"),
        ("- { rule: easter+1, when: always }", "regions.x.holidays[0].when: unknown key (known: date, rule, name, hours) (line 6)"),
    ])
    func malformed(entry: String, message: String) {
        let yaml = """
            regions:
              x:
                timezone: UTC
                hours: { mon-fri: "09:00-17:00" }
                holidays:
                  \(entry)
            """
        #expect(CalendarConfigTests.failure(yaml) == "test.yaml: \(message)")
    }
}
