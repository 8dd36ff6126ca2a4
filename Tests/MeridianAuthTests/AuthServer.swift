import NATSServerLauncher
import Foundation
import Logging
import MeridianAuth
import MeridianTesting
import NATS
import NKeys
import TicketRouting

/// A real nats-server running the configuration `meridian auth init` generated, and
/// connections as any of its identities.
final class AuthServer: Sendable {
    let server: NATSServer
    let keys: String
    let config: MeridianConfig
    let logger: Logger

    /// Makes keys and auth.conf in a fresh directory and starts a server including it.
    init(name: String, extraConfig: String = "", configYAML: String = AuthFixtures.yaml) async throws {
        keys = try AuthFixtures.temporaryDirectory()
        config = try AuthFixtures.config(configYAML)
        _ = try KeyDirectory(path: keys).initialise(config: config)
        let main = try AuthFixtures.mainConfig(keys: keys, extra: extraConfig)
        server = try await NATSServer.start(NATSServer.Options(serverName: name, extraArguments: ["-c", main]))
        var logger = Logger(label: "test.auth.\(name)")
        logger.logLevel = .critical
        self.logger = logger
    }

    deinit {
        server.shutdown()
        try? FileManager.default.removeItem(atPath: keys)
    }

    func keyFile(_ identity: Identity) -> String { "\(keys)/\(identity.name).nk" }

    /// Options of a connection as `identity` (its nkey and its own inbox prefix).
    func options(_ identity: Identity) throws -> NATSOptions {
        let key = try KeyDirectory.readSeed(keyFile(identity))
        return NATSOptions(servers: [server.url], name: identity.name,
                           auth: .nkey(publicKey: key.publicKey, seedFile: keyFile(identity)),
                           reconnect: .never, inboxPrefix: identity.inboxPrefix)
    }

    func connect(_ identity: Identity) async throws -> NATSConnection {
        try await NATSConnection.connect(try options(identity), logger: logger)
    }

    /// The CLI's connection options for `identity`.
    func cliOptions(_ identity: Identity) -> [String] {
        ["--nats", server.url, "--nats-nkey-file", keyFile(identity)]
    }
}

/// Asks the server whether a connection may publish or subscribe.
///
/// nats-server refuses a denied PUB or SUB with `-ERR 'Permissions Violation …'` to the client
/// and logs `Publish Violation - <user>, Subject "<subject>"` (or `Subscription Violation`)
/// before it reads the client's next command; it says nothing for an allowed one. So the probe
/// sends the operations, then a PING (flush): once the PONG is back, every violation is in the
/// server's log, and an operation without a line there was allowed. Exact, and no waiting for
/// something not to happen. (cnats' error callback cannot tell which of several quick
/// violations it reports: it reads the connection's last error when it runs.)
struct PermissionProbe {
    enum Operation: Hashable, Sendable, CustomStringConvertible {
        case publish(String)
        case subscribe(String)

        var description: String {
            switch self {
            case .publish(let s): "publish \(s)"
            case .subscribe(let s): "subscribe \(s)"
            }
        }

        var logLine: String {
            switch self {
            case .publish(let s): "Publish Violation - %USER%, Subject \"\(s)\""
            case .subscribe(let s): "Subscription Violation - %USER%, Subject \"\(s)\""
            }
        }
    }

    let auth: AuthServer

    /// For each operation, whether the server allowed it to `identity`.
    func verdicts(_ identity: Identity, _ operations: [Operation]) async throws -> [Operation: Bool] {
        let connection = try await auth.connect(identity)
        for operation in operations {
            switch operation {
            case .publish(let subject): try connection.publish(subject, payload: Array("{}".utf8))
            case .subscribe(let subject): _ = try connection.subscribe(to: subject)
            }
        }
        try await connection.flush(timeout: .seconds(10))
        await connection.close()
        let user = try KeyDirectory.readSeed(auth.keyFile(identity)).publicKey
        let log = try String(contentsOfFile: auth.server.logFile, encoding: .utf8)
        var verdicts: [Operation: Bool] = [:]
        for operation in operations {
            let needle = operation.logLine.replacingOccurrences(of: "%USER%", with: "Nkey \"\(user)\"")
            verdicts[operation] = !log.contains(needle)
        }
        return verdicts
    }
}

struct ProbeError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
