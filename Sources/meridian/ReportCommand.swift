import ArgumentParser
import BusinessTime
import Foundation
import MeridianServices
import TicketRouting

/// `meridian report partners|hours`: reports a support manager reads, from the event log.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Reports from the event log: partners (escalation rates, warnings), hours (a partner's support hours), sla (met/breached).",
        subcommands: [PartnersReport.self, HoursReport.self, SLAReportCommand.self])
}

/// `--from`, `--to` and the output format, shared by the reports.
struct ReportOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Start of the period: YYYY-MM-DD (UTC midnight) or ISO-8601 (default: 1 January of this year, UTC).",
        valueName: "date"))
    var from: String?

    @Option(help: ArgumentHelp("End of the period, excluded (default: 1 January of next year, UTC).", valueName: "date"))
    var to: String?

    @Flag(help: "CSV instead of a table.")
    var csv = false

    @Flag(help: "JSON instead of a table.")
    var json = false

    func validate() throws {
        if csv, json { throw ValidationError("--csv and --json exclude each other") }
        if let from, Self.instant(from) == nil { throw ValidationError("--from: \"\(from)\" is not YYYY-MM-DD or ISO-8601 with an offset") }
        if let to, Self.instant(to) == nil { throw ValidationError("--to: \"\(to)\" is not YYYY-MM-DD or ISO-8601 with an offset") }
        let (start, end) = period(now: SystemClock().now())
        if end <= start { throw ValidationError("--to must be after --from") }
    }

    /// `[from, to)`.
    func period(now: Instant) -> (Instant, Instant) {
        let year = BusinessCalendar.twentyFourSeven().localDate(of: now).year  // the UTC calendar year
        let start = from.flatMap(Self.instant) ?? Self.instant(String(format: "%04d-01-01", year))!
        let end = to.flatMap(Self.instant) ?? Self.instant(String(format: "%04d-01-01", year + 1))!
        return (start, end)
    }

    static func instant(_ text: String) -> Instant? {
        if let i = Instant(iso8601: text) { return i }
        guard text.count == 10 else { return nil }
        return Instant(iso8601: text + "T00:00:00Z")
    }

    /// Reads the log once, feeding `body`; a log that cannot be read exits 1.
    func scan(_ nats: NATSConnectionOptions, kinds: Set<TicketEvent.Kind>, _ body: (TicketEvent) -> Void) async throws {
        let logger = nats.bootstrapLogging()
        let client = try await nats.connect(name: "meridian-report", logger: logger)
        do {
            let summary = try await client.scanLog(kinds: kinds, body)
            if summary.unreadable > 0 { printError("warning: skipped \(summary.unreadable) unreadable events") }
        } catch {
            await client.close()
            printError("error: cannot read the event log (is this the NATS of a Meridian deployment?): \(error)")
            throw ExitCode(1)
        }
        await client.close()
    }
}

extension ReportCommand {
    /// `meridian report partners`.
    struct PartnersReport: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "partners",
            abstract: "Per partner: cases opened in the period, escalated beyond L1, the rate, and partner warnings.")

        @OptionGroup var nats: NATSConnectionOptions
        @OptionGroup var report: ReportOptions

        func run() async throws {
            let (from, to) = report.period(now: SystemClock().now())
            var aggregate = PartnerReport(from: from, to: to)
            try await report.scan(nats, kinds: [.created, .escalated, .partnerWarning]) { aggregate.apply($0) }
            let rows = aggregate.result
            if report.json {
                print(String(decoding: try JSONCoding.encode(ReportText.PartnersJSON(from: from, to: to, partners: rows)), as: UTF8.self))
            } else if report.csv {
                print(ReportText.partnersCSV(rows))
            } else {
                print(ReportText.partnersTable(rows))
            }
        }
    }

    /// `meridian report hours --partner P`.
    struct HoursReport: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "hours",
            abstract: "A partner's support hours: used, deducted and remaining, and each case's lines.",
            discussion: """
                Each case the partner opened in the period deducts at least 15 minutes; incidents
                (product faults) deduct nothing; questions deduct the time logged. Remaining =
                partners.<id>.hours_per_year of the config − deducted.
                """)

        @OptionGroup var configOptions: ConfigOptions
        @OptionGroup var nats: NATSConnectionOptions
        @OptionGroup var report: ReportOptions

        @Option(help: ArgumentHelp("The partner id (the tickets' partner).", valueName: "id"))
        var partner: String

        func validate() throws {
            if partner.isEmpty || partner.count > 128 { throw ValidationError("--partner: 1-128 characters") }
        }

        func run() async throws {
            let config = try configOptions.loadMeridianConfig()
            let id = PartnerID(partner)
            let allowance = config.partners.yearlyAllowance[id]
            if allowance == nil { printError("warning: \(configOptions.config): partners: no hours_per_year for \"\(partner)\"") }
            let (from, to) = report.period(now: SystemClock().now())
            var ledger = SupportHoursLedger(partner: id, from: from, to: to)
            try await report.scan(nats, kinds: [.created, .timeLogged]) { ledger.apply($0) }
            let statement = ledger.statement(allowance: allowance)
            if report.json {
                print(String(decoding: try JSONCoding.encode(statement), as: UTF8.self))
            } else if report.csv {
                print(ReportText.hoursCSV(statement))
            } else {
                print(ReportText.hoursTable(statement))
            }
        }
    }
}
