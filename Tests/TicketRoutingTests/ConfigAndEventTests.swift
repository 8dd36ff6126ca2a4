import BusinessTime
import Foundation
import Testing
import TicketRouting

@Suite("Config and events")
struct ConfigAndEventTests {
    @Test("Plans, shorthand targets, calendars, tiers and routing are read from YAML")
    func parse() {
        let c = Fixtures.config
        #expect(c.regions == ["amer", "apac", "emea"])
        #expect(c.routing.margin == 1800)
        let e = c.plans["enterprise"]!
        #expect(e.firstResponse == SeverityTable(critical: 3600, major: 7200, minor: 7200))
        #expect(e.calendar == SeverityTable(critical: .twentyFourSeven, major: .home, minor: .home))
        #expect(e.followTheSun)
        #expect(e.warningPermille == [500, 750])
        #expect(e.tierTargets == TierTable(l1: 28_800, l2: 86_400, l3: 259_200))
        #expect(c.plans["premium"]!.firstResponse == SeverityTable(all: 43_200))
        #expect(!c.plans["premium"]!.followTheSun)
        #expect(c.plans["odd"]!.tierTargets.l1 == nil)
        #expect(c.tiers(of: "amer") == [.l1, .l2])
        #expect(c.tiers(of: "emea") == [.l1, .l2, .l3])
    }

    @Test("Config errors name the file, the key path and the problem", arguments: [
        ("plans:\n  gold:\n    first_response: 2 hours\n    resolution: 8h\n", "plans.gold.first_response", "is not a duration"),
        ("plans:\n  gold:\n    first_response: 2h\n", "plans.gold.resolution", "missing"),
        ("plans:\n  gold:\n    first_response: 2h\n    resolution: 8h\n    colour: red\n", "plans.gold.colour", "unknown key"),
        ("plans:\n  gold:\n    first_response: { critical: 1h }\n    resolution: 8h\n", "plans.gold.first_response.major", "missing"),
        ("plans:\n  gold:\n    first_response: 2h\n    resolution: 8h\n    calendar: { critical: moon }\n", "plans.gold.calendar.critical", "not home, 24x7"),
        ("plans:\n  gold:\n    first_response: 2h\n    resolution: 8h\n    warnings: [0.5, 1.5]\n", "plans.gold.warnings[1]", "fraction"),
        ("routing: { margin: soon }\nplans:\n  gold:\n    first_response: 2h\n    resolution: 8h\n", "routing.margin", "is not a duration"),
        ("tiers: { l4: 8h }\nplans:\n  gold:\n    first_response: 2h\n    resolution: 8h\n", "tiers.l4", "unknown key"),
    ])
    func errors(tail: String, keyPath: String, fragment: String) {
        let yaml = "regions:\n  emea:\n    timezone: Europe/Paris\n    hours: { mon-fri: \"08:00-18:00\" }\n" + tail
        do {
            _ = try MeridianConfig.parse(yaml: yaml, file: "bad.yaml")
            Issue.record("expected an error for \(keyPath)")
        } catch {
            #expect(error.file == "bad.yaml")
            #expect(error.keyPath == keyPath)
            #expect(error.message.contains(fragment), "\(error)")
        }
    }

    @Test("The shipped Config/meridian.yaml loads: three regions, three plans, apac without L3")
    func shippedConfig() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let c = try MeridianConfig.load(file: root + "/Config/meridian.yaml")
        #expect(c.regions == ["amer", "apac", "emea"])
        #expect(c.plans.keys.sorted() == ["enterprise", "premium", "standard"])
        #expect(c.plans["enterprise"]!.firstResponse == SeverityTable(critical: 3600, major: 7200, minor: 7200))
        #expect(c.plans["enterprise"]!.calendar.critical == .twentyFourSeven)
        #expect(c.plans["premium"]!.firstResponse == SeverityTable<Int64>(all: 43_200))
        #expect(c.plans["standard"]!.firstResponse == SeverityTable<Int64>(all: 86_400))
        #expect(c.plans["standard"]!.tierTargets.l3 == Int64(259_200))
        #expect(c.tiers(of: "apac") == [.l1, .l2, .oncall])
        #expect(c.regions.allSatisfy { c.onCall[$0] != nil })  // every region on call 24x7 (see the file's comments)
        #expect(c.coverageWarnings(from: Instant(unixSeconds: 1_796_000_000)) == [])
        #expect(c.routing.margin == 1800)
    }

    @Test("Unknown tier in a region's tiers list")
    func badRegionTier() {
        let yaml = "regions:\n  emea:\n    timezone: Europe/Paris\n    hours: { mon-fri: \"08:00-18:00\" }\n    tiers: [l1, l9]\n"
            + "plans:\n  gold:\n    first_response: 2h\n    resolution: 8h\n"
        #expect(throws: ConfigError.self) { try MeridianConfig.parse(yaml: yaml, file: "bad.yaml") }
    }

    @Test("Durations", arguments: [("2h", Int64(7200)), ("30m", 1800), ("1h30m", 5400), ("90s", 90), ("72h", 259_200), ("45", 45)])
    func durations(text: String, seconds: Int64) {
        #expect(DurationText.seconds(text) == seconds)
    }

    @Test("Bad durations", arguments: ["", "2d", "h", "2x", "30m2h", "0", "-5m"])
    func badDurations(text: String) {
        #expect(DurationText.seconds(text) == nil)
    }

    @Test("Events round-trip as JSON with snake_case keys; subjects and message ids are deterministic")
    func eventsJSON() throws {
        let ticket = Fixtures.ticket(createdAt: "2026-11-27T17:50:00+01:00")
        let created = TicketEvent.created(ticket)
        #expect(created.jsonString == """
            {"at":"2026-11-27T16:50:00Z","created_at":"2026-11-27T16:50:00Z","home_region":"emea","kind":"created",\
            "partner":"reseller-7","plan":"enterprise","region":"emea","severity":"major","ticket":"T-1"}
            """)
        #expect(try TicketEvent.decode(json: Array(created.jsonString.utf8)) == created)
        #expect(created.subject == "meridian.events.emea.created.T-1")
        #expect(created.messageID == "T-1:created:1795798200")
        let wait = Fixtures.ev(.waitingOnCustomer, "2026-11-30T10:00:00Z")
        #expect(wait.subjectKind == "waiting_on_customer")
        let auto = Fixtures.ev(.responded, "2026-11-30T10:00:00Z", automatic: true)
        #expect(auto.messageID == "T-1:responded:1796032800:auto")
        let breach = try TicketEvent.decode(json: Array("""
            {"ticket":"T-1","kind":"breached","at":"2026-11-30T10:20:00Z","region":"emea","plan":"enterprise",\
            "severity":"major","clock":"first_response","cycle":0,"due":"2026-11-30T10:00:00Z","overdue_seconds":1200}
            """.utf8))
        #expect(breach.messageID == "T-1:first_response:0:breached")
        #expect(breach.overdueSeconds == 1200)
        // A bad ticket id in the log fails to decode rather than being sanitised.
        #expect(throws: (any Error).self) {
            try TicketEvent.decode(json: Array(#"{"ticket":"a b","kind":"created","at":"2026-11-30T10:00:00Z","region":"emea"}"#.utf8))
        }
    }
}
