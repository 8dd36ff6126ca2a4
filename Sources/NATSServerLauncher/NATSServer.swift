// A launcher for real `nats-server` processes, for tests and for `meridian demo`.
//
// Pure Foundation + Glibc: it does not use the NATS client module, so that the
// client's own tests can use it. Readiness and cluster state are read from the
// server's HTTP monitoring endpoints on loopback.

import Foundation
import Synchronization

import Glibc

/// A real `nats-server -js` process bound to 127.0.0.1, with its own temporary
/// directory (store, log, ports file), for integration tests and `meridian demo`.
///
/// The client port and the monitoring port are chosen by nats-server itself
/// (`-p -1`, `-m -1`) and read back from its ports file, so parallel tests never
/// race for a port. ``restart(timeout:)`` starts it again on the same ports and
/// store. ``shutdown()`` (also run by `deinit`) kills the process by its pid,
/// reaps it and removes the temporary directory.
///
/// `meridian demo` uses the same call to run a local server for as long as it runs
/// (pass ``Options/port`` and ``Options/storeDirectory`` for a fixed port and a kept store).
///
/// ```swift
/// let server = try await NATSServer.start()
/// defer { server.shutdown() }
/// // connect to server.url ...
/// try await server.stop(.kill)
/// try await server.restart()
/// ```
public final class NATSServer: Sendable {
    /// Options for a server; the defaults give a standalone JetStream server.
    public struct Options: Sendable {
        /// `server_name`; defaults to a unique `meridian-<random>` name.
        public var serverName: String?
        /// Enables JetStream (`-js`). Default true.
        public var jetStream: Bool
        /// Client port; nil lets nats-server pick a free one (`-p -1`).
        public var port: Int?
        /// A store directory to use (kept on shutdown); nil uses `<temp dir>/store` (removed on shutdown).
        public var storeDirectory: String?
        /// Cluster settings; nil for a standalone server.
        public var cluster: Cluster?
        /// Further command-line arguments passed to nats-server as they are.
        public var extraArguments: [String]
        /// Path of the nats-server executable; nil searches `$NATS_SERVER`, `PATH`, /usr/sbin, /usr/bin.
        public var executable: String?

        /// Cluster membership of one node.
        public struct Cluster: Sendable {
            /// The cluster name (`--cluster_name`).
            public var name: String
            /// This node's route listen port on 127.0.0.1.
            public var port: Int
            /// Route ports of all members (this node's included; nats-server ignores a route to itself).
            public var routePorts: [Int]

            /// Creates cluster settings.
            public init(name: String, port: Int, routePorts: [Int]) {
                self.name = name
                self.port = port
                self.routePorts = routePorts
            }
        }

        /// Creates options; every parameter has a default.
        public init(
            serverName: String? = nil, jetStream: Bool = true, port: Int? = nil,
            storeDirectory: String? = nil, cluster: Cluster? = nil,
            extraArguments: [String] = [], executable: String? = nil
        ) {
            self.serverName = serverName
            self.jetStream = jetStream
            self.port = port
            self.storeDirectory = storeDirectory
            self.cluster = cluster
            self.extraArguments = extraArguments
            self.executable = executable
        }
    }

    struct State {
        var pid: pid_t?
        var port: Int?
        var monitoringPort: Int?
        var closed = false
    }

    /// The options the server was started with.
    public let options: Options
    /// The server's `server_name`.
    public let serverName: String
    /// This server's own temporary directory (log, ports files, default store).
    public let directory: String
    /// The JetStream store directory (`-sd`), kept across restarts.
    public let storeDirectory: String
    /// The file that receives the server's stdout and stderr (appended across restarts).
    public let logFile: String
    /// The nats-server executable in use.
    public let executable: String
    let state = Mutex(State())

    /// The client port on 127.0.0.1 (the same across restarts).
    public var port: Int { state.withLock { $0.port ?? 0 } }
    /// The HTTP monitoring port on 127.0.0.1 (the same across restarts).
    public var monitoringPort: Int { state.withLock { $0.monitoringPort ?? 0 } }
    /// The client URL, `nats://127.0.0.1:PORT`.
    public var url: String { "nats://127.0.0.1:\(port)" }
    /// The monitoring base URL, `http://127.0.0.1:PORT`.
    public var monitoringURL: String { "http://127.0.0.1:\(monitoringPort)" }
    /// The route port when clustered.
    public var clusterPort: Int? { options.cluster?.port }
    /// The process id of the running server, nil while stopped.
    public var pid: Int32? { state.withLock { $0.pid } }

    /// Whether the process is alive (reaps it if it has exited on its own).
    public var isRunning: Bool {
        state.withLock { state in
            guard let pid = state.pid else { return false }
            if ChildProcess.reapIfExited(pid) {
                state.pid = nil
                return false
            }
            return true
        }
    }

    private init(options: Options, executable: String) throws {
        self.options = options
        self.executable = executable
        self.serverName = options.serverName ?? "meridian-\(UInt32.random(in: 0...UInt32.max))"
        self.directory = try LauncherDirectory.make()
        self.logFile = directory + "/nats-server.log"
        if let store = options.storeDirectory {
            self.storeDirectory = store
        } else {
            self.storeDirectory = directory + "/store"
        }
        try FileManager.default.createDirectory(atPath: storeDirectory, withIntermediateDirectories: true)
        state.withLock { $0.port = options.port }
    }

    deinit {
        shutdown()
    }

    /// Starts a server and waits until it answers `/healthz` on its monitoring port.
    ///
    /// - Parameters:
    ///   - options: what to start; the default is a standalone JetStream server.
    ///   - timeout: how long to wait for the server to become healthy.
    /// - Returns: the running server; it stays up until ``shutdown()`` or deinit.
    /// - Throws: ``NATSServerError`` if nats-server is missing, exits, or is not healthy in time.
    public static func start(_ options: Options = Options(), timeout: Duration = .seconds(15)) async throws -> NATSServer {
        let executable = try options.executable ?? findExecutable()
        let server = try NATSServer(options: options, executable: executable)
        do {
            try await server.launch(timeout: timeout, waitForHealth: options.cluster == nil)
        } catch {
            server.shutdown()
            throw error
        }
        return server
    }

    // MARK: - Stop, restart, shutdown

    /// Stops the process with SIGKILL or SIGTERM (by its pid) and reaps it; store and ports are kept.
    ///
    /// - Parameters:
    ///   - signal: `.kill` simulates a crash; `.terminate` is a graceful shutdown.
    ///   - timeout: for `.terminate`, how long to wait before escalating to SIGKILL.
    /// Does nothing if the server is not running.
    public func stop(_ signal: NATSStopSignal = .terminate, timeout: Duration = .seconds(10)) async {
        guard let pid = state.withLock({ $0.pid }) else { return }
        Glibc.kill(pid, signal.rawValue)
        let deadline = ContinuousClock.now + timeout
        while !ChildProcess.reapIfExited(pid) {
            if ContinuousClock.now >= deadline {
                Glibc.kill(pid, SIGKILL)
                ChildProcess.reapBlocking(pid)
                break
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
        state.withLock { if $0.pid == pid { $0.pid = nil } }
    }

    /// Starts the server again on the same client, monitoring (and route) ports and the same store.
    ///
    /// If it is still running it is first stopped with SIGTERM. Waits for `/healthz`
    /// (for a cluster node: until its monitoring port answers; use ``NATSCluster/waitUntilHealthy(timeout:)``).
    /// - Throws: ``NATSServerError`` if it cannot start (e.g. a port was taken meanwhile) or is not ready in time.
    public func restart(timeout: Duration = .seconds(15)) async throws {
        if state.withLock({ $0.closed }) { throw NATSServerError("server \(serverName) was shut down") }
        await stop(.terminate)
        try await launch(timeout: timeout, waitForHealth: options.cluster == nil)
    }

    /// Kills the process (SIGKILL, by pid), reaps it, and removes the temporary directory.
    /// Idempotent; also run by `deinit`. A store directory passed in ``Options`` is kept.
    public func shutdown() {
        let pid: pid_t? = state.withLock { state in
            let pid = state.pid
            state.pid = nil
            state.closed = true
            return pid
        }
        if let pid {
            Glibc.kill(pid, SIGKILL)
            ChildProcess.reapBlocking(pid)
        }
        let fm = FileManager.default
        // A store passed in Options lives outside `directory` and is kept.
        if fm.fileExists(atPath: directory) {
            try? fm.removeItem(atPath: directory)
        }
    }

    // MARK: - Monitoring

    /// GETs a monitoring path (e.g. `/varz`, `/jsz?streams=true`) over loopback HTTP.
    ///
    /// Blocking, bounded by `timeout`. Returns nil if nothing answers.
    public func monitor(_ path: String, timeout: Duration = .seconds(2)) -> LoopbackProbe.HTTPResponse? {
        let port = monitoringPort
        guard port > 0 else { return nil }
        return LoopbackProbe.httpGet(port: port, path: path, timeout: timeout)
    }

    /// The monitoring JSON at `path` as a dictionary, or nil if it does not answer 200 with a JSON object.
    public func monitorJSON(_ path: String, timeout: Duration = .seconds(2)) -> [String: Any]? {
        guard let response = monitor(path, timeout: timeout), response.status == 200 else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(response.body.utf8))) as? [String: Any]
    }

    /// Whether `/healthz` answers 200 right now (in a cluster: JetStream meta is current).
    public func isHealthy() -> Bool {
        monitor("/healthz")?.status == 200
    }

    /// Waits until `/healthz` answers 200, polling with a deadline.
    ///
    /// - Throws: ``NATSServerError`` with the log tail if the deadline passes or the process exits.
    public func waitUntilHealthy(timeout: Duration = .seconds(15)) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            guard isRunning else {
                throw NATSServerError("nats-server \(serverName) exited", logTail: logTail())
            }
            if await offCooperativePool({ self.isHealthy() }) { return }
            if ContinuousClock.now >= deadline {
                throw NATSServerError(
                    "nats-server \(serverName) not healthy on \(monitoringURL)/healthz within \(timeout)",
                    logTail: logTail())
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The last `lines` lines of the server's log.
    public func logTail(lines: Int = 30) -> String {
        guard let text = try? String(contentsOfFile: logFile, encoding: .utf8) else { return "" }
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    // MARK: - Launching

    /// Spawns the process, reads its ports file, and (optionally) waits for /healthz.
    func launch(timeout: Duration, waitForHealth: Bool) async throws {
        let args = arguments()
        let executable = self.executable
        let logFile = self.logFile
        let pid = try await ChildProcess.spawnOnSpawnerThread(
            executable: executable, arguments: args, logFile: logFile)
        let closed = state.withLock { state -> Bool in
            if state.closed { return true }
            state.pid = pid
            return false
        }
        if closed {
            Glibc.kill(pid, SIGKILL)
            ChildProcess.reapBlocking(pid)
            throw NATSServerError("server \(serverName) was shut down")
        }
        let deadline = ContinuousClock.now + timeout
        let portsFile = "\(directory)/\((executable as NSString).lastPathComponent)_\(pid).ports"
        // 1. The ports file appears once every listener is up.
        while true {
            guard isRunning else {
                throw NATSServerError(
                    "nats-server \(serverName) exited during startup (\(args.joined(separator: " ")))",
                    logTail: logTail())
            }
            if let ports = PortsFile.read(portsFile) {
                state.withLock { state in
                    state.port = ports.client
                    state.monitoringPort = ports.monitoring
                }
                try? FileManager.default.removeItem(atPath: portsFile)
                break
            }
            if ContinuousClock.now >= deadline {
                throw NATSServerError("nats-server \(serverName) wrote no ports file within \(timeout)", logTail: logTail())
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        // 2. The monitoring port answers (and, standalone, /healthz is 200).
        while true {
            guard isRunning else {
                throw NATSServerError("nats-server \(serverName) exited during startup", logTail: logTail())
            }
            if let response = await offCooperativePool({ self.monitor("/healthz") }) {
                if !waitForHealth || response.status == 200 { return }
            }
            if ContinuousClock.now >= deadline {
                throw NATSServerError("nats-server \(serverName) not healthy within \(timeout)", logTail: logTail())
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

}
