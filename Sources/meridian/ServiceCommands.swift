import ArgumentParser
import Foundation
import Logging
import MeridianServices
import NATS
import ServiceLifecycle
import UnixSignals
import TicketRouting

/// `meridian router`: routes tickets; run any number of them, they share the work.
struct RouterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "router",
        abstract: "Route tickets to regions and tiers by business hours, plan and live workers.",
        discussion: """
            Takes tickets on meridian.intake (request/reply) and from the intake stream
            (meridian.intake.queue), publishes work on meridian.work.<region>.<tier>, hands
            unanswered follow-the-sun tickets off at each region's closing, and turns
            escalations into work for the next tier. SIGTERM or SIGINT stops it gracefully.
            """)

    @OptionGroup var configOptions: ConfigOptions
    @OptionGroup var nats: NATSConnectionOptions
    @OptionGroup var streamOptions: StreamOptions

    @Option(help: ArgumentHelp("Node name in logs (env MERIDIAN_NODE; default router-<host>-<pid>).", valueName: "name"))
    var node: String?

    @Option(name: .customLong("heartbeat"), help: ArgumentHelp(
        "Seconds between worker heartbeats; a worker missing 3 is gone.", valueName: "seconds"))
    var heartbeatSeconds: Double = 1

    func run() async throws {
        let config = try configOptions.loadMeridianConfig()
        var logger = nats.bootstrapLogging()
        let name = node ?? NATSConnectionOptions.environment["MERIDIAN_NODE"] ?? defaultNodeName("router")
        logger[metadataKey: "node"] = "\(name)"
        let connection = try await nats.connect(name: name, logger: logger)
        let router = RouterService(
            connection: connection, config: config, clock: SystemClock(), streams: streamOptions.streams(for: nats),
            options: RouterOptions(heartbeatInterval: .milliseconds(Int64(heartbeatSeconds * 1000))), logger: logger)
        try await runUntilSignalled(router, connection: connection, logger: logger)
    }
}

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
        if let node, NodeID.isValidToken(node) == false {
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
        let connection = try await nats.connect(name: name, logger: logger)
        let worker = WorkerService(
            connection: connection, config: config, clock: SystemClock(),
            options: WorkerOptions(region: regionID, node: NodeID(name),
                                   heartbeatInterval: .milliseconds(Int64(heartbeatSeconds * 1000))),
            team: webhook.flatMap { URL(string: $0) }.map { WebhookChannel(url: $0, signer: signer) as any TeamChannel }
                ?? StandardOutputChannel(),
            streams: streamOptions.streams(for: nats), logger: logger)
        try await runUntilSignalled(worker, connection: connection, logger: logger)
    }
}

extension NodeID {
    /// Whether `text` can be a NATS subject token: 1–64 letters, digits, `-` or `_`.
    static func isValidToken(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 64 && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }
}

/// Runs a service until SIGTERM/SIGINT (graceful shutdown), then drains the connection.
func runUntilSignalled(_ service: some Service, connection: NATSConnection, logger: Logger) async throws {
    let group = ServiceGroup(
        services: [service], gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [], logger: logger)
    do {
        try await group.run()
    } catch {
        logger.error("stopped: \(error)")
        try? await connection.drain(timeout: .seconds(5))
        throw ExitCode(1)
    }
    try? await connection.drain(timeout: .seconds(5))
}
