import ArgumentParser
import Foundation
import MeridianServices
import TicketRouting

/// `meridian alertmanager --url URL`: SLA alerts into Prometheus Alertmanager.
struct AlertmanagerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alertmanager",
        abstract: "Push SLA breaches (and, with --warnings, warnings) to Prometheus Alertmanager.",
        discussion: """
            Follows the event log and posts each breach to <url>/api/v2/alerts with the labels
            alertname (MeridianSLABreach or MeridianSLAWarning), region, plan, severity, clock
            and ticket. An alert resolves when the ticket is answered (first_response) or
            resolved (resolution); active alerts are posted again every --refresh seconds with
            endsAt = now + --resolve-timeout, so they expire if this process stops. Run one (or
            two, Alertmanager de-duplicates) per deployment. SIGTERM or SIGINT stops it.
            Example:
              meridian alertmanager --url http://127.0.0.1:9093 --warnings
            """)

    @OptionGroup var nats: NATSConnectionOptions

    @Option(help: ArgumentHelp("Alertmanager's base URL, e.g. http://127.0.0.1:9093.", valueName: "url"))
    var url: String

    @Flag(help: "Also push SLA warnings (severity label: the ticket's).")
    var warnings = false

    @Option(help: ArgumentHelp("Seconds between re-posts of the active alerts (1 to 3600).", valueName: "seconds"))
    var refresh: Int = 60

    @Option(name: .customLong("resolve-timeout"), help: ArgumentHelp(
        "Seconds an active alert lives without a re-post; more than --refresh (default 300).", valueName: "seconds"))
    var resolveTimeout: Int = 300

    func validate() throws {
        guard let parsed = URL(string: url), parsed.scheme == "http" || parsed.scheme == "https", parsed.host != nil else {
            throw ValidationError("--url: \"\(url)\" is not an http(s) URL")
        }
        if !(1...3600).contains(refresh) { throw ValidationError("--refresh: must be 1 to 3600 seconds") }
        if !(2...86_400).contains(resolveTimeout) || resolveTimeout <= refresh {
            throw ValidationError("--resolve-timeout: must be more than --refresh and at most 86400 seconds")
        }
    }

    func run() async throws {
        let logger = nats.bootstrapLogging()
        let client = try await nats.connect(name: "meridian-alertmanager", logger: logger)
        guard let base = URL(string: url) else { throw ExitCode(64) }
        let bridge = AlertmanagerBridge(
            client: client, alertmanager: AlertmanagerClient(baseURL: base), warnings: warnings,
            refresh: .seconds(refresh), resolveTimeout: .seconds(resolveTimeout), logger: logger)
        try await runUntilSignalled(bridge, client: client, logger: logger)
    }
}
