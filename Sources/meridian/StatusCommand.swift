import ArgumentParser
import BusinessTime
import Foundation
import MeridianServices
import TicketRouting
import UnixSignals

/// `meridian status`: the whole deployment on one screen.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show every region: open or closed, live workers, queues, open clocks, at risk, breaches today.",
        discussion: """
            Reads the config's calendars, listens to the workers' heartbeats for a little over one
            heartbeat interval, and reads each region's work queues. CLOCKS counts the unresolved
            tickets a region works on; UNANSWERED, AT RISK (due within 1 h) and BREACHES TODAY
            (on the region's local date) count the region's own tickets, as its workers report
            them; "?" means no worker of the region is running. Docs/OPERATIONS.md explains each column.
            Examples:
              meridian status
              meridian status --json | jq '.regions[] | {region, live_workers, clocks}'
              meridian status --watch 5       # redraw every 5 s until Ctrl-C
            """)

    @OptionGroup var configOptions: ConfigOptions
    @OptionGroup var nats: NATSConnectionOptions

    @Flag(help: "One JSON object (with --watch: one per line and round).")
    var json = false

    @Option(help: ArgumentHelp("Redraw every this many seconds (1 to 3600) until interrupted.", valueName: "seconds"))
    var watch: Int?

    @Option(name: .customLong("heartbeat"), help: ArgumentHelp(
        "The workers' heartbeat interval in seconds (0.1 to 60); status listens 1.5 times as long, plus 0.25 s.",
        valueName: "seconds"))
    var heartbeatSeconds: Double = 1

    func validate() throws {
        if let watch, !(1...3600).contains(watch) { throw ValidationError("--watch: must be 1 to 3600 seconds") }
        if !(0.1...60).contains(heartbeatSeconds) { throw ValidationError("--heartbeat: must be 0.1 to 60 seconds") }
    }

    func run() async throws {
        let config = try configOptions.loadMeridianConfig()
        let logger = nats.bootstrapLogging()
        let client = try await nats.connect(name: "meridian-status", logger: logger)
        let listen = Duration.milliseconds(Int64(heartbeatSeconds * 1500) + 250)
        let clearScreen = !json && isatty(1) == 1
        let show: @Sendable () async throws -> Void = {
            let status: DeploymentStatus
            do {
                status = try await client.status(
                    config: config, listen: listen, now: SystemClock().now(),
                    onUnreadable: { printError("warning: skipped an unreadable heartbeat on \($0)") })
            } catch {
                printError("error: cannot read the deployment's state from NATS: \(error)")
                throw ExitCode(1)
            }
            if json {
                writeLine(String(decoding: try JSONCoding.encode(status), as: UTF8.self))
            } else {
                writeLine((clearScreen && watch != nil ? "\u{1B}[H\u{1B}[2J" : "") + status.text, to: 1)
            }
        }
        guard let watch else {
            try await show()
            await client.close()
            return
        }
        // Redraws until SIGINT or SIGTERM, which end it with status 0 (never by the signal).
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    try await show()
                    try await Task.sleep(for: .seconds(watch))
                }
            }
            group.addTask {
                for await _ in signals { return }
            }
            do { try await group.next() } catch is CancellationError {}
            group.cancelAll()
        }
        await client.close()
    }
}
