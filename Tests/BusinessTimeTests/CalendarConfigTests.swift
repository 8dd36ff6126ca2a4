import BusinessTime
import Foundation
import Testing

/// A temporary directory with files, removed by `remove()`.
struct TempDirectory {
    let path: String

    init(files: [String: String] = [:]) throws {
        path = NSTemporaryDirectory() + "meridian-config-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for (name, text) in files {
            let file = "\(path)/\(name)"
            try FileManager.default.createDirectory(
                atPath: CalendarConfig.directory(of: file), withIntermediateDirectories: true)
            try text.write(toFile: file, atomically: true, encoding: .utf8)
        }
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// The package root, for the shipped Config/.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

@Suite("Calendar config (YAML regions)")
struct CalendarConfigTests {
    static func date(_ text: String) -> LocalDate { LocalDate(iso: text)! }
    static func iv(_ text: String) -> DailyInterval { DailyInterval(text)! }

    /// Parses `yaml` as if it were the file `test.yaml` in `directory`.
    static func specs(
        _ yaml: String, directory: String = "/nonexistent", extraKeys: Set<String> = []
    ) throws(ConfigError) -> [String: CalendarSpec] {
        let root = try CalendarConfig.compose(yaml: yaml, file: "test.yaml")
        let regions = try CalendarConfig.regionsNode(of: root, file: "test.yaml")
        return try CalendarConfig.parseRegionSpecs(
            regions, file: "test.yaml", baseDirectory: directory, extraKeys: extraKeys)
    }

    /// The description of the error that parsing `yaml` throws.
    static func failure(_ yaml: String, directory: String = "/nonexistent", extraKeys: Set<String> = []) -> String? {
        do {
            _ = try specs(yaml, directory: directory, extraKeys: extraKeys)
            return nil
        } catch {
            return error.description
        }
    }

    @Test("a region with every kind of entry")
    func fullRegion() throws {
        let yaml = """
            regions:
              emea:
                timezone: Europe/Paris
                hours:
                  mon-fri: "08:00-12:00,13:00-18:00"
                  sat: 22:00-06:00
                  sun: closed
                holidays:
                  - 2026-05-14
                  - 12-25
                  - { date: 2026-12-31, name: Saint-Sylvestre }
                  - { date: 01-01, name: "Jour de l'an" }
                  - { date: 2026-12-24, hours: "08:00-12:00", name: Réveillon }
                  - 2027-12-24: "09:00-12:00"
                open_days:
                  2026-12-19: "09:00-13:00"
                  2026-12-20: { hours: ["10:00-12:00", "14:00-16:00"], name: Inventaire }
            """
        let spec = try #require(try Self.specs(yaml)["emea"])
        let week = [Self.iv("08:00-12:00"), Self.iv("13:00-18:00")]
        #expect(spec == CalendarSpec(
            id: "emea", timeZoneIdentifier: "Europe/Paris",
            weekly: WeeklySchedule(days: [
                .monday: week, .tuesday: week, .wednesday: week, .thursday: week, .friday: week,
                .saturday: [Self.iv("22:00-06:00")],
            ]),
            rules: [
                .closed(Self.date("2026-05-14"), name: nil),
                .closedYearly(month: 12, day: 25, name: nil),
                .closed(Self.date("2026-12-31"), name: "Saint-Sylvestre"),
                .closedYearly(month: 1, day: 1, name: "Jour de l'an"),
                .hours(Self.date("2026-12-24"), [Self.iv("08:00-12:00")], name: "Réveillon"),
                .hours(Self.date("2027-12-24"), [Self.iv("09:00-12:00")], name: nil),
                .hours(Self.date("2026-12-19"), [Self.iv("09:00-13:00")], name: nil),
                .hours(Self.date("2026-12-20"), [Self.iv("10:00-12:00"), Self.iv("14:00-16:00")], name: "Inventaire"),
            ]))
    }

    @Test("weekday keys: single days, full names, ranges, ranges across the weekend, 24x7")
    func weekdayKeys() throws {
        let yaml = """
            regions:
              gulf:
                timezone: Asia/Dubai
                hours:
                  sun-thu: "09:00-17:00"
              weekend:
                timezone: UTC
                hours: { saturday: "10:00-14:00", Sun: "10:00-12:00" }
              always:
                timezone: UTC
                hours: 24x7
            """
        let specs = try Self.specs(yaml)
        let nine = [Self.iv("09:00-17:00")]
        #expect(specs["gulf"]?.weekly == WeeklySchedule(days: [
            .sunday: nine, .monday: nine, .tuesday: nine, .wednesday: nine, .thursday: nine,
        ]))
        #expect(specs["weekend"]?.weekly == WeeklySchedule(days: [
            .saturday: [Self.iv("10:00-14:00")], .sunday: [Self.iv("10:00-12:00")],
        ]))
        #expect(specs["always"] == CalendarSpec.twentyFourSeven(id: "always", timeZoneIdentifier: "UTC"))
    }

    @Test("YAML anchors, aliases and merge keys share hours and holiday lists between regions")
    func anchors() throws {
        let yaml = """
            office: &office
              timezone: Europe/Paris
              hours: { mon-fri: "09:00-17:00" }
            french_holidays: &fr [12-25, { date: 2026-05-14, name: Ascension }]
            regions:
              paris:
                <<: *office
                holidays: *fr
              lyon:
                <<: *office
                hours: { mon-thu: "08:00-16:00" }
                holidays: *fr
            """
        let specs = try Self.specs(yaml)
        let rules: [DayRule] = [
            .closedYearly(month: 12, day: 25, name: nil), .closed(Self.date("2026-05-14"), name: "Ascension"),
        ]
        let nine = [Self.iv("09:00-17:00")], eight = [Self.iv("08:00-16:00")]
        #expect(specs["paris"] == CalendarSpec(
            id: "paris", timeZoneIdentifier: "Europe/Paris",
            weekly: WeeklySchedule(days: [.monday: nine, .tuesday: nine, .wednesday: nine, .thursday: nine, .friday: nine]),
            rules: rules))
        #expect(specs["lyon"] == CalendarSpec(
            id: "lyon", timeZoneIdentifier: "Europe/Paris",
            weekly: WeeklySchedule(days: [.monday: eight, .tuesday: eight, .wednesday: eight, .thursday: eight]),
            rules: rules))
    }

    @Test("extra keys of other modules are allowed; top-level keys other than regions are ignored")
    func extraKeys() throws {
        let yaml = """
            plans:
              enterprise: { first_response: 1h }
            regions:
              amer:
                timezone: America/New_York
                hours: { mon-fri: "09:00-17:00" }
                tiers: { l1: [a, b] }
            """
        #expect(try Self.specs(yaml, extraKeys: ["tiers"]).keys.sorted() == ["amer"])
        #expect(Self.failure(yaml) == """
            test.yaml: regions.amer.tiers: unknown key \
            (known: timezone, hours, holidays, open_days, holiday_files) (line 7)
            """)
    }

    @Test("holiday files are read relative to the config file and merged with the listed holidays")
    func holidayFiles() throws {
        let feed = """
            BEGIN:VCALENDAR\r
            BEGIN:VEVENT\r
            DTSTART;VALUE=DATE:20261226\r
            RRULE:FREQ=YEARLY\r
            SUMMARY:Saint-Étienne (Alsace-Moselle)\r
            END:VEVENT\r
            BEGIN:VEVENT\r
            DTSTART;VALUE=DATE:20261225\r
            SUMMARY:Noël\r
            END:VEVENT\r
            END:VCALENDAR\r

            """
        let dir = try TempDirectory(files: ["holidays/alsace.ics": feed])
        defer { dir.remove() }
        let yaml = """
            regions:
              strasbourg:
                timezone: Europe/Paris
                hours: { mon-fri: "08:00-18:00" }
                holidays: [2026-12-25, 2026-05-14]
                holiday_files: [holidays/alsace.ics]
            """
        // The feed adds exactly its two entries; Christmas twice is harmless.
        #expect(try Self.specs(yaml, directory: dir.path)["strasbourg"]?.rules == [
            .closed(Self.date("2026-12-25"), name: nil),
            .closed(Self.date("2026-05-14"), name: nil),
            .closedYearly(month: 12, day: 26, name: "Saint-Étienne (Alsace-Moselle)"),
            .closed(Self.date("2026-12-25"), name: "Noël"),
        ])
        // The whole file through loadSpecs: relative to the file's own directory.
        let file = "\(dir.path)/meridian.yaml"
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try CalendarConfig.loadSpecs(file: file)["strasbourg"]?.rules.count == 4)
    }

    @Test(
        "errors name the file, the key path, the problem and the line",
        arguments: [
            (
                "regions:\n  amer:\n    timezone: America/New_York\n    hours:\n      mon: \"9:00-25:00\"\n",
                "test.yaml: regions.amer.hours.mon: \"9:00-25:00\" is not a time range (line 5)"
            ),
            (
                "regions:\n  amer:\n    timezone: America/New_York\n    hours:\n      mon: \"08:00-12:00,11:00-13:00\"\n",
                "test.yaml: regions.amer.hours.mon: \"08:00-12:00\" and \"11:00-13:00\" overlap (line 5)"
            ),
            (
                "regions:\n  amer:\n    timezone: America/New_York\n    hours:\n      mon-fri: \"09:00-17:00\"\n      fri: \"09:00-12:00\"\n",
                "test.yaml: regions.amer.hours.fri: fri is already given by \"mon-fri\" (line 6)"
            ),
            (
                "regions:\n  amer:\n    timezone: America/New_York\n    hours:\n      mon: \"22:00-06:00\"\n      tue: \"05:00-09:00\"\n",
                "test.yaml: regions.amer.hours.tue: \"05:00-09:00\" overlaps \"22:00-06:00\" of mon, which runs past midnight (line 5)"
            ),
            (
                "regions:\n  amer:\n    timezone: America/New_York\n    hours:\n      weekdays: \"09:00-17:00\"\n",
                "test.yaml: regions.amer.hours.weekdays: \"weekdays\" is not a weekday or a range of weekdays (mon, mon-fri, sat-sun) (line 5)"
            ),
            (
                "regions:\n  amer:\n    timezone: America/New_York\n    hours: always\n",
                "test.yaml: regions.amer.hours: expected a map of weekdays to hours (mon-fri: \"08:00-18:00\") or 24x7 (line 4)"
            ),
            (
                "regions:\n  amer:\n    hours: 24x7\n",
                "test.yaml: regions.amer: missing key \"timezone\" (line 3)"
            ),
            (
                "regions:\n  amer:\n    timezone: UTC\n",
                "test.yaml: regions.amer: missing key \"hours\" (line 3)"
            ),
            (
                "regions:\n  amer:\n    timezone: UTC\n    hours: 24x7\n    colour: blue\n",
                "test.yaml: regions.amer.colour: unknown key (known: timezone, hours, holidays, open_days, holiday_files) (line 5)"
            ),
            (
                "regions:\n  am er:\n    timezone: UTC\n    hours: 24x7\n",
                "test.yaml: regions.am er: a region id is 1-64 letters, digits, '-' or '_' (line 2)"
            ),
            (
                "regions:\n  amer:\n    timezone: UTC\n    hours: 24x7\n    holidays:\n      - 2026-12-25\n      - 2026-02-30\n",
                "test.yaml: regions.amer.holidays[1]: \"2026-02-30\" is not a date (YYYY-MM-DD) or a yearly date (MM-DD) (line 7)"
            ),
            (
                "regions:\n  amer:\n    timezone: UTC\n    hours: 24x7\n    holidays:\n      - { date: 12-24, hours: \"08:00-12:00\" }\n",
                "test.yaml: regions.amer.holidays[0].date: reduced hours need a full date (YYYY-MM-DD), not \"12-24\" (line 6)"
            ),
            (
                "regions:\n  amer:\n    timezone: UTC\n    hours: 24x7\n    holidays:\n      - { name: Christmas }\n",
                "test.yaml: regions.amer.holidays[0]: missing key \"date\" or \"rule\" (line 6)"
            ),
            (
                "regions:\n  amer:\n    timezone: UTC\n    hours: 24x7\n    holidays:\n      - { date: 2026-12-24, hours: \"08:00-12:00\" }\n    open_days:\n      2026-12-24: \"09:00-13:00\"\n",
                "test.yaml: regions.amer.open_days.2026-12-24: 2026-12-24 is already given at regions.amer.holidays[0] (line 8)"
            ),
            (
                "regions:\n  amer:\n    timezone: UTC\n    hours: 24x7\n    open_days:\n      12-19: \"09:00-13:00\"\n",
                "test.yaml: regions.amer.open_days.12-19: \"12-19\" is not a date (YYYY-MM-DD) (line 6)"
            ),
            (
                "regions:\n  amer:\n    timezone: UTC\n    hours: 24x7\n    open_days:\n      2026-12-19: closed\n",
                "test.yaml: regions.amer.open_days.2026-12-19: an open day needs opening hours (line 6)"
            ),
            (
                "regions:\n  amer:\n    timezone: UTC\n    hours: 24x7\n    holiday_files: [us.ics]\n",
                "test.yaml: regions.amer.holiday_files[0]: cannot read \"/nonexistent/us.ics\" (line 5)"
            ),
            (
                "regions: {}\n",
                "test.yaml: regions: no regions defined (line 1)"
            ),
            (
                "regions:\n  - emea\n",
                "test.yaml: regions: expected a map of region ids to calendars (line 2)"
            ),
            (
                "plans: {}\n",
                "test.yaml: missing key \"regions\""
            ),
            (
                "",
                "test.yaml: the file is empty (expected a \"regions\" map)"
            ),
            (
                "regions:\n  amer:\n    timezone: UTC\n   hours: 24x7\n",
                "test.yaml: YAML syntax error: did not find expected key while parsing a block mapping (line 4, column 4)"
            ),
            (
                "regions:\n  amer:\n    timezone: UTC\n    timezone: Europe/Paris\n    hours: 24x7\n",
                "test.yaml: duplicate key \"timezone\" (line 3, column 5)"
            ),
        ] as [(String, String)])
    func errors(yaml: String, expected: String) {
        #expect(Self.failure(yaml) == expected)
    }

    @Test("a bad holiday file names the config key, the file and its line")
    func badHolidayFile() throws {
        let dir = try TempDirectory(files: [
            "bad.ics": "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20261225T090000Z\nEND:VEVENT\nEND:VCALENDAR\n",
        ])
        defer { dir.remove() }
        let yaml = "regions:\n  amer:\n    timezone: UTC\n    hours: 24x7\n    holiday_files:\n      - bad.ics\n"
        #expect(Self.failure(yaml, directory: dir.path) == """
            test.yaml: regions.amer.holiday_files[0]: \(dir.path)/bad.ics: line 3: DTSTART 20261225T090000Z \
            is not an all-day date (holidays need DTSTART;VALUE=DATE:YYYYMMDD)
            """)
    }

    @Test("missing and unreadable files")
    func missingFile() {
        #expect(throws: ConfigError(file: "/nonexistent/meridian.yaml", keyPath: "", message: "no such file")) {
            try CalendarConfig.loadSpecs(file: "/nonexistent/meridian.yaml")
        }
    }

    @Test("the shipped config: three regions with their holidays")
    func shippedConfigSpecs() throws {
        let specs = try CalendarConfig.loadSpecs(file: "\(packageRoot)/Config/meridian.yaml", extraKeys: ["tiers"])
        #expect(specs.keys.sorted() == ["amer", "apac", "emea"])
        let emea = try #require(specs["emea"])
        #expect(emea.timeZoneIdentifier == "Europe/Paris")
        let day = [Self.iv("08:00-18:00")]
        #expect(emea.weekly == WeeklySchedule(days: [
            .monday: day, .tuesday: day, .wednesday: day, .thursday: day, .friday: day,
        ]))
        #expect(emea.rules.contains(.closedYearly(month: 12, day: 25, name: "Noël")))
        #expect(emea.rules.contains(.closedMovable(.easter(offset: 1), name: "Lundi de Pâques")))
        #expect(emea.rules.contains(.closedYearly(month: 7, day: 14, name: "Fête nationale")))
        #expect(!emea.rules.contains { rule in
            switch rule {
            case .closed(let d, _), .hours(let d, _, _): d == Self.date("2026-12-24")
            case .closedYearly(let m, let d, _): m == 12 && d == 24
            case .closedMovable(let movable, _): movable.dates(forYear: 2026).contains(Self.date("2026-12-24"))
            }
        })
        // Rules only: no dated entry that would expire.
        #expect(emea.rules.count == 11)
        #expect(specs["amer"]?.timeZoneIdentifier == "America/New_York")
        #expect(specs["amer"]?.rules.count == 11)
        #expect(specs["amer"]?.rules.allSatisfy { if case .closedMovable = $0 { true } else { false } } == true)
        #expect(specs["amer"]?.rules.contains(.closedMovable(
            .nthWeekday(ordinal: 4, .thursday, month: 11), name: "Thanksgiving Day")) == true)
        #expect(specs["apac"]?.timeZoneIdentifier == "Asia/Singapore")
        #expect(specs["apac"]?.rules.count == 21)
        #expect(specs["apac"]?.weekly.days[.friday] == [Self.iv("09:00-18:00")])
    }

    // MARK: - Compiled calendars

    /// Parses and compiles `yaml` as the file `test.yaml`.
    static func calendars(_ yaml: String, extraKeys: Set<String> = []) throws(ConfigError) -> [String: BusinessCalendar] {
        let root = try CalendarConfig.compose(yaml: yaml, file: "test.yaml")
        let regions = try CalendarConfig.regionsNode(of: root, file: "test.yaml")
        return try CalendarConfig.parseRegions(regions, file: "test.yaml", baseDirectory: "/nonexistent", extraKeys: extraKeys)
    }

    static func compileFailure(_ yaml: String) -> String? {
        do {
            _ = try calendars(yaml)
            return nil
        } catch {
            return error.description
        }
    }

    @Test(
        "compile errors name the key: unknown zone, no open time",
        arguments: [
            (
                "regions:\n  emea:\n    timezone: Europe/Pariss\n    hours: { mon-fri: \"08:00-18:00\" }\n",
                "test.yaml: regions.emea.timezone: unknown time zone \"Europe/Pariss\" (line 3)"
            ),
            (
                "regions:\n  emea:\n    timezone: Europe/Paris\n    hours: {}\n",
                "test.yaml: regions.emea.hours: the calendar has no open time at all (line 4)"
            ),
            (
                "regions:\n  emea:\n    timezone: Europe/Paris\n    hours:\n      sat-sun: closed\n    open_days:\n      2026-12-19: \"09:00-13:00\"\n",
                "test.yaml: regions.emea.hours: the calendar has no open time at all (line 5)"
            ),
            (
                "regions:\n  ok:\n    timezone: UTC\n    hours: 24x7\n  emea:\n    timezone: Mars/Olympus\n    hours: 24x7\n",
                "test.yaml: regions.emea.timezone: unknown time zone \"Mars/Olympus\" (line 6)"
            ),
        ] as [(String, String)])
    func compileErrors(yaml: String, expected: String) {
        #expect(Self.compileFailure(yaml) == expected)
    }

    @Test("the shipped config loads: Dec 24 is a normal day in emea, Dec 25 a holiday")
    func shippedConfigCalendars() throws {
        let calendars = try CalendarConfig.load(file: "\(packageRoot)/Config/meridian.yaml", extraKeys: ["tiers"])
        #expect(calendars.keys.sorted() == ["amer", "apac", "emea"])
        let emea = try #require(calendars["emea"])
        let start = try #require(Instant(iso8601: "2026-12-24T16:30:00Z"))
        #expect(emea.add(start, seconds: 7200).iso8601 == "2026-12-28T08:30:00Z")
        #expect(emea.holidayName(on: Self.date("2026-12-24")) == nil)
        #expect(emea.holidayName(on: Self.date("2026-12-25")) == "Noël")
        #expect(emea.holidayName(on: Self.date("2027-05-06")) == "Ascension")
        #expect(emea.holidayName(on: Self.date("2030-07-14")) == "Fête nationale")
        #expect(emea.openingHours(on: Self.date("2026-12-24")) == [Self.iv("08:00-18:00")])
        // A year of emea: 252 open weekdays of 10 hours in 2026.
        #expect(emea.between(Instant(iso8601: "2026-01-01T00:00:00Z")!, Instant(iso8601: "2027-01-01T00:00:00Z")!)
            == 252 * 36_000)
        let amer = try #require(calendars["amer"])
        #expect(amer.id == "amer")
        #expect(amer.holidayName(on: Self.date("2026-11-26")) == "Thanksgiving Day")
        #expect(amer.add(Instant(iso8601: "2026-11-25T21:00:00Z")!, seconds: 7200).iso8601 == "2026-11-27T15:00:00Z")
        let apac = try #require(calendars["apac"])
        #expect(apac.holidayName(on: Self.date("2026-06-01")) == "Vesak Day (in lieu)")
        // Singapore: 09:00-18:00 +08:00 is 01:00-10:00Z; Friday 2027-02-05 then CNY to Monday 02-08 (in lieu).
        #expect(apac.add(Instant(iso8601: "2027-02-05T09:00:00Z")!, seconds: 7200).iso8601 == "2027-02-09T02:00:00Z")
    }

    @Test("extra keys pass through parseRegions, and load without them rejects them")
    func extraKeysCompiled() throws {
        let yaml = "regions:\n  x:\n    timezone: UTC\n    hours: 24x7\n    tiers: [l1]\n"
        #expect(try Self.calendars(yaml, extraKeys: ["tiers"])["x"]?.isOpen(at: Instant(unixSeconds: 0)) == true)
        #expect(Self.compileFailure(yaml) == """
            test.yaml: regions.x.tiers: unknown key (known: timezone, hours, holidays, open_days, holiday_files) (line 5)
            """)
    }
}
