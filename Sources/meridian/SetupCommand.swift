import ArgumentParser
import MeridianServices

/// `meridian setup`: creates or updates the streams, consumers and bucket (as `admin`).
struct SetupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "setup",
        abstract: "Create or update Meridian's JetStream streams, consumers and tickets bucket (run as admin).",
        discussion: """
            Routers and workers that connect with credentials (--nats-nkey-file, --nats-creds,
            --nats-password-file) do not create these: they check that they exist and name what is
            missing. Without credentials (the demo) they still create what they need.
            """)

    @OptionGroup var configOptions: ConfigOptions
    @OptionGroup var nats: NATSConnectionOptions
    @OptionGroup var streamOptions: StreamOptions

    func run() async throws {
        let config = try configOptions.loadMeridianConfig()
        let logger = nats.bootstrapLogging()
        let client = try await nats.connect(name: "meridian-setup", logger: logger)
        do {
            let parts = try await client.setUp(streamOptions.streams, config: config)
            for part in parts { print("ready \(part)") }
        } catch {
            printError("error: setup failed: \(error)")
            await client.close()
            throw ExitCode(1)
        }
        await client.close()
    }
}

extension StreamOptions {
    /// The streams with the set-up mode of this connection: check only when it has credentials.
    func streams(for nats: NATSConnectionOptions) -> MeridianStreams {
        var streams = self.streams
        streams.createsMissing = !nats.hasCredentials
        return streams
    }
}
