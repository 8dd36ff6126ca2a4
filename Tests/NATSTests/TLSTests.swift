// TLS options against a nats-server with a self-signed certificate made by openssl.

import Foundation
import NATSServerLauncher
import NATS
import Testing

/// Makes a self-signed certificate for 127.0.0.1 / localhost in a new temporary directory.
private func makeCertificate() throws -> (directory: String, cert: String, key: String) {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("meridian-tls-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let cert = "\(directory)/cert.pem", key = "\(directory)/key.pem"
    let openssl = Process()
    openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
    openssl.arguments = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                         "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost",
                         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"]
    openssl.standardOutput = FileHandle.nullDevice
    openssl.standardError = FileHandle.nullDevice
    try openssl.run()
    openssl.waitUntilExit()
    guard openssl.terminationStatus == 0 else { throw NATSServerError("openssl failed: \(openssl.terminationStatus)") }
    return (directory, cert, key)
}

@Suite("NATS TLS", .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")))
struct TLSTests {
    @Test("TLS with a trusted CA connects and carries messages; without that CA the handshake fails")
    func tls() async throws {
        let (directory, cert, key) = try makeCertificate()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try await NATSServer.start(.init(serverName: "core-tls", extraArguments: ["--tls", "--tlscert", cert, "--tlskey", key]))
        defer { server.shutdown() }

        let nc = try await NATSConnection.connect(NATSOptions(servers: [server.url], tls: NATSTLSOptions(caFile: cert)))
        let sub = try nc.subscribe(to: "meridian.tls")
        try nc.publish("meridian.tls", payload: Array("secret".utf8))
        #expect(await collect(1, from: sub).map(\.string) == ["secret"])
        await nc.close()

        // cnats upgrades to TLS because the server requires it, then cannot verify the certificate.
        let untrusted = await #expect(throws: NATSError.self) {
            _ = try await NATSConnection.connect(NATSOptions(servers: [server.url], reconnect: .never))
        }
        #expect(untrusted?.status == .sslError)
    }
}
