import ArgumentParser
import BusinessTime
import Foundation
import Logging
import MeridianDemo
import MeridianServices
import NATSServerLauncher
import TicketRouting

/// `meridian demo`: a simulated business week of the whole system, in about a minute and a half.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Plays a simulated business week: router, workers, tickets, agents, alerts; ends with a table.",
        discussion: """
            Without --nats it starts its own nats-server (JetStream, temporary store, free loopback
            port) and stops it at the end. In this process it runs one router and workers for the
            config's regions (emea ×2, amer ×1, apac ×1), all on one scaled clock from Monday
            2026-11-30 00:00 UTC, submits a seeded stream of tickets on meridian.intake (some invalid,
            two duplicates), lets simulated agents answer (or not) what their workers receive, and
            prints routings, handoffs, escalations and SLA alerts as they happen, then a summary.
            The same --seed gives the same tickets and routings. Ends by itself (default ~90 s).

              meridian demo
              meridian demo --seed 7 --tickets 200
              meridian demo --hours 48 --speed 10000        # two days, faster
              meridian demo --nats nats://127.0.0.1:4222     # on a running server
            """
    )

    @OptionGroup var configOptions: ConfigOptions

    @Option(help: ArgumentHelp("A NATS server URL to run on; without it a local nats-server is started.", valueName: "url"))
    var nats: String?

    @Option(help: "Seed of the ticket stream and the agents.")
    var seed: UInt64 = 42

    @Option(help: "Tickets in the stream (plus two duplicate submissions).")
    var tickets: Int = 120

    @Option(help: "Simulated hours from Monday 00:00 UTC (120: to Saturday 00:00).")
    var hours: Int = 120

    @Option(help: "Simulated seconds per real second (5000: an hour in 0.72 s).")
    var speed: Double = 5000

    @Option(help: ArgumentHelp("The simulated start, a Monday 00:00 UTC (ISO-8601).", valueName: "iso"))
    var start: String = "2026-11-30T00:00:00Z"

    @Option(help: ArgumentHelp("Log level of the services (trace ... critical).", valueName: "level"))
    var logLevel: String = "error"

    /// The real duration of the simulated span must leave room under the two-minute cap.
    static let maxRealSeconds = 100.0

    func validate() throws {
        guard tickets >= 0, tickets <= 5_000 else { throw ValidationError("--tickets must be 0...5000") }
        guard hours >= 1, hours <= 24 * 14 else { throw ValidationError("--hours must be 1...336") }
        guard speed > 0 else { throw ValidationError("--speed must be positive") }
        let real = Double(hours) * 3600 / speed
        guard real <= Self.maxRealSeconds else {
            throw ValidationError(String(format: "%d simulated hours at --speed %.0f take %.0f s; the demo stays under %.0f s: raise --speed to at least %.0f",
                                         hours, speed, real, Self.maxRealSeconds, Double(hours) * 3600 / Self.maxRealSeconds))
        }
        guard Instant(iso8601: start) != nil else { throw ValidationError("--start \"\(start)\" is not an ISO-8601 instant") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level \"\(logLevel)\" is not a log level") }
    }

    func run() async throws {
        let config = try configOptions.loadMeridianConfig()
        var logger = Logger(label: "meridian.demo")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .error

        var server: NATSServer? = nil
        let url: String
        if let nats {
            url = nats
        } else {
            do {
                server = try await NATSServer.start(.init(serverName: "meridian-demo"))
            } catch {
                printError("error: could not start a local nats-server: \(error)")
                throw ExitCode(1)
            }
            url = server!.url
            writeLine("started nats-server at \(url) (stopped at the end)")
        }
        defer { server?.shutdown() }

        var options = DemoOptions(config: config, natsURL: url, seed: seed, tickets: tickets,
                                  start: Instant(iso8601: start)!, hours: hours, speed: speed, logger: logger)
        if nats != nil {
            // A shared server keeps earlier runs' tickets: give this run's ids their own prefix.
            options.idPrefix = "D\(String(UInt32(Date().timeIntervalSince1970) % 0xFFFFF, radix: 36, uppercase: true))"
        }
        let simulation = DemoSimulation(options: options) { line in writeLine(line) }
        // SIGINT / SIGTERM stop the run early: it still prints the table and stops the server.
        let signals = SignalWaiter([SIGINT, SIGTERM])
        let interrupted: Int32?
        do {
            interrupted = try await withThrowingTaskGroup(of: Int32?.self) { group in
                group.addTask {
                    try await simulation.run()
                    return nil
                }
                group.addTask {
                    guard let signal = await signals.next() else { return nil }
                    printError("demo: \(signal == SIGINT ? "SIGINT" : "SIGTERM"), stopping")
                    return signal
                }
                // Whichever ends first (the run, or a signal) ends the other.
                let first = try await group.next() ?? nil
                group.cancelAll()
                try await group.waitForAll()
                return first
            }
        } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
        guard simulation.summary != nil else {
            printError("error: the demo ended without a summary")
            throw ExitCode(1)
        }
        if let signal = interrupted {
            // Stopped by a signal: the table is printed; exit as the shell expects (128 + signal).
            throw ExitCode(128 + signal)
        }
    }
}

/// Delivers SIGINT/SIGTERM as async values instead of terminating the process.
/// `@unchecked`: the dispatch sources are set once in `init` and only cancelled in `deinit`.
final class SignalWaiter: @unchecked Sendable {
    private let stream: AsyncStream<Int32>
    private let sources: [any DispatchSourceSignal]

    init(_ numbers: [Int32]) {
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        self.stream = stream
        sources = numbers.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
    }

    deinit {
        for source in sources { source.cancel() }
    }

    /// The next signal; nil when the waiting task is cancelled.
    func next() async -> Int32? {
        var iterator = stream.makeAsyncIterator()
        return await iterator.next()
    }
}
