import BusinessTime
import Foundation
import Testing
@testable import TicketRouting

/// On-call coverage (issue 12, item 3): `regions.<id>.on_call`, routing 24x7 work to it, and the
/// start-up check of 24x7 promises nobody keeps.
@Suite("On-call coverage")
struct OnCallTests {
    /// emea has no on-call; amer is on call at weekends (New York time); apac around the clock.
    /// Saturday 2026-11-28 02:00Z: next openings apac Mon 01:00Z, emea Mon 07:00Z, amer Mon 14:00Z.
    static let yaml = """
        regions:
          emea: { timezone: Europe/Paris, hours: { mon-fri: "08:00-18:00" } }
          amer:
            timezone: America/New_York
            hours: { mon-fri: "09:00-17:00" }
            on_call: { sat-sun: "00:00-24:00" }
          apac: { timezone: Asia/Singapore, hours: { mon-fri: "09:00-18:00" }, tiers: [l1, l2], on_call: 24x7 }
        tiers: { l1: 8h, l2: 24h, l3: 72h }
        plans:
          enterprise:
            first_response: { critical: 1h, major: 2h, minor: 2h }
            resolution: { critical: 8h, major: 24h, minor: 40h }
            calendar: { critical: 24x7 }
            follow_the_sun: true
          gold:
            first_response: 1h
            resolution: 8h
            calendar: 24x7
          standard:
            first_response: 24h
            resolution: 120h

        """
    static let config = try! MeridianConfig.parse(yaml: yaml, file: "oncall.yaml")
    static let saturday = Fixtures.t("2026-11-28T02:00:00Z")
    static let allLive: [RegionID: RegionLoad] = [
        "emea": RegionLoad(liveWorkers: 1), "amer": RegionLoad(liveWorkers: 1), "apac": RegionLoad(liveWorkers: 1),
    ]

    func decide(_ plan: String, _ severity: Severity, home: String = "emea", at: String = "2026-11-28T02:00:00Z",
                live: [RegionID: RegionLoad] = OnCallTests.allLive) -> RoutingDecision {
        let ticket = Fixtures.ticket(plan: plan, severity: severity, region: home, createdAt: at)
        return Router.decide(ticket: ticket, config: Self.config, now: Fixtures.t(at), live: live)
    }

    @Test("on_call parses as an hours spec in the region's zone, without holidays; it adds the oncall tier")
    func parsing() throws {
        let c = Self.config
        #expect(c.onCall["emea"] == nil)
        #expect(c.tiers(of: "emea") == [.l1, .l2, .l3])
        #expect(c.tiers(of: "apac") == [.l1, .l2, .oncall])
        #expect(c.tiers(of: "amer") == [.l1, .l2, .l3, .oncall])
        // Saturday 00:00 New York = 05:00Z; Monday 00:00 New York = 05:00Z.
        #expect(!c.hasOnCall("amer", at: Fixtures.t("2026-11-28T04:59:59Z")))
        #expect(c.hasOnCall("amer", at: Fixtures.t("2026-11-28T05:00:00Z")))
        #expect(c.onCall["amer"]?.nextClosing(after: Fixtures.t("2026-11-28T05:00:00Z")) == Fixtures.t("2026-11-30T05:00:00Z"))
        #expect(c.hasOnCall("apac", at: Fixtures.t("2026-12-25T12:00:00Z")))  // a holiday too
        #expect(Router.lowestTier(in: "apac", config: c) == .l1)
        #expect(Tier.oncall.next == .l2)
        #expect(Tier.oncall < .l1)
        let enterprise = try #require(c.plans["enterprise"])
        #expect(enterprise.tierTargets[.oncall] == Int64(8 * 3600))
    }

    @Test("A bad on_call, or oncall in tiers:, is a config error naming the key")
    func hostileConfig() {
        func error(_ region: String) -> String {
            let text = """
                regions:
                  emea: \(region)
                plans: { p: { first_response: 1h, resolution: 8h } }
                """
            do {
                _ = try MeridianConfig.parse(yaml: text, file: "x.yaml")
                return "no error"
            } catch {
                return error.description
            }
        }
        #expect(error(#"{ timezone: Europe/Paris, hours: 24x7, on_call: always }"#).hasPrefix(
            #"x.yaml: regions.emea.on_call: expected a map of weekdays to hours (mon-fri: "08:00-18:00") or 24x7"#))
        #expect(error(#"{ timezone: Europe/Paris, hours: 24x7, on_call: { mon: "25:00-26:00" } }"#).hasPrefix(
            "x.yaml: regions.emea.on_call.mon: "))
        #expect(error(#"{ timezone: Europe/Paris, hours: 24x7, on_call: { mon: closed } }"#).hasPrefix(
            "x.yaml: regions.emea.on_call: "))
        #expect(error(#"{ timezone: Europe/Paris, hours: 24x7, tiers: [l1, oncall] }"#).hasPrefix(
            #"x.yaml: regions.emea.tiers: unknown tier "oncall""#))
    }

    @Test("Saturday 02:00Z, 24x7 critical, emea home without on-call: apac's on-call, first in follow-the-sun order")
    func onCallRouting() {
        let d = decide("enterprise", .critical)
        #expect(d.region == "apac")
        #expect(d.tier == .oncall)
        #expect(d.reason == .onCall)
        #expect(d.queuedUntil == nil)
        #expect(d.firstResponseDue == Fixtures.t("2026-11-28T03:00:00Z"))
        #expect(d.calendar == "24x7")
        #expect(d.reasonText == "home region emea is closed; the critical target runs 24x7 and no region it may go to is open: on-call of apac")
        #expect(Self.config.followTheSunOrder(at: Self.saturday) == ["apac", "emea", "amer"])
    }

    @Test("On-call choice: the home region first; live workers before dead ones; no coverage: queued as before")
    func onCallChoice() {
        // Saturday 07:00 New York (12:00Z): amer's weekend on-call and apac's cover it.
        let noon = "2026-11-28T12:00:00Z"
        #expect(decide("enterprise", .critical, home: "amer", at: noon).region == "amer")
        #expect(decide("enterprise", .critical, home: "emea", at: noon).region == "apac")
        // apac (first in order) has no live worker, amer has: amer.
        let d = decide("enterprise", .critical, at: noon, live: ["amer": RegionLoad(liveWorkers: 1)])
        #expect(d.region == "amer")
        #expect(d.tier == .oncall)
        // A plan without follow-the-sun, 24x7 on every severity: on-call too.
        let gold = decide("gold", .minor)
        #expect(gold.reason == .onCall)
        #expect(gold.region == "apac")
        // Not 24x7: the usual rules (queued for the next opening).
        let major = decide("enterprise", .major)
        #expect(major.reason == .followTheSunNextOpening)
        #expect(major.tier == .l1)
        #expect(major.queuedUntil == Fixtures.t("2026-11-30T01:00:00Z"))
        // Open somewhere (Monday 10:00Z emea): business-hours work, not on-call.
        let ticket = Fixtures.ticket(plan: "enterprise", severity: .critical, createdAt: "2026-11-30T10:00:00Z")
        let open = Router.decide(ticket: ticket, config: Self.config, now: Fixtures.t("2026-11-30T10:00:00Z"), live: Self.allLive)
        #expect(open.reason == .homeOpen)
        #expect(open.tier == .l1)
        // The fixtures' config has no on-call at all: queued, as before.
        let none = Router.decide(ticket: ticket, config: Fixtures.config, now: Self.saturday, live: Fixtures.allLive)
        #expect(none.reason == .followTheSunNextOpening)
        #expect(none.tier == .l1)
    }

    @Test("Handoffs: on-call work stays at business closings; at the end of on-call coverage it moves to who is on call")
    func onCallHandoffs() {
        let c = Self.config
        let tickets = [
            HandoffCandidate(ticket: "O-1", plan: "enterprise", home: "emea", tier: .oncall, responded: false),
            HandoffCandidate(ticket: "O-2", plan: "enterprise", home: "emea", tier: .oncall, responded: true),
            HandoffCandidate(ticket: "L-1", plan: "enterprise", home: "amer", tier: .l1, responded: false),
        ]
        // amer's business closing, Monday 17:00 New York = 22:00Z.
        let closing = Router.handoffs(closing: "amer", tickets: tickets, config: c, now: Fixtures.t("2026-11-30T22:00:00Z"),
                                      live: Self.allLive)
        #expect(closing[0].reason == .staysOnCall)
        #expect(closing[0].to == nil)
        #expect(closing[1].reason == .staysAnswered)
        #expect(closing[2].to == "apac")
        // The end of amer's weekend on-call, Monday 05:00Z: apac is on call (24x7); only unanswered on-call work moves.
        let end = Router.onCallHandoffs(closing: "amer", tickets: tickets, config: c,
                                        now: Fixtures.t("2026-11-30T05:00:00Z"), live: Self.allLive)
        #expect(end == [
            HandoffDecision(ticket: "O-1", to: "apac", tier: .oncall, reason: .onCallHandedOff),
            HandoffDecision(ticket: "O-2", to: nil, tier: .oncall, reason: .staysAnswered),
        ])
    }

    @Test("coverageWarnings: 24x7 promises with no on-call anywhere, or a gap in coverage; none when covered")
    func coverage() throws {
        #expect(Fixtures.config.coverageWarnings(from: Self.saturday) == [
            "plans enterprise (critical) promise 24x7 targets but no region has on-call coverage (regions.<id>.on_call): "
                + "a ticket arriving while every region is closed waits for the next opening and breaches",
        ])
        #expect(Self.config.coverageWarnings(from: Self.saturday) == [])
        // Only amer's weekend on-call: Friday 17:00 New York (22:00Z) to Saturday 00:00 New York is
        // nobody's, and so is Monday 17:00 New York (22:00Z) to apac's 09:00 (Tue 01:00Z).
        let gappy = try MeridianConfig.parse(
            yaml: Self.yaml.replacingOccurrences(of: ", on_call: 24x7", with: ""), file: "gap.yaml")
        func gap(_ instant: String) -> [String] {
            ["plans enterprise (critical), gold (critical, major, minor) promise 24x7 targets but nobody covers "
                + "\(instant) (no region is open or on call then): give on_call hours that leave no gap"]
        }
        #expect(gappy.coverageWarnings(from: Self.saturday) == gap("2026-11-28T02:00:00Z"))
        #expect(gappy.coverageWarnings(from: Fixtures.t("2026-11-30T00:00:00Z")) == gap("2026-11-30T22:00:00Z"))
        // No 24x7 promise: nothing to say.
        let plain = try MeridianConfig.parse(yaml: """
            regions: { emea: { timezone: Europe/Paris, hours: { mon-fri: "08:00-18:00" } } }
            plans: { p: { first_response: 1h, resolution: 8h } }
            """, file: "plain.yaml")
        #expect(plain.coverageWarnings(from: Self.saturday) == [])
    }
}
