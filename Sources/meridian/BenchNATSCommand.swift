import ArgumentParser
import NATSServerLauncher
import MeridianBenchmarks

/// `meridian bench nats`: the Swift NATS client against cnats loops, in the same run.
struct BenchNATS: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nats",
        abstract: "Core pub→sub, JetStream async publish and fetch+ack: Swift API vs cnats, on loopback.",
        discussion: """
            Starts its own nats-server (JetStream, temporary store, free loopback port) unless --url is given.
              swift run -c release meridian bench nats
              swift run -c release meridian bench nats --url nats://127.0.0.1:4222 --rounds 1
            """
    )

    @Option(help: "Server URL (loopback); without it a nats-server is started and stopped by the benchmark.")
    var url: String?

    @Option(help: "Messages per core pub→sub round.")
    var coreMessages: Int = 1_000_000

    @Option(help: "Messages per JetStream round.")
    var jetStreamMessages: Int = 100_000

    @Option(help: "Payload size in bytes.")
    var payloadSize: Int = 256

    @Option(help: "Rounds per measurement (the best is reported).")
    var rounds: Int = 3

    func validate() throws {
        guard coreMessages > 0, jetStreamMessages > 0, payloadSize >= 0, rounds > 0 else {
            throw ValidationError("counts and rounds must be positive")
        }
        if let url, !(url.contains("127.0.0.1") || url.contains("localhost") || url.contains("[::1]")) {
            throw ValidationError("the benchmark only runs against a loopback server, not \(url)")
        }
    }

    func run() async throws {
        var server: NATSServer? = nil
        let target: String
        if let url {
            target = url
        } else {
            let started = try await NATSServer.start(.init(serverName: "meridian-bench"))
            server = started
            target = started.url
        }
        defer { server?.shutdown() }
        print("meridian bench nats: \(target), \(coreMessages) core msgs × \(payloadSize) B, \(jetStreamMessages) JetStream msgs, best of \(rounds)")
        let report = try await NATSBenchmark.run(
            url: target,
            configuration: .init(coreMessages: coreMessages, payloadSize: payloadSize, jetStreamMessages: jetStreamMessages, rounds: rounds),
            log: { print("  \($0)") }
        )
        print(report)
    }
}
