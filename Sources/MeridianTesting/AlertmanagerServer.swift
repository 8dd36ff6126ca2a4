import Foundation
import NATSServerLauncher

#if canImport(Glibc)
import Glibc
#endif

/// A real Prometheus Alertmanager (Debian's `prometheus-alertmanager`) for integration tests:
/// on a free loopback port, clustering off, its own temporary storage, stopped by its pid.
public final class AlertmanagerServer: Sendable {
    public let port: Int
    public let directory: String
    private let process: Process

    /// `http://127.0.0.1:<port>`.
    public var url: String { "http://127.0.0.1:\(port)" }

    /// The binary: `$MERIDIAN_ALERTMANAGER` or `/usr/bin/prometheus-alertmanager`.
    public static var executable: String {
        ProcessInfo.processInfo.environment["MERIDIAN_ALERTMANAGER"] ?? "/usr/bin/prometheus-alertmanager"
    }

    /// Starts one and waits until `/-/ready` answers 200.
    /// - Throws: `NATSServerError` (the launchers' error) if it does not come up within `timeout`.
    public static func start(timeout: Duration = .seconds(20)) async throws -> AlertmanagerServer {
        var lastError: (any Error)?
        for _ in 0..<3 {
            // The port is free when chosen; another process may take it first: then try another.
            let server = try AlertmanagerServer(port: LoopbackPort.free())
            do {
                try await server.waitUntilReady(timeout: timeout)
                return server
            } catch {
                lastError = error
                server.stop()
            }
        }
        throw lastError ?? NATSServerError("alertmanager did not start")
    }

    private init(port: Int) throws {
        self.port = port
        directory = NSTemporaryDirectory() + "meridian-alertmanager-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: "\(directory)/data", withIntermediateDirectories: true)
        try """
            route:
              receiver: blackhole
              group_wait: 1s
            receivers:
              - name: blackhole
            """.write(toFile: "\(directory)/alertmanager.yml", atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: "\(directory)/log", contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = [
            "--config.file=\(directory)/alertmanager.yml", "--storage.path=\(directory)/data",
            "--web.listen-address=127.0.0.1:\(port)", "--cluster.listen-address=",
        ]
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(directory)/log"))
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
    }

    public var pid: Int32 { process.processIdentifier }

    /// What the server logged.
    public var log: String { (try? String(contentsOfFile: "\(directory)/log", encoding: .utf8)) ?? "" }

    private func waitUntilReady(timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if !process.isRunning { throw NATSServerError("alertmanager exited", logTail: log) }
            if await HTTPProbe.get(port: port, path: "/-/ready", timeout: .seconds(1))?.status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw NATSServerError("alertmanager not ready on port \(port) within \(timeout)", logTail: log)
    }

    /// `GET /api/v2/alerts` (active, unsilenced, uninhibited alerts) as JSON objects.
    public func alerts() async -> [[String: Any]] {
        guard let response = await HTTPProbe.get(port: port, path: "/api/v2/alerts"), response.status == 200,
              let array = try? JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [[String: Any]]
        else { return [] }
        return array
    }

    /// Stops it (SIGTERM, then SIGKILL after 5 s) by its pid and removes its directory.
    public func stop() {
        if process.isRunning {
            kill(pid, SIGTERM)
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning { kill(pid, SIGKILL) }
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    deinit { stop() }
}

/// Free loopback TCP ports for servers started by tests.
public enum LoopbackPort {
    /// A port that was free a moment ago (bound to 127.0.0.1:0, read back, released).
    public static func free() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw NATSServerError("socket() failed: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw NATSServerError("bind(127.0.0.1:0) failed: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
