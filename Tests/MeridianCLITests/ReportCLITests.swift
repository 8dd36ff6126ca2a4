import NATSServerLauncher
import BusinessTime
import Foundation
import MeridianServices
import MeridianTesting
import NATS
import Testing
import TicketRouting

@Suite("meridian ticket take / log-time and meridian report partners|hours (the built binary on a real nats-server)")
struct ReportCLITests {
    static func t(_ iso: String) -> Instant { Instant(iso8601: iso)! }

    static func ticket(_ id: TicketID, partner: String, at: String) -> Ticket {
        Ticket(id: id, customer: "acme", plan: "premium", severity: .major, region: "emea", createdAt: t(at),
               subject: "Export fails", details: "Stops at 90%.", partner: partner)
    }

    @Test("a small log: take, log time, then the partners and hours reports print exact tables, CSV and JSON")
    func reports() async throws {
        let server = try await NATSServer.start(NATSServer.Options(serverName: "cli-report"))
        defer { server.shutdown() }
        let nc = try await NATSConnection.connect(NATSOptions(url: server.url))
        let js = try nc.jetStream()
        let streams = MeridianStreams()
        try await streams.ensureStreams(js)
        let bucket = try await streams.ticketsBucket(js)
        let log = EventLog(js)
        let tickets = [Self.ticket("P-1", partner: "reseller-7", at: "2026-11-02T09:00:00Z"),
                       Self.ticket("P-2", partner: "reseller-7", at: "2026-11-03T09:00:00Z"),
                       Self.ticket("P-3", partner: "reseller-7", at: "2026-11-04T09:00:00Z"),
                       Self.ticket("G-1", partner: "globex", at: "2026-11-05T09:00:00Z"),
                       Self.ticket("OLD", partner: "reseller-7", at: "2026-10-31T23:59:59Z")]
        for ticket in tickets {
            _ = try await bucket.put(ticket.id.rawValue, try JSONCoding.encode(ticket))
            try await log.append(.created(ticket), id: "\(ticket.id):created")
        }
        try await log.append(.simple(.escalated, ticket: "P-1", at: Self.t("2026-11-02T12:00:00Z"), region: "emea",
                                     tier: .l2, automatic: false), id: "P-1:escalated")
        try await log.append(.simple(.escalated, ticket: "OLD", at: Self.t("2026-11-02T12:00:00Z"), region: "emea",
                                     tier: .l2, automatic: false), id: "OLD:escalated")
        var warning = TicketEvent(ticket: "P-1", kind: .partnerWarning, at: Self.t("2026-11-02T12:00:00Z"), region: "emea")
        warning.partner = "reseller-7"
        warning.cases = 1
        warning.escalations = 1
        try await log.append(warning, id: warning.messageID)
        await nc.close()
        let nats = ["--nats", server.url]

        let take = try await MeridianCLI.run(["ticket", "take", "P-1", "--as", "ana", "--owner-region", "amer",
                                              "--at", "2026-11-02T13:00:00Z"] + nats)
        #expect(take.status == 0, "\(take)")
        #expect(take.stdout == "recorded taken: P-1 is owned by ana (amer) at l2 in emea at 2026-11-02T13:00:00Z\n")
        let early = try await MeridianCLI.run(["ticket", "take", "P-2", "--as", "bo"] + nats)
        #expect(early.status == 1)
        #expect(early.stderr.contains("error: cannot take P-2: the case is at l1; a case is taken at L2 or above (escalate it first)"))

        for (id, duration, workClass, at) in [("P-1", "40m", "question", "2026-11-02T14:00:00Z"),
                                              ("P-2", "5m", "question", "2026-11-03T10:00:00Z"),
                                              ("P-3", "1h", "question", "2026-11-04T10:00:00Z"),
                                              ("P-3", "1h", "incident", "2026-11-04T11:00:00Z"),
                                              ("G-1", "30m", "question", "2026-11-05T10:00:00Z")] {
            let logged = try await MeridianCLI.run(["ticket", "log-time", id, duration, "--class", workClass, "--as", "ana",
                                                    "--note", "call, \"export\"", "--at", at] + nats)
            #expect(logged.status == 0, "\(logged)")
            #expect(logged.stdout.hasPrefix("recorded time_logged: \(duration) on \(id) (\(workClass)) in emea at \(at)"))
        }
        for bad in [["P-1", "25h"], ["P-1", "0m"], ["P-1"], ["P-1", "5m", "--class", "bug"], ["P 1", "5m"],
                    ["P-1", "5m", "--owner-region", "amer"]] {
            let refused = try await MeridianCLI.run(["ticket", "log-time"] + bad + nats)
            #expect(refused.status == 64, "\(bad): \(refused)")
        }

        let period = ["--from", "2026-11-01", "--to", "2026-12-01"]
        let partners = try await MeridianCLI.run(["report", "partners"] + period + nats)
        #expect(partners.status == 0, "\(partners)")
        #expect(partners.stdout == """
            PARTNER     CASES  ESCALATIONS  RATE   WARNINGS
            globex      1      0            0.0%   0
            reseller-7  3      1            33.3%  1

            """)
        let csv = try await MeridianCLI.run(["report", "partners", "--csv"] + period + nats)
        #expect(csv.stdout == "partner,cases,escalations,rate,warnings\nglobex,1,0,0.0000,0\nreseller-7,3,1,0.3333,1\n")
        let json = try await MeridianCLI.run(["report", "partners", "--json"] + period + nats)
        #expect(json.stdout == #"{"from":"2026-11-01T00:00:00Z","partners":[{"cases":1,"escalations":0,"partner":"globex","rate":0,"warnings":0},{"cases":3,"escalations":1,"partner":"reseller-7","rate":0.3333333333333333,"warnings":1}],"to":"2026-12-01T00:00:00Z"}"# + "\n")

        // P-1: 40m question → 40m; P-2: 5m question → 15m (the minimum); P-3: 2h, an incident in the end → 0.
        let hours = try await MeridianCLI.run(["report", "hours", "--partner", "reseller-7"] + period + nats)
        #expect(hours.status == 0, "\(hours)")
        #expect(hours.stdout == """
            partner reseller-7, 2026-11-01T00:00:00Z to 2026-12-01T00:00:00Z
            allowance 40h  used 2h45m  deducted 55m  remaining 39h5m
            CASE  OPENED                CLASS     USED  DEDUCTED  LINE
            P-1   2026-11-02T09:00:00Z  question  40m   40m
                                                                  2026-11-02T14:00:00Z 40m question by ana: call, "export"
            P-2   2026-11-03T09:00:00Z  question  5m    15m
                                                                  2026-11-03T10:00:00Z 5m question by ana: call, "export"
            P-3   2026-11-04T09:00:00Z  incident  2h    0s
                                                                  2026-11-04T10:00:00Z 1h question by ana: call, "export"
                                                                  2026-11-04T11:00:00Z 1h incident by ana: call, "export"

            """)
        let hoursCSV = try await MeridianCLI.run(["report", "hours", "--partner", "reseller-7", "--csv"] + period + nats)
        #expect(hoursCSV.stdout == """
            case,opened_at,class,used_seconds,deducted_seconds,remaining_seconds,line_at,line_seconds,line_class,by,note
            P-1,2026-11-02T09:00:00Z,question,2400,2400,,2026-11-02T14:00:00Z,2400,question,ana,"call, ""export\"""
            P-2,2026-11-03T09:00:00Z,question,300,900,,2026-11-03T10:00:00Z,300,question,ana,"call, ""export\"""
            P-3,2026-11-04T09:00:00Z,incident,7200,0,,2026-11-04T10:00:00Z,3600,question,ana,"call, ""export\"""
            P-3,2026-11-04T09:00:00Z,incident,7200,0,,2026-11-04T11:00:00Z,3600,incident,ana,"call, ""export\"""
            total,,,9900,3300,140700,,,,,

            """)
        let hoursJSON = try await MeridianCLI.run(["report", "hours", "--partner", "reseller-7", "--json"] + period + nats)
        let statement = try JSONDecoder().decode(HoursStatement.self, from: Data(hoursJSON.stdout.utf8))
        #expect(statement.deducted == 3300)
        #expect(statement.remaining == 140_700)
        #expect(statement.cases.map(\.deducted) == [2400, 900, 0])

        let chart = try MeridianCLI.temporaryDirectory() + "/sla.svg"
        let sla = try await MeridianCLI.run(["report", "sla", "--chart", chart] + period + nats)
        #expect(sla.status == 0, "\(sla)")
        #expect(sla.stdout == """
            REGION  PLAN     MONTH    TICKETS  FR MET  FR BREACHED  RES MET  RES BREACHED  FR MEDIAN  FR P90  ESCALATED
            emea    premium  2026-11  4        0       0            0        0             -          -       25.0%

            """)
        #expect(try String(contentsOfFile: chart, encoding: .utf8).hasPrefix("<?xml"))
        let slaCSV = try await MeridianCLI.run(["report", "sla", "--csv", "--plan", "premium"] + period + nats)
        #expect(slaCSV.stdout.hasSuffix("\nemea,premium,2026-11,4,0,0,0,0,1,0.2500,,\n"))
        let badPlan = try await MeridianCLI.run(["report", "sla", "--plan", "gold"] + period + nats)
        #expect(badPlan.status == 2)

        let unknown = try await MeridianCLI.run(["report", "hours", "--partner", "nobody"] + period + nats)
        #expect(unknown.status == 0)
        #expect(unknown.stderr.contains(#"warning: Config/meridian.yaml: partners: no hours_per_year for "nobody""#))
        #expect(unknown.stdout.hasSuffix("allowance none  used 0s  deducted 0s  remaining -\nno cases in the period\n"))
        let badPeriod = try await MeridianCLI.run(["report", "partners", "--from", "2026-12-01", "--to", "2026-11-01"] + nats)
        #expect(badPeriod.status == 64)
        let badDate = try await MeridianCLI.run(["report", "partners", "--from", "yesterday"] + nats)
        #expect(badDate.stderr.contains(#"--from: "yesterday" is not YYYY-MM-DD or ISO-8601 with an offset"#))
        let both = try await MeridianCLI.run(["report", "partners", "--csv", "--json"] + nats)
        #expect(both.status == 64)
        let noServer = try await MeridianCLI.run(["report", "partners", "--nats", "nats://127.0.0.1:1"])
        #expect(noServer.status == 1)
    }
}
