import ArgumentParser
import Foundation
import MeridianAuth
import MeridianServices
import NKeys
import TicketRouting

import Glibc

/// How a connection proves who it is and protects the wire: an NKey seed file, a password
/// file, JWT credentials, mutual TLS, and the identity's own inbox prefix. Part of
/// ``NATSConnectionOptions``, so every command that connects takes them.
///
/// Secrets are read from files only (never from an option's value, which the process list
/// shows), and no secret is ever logged: errors name the file, not its content.
struct NATSSecurityOptions: ParsableArguments {
    @Option(name: .customLong("nats-nkey-file"), help: ArgumentHelp(
        "NKey seed file of this identity, e.g. keys/worker-emea.nk, mode 0600 (env MERIDIAN_NATS_NKEY_FILE).",
        valueName: "file"))
    var nkeyFile: String?

    @Option(name: .customLong("nats-password-file"), help: ArgumentHelp(
        "File holding the password of --nats-user, mode 0600 (env MERIDIAN_NATS_PASSWORD_FILE).", valueName: "file"))
    var passwordFile: String?

    @Option(name: .customLong("nats-tls-ca"), help: ArgumentHelp(
        "PEM file of the CA that signed the server's certificate (env MERIDIAN_NATS_TLS_CA).", valueName: "file"))
    var tlsCA: String?

    @Option(name: .customLong("nats-tls-cert"), help: ArgumentHelp(
        "PEM client certificate for mutual TLS; needs --nats-tls-key (env MERIDIAN_NATS_TLS_CERT).", valueName: "file"))
    var tlsCert: String?

    @Option(name: .customLong("nats-tls-key"), help: ArgumentHelp(
        "PEM private key of --nats-tls-cert, mode 0600 (env MERIDIAN_NATS_TLS_KEY).", valueName: "file"))
    var tlsKey: String?

    @Option(name: .customLong("nats-inbox-prefix"), help: ArgumentHelp(
        "Prefix of this connection's reply subjects (env MERIDIAN_NATS_INBOX_PREFIX; default _INBOX_<identity> "
            + "for an nkey file named <identity>.nk, else _INBOX).", valueName: "prefix"))
    var inboxPrefix: String?

    static let environment = ProcessInfo.processInfo.environment

    var nkeyPath: String? { nkeyFile ?? Self.environment["MERIDIAN_NATS_NKEY_FILE"] }
    var passwordPath: String? { passwordFile ?? Self.environment["MERIDIAN_NATS_PASSWORD_FILE"] }
    var caPath: String? { tlsCA ?? Self.environment["MERIDIAN_NATS_TLS_CA"] }
    var certPath: String? { tlsCert ?? Self.environment["MERIDIAN_NATS_TLS_CERT"] }
    var keyPath: String? { tlsKey ?? Self.environment["MERIDIAN_NATS_TLS_KEY"] }
    var explicitInboxPrefix: String? { inboxPrefix ?? Self.environment["MERIDIAN_NATS_INBOX_PREFIX"] }

    func validate() throws {
        if (certPath == nil) != (keyPath == nil) {
            throw ValidationError("--nats-tls-cert and --nats-tls-key go together (mutual TLS needs both)")
        }
        if let prefix = explicitInboxPrefix, !Self.isInboxPrefix(prefix) {
            throw ValidationError("--nats-inbox-prefix: \"\(prefix)\" is not a subject prefix (tokens of letters, digits, - and _, separated by dots)")
        }
    }

    /// The identity named by the nkey file (`…/worker-emea.nk` is `worker-emea`), if any.
    var identity: Identity? {
        guard let path = nkeyPath else { return nil }
        let file = (path as NSString).lastPathComponent
        guard file.hasSuffix(".nk") else { return nil }
        return Identity(name: file.dropLast(3))
    }

    /// The identity's name (`team-emea`), recorded as the `actor` of team actions.
    var identityName: String? { identity?.name }

    /// Whether the connection authenticates with credentials of its own (an nkey, JWT creds or a password file).
    var hasCredentials: Bool { nkeyPath != nil || passwordPath != nil }

    /// Reads and checks the files, and fills in `options`.
    /// - Throws: ``KeyFileError`` naming the file and the problem.
    func apply(to options: inout ClientOptions, user: String?) throws(KeyFileError) {
        if let path = nkeyPath {
            let key = try KeyDirectory.readSeed(path)
            options.auth = .nkey(publicKey: key.publicKey, seedFile: path)
        } else if let path = passwordPath {
            guard let user else { throw KeyFileError("--nats-password-file: give --nats-user (or MERIDIAN_NATS_USER) too") }
            let password = try Self.readSecret(path)
            options.auth = .userPassword(user: user, password: password)
        }
        if let prefix = explicitInboxPrefix ?? identity?.inboxPrefix { options.inboxPrefix = prefix }
        if caPath != nil || certPath != nil {
            for path in [caPath, certPath].compactMap({ $0 }) where access(path, R_OK) != 0 {
                throw KeyFileError("\(path): cannot read (\(String(cString: strerror(errno))))")
            }
            if let key = keyPath { _ = try Self.checkPrivate(key) }
            options.tls = ClientOptions.TLS(caFile: caPath, certificateFile: certPath, keyFile: keyPath)
        }
    }

    /// Checks a credentials file (`--nats-creds`): readable and private.
    static func checkCredentials(_ path: String) throws(KeyFileError) { _ = try checkPrivate(path) }

    /// The first line of a private file, without its line end.
    static func readSecret(_ path: String) throws(KeyFileError) -> String {
        let size = try checkPrivate(path)
        guard size <= 4096, let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw KeyFileError("\(path): not a password file (unreadable, not UTF-8 or over 4 KiB)")
        }
        let secret = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        guard !secret.isEmpty else { throw KeyFileError("\(path): the password file is empty") }
        return secret.hasSuffix("\r") ? String(secret.dropLast()) : secret
    }

    /// A regular file that neither group nor others can read; returns its size.
    @discardableResult
    static func checkPrivate(_ path: String) throws(KeyFileError) -> Int {
        var info = stat()
        guard stat(path, &info) == 0 else { throw KeyFileError("\(path): cannot read (\(String(cString: strerror(errno))))") }
        guard info.st_mode & S_IFMT == S_IFREG else { throw KeyFileError("\(path): not a regular file") }
        guard info.st_mode & 0o077 == 0 else {
            throw KeyFileError("\(path): readable by others (mode \(String(info.st_mode & 0o777, radix: 8))); chmod 600 it")
        }
        guard access(path, R_OK) == 0 else { throw KeyFileError("\(path): cannot read (\(String(cString: strerror(errno))))") }
        return Int(info.st_size)
    }

    static func isInboxPrefix(_ text: String) -> Bool {
        text.utf8.count <= 128 && !text.isEmpty
            && text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { TicketID.isValid($0) }  // the subject-token rule
    }
}

extension WorkerCommand {
    /// The webhook signer from `--webhook-secret-file` (or the environment), nil without a secret.
    /// - Throws: `ExitCode(2)` after printing why the secret cannot be used.
    func webhookSigner() throws -> WebhookSigner? {
        let env = NATSSecurityOptions.environment
        let secret: String
        do {
            if let file = webhookSecretFile ?? env["MERIDIAN_WEBHOOK_SECRET_FILE"] {
                secret = try NATSSecurityOptions.readSecret(file)
            } else if let value = env["MERIDIAN_WEBHOOK_SECRET"] {
                secret = value
            } else {
                return nil
            }
        } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        guard let signer = WebhookSigner(secret: Array(secret.utf8)) else {
            printError("error: the webhook secret is shorter than 16 bytes")
            throw ExitCode(2)
        }
        return signer
    }
}
