import ArgumentParser
import BusinessTime
import Foundation
import Logging
import MeridianBenchmarks
import NATSServerLauncher
import TicketRouting

/// `meridian bench e2e`: routed tickets per second and intake→worker latency of the whole
/// pipeline (router + workers in-process, real clock) on loopback.
struct BenchE2E: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "e2e",
        abstract: "End-to-end routing on loopback: routed tickets/s and intake→worker latency p50/p99.",
        discussion: """
            Starts its own nats-server (JetStream, temporary store, free loopback port) unless --url
            is given, then in this process one or more routers and workers for every region of the
            config (real clock), and submits --tickets valid tickets from --submitters concurrent
            clients, each on its own connection: by request/reply on meridian.intake (default) or
            by JetStream publish to the intake stream (--stream). Latency is measured from just
            before the submission to the moment the worker's team channel receives the assignment
            (after the router stored ticket, created, work and routed, and the worker stored
            assigned). Bounded: stops submitting and waiting at --max-seconds.
              swift run -c release meridian bench e2e
              swift run -c release meridian bench e2e --tickets 5000 --submitters 4 --stream
            """
    )

    @OptionGroup var configOptions: ConfigOptions

    @Option(help: "Server URL (loopback); without it a nats-server is started and stopped by the benchmark.")
    var url: String?

    @Option(help: "Tickets to submit.")
    var tickets: Int = 20_000

    @Option(help: "Concurrent submitters, each with its own connection.")
    var submitters: Int = 8

    @Option(help: "Router instances (they share the intake queue group).")
    var routers: Int = 1

    @Option(help: "Worker nodes per region.")
    var workersPerRegion: Int = 1

    @Flag(help: "Submit by JetStream publish to the intake stream instead of request/reply.")
    var stream = false

    @Option(help: "Hard cap on the run, in seconds.")
    var maxSeconds: Int = 120

    func validate() throws {
        guard tickets > 0, tickets <= 1_000_000 else { throw ValidationError("--tickets must be 1...1000000") }
        guard submitters > 0, submitters <= 256, routers > 0, routers <= 16, workersPerRegion > 0, workersPerRegion <= 16 else {
            throw ValidationError("--submitters 1...256, --routers 1...16, --workers-per-region 1...16")
        }
        guard maxSeconds > 0, maxSeconds <= 600 else { throw ValidationError("--max-seconds must be 1...600") }
        if let url, !(url.contains("127.0.0.1") || url.contains("localhost") || url.contains("[::1]")) {
            throw ValidationError("the benchmark only runs against a loopback server, not \(url)")
        }
    }

    func run() async throws {
        let config = try configOptions.loadMeridianConfig()
        var logger = Logger(label: "meridian.bench")
        logger.logLevel = .error
        var server: NATSServer? = nil
        let target: String
        if let url {
            target = url
        } else {
            server = try await NATSServer.start(.init(serverName: "meridian-bench-e2e"))
            target = server!.url
        }
        defer { server?.shutdown() }
        print(try await EndToEndBenchmark.run(
            target: target, config: config,
            configuration: .init(tickets: tickets, submitters: submitters, routers: routers,
                                 workersPerRegion: workersPerRegion, byStream: stream, maxSeconds: maxSeconds),
            logger: logger, log: { print($0) }))
    }
}
