import Foundation
import MeridianTesting
import NATSServerLauncher
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Runs the built `meridian demo`.
private enum DemoCLI {
    /// Runs `meridian args`; `whenRunning` gets the process while it runs.
    static func run(_ args: [String], whenRunning: @Sendable (RunningCommand) async -> Void = { _ in })
        async throws -> (status: Int32, stdout: String, stderr: String)
    {
        let process = try RunningCommand(args)
        await whenRunning(process)
        let status = await process.wait()
        return (status, process.stdout, process.stderr)
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    static func isListening(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return result == 0
    }

    /// The port of "started nats-server at nats://127.0.0.1:PORT".
    static func serverPort(in output: String) -> Int? {
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("started nats-server at ") }),
              let port = line.split(separator: ":").last?.split(separator: " ").first
        else { return nil }
        return Int(port)
    }
}

@Suite("meridian demo (the built binary, shipped config)")
struct DemoCLITests {
    @Test("a 12-hour demo with seed 3: its own nats-server, routings and rejections, the table, exit 0, server stopped")
    func shortDemo() async throws {
        let r = try await DemoCLI.run(["demo", "--seed", "3", "--tickets", "12", "--hours", "12", "--speed", "20000"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("started nats-server at nats://127.0.0.1:") == true)
        #expect(lines.contains("Meridian demo: seed 3, 13 submissions, 00:00 Mon → 12:00 Mon UTC (12 simulated hours in ~2 s)"))
        #expect(lines.filter { $0.contains("  route  ") }.count == 11)
        #expect(lines.filter { $0.contains("  rejected  ") }.count == 1)
        #expect(lines.contains { $0.hasPrefix("Summary (ran to 12:00 Mon") })
        #expect(lines.contains("  submissions 13: routed 11, rejected 1, duplicates 1 (routed once)"))
        #expect(lines.contains { $0.hasPrefix("  total ") && $0.contains(" 11 ") })
        let port = try #require(DemoCLI.serverPort(in: r.stdout))
        #expect(!DemoCLI.isListening(port))
    }

    @Test("SIGINT stops the demo early: the table is still printed, the server is stopped, exit 130")
    func interrupted() async throws {
        let r = try await DemoCLI.run(["demo", "--seed", "5"]) { process in
            // Interrupt once the simulation is under way.
            try? await waitUntil(timeout: .seconds(30), "a routing line") { process.stdout.contains("  route  ") }
            process.signal(SIGINT)
        }
        #expect(r.status == 130, "\(r.stderr)")
        #expect(r.stderr.contains("demo: SIGINT, stopping"))
        #expect(r.stdout.contains("Summary (stopped early at "))
        let port = try #require(DemoCLI.serverPort(in: r.stdout))
        #expect(!DemoCLI.isListening(port))
    }
}
