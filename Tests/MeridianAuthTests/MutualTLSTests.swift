import NATSServerLauncher
import Foundation
import MeridianAuth
import MeridianTesting
import Testing

import Glibc

/// Mutual TLS with a CA made by openssl in the test: the server requires a client certificate
/// signed by the CA, and the identity's nkey on top.
@Suite("mutual TLS (openssl test CA)", .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")))
struct MutualTLSTests {
    static func openssl(_ arguments: [String], in directory: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ProbeError("openssl \(arguments.first ?? "") failed") }
    }

    /// ca.pem, server.pem/key (for 127.0.0.1), client.pem/key, all signed by the test CA.
    static func makeCA(in dir: String) throws {
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try openssl(["req", "-x509"] + ec + ["-keyout", "ca.key", "-out", "ca.pem", "-days", "1", "-subj", "/CN=meridian-test-ca"], in: dir)
        for (name, ext) in [("server", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"),
                            ("client", "extendedKeyUsage=clientAuth\n")] {
            try ext.write(toFile: "\(dir)/\(name).ext", atomically: true, encoding: .utf8)
            try openssl(["req"] + ec + ["-keyout", "\(name).key", "-out", "\(name).csr", "-subj", "/CN=meridian-\(name)"], in: dir)
            try openssl(["x509", "-req", "-in", "\(name).csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                         "-out", "\(name).pem", "-days", "1", "-extfile", "\(name).ext"], in: dir)
            chmod("\(dir)/\(name).key", 0o600)
        }
    }

    @Test("with the CA, a client certificate and the admin key, setup succeeds; without the client certificate the server refuses")
    func mutualTLS() async throws {
        let tlsDir = try AuthFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: tlsDir) }
        try Self.makeCA(in: tlsDir)
        let auth = try await AuthServer(name: "auth-tls", extraConfig: """
            tls { cert_file: "\(tlsDir)/server.pem", key_file: "\(tlsDir)/server.key", ca_file: "\(tlsDir)/ca.pem", verify: true, timeout: 2 }
            """)
        let configFile = auth.keys + "/meridian.yaml"
        try AuthFixtures.yaml.write(toFile: configFile, atomically: true, encoding: .utf8)
        let admin = ["setup", "--config", configFile] + auth.cliOptions(Identity(.admin))

        let ok = try await MeridianCLI.run(admin + ["--nats-tls-ca", "\(tlsDir)/ca.pem", "--nats-tls-cert", "\(tlsDir)/client.pem",
                                                    "--nats-tls-key", "\(tlsDir)/client.key"])
        #expect(ok.status == 0, "\(ok)\n\(auth.server.logTail(lines: 5))")
        #expect(ok.stdout.contains("ready stream MERIDIAN_EVENTS\n"))

        let noClientCert = try await MeridianCLI.run(admin + ["--nats-tls-ca", "\(tlsDir)/ca.pem"])
        #expect(noClientCert.status == 1, "\(noClientCert)")
        #expect(noClientCert.stderr.hasPrefix("error: cannot connect to NATS at "))

        let plain = try await MeridianCLI.run(admin)
        #expect(plain.status == 1, "\(plain)")

        // A private key others can read, a certificate without its key: refused before connecting.
        chmod("\(tlsDir)/client.key", 0o644)
        let exposed = try await MeridianCLI.run(admin + ["--nats-tls-ca", "\(tlsDir)/ca.pem", "--nats-tls-cert", "\(tlsDir)/client.pem",
                                                         "--nats-tls-key", "\(tlsDir)/client.key"])
        #expect(exposed.status == 2)
        #expect(exposed.stderr == "error: \(tlsDir)/client.key: readable by others (mode 644); chmod 600 it\n")
        let halfPair = try await MeridianCLI.run(admin + ["--nats-tls-cert", "\(tlsDir)/client.pem"])
        #expect(halfPair.status == 64)
        #expect(halfPair.stderr.contains("--nats-tls-cert and --nats-tls-key go together"))
    }

    @Test("bad credential files: exit 2 naming the file, nothing sent")
    func badCredentialFiles() async throws {
        let dir = try AuthFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let url = ["--nats", "nats://127.0.0.1:1"]
        let missing = try await MeridianCLI.run(["submit", "--nats-nkey-file", "\(dir)/none.nk"] + url)
        #expect(missing.status == 2)
        #expect(missing.stderr == "error: \(dir)/none.nk: cannot read the key file (No such file or directory)\n")
        try "SUAAAAA\n".write(toFile: "\(dir)/bad.nk", atomically: true, encoding: .utf8)
        chmod("\(dir)/bad.nk", 0o600)
        let bad = try await MeridianCLI.run(["submit", "--nats-nkey-file", "\(dir)/bad.nk"] + url)
        #expect(bad.status == 2)
        #expect(bad.stderr.hasPrefix("error: \(dir)/bad.nk: not an NKey seed: "))
        try "hunter2-password\n".write(toFile: "\(dir)/pw", atomically: true, encoding: .utf8)
        chmod("\(dir)/pw", 0o640)
        let open = try await MeridianCLI.run(["submit", "--nats-user", "u", "--nats-password-file", "\(dir)/pw"] + url)
        #expect(open.status == 2)
        #expect(open.stderr == "error: \(dir)/pw: readable by others (mode 640); chmod 600 it\n")
        #expect(!open.stderr.contains("hunter2"))
        let both = try await MeridianCLI.run(["submit", "--nats-password", "x", "--nats-password-file", "\(dir)/pw"] + url)
        #expect(both.status == 64)
        let prefix = try await MeridianCLI.run(["submit", "--nats-inbox-prefix", "_INBOX.*"] + url)
        #expect(prefix.status == 64)
    }
}
