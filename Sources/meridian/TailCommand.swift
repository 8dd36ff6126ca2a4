import ArgumentParser
import MeridianServices
import TicketRouting

/// `meridian tail`: follows SLA warnings and breaches, for monitoring.
struct TailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Follow SLA warnings, breach alerts and target changes (one line each; --json for machines).",
        discussion: """
            Examples:
              meridian tail                         # live alerts of every region
              meridian tail --kind breached --since 1h --region emea
              meridian tail --json | jq .ticket
            """)

    @OptionGroup var nats: NATSConnectionOptions

    @Option(help: ArgumentHelp("Only this region's alerts.", valueName: "id"))
    var region: String?

    @Option(help: ArgumentHelp("Only alerts of tickets on this plan.", valueName: "id"))
    var plan: String?

    @Option(help: ArgumentHelp("warning, breached, target_changed or partner_warning (default: the first three).", valueName: "kind"))
    var kind: String?

    @Option(help: ArgumentHelp("Show the alerts of this last stretch of time first, e.g. 1h, 30m.", valueName: "duration"))
    var since: String?

    @Flag(help: "One JSON object per line (the event as stored).")
    var json = false

    @Option(help: ArgumentHelp("Stop after this many alerts (default: follow until interrupted).", valueName: "n"))
    var limit: Int?

    func validate() throws {
        if let kind, TicketEvent.Kind(rawValue: kind).map({ $0.isMonitored || $0 == .partnerWarning }) != true {
            throw ValidationError("--kind: \"\(kind)\" is not warning, breached, target_changed or partner_warning")
        }
        if let since, DurationText.seconds(since) == nil {
            throw ValidationError("--since: \"\(since)\" is not a duration like 1h or 30m")
        }
        if let region, !SubjectToken.isValid(region) { throw ValidationError("--region: \"\(region)\" is not a region id") }
    }

    func run() async throws {
        let logger = nats.bootstrapLogging()
        let client = try await nats.connect(name: "meridian-tail", logger: logger)
        let filter = AlertFilter(region: region.map { RegionID($0) }, plan: plan.map { PlanID($0) },
                                 kind: kind.flatMap { TicketEvent.Kind(rawValue: $0) })
        let window: Duration? = since.flatMap { DurationText.seconds($0) }.map { Duration.seconds($0) }
        let stream: AsyncThrowingStream<TicketEvent, any Error>
        do {
            stream = try await client.alerts(
                filter: filter, since: window,
                onUnreadable: { subject in printError("warning: skipped an unreadable event on \(subject)") })
        } catch {
            printError("error: cannot read the event log (is a router running against this NATS?): \(error)")
            throw ExitCode(1)
        }
        var shown = 0
        for try await event in stream {
            writeLine(json ? event.jsonString : AlertTail.line(event))
            shown += 1
            if let limit, shown >= limit { break }
        }
        await client.close()
    }
}
