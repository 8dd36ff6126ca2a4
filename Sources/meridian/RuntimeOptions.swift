import ArgumentParser
import Foundation
import Logging
import MeridianServices
import TicketRouting

/// How to reach NATS, from flags or the environment (`MERIDIAN_NATS_URL`, ...), shared by every
/// command that talks to NATS.
struct NATSConnectionOptions: ParsableArguments {
    @Option(name: .customLong("nats"), help: ArgumentHelp(
        "NATS server URL(s), comma-separated (env MERIDIAN_NATS_URL; default nats://127.0.0.1:4222).", valueName: "url"))
    var url: String?

    @Option(name: .customLong("nats-user"), help: ArgumentHelp("NATS user (env MERIDIAN_NATS_USER).", valueName: "name"))
    var user: String?

    @Option(name: .customLong("nats-password"), help: ArgumentHelp(
        "NATS password (env MERIDIAN_NATS_PASSWORD); the process list shows it: prefer --nats-password-file.",
        valueName: "password"))
    var password: String?

    @Option(name: .customLong("nats-token"), help: ArgumentHelp("NATS token (env MERIDIAN_NATS_TOKEN).", valueName: "token"))
    var token: String?

    @Option(name: .customLong("nats-creds"), help: ArgumentHelp(
        "NATS credentials file (env MERIDIAN_NATS_CREDS).", valueName: "file"))
    var credentials: String?

    @OptionGroup var security: NATSSecurityOptions

    @Option(name: .customLong("log-level"), help: ArgumentHelp(
        "trace, debug, info, notice, warning, error or critical (env MERIDIAN_LOG_LEVEL; default info).", valueName: "level"))
    var logLevel: String?

    static let environment = ProcessInfo.processInfo.environment

    /// The server URLs.
    var servers: [String] {
        (url ?? Self.environment["MERIDIAN_NATS_URL"] ?? "nats://127.0.0.1:4222")
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    var auth: ClientOptions.Auth {
        let env = Self.environment
        if let path = credentials ?? env["MERIDIAN_NATS_CREDS"] { return .credentialsFile(path: path) }
        if let token = token ?? env["MERIDIAN_NATS_TOKEN"] { return .token(token) }
        if let user = user ?? env["MERIDIAN_NATS_USER"] {
            return .userPassword(user: user, password: password ?? env["MERIDIAN_NATS_PASSWORD"] ?? "")
        }
        return .none
    }

    func validate() throws {
        if servers.isEmpty { throw ValidationError("--nats: no server URL given") }
        if password != nil, security.passwordPath != nil {
            throw ValidationError("--nats-password and --nats-password-file: give one of them")
        }
        if let level = logLevel ?? Self.environment["MERIDIAN_LOG_LEVEL"], Logger.Level(rawValue: level) == nil {
            throw ValidationError("--log-level: \"\(level)\" is not one of trace, debug, info, notice, warning, error, critical")
        }
    }

    /// Sets up logging to standard error, once per process.
    func bootstrapLogging() -> Logger {
        let level = (logLevel ?? Self.environment["MERIDIAN_LOG_LEVEL"]).flatMap(Logger.Level.init(rawValue:)) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "meridian")
    }

    /// Whether this connection has credentials of its own: then the services only check the
    /// JetStream set-up that `meridian setup` made instead of creating it.
    var hasCredentials: Bool { security.hasCredentials || (credentials ?? Self.environment["MERIDIAN_NATS_CREDS"]) != nil }

    /// Connects, reconnecting forever once connected.
    /// - Throws: `ExitCode(2)` for a bad key, password, credentials or TLS file; `ExitCode(1)`
    ///   after printing a clear error when no server answers or the server refuses the credentials.
    func connect(name: String, logger: Logger) async throws -> MeridianClient {
        var options = ClientOptions(servers: servers, name: name, auth: auth)
        do {
            if case .credentialsFile(let path) = options.auth { try NATSSecurityOptions.checkCredentials(path) }
            try security.apply(to: &options, user: user ?? Self.environment["MERIDIAN_NATS_USER"])
        } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        do {
            return try await MeridianClient.connect(options, logger: logger)
        } catch {
            printError("error: cannot connect to NATS at \(servers.joined(separator: ",")): \(error)")
            throw ExitCode(1)
        }
    }
}

/// Stream settings for `router` and `worker`.
struct StreamOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Stream replicas: 1 on one server, 3 on a 3-node cluster (env MERIDIAN_REPLICAS).",
                               valueName: "n"))
    var replicas: Int?

    @Option(name: .customLong("event-max-age"), help: ArgumentHelp(
        "How long the event log keeps events, e.g. 90d... as hours: 2160h (default).", valueName: "duration"))
    var eventMaxAge: String = "2160h"

    func validate() throws {
        if let replicas, !(1...5).contains(replicas) { throw ValidationError("--replicas: must be 1 to 5") }
        if DurationText.seconds(eventMaxAge) == nil {
            throw ValidationError("--event-max-age: \"\(eventMaxAge)\" is not a duration like 2160h")
        }
    }

    var streams: MeridianStreams {
        let replicas = replicas ?? NATSConnectionOptions.environment["MERIDIAN_REPLICAS"].flatMap(Int.init) ?? 1
        return MeridianStreams(replicas: replicas, eventMaxAge: .seconds(DurationText.seconds(eventMaxAge) ?? 7_776_000))
    }
}

/// A default node name: `<prefix>-<host>-<pid>`.
func defaultNodeName(_ prefix: String) -> String {
    let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host"
    let safe = host.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" }
    return "\(prefix)-\(String(safe))-\(ProcessInfo.processInfo.processIdentifier)"
}
