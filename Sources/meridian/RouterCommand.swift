import ArgumentParser
import Logging
import MeridianServices
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
    @OptionGroup var metricsOptions: MetricsOptions

    @Option(help: ArgumentHelp("Node name in logs (env MERIDIAN_NODE; default router-<host>-<pid>).", valueName: "name"))
    var node: String?

    @Option(name: .customLong("heartbeat"), help: ArgumentHelp(
        "Seconds between worker heartbeats; a worker missing 3 is gone.", valueName: "seconds"))
    var heartbeatSeconds: Double = 1

    func run() async throws {
        let config = try configOptions.loadMeridianConfig()
        warnAboutOnCallCoverage(config, at: SystemClock().now())
        var logger = nats.bootstrapLogging()
        let name = node ?? NATSConnectionOptions.environment["MERIDIAN_NODE"] ?? defaultNodeName("router")
        logger[metadataKey: "node"] = "\(name)"
        let client = try await nats.connect(name: name, logger: logger)
        let metrics = metricsOptions.makeMetrics()
        let router = RouterService(
            client: client, config: config, clock: SystemClock(), streams: streamOptions.streams(for: nats),
            options: RouterOptions(heartbeatInterval: .milliseconds(Int64(heartbeatSeconds * 1000))), logger: logger,
            metrics: metrics)
        try await runUntilSignalled(router, client: client, logger: logger, also: metricsOptions.services(
            metrics: metrics, readiness: router.readiness, client: client, logger: logger, sample: router.sampleGauges))
    }
}
