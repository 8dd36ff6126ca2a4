import NATSServerLauncher
import Foundation
import MeridianAuth
import MeridianTesting
import TicketRouting

import Glibc

/// Configs, temporary key directories and `nats-server -t` for the auth tests.
enum AuthFixtures {
    /// Always-open regions (the flow test must not depend on the hour it runs at).
    static let yaml = """
        regions:
          emea: { timezone: Europe/Paris, hours: 24x7 }
          apac: { timezone: Asia/Singapore, hours: 24x7 }
        plans:
          enterprise:
            first_response: { critical: 1h, major: 2h, minor: 2h }
            resolution: 24h
          premium:
            first_response: 12h
            resolution: 72h
        """

    static let yamlWithAmer = yaml.replacingOccurrences(
        of: "  apac: { timezone: Asia/Singapore, hours: 24x7 }\n",
        with: "  apac: { timezone: Asia/Singapore, hours: 24x7 }\n  amer: { timezone: America/New_York, hours: 24x7 }\n")

    static func config(_ text: String = yaml) throws -> MeridianConfig {
        try MeridianConfig.parse(yaml: text, file: "auth-test.yaml")
    }

    /// A fresh private temporary directory (removed by the caller).
    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "meridian-auth-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        return path
    }

    static func mode(_ path: String) -> mode_t {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_mode & 0o777 : 0
    }

    /// A nats-server main config that includes `auth.conf` from `keys`, as Deploy/ does
    /// (JetStream and its store come from the launcher's flags, or from `extra`).
    static func mainConfig(keys: String, extra: String = "") throws -> String {
        let path = keys + "/server-\(UUID().uuidString).conf"
        try "include auth.conf\n\(extra)\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// `nats-server -t -c FILE`: (exit status, output).
    static func natsServerTest(_ configFile: String) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try NATSServer.findExecutable())
        process.arguments = ["-t", "-c", configFile]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
