import ArgumentParser
import MeridianServices

/// `meridian submit`: sends tickets (JSON, one per line) to the routers.
struct SubmitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Submit tickets (JSON Lines on stdin) to the routers and print each decision.",
        discussion: """
            By default each ticket goes by request/reply on meridian.intake and the router's answer
            (the routing decision, or the error object) is printed as one JSON line; exit status 1
            if any ticket was rejected. With --queue, tickets are published to the intake stream
            (fire and forget; stored once per ticket id) and only the stream's acknowledgement is
            awaited.
            """)

    @OptionGroup var nats: NATSConnectionOptions

    @Flag(help: "Publish to the intake stream instead of waiting for the router's decision.")
    var queue = false

    @Option(help: ArgumentHelp("Seconds to wait for a router's answer.", valueName: "seconds"))
    var timeout: Double = 10

    func run() async throws {
        let logger = nats.bootstrapLogging()
        let client = try await nats.connect(name: "meridian-submit", logger: logger)
        var failed = false
        var lineNumber = 0
        while let line = readLine(strippingNewline: true) {
            lineNumber += 1
            if line.allSatisfy(\.isWhitespace) { continue }
            let payload = Array(line.utf8)
            do {
                if queue {
                    let ack = try await client.queue(payload)
                    writeLine(#"{"queued":true,"duplicate":\#(ack.duplicate),"sequence":\#(ack.sequence)}"#)
                } else {
                    let reply = try await client.submit(payload, timeout: .milliseconds(Int64(timeout * 1000)))
                    writeLine(reply)
                    if reply.hasPrefix(#"{"error""#) { failed = true }
                }
            } catch {
                printError("error: line \(lineNumber): \(error.isNoResponders ? "no router is running" : "\(error)")")
                failed = true
            }
        }
        await client.close()
        if failed { throw ExitCode(1) }
    }
}
