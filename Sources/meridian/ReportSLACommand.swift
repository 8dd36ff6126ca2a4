import ArgumentParser
import BusinessTime
import Foundation
import MeridianServices
import TicketRouting

extension ReportCommand {
    /// `meridian report sla`: the `SLAReport` (TicketRouting/Reports) over the event log.
    struct SLAReportCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sla",
            abstract: "Per home region, plan and month: tickets, first responses and resolutions met/breached, median and p90 time to first response (business time), escalation rate.")

        @OptionGroup var configOptions: ConfigOptions
        @OptionGroup var nats: NATSConnectionOptions
        @OptionGroup var report: ReportOptions

        @Option(help: ArgumentHelp("Only tickets of this home region.", valueName: "id"))
        var region: String?

        @Option(help: ArgumentHelp("Only tickets of this plan.", valueName: "id"))
        var plan: String?

        @Option(help: ArgumentHelp("Also write an SVG chart of met/breached per week per region here.", valueName: "file.svg"))
        var chart: String?

        func run() async throws {
            let config = try configOptions.loadMeridianConfig()
            if let region, config.calendars[RegionID(region)] == nil {
                printError("error: \(configOptions.config): regions: no region \"\(region)\"")
                throw ExitCode(2)
            }
            if let plan, config.plans[PlanID(plan)] == nil {
                printError("error: \(configOptions.config): plans: no plan \"\(plan)\"")
                throw ExitCode(2)
            }
            let (from, to) = report.period(now: SystemClock().now())
            var sla = SLAReport(config: config, from: from, to: to, region: region.map { RegionID($0) },
                                plan: plan.map { PlanID($0) })
            try await report.scan(nats, kinds: [.created, .responded, .breached, .escalated, .resolved]) { sla.add($0) }
            if let chart {
                do {
                    try sla.svgChart().write(toFile: chart, atomically: true, encoding: .utf8)
                } catch {
                    printError("error: cannot write \(chart): \(error.localizedDescription)")
                    throw ExitCode(1)
                }
            }
            if report.json {
                print(sla.json())
            } else if report.csv {
                print(sla.csv(), terminator: "")
            } else {
                print(Self.table(sla.lines))
            }
        }

        static func table(_ lines: [SLAReport.Line]) -> String {
            guard !lines.isEmpty else { return "no tickets in the period" }
            func span(_ s: Int64?) -> String { s.map(ReportText.span) ?? "-" }
            return ReportText.table([["REGION", "PLAN", "MONTH", "TICKETS", "FR MET", "FR BREACHED", "RES MET",
                                      "RES BREACHED", "FR MEDIAN", "FR P90", "ESCALATED"]] + lines.map { l in
                [l.group.region.rawValue, l.group.plan.rawValue, l.group.month, "\(l.tickets)", "\(l.firstResponseMet)",
                 "\(l.firstResponseBreached)", "\(l.resolutionMet)", "\(l.resolutionBreached)",
                 span(l.medianFirstResponse), span(l.p90FirstResponse), ReportText.percent(l.escalationRate)]
            })
        }
    }
}
