import BusinessTime
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import TicketRouting

@Suite("SLA report: the streaming aggregator and its renderers")
struct SLAReportTests {
    typealias F = Fixtures

    static func created(_ id: String, plan: String = "premium", severity: Severity = .major, region: String = "emea",
                        at: String) -> TicketEvent {
        .created(F.ticket(id, plan: plan, severity: severity, region: region, createdAt: at))
    }

    static func breached(_ id: String, _ clock: ClockKind, at: String, region: String = "emea") -> TicketEvent {
        var event = F.ev(.breached, at, ticket: id, region: region)
        event.clock = clock
        return event
    }

    /// Premium tickets on emea (Mon–Fri 08:00–18:00 Paris, 12h first response), an
    /// enterprise critical one on 24x7, a standard one in January, one amer ticket.
    static let log: [TicketEvent] = [
        // T-1: Monday 2026-12-07 09:00 Paris, answered 10:30 (5,400 s), resolved: met, met.
        created("T-1", at: "2026-12-07T08:00:00Z"),
        F.ev(.responded, "2026-12-07T09:30:00Z", ticket: "T-1", automatic: false),
        F.ev(.resolved, "2026-12-08T10:00:00Z", ticket: "T-1"),
        // T-2: Friday 17:00 Paris; the auto-reply does not count; answered Monday 09:00 Paris
        // (Fri 1h + Mon 1h = 7,200 s); escalated twice (one ticket); resolution breached.
        created("T-2", at: "2026-12-11T16:00:00Z"),
        F.ev(.responded, "2026-12-11T16:01:00Z", ticket: "T-2", automatic: true),
        F.ev(.responded, "2026-12-14T08:00:00Z", ticket: "T-2", automatic: false),
        F.ev(.escalated, "2026-12-14T09:00:00Z", ticket: "T-2", tier: .l2),
        F.ev(.escalated, "2026-12-15T09:00:00Z", ticket: "T-2", tier: .l3),
        breached("T-2", .resolution, at: "2026-12-21T08:00:00Z"),
        F.ev(.resolved, "2026-12-22T08:00:00Z", ticket: "T-2"),
        // T-3: Tuesday 2026-12-15 09:00 Paris; first response breached, answered Wednesday
        // 10:00 Paris (9h + 2h = 39,600 s); still open.
        created("T-3", at: "2026-12-15T08:00:00Z"),
        breached("T-3", .firstResponse, at: "2026-12-16T08:00:00Z"),
        F.ev(.responded, "2026-12-16T09:00:00Z", ticket: "T-3", automatic: false),
        F.ev(.responded, "2026-12-16T10:00:00Z", ticket: "T-3", automatic: false),
        // T-5: enterprise critical counts on 24x7: Saturday, answered in 45 minutes.
        created("T-5", plan: "enterprise", severity: .critical, at: "2026-12-12T10:00:00Z"),
        F.ev(.responded, "2026-12-12T10:45:00Z", ticket: "T-5", automatic: false),
        // T-4: standard, January.
        created("T-4", plan: "standard", at: "2027-01-04T08:00:00Z"),
        // T-6: amer.
        created("T-6", region: "amer", at: "2026-12-07T15:00:00Z"),
        F.ev(.responded, "2026-12-07T16:00:00Z", ticket: "T-6", region: "amer", automatic: false),
        // Hostile: an unknown ticket, a repeated created of an open ticket.
        F.ev(.resolved, "2026-12-08T10:00:00Z", ticket: "T-404"),
        created("T-3", at: "2026-12-15T08:00:00Z"),
    ]

    static func report(_ events: [TicketEvent], region: RegionID? = nil, plan: PlanID? = nil,
                       from: String? = nil, to: String? = nil) -> SLAReport {
        var report = SLAReport(config: F.config, from: from.map(F.t), to: to.map(F.t), region: region, plan: plan)
        for event in events { report.add(event) }
        return report
    }

    @Test("per region, plan and month: counts, median and p90 in business seconds, escalation rate")
    func lines() throws {
        let report = Self.report(Self.log)
        #expect(report.lines.map(\.group) == [
            .init(region: "amer", plan: "premium", month: "2026-12"),
            .init(region: "emea", plan: "enterprise", month: "2026-12"),
            .init(region: "emea", plan: "premium", month: "2026-12"),
            .init(region: "emea", plan: "standard", month: "2027-01"),
        ])
        let premium = try #require(report.lines.first { $0.group.region == "emea" && $0.group.plan == "premium" })
        #expect(premium.tickets == 3)
        #expect(premium.firstResponseMet == 2 && premium.firstResponseBreached == 1)
        #expect(premium.resolutionMet == 1 && premium.resolutionBreached == 1)
        #expect(premium.escalated == 1)
        #expect(premium.firstResponseTimes.count == 3)
        #expect(premium.medianFirstResponse == 7_200)  // of 5,400, 7,200, 39,600
        #expect(premium.p90FirstResponse == 39_600)
        let enterprise = try #require(report.lines.first { $0.group.plan == "enterprise" })
        #expect(enterprise.medianFirstResponse == 2_700)
        let standard = try #require(report.lines.first { $0.group.plan == "standard" })
        #expect(standard.tickets == 1 && standard.medianFirstResponse == nil && standard.escalationRate == 0)
        #expect(report.openTickets == 4)  // T-3, T-4, T-5, T-6
        #expect(report.ignoredEvents == 2)
        #expect(report.events == Self.log.count)
    }

    @Test("filters: region, plan and the creation window")
    func filters() {
        #expect(Self.report(Self.log, region: "amer").lines.map(\.tickets) == [1])
        #expect(Self.report(Self.log, plan: "standard").lines.map(\.group.month) == ["2027-01"])
        let december = Self.report(Self.log, from: "2026-12-10T00:00:00Z", to: "2027-01-01T00:00:00Z")
        #expect(december.lines.map(\.tickets) == [1, 2])  // enterprise T-5; premium T-2, T-3
        // T-1's events are ignored: it was created before the window.
        #expect(december.ignoredEvents == 2 + 3 + 1 + 2)  // hostile 2, T-1 ×3, T-4, T-6 ×2
    }

    @Test("CSV and JSON with exact figures")
    func renderers() {
        let report = Self.report(Self.log)
        #expect(report.csv() == """
            region,plan,month,tickets,first_response_met,first_response_breached,resolution_met,resolution_breached,\
            escalated,escalation_rate,median_first_response_seconds,p90_first_response_seconds
            amer,premium,2026-12,1,1,0,0,0,0,0.0000,3600,3600
            emea,enterprise,2026-12,1,1,0,0,0,0,0.0000,2700,2700
            emea,premium,2026-12,3,2,1,1,1,1,0.3333,7200,39600
            emea,standard,2027-01,1,0,0,0,0,0,0.0000,,

            """)
        let json = report.json()
        #expect(json.hasPrefix("""
            {"lines":[{"escalated":0,"escalation_rate":0,"first_response_breached":0,"first_response_met":1,\
            "median_first_response_seconds":3600,"month":"2026-12","p90_first_response_seconds":3600,"plan":"premium",\
            "region":"amer","resolution_breached":0,"resolution_met":0,"tickets":1},
            """))
        #expect(json.contains("""
            {"escalated":1,"escalation_rate":0.3333,"first_response_breached":1,"first_response_met":2,\
            "median_first_response_seconds":7200,"month":"2026-12","p90_first_response_seconds":39600,"plan":"premium",\
            "region":"emea","resolution_breached":1,"resolution_met":1,"tickets":3}
            """))
        #expect(json.contains("\"median_first_response_seconds\":null,\"month\":\"2027-01\""))
    }

    @Test("weeks: met and breached per region and week of creation; the SVG is well-formed XML")
    func chart() throws {
        let report = Self.report(Self.log)
        let weeks = report.weeks.map { ($0.week.region.rawValue, LocalDate(daysSinceEpoch: $0.week.monday).description, $0.met, $0.breached) }
        #expect(weeks.map(\.0) == ["amer", "emea", "emea"])
        #expect(weeks.map(\.1) == ["2026-12-07", "2026-12-07", "2026-12-14"])
        #expect(weeks.map(\.2) == [1, 4, 0])  // emea week 1: T-1 ×2, T-2 first response, T-5
        #expect(weeks.map(\.3) == [0, 1, 1])  // T-2 resolution; T-3 first response
        let svg = report.svgChart()
        #expect(svg.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\""))
        final class Collector: NSObject, XMLParserDelegate {
            var elements: [String] = []
            var fills: [String] = []
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
                        qualifiedName: String?, attributes: [String: String] = [:]) {
                elements.append(name)
                if name == "rect", let fill = attributes["fill"], fill != "white" { fills.append(fill) }
            }
        }
        let parser = XMLParser(data: Data(svg.utf8))
        let collector = Collector()
        parser.delegate = collector
        #expect(parser.parse())
        #expect(collector.elements.first == "svg")
        // 2 regions × 2 weeks × (met, breached).
        #expect(collector.fills.count == 8)
        #expect(collector.fills.filter { $0 == "#2e7d32" }.count == 4)
    }

    @Test("histogram: minutes below a day, quarter hours below 30 days, one bucket beyond")
    func histogram() {
        var h = DurationHistogram()
        #expect(h.percentile(0.5) == nil)
        for seconds: Int64 in [-5, 59, 86_399, 86_400, 100_000, 40 * 86_400] { h.add(seconds) }
        #expect(h.count == 6)
        #expect(h.percentile(0) == 0)
        #expect(h.percentile(0.34) == 86_340)  // rank 3: 86,399 s in the minute from 86,340
        #expect(h.percentile(0.5) == 86_340)
        #expect(h.percentile(0.6) == 86_400)  // rank 4
        #expect(h.percentile(0.67) == 99_900)  // rank 5: 100,000 s in the quarter hour from 99,900
        #expect(h.percentile(0.8) == 99_900)
        #expect(h.percentile(1.0) == Int64(30 * 86_400))
        #expect(h.percentile(.nan) == 86_340)
        #expect(h.bucketCount == 5)  // -5 and 59 share minute 0
        // A million values in a day's minutes stay within 1,440 buckets.
        var many = DurationHistogram()
        for i in 0..<1_000_000 { many.add(Int64(i % 86_400)) }
        #expect(many.bucketCount == 1_440)
    }
}
