import ArgumentParser
import Foundation
import Logging
import MeridianServices
import TicketRouting

/// `meridian worker --region R`: one node of a region's support team.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Take a region's routed work and keep its SLA clocks; prints each assignment as a JSON line.",
        discussion: """
            Pulls work for the region's tiers (shared with the region's other workers), records
            `assigned`, writes the assignment as one JSON line on standard output, keeps every SLA
            clock of the region in memory (rebuilt from the event log at start) and publishes
            warnings and breaches. Start more workers to scale a region; SIGTERM or SIGINT stops
            one gracefully.
            """)

    @OptionGroup var configOptions: ConfigOptions
    @OptionGroup var nats: NATSConnectionOptions
    @OptionGroup var streamOptions: StreamOptions
    @OptionGroup var metricsOptions: MetricsOptions

    @Option(help: ArgumentHelp("The region this node works for, e.g. emea.", valueName: "id"))
    var region: String

    @Option(help: ArgumentHelp("Node name (env MERIDIAN_NODE; default <region>-<host>-<pid>).", valueName: "name"))
    var node: String?

    @Option(name: .customLong("heartbeat"), help: ArgumentHelp("Seconds between heartbeats.", valueName: "seconds"))
    var heartbeatSeconds: Double = 1

    @Option(help: ArgumentHelp(
        "POST each assignment's JSON to this URL instead of printing it (any 2xx accepts it).", valueName: "url"))
    var webhook: String?

    @Option(name: .customLong("webhook-secret-file"), help: ArgumentHelp(
        "Sign each webhook delivery (Meridian-Signature) with the secret in this file, mode 0600 "
            + "(env MERIDIAN_WEBHOOK_SECRET_FILE; env MERIDIAN_WEBHOOK_SECRET holds the secret itself).", valueName: "file"))
    var webhookSecretFile: String?

    func validate() throws {
        if let webhook {
            guard let url = URL(string: webhook), url.scheme == "http" || url.scheme == "https", url.host != nil else {
                throw ValidationError("--webhook: \"\(webhook)\" is not an http(s) URL")
            }
        }
        if let node, SubjectToken.isValid(node) == false {
            throw ValidationError("--node: \"\(node)\" must be letters, digits, - or _ (it is a NATS subject token)")
        }
        if !(heartbeatSeconds > 0) { throw ValidationError("--heartbeat: must be more than 0") }
    }

    func run() async throws {
        let config = try configOptions.loadMeridianConfig()
        let regionID = RegionID(region)
        guard config.calendars[regionID] != nil else {
            printError("error: \(configOptions.config): regions: no region \"\(region)\" (known: \(config.regions.map(\.rawValue).joined(separator: ", ")))")
            throw ExitCode(2)
        }
        let signer = try webhookSigner()
        var logger = nats.bootstrapLogging()
        let name = node ?? NATSConnectionOptions.environment["MERIDIAN_NODE"] ?? defaultNodeName(region)
        logger[metadataKey: "node"] = "\(name)"
        let client = try await nats.connect(name: name, logger: logger)
        let metrics = metricsOptions.makeMetrics()
        let worker = WorkerService(
            client: client, config: config, clock: SystemClock(),
            options: WorkerOptions(region: regionID, node: NodeID(name),
                                   heartbeatInterval: .milliseconds(Int64(heartbeatSeconds * 1000))),
            team: webhook.flatMap { URL(string: $0) }.map { WebhookChannel(url: $0, signer: signer) as any TeamChannel }
                ?? StandardOutputChannel(),
            streams: streamOptions.streams(for: nats), logger: logger, metrics: metrics)
        try await runUntilSignalled(worker, client: client, logger: logger, also: metricsOptions.services(
            metrics: metrics, readiness: worker.readiness, client: client, logger: logger, sample: worker.sampleGauges))
    }
}
