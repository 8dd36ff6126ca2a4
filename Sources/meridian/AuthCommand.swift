import ArgumentParser
import MeridianAuth

/// `meridian auth init`: one NKey per identity and the nats-server authorization that grants each
/// exactly what its service uses.
struct AuthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auth",
        abstract: "Make the identities' keys and the nats-server authorization for them.",
        subcommands: [Init.self])

    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Write DIR/<identity>.nk (NKey seeds, mode 0600) and DIR/auth.conf (a nats-server include).",
            discussion: """
                Identities: admin, router, worker-<region> and team-<region> for each region of the
                config, monitor, submitter. auth.conf defines the MERIDIAN account (JetStream) and
                the SYS system account, and one user per identity by public key with the subjects
                it may publish and subscribe to; a nats-server config pulls it in with
                `include auth.conf`. Run it again after adding a region: existing keys are kept,
                new ones are added, auth.conf is rewritten. Give each process its own key with
                --nats-nkey-file DIR/<identity>.nk. What each identity may do: Docs/SECURITY.md.
                """)

        @OptionGroup var configOptions: ConfigOptions

        @Option(help: ArgumentHelp("The key directory (created with mode 0700).", valueName: "dir"))
        var out: String

        func run() async throws {
            let config = try configOptions.loadMeridianConfig()
            let outcome: KeyDirectory.Outcome
            do {
                outcome = try KeyDirectory(path: out).initialise(config: config)
            } catch {
                printError("error: \(error)")
                throw ExitCode(2)
            }
            for name in outcome.created { print("created \(out)/\(name).nk") }
            for name in outcome.kept { print("kept    \(out)/\(name).nk") }
            print("wrote   \(out)/auth.conf (\(outcome.created.count + outcome.kept.count) identities)")
        }
    }
}
