// A launcher for real `nats-server` processes, for tests and for `meridian demo`.
//
// Pure Foundation + Glibc: it does not use the NATS client module, so that the
// client's own tests can use it. Readiness and cluster state are read from the
// server's HTTP monitoring endpoints on loopback.

import Foundation
import Synchronization

import Glibc

/// An error starting, probing or stopping a `nats-server` process.
public struct NATSServerError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, in one sentence.
    public var message: String
    /// The last lines of the server's log, when there is a log to show.
    public var logTail: String

    /// Creates an error with a message and an optional log tail.
    public init(_ message: String, logTail: String = "") {
        self.message = message
        self.logTail = logTail
    }

    /// The message, followed by the log tail if there is one.
    public var description: String {
        logTail.isEmpty ? message : "\(message)\n--- nats-server log (tail) ---\n\(logTail)"
    }
}

/// How to stop a running server.
public enum NATSStopSignal: Sendable, Hashable {
    /// SIGKILL: a crash. Nothing is flushed beyond what the server already wrote.
    case kill
    /// SIGTERM: a graceful shutdown (falls back to SIGKILL after the timeout).
    case terminate

    var rawValue: Int32 { self == .kill ? SIGKILL : SIGTERM }
}

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

    private struct State {
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
    private let state = Mutex(State())

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
            if Self.reapIfExited(pid) {
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
        self.directory = try Self.makeTemporaryDirectory()
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

    /// Finds `nats-server`: `$NATS_SERVER`, then each `PATH` entry, then /usr/sbin, /usr/bin, /usr/local/bin.
    ///
    /// - Throws: ``NATSServerError`` naming the places searched and how to install it.
    public static func findExecutable() throws -> String {
        let fm = FileManager.default
        if let explicit = ProcessInfo.processInfo.environment["NATS_SERVER"], !explicit.isEmpty {
            guard fm.isExecutableFile(atPath: explicit) else {
                throw NATSServerError("NATS_SERVER=\(explicit) is not an executable file")
            }
            return explicit
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        var dirs = path.split(separator: ":").map(String.init)
        for extra in ["/usr/sbin", "/usr/bin", "/usr/local/bin", "/sbin"] where !dirs.contains(extra) {
            dirs.append(extra)
        }
        for dir in dirs where !dir.isEmpty {
            let candidate = dir + "/nats-server"
            if fm.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw NATSServerError(
            "nats-server not found (searched $NATS_SERVER, PATH, /usr/sbin, /usr/bin, /usr/local/bin); "
                + "install it with `sudo apt-get install -y nats-server`")
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
        while !Self.reapIfExited(pid) {
            if ContinuousClock.now >= deadline {
                Glibc.kill(pid, SIGKILL)
                Self.reapBlocking(pid)
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
            Self.reapBlocking(pid)
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

    private func arguments() -> [String] {
        let (port, monitoringPort) = state.withLock { ($0.port, $0.monitoringPort) }
        var args = [
            "-a", "127.0.0.1",
            "-p", port.map(String.init) ?? "-1",
            "-m", monitoringPort.map(String.init) ?? "-1",
            "--server_name", serverName,
            "--ports_file_dir", directory,
        ]
        if options.jetStream {
            args += ["-js", "-sd", storeDirectory]
        }
        if let cluster = options.cluster {
            args += [
                "--cluster_name", cluster.name,
                "--cluster", "nats://127.0.0.1:\(cluster.port)",
                "--routes", cluster.routePorts.map { "nats://127.0.0.1:\($0)" }.joined(separator: ","),
            ]
        }
        return args + options.extraArguments
    }

    /// Spawns the process, reads its ports file, and (optionally) waits for /healthz.
    func launch(timeout: Duration, waitForHealth: Bool) async throws {
        let args = arguments()
        let executable = self.executable
        let logFile = self.logFile
        let pid = try await SpawnerThread.shared.perform {
            try Self.spawn(executable: executable, arguments: args, logFile: logFile)
        }
        let closed = state.withLock { state -> Bool in
            if state.closed { return true }
            state.pid = pid
            return false
        }
        if closed {
            Glibc.kill(pid, SIGKILL)
            Self.reapBlocking(pid)
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
            if let ports = Self.readPorts(portsFile) {
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

    private static func readPorts(_ file: String) -> (client: Int, monitoring: Int)? {
        guard let data = FileManager.default.contents(atPath: file),
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
            let nats = (object["nats"] as? [String])?.first,
            let monitoring = (object["monitoring"] as? [String])?.first,
            let client = lastPort(nats), let http = lastPort(monitoring)
        else { return nil }
        return (client, http)
    }

    private static func lastPort(_ url: String) -> Int? {
        url.split(separator: ":").last.flatMap { Int($0) }
    }

    private static var temporaryBase: String {
        ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
    }

    /// `"<pid> <start time>"` of a process (from /proc), which identifies it even if the pid is reused.
    private static func processIdentity(_ pid: pid_t) -> String? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after "(comm)": state is field 3, starttime is field 22.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19 else { return nil }
        return "\(pid) \(fields[19])"
    }

    /// Once per process: removes `meridian-nats-*` directories left by a launcher process that
    /// died without shutting down (its servers were killed with it by the parent-death signal).
    /// Only directories with an `owner` file naming a process that no longer exists are removed.
    private static let sweepStaleDirectories: Void = {
        let fm = FileManager.default
        let base = temporaryBase
        guard let names = try? fm.contentsOfDirectory(atPath: base) else { return }
        for name in names where name.hasPrefix("meridian-nats-") {
            let dir = base + "/" + name
            guard let owner = try? String(contentsOfFile: dir + "/owner", encoding: .utf8) else { continue }
            let parts = owner.split(separator: " ")
            guard parts.count == 2, let pid = pid_t(parts[0]) else { continue }
            if processIdentity(pid) != owner.trimmingCharacters(in: .whitespacesAndNewlines) {
                try? fm.removeItem(atPath: dir)
            }
        }
    }()

    private static func makeTemporaryDirectory() throws -> String {
        _ = sweepStaleDirectories
        let base = temporaryBase
        var template = Array("\(base)/meridian-nats-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard made != nil else {
            throw NATSServerError("cannot create a temporary directory under \(base): errno \(errno)")
        }
        let directory = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if let identity = processIdentity(getpid()) {
            try? identity.write(toFile: directory + "/owner", atomically: true, encoding: .utf8)
        }
        return directory
    }

    /// Spawns nats-server. Runs on ``SpawnerThread`` (a thread that lives as long as the
    /// process), so that `setpriv --pdeathsig KILL` ties the server's life to this process:
    /// if the test runner or `meridian demo` dies without shutting it down, the kernel kills
    /// the server instead of leaving an orphan. (Linux sends the parent-death signal when the
    /// spawning *thread* exits, hence the dedicated thread.) setpriv then execs nats-server,
    /// so the pid stays nats-server's own.
    private static func spawn(executable: String, arguments: [String], logFile: String) throws -> pid_t {
        let setpriv = "/usr/bin/setpriv"
        let usesSetpriv = FileManager.default.isExecutableFile(atPath: setpriv)
        let program = usesSetpriv ? setpriv : executable
        let argvStrings = (usesSetpriv ? [setpriv, "--pdeathsig", "KILL", "--"] : []) + [executable] + arguments
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logFile, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Close every other inherited descriptor (glibc >= 2.34; not exported to Swift, so looked up).
        if let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
            typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32
            _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv: [UnsafeMutablePointer<CChar>?] = argvStrings.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        if usesSetpriv && !FileManager.default.isExecutableFile(atPath: executable) {
            throw NATSServerError("cannot start \(executable): No such file or directory")
        }
        let status = posix_spawn(&pid, program, &actions, &attributes, argv, environ)
        guard status == 0 else {
            throw NATSServerError("cannot start \(executable): \(String(cString: strerror(status)))")
        }
        return pid
    }

    /// Reaps `pid` if it has exited; true if it is gone.
    private static func reapIfExited(_ pid: pid_t) -> Bool {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid { return true }
        if result == -1 && errno == ECHILD { return true }
        return false
    }

    private static func reapBlocking(_ pid: pid_t) {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    }
}

// MARK: - Spawner thread

/// One thread that never exits, on which every nats-server is spawned (see `NATSServer.spawn`).
private final class SpawnerThread: @unchecked Sendable {
    static let shared = SpawnerThread()

    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []  // guarded by `condition`

    private init() {
        let thread = Thread { [self] in self.run() }
        thread.name = "meridian.nats-server-spawner"
        thread.start()
    }

    private func run() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }

    /// Runs `body` on the spawner thread and returns its result.
    func perform<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            condition.lock()
            jobs.append { continuation.resume(with: Result { try body() }) }
            condition.signal()
            condition.unlock()
        }
    }
}

// MARK: - Cluster

/// A 3-node (by default) nats-server cluster on loopback: routes between every
/// node, JetStream on each, distinct `server_name`s (`<name>-1`, `<name>-2`, ...)
/// and one cluster name. ``start(name:size:timeout:)`` returns once every node is
/// healthy and all agree on a JetStream meta leader.
///
/// Route ports must be known before any node starts (each node lists all routes),
/// so they are reserved by binding 127.0.0.1:0 and released just before launch;
/// if another process takes one in that window, the whole start is retried with
/// fresh ports (up to 3 times). Client and monitoring ports are picked by nats-server.
public final class NATSCluster: Sendable {
    /// The cluster name.
    public let name: String
    /// The nodes, in start order.
    public let nodes: [NATSServer]

    /// Client URLs of all nodes (a server list for a client).
    public var urls: [String] { nodes.map(\.url) }

    private init(name: String, nodes: [NATSServer]) {
        self.name = name
        self.nodes = nodes
    }

    deinit {
        shutdown()
    }

    /// Starts `size` nodes and waits for a healthy cluster with a JetStream meta leader.
    ///
    /// - Parameters:
    ///   - name: the cluster name; nodes are named `<name>-1` ... `<name>-<size>`.
    ///   - size: number of nodes (3 for R3 streams).
    ///   - timeout: deadline for each attempt.
    /// - Throws: ``NATSServerError`` if the cluster does not form in time.
    public static func start(name: String = "meridian", size: Int = 3, timeout: Duration = .seconds(30)) async throws -> NATSCluster {
        let executable = try NATSServer.findExecutable()
        var lastError: (any Error)?
        for _ in 0..<3 {
            let routePorts = try LoopbackProbe.reservePorts(size)
            var nodes: [NATSServer] = []
            do {
                for index in 0..<size {
                    let options = NATSServer.Options(
                        serverName: "\(name)-\(index + 1)",
                        cluster: .init(name: name, port: routePorts[index], routePorts: routePorts),
                        executable: executable)
                    nodes.append(try await NATSServer.start(options, timeout: timeout))
                }
                let cluster = NATSCluster(name: name, nodes: nodes)
                try await cluster.waitUntilHealthy(timeout: timeout)
                return cluster
            } catch {
                for node in nodes { node.shutdown() }
                lastError = error
                // Retry only when a route port was taken between reservation and launch.
                guard "\(error)".contains("address already in use") else { throw error }
            }
        }
        throw lastError ?? NATSServerError("cluster \(name) did not start")
    }

    /// The node with the given `server_name`.
    public func node(named serverName: String) -> NATSServer? {
        nodes.first { $0.serverName == serverName }
    }

    /// The running nodes.
    public var runningNodes: [NATSServer] { nodes.filter(\.isRunning) }

    /// The JetStream meta leader's `server_name` if all running nodes agree on one right now
    /// and each of them counts every node of the cluster in the meta group (`cluster_size`).
    public func metaLeader() -> String? {
        var leader: String?
        for node in runningNodes {
            guard let jsz = node.monitorJSON("/jsz"),
                let meta = jsz["meta_cluster"] as? [String: Any],
                let name = meta["leader"] as? String, !name.isEmpty,
                meta["cluster_size"] as? Int == nodes.count
            else { return nil }
            if let known = leader, known != name { return nil }
            leader = name
        }
        return leader
    }

    /// Whether every running node has a route to every other running node (`/routez`).
    public func isFullyRouted() -> Bool {
        let running = runningNodes
        return running.allSatisfy { $0.monitorJSON("/routez")?["num_routes"] as? Int == running.count - 1 }
    }

    /// Waits until every running node answers `/healthz` 200, is routed to every other running
    /// node, and all agree on a meta leader (one of the running nodes) in a meta group of
    /// every node. Returns the meta leader's name.
    ///
    /// - Throws: ``NATSServerError`` if the deadline passes.
    @discardableResult
    public func waitUntilHealthy(timeout: Duration = .seconds(30)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while true {
            let running = runningNodes
            let leader = await offCooperativePool { () -> String? in
                guard running.allSatisfy({ $0.isHealthy() }), self.isFullyRouted(), let leader = self.metaLeader(),
                      running.contains(where: { $0.serverName == leader })
                else { return nil }
                return leader
            }
            if let leader { return leader }
            if ContinuousClock.now >= deadline {
                let tails = nodes.map { "[\($0.serverName)] running=\($0.isRunning)\n\($0.logTail(lines: 8))" }
                throw NATSServerError(
                    "cluster \(name) not healthy with a meta leader within \(timeout)",
                    logTail: tails.joined(separator: "\n"))
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// The `server_name` of the leader of `stream` (account `$G` by default) right now,
    /// as reported by the node that leads it (`/jsz?accounts=true&streams=true`).
    public func streamLeaderName(_ stream: String, account: String = "$G") -> String? {
        for node in runningNodes {
            guard let jsz = node.monitorJSON("/jsz?accounts=true&streams=true"),
                let accounts = jsz["account_details"] as? [[String: Any]]
            else { continue }
            for detail in accounts where (detail["name"] as? String) == account {
                for streamDetail in detail["stream_detail"] as? [[String: Any]] ?? []
                where (streamDetail["name"] as? String) == stream {
                    let cluster = streamDetail["cluster"] as? [String: Any]
                    if let leader = cluster?["leader"] as? String, leader == node.serverName {
                        return leader
                    }
                }
            }
        }
        return nil
    }

    /// Waits until some running node reports itself as the leader of `stream` and returns that node.
    ///
    /// - Throws: ``NATSServerError`` if no leader is found before the deadline.
    public func streamLeader(_ stream: String, account: String = "$G", timeout: Duration = .seconds(15)) async throws -> NATSServer {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let name = await offCooperativePool({ self.streamLeaderName(stream, account: account) }),
               let node = node(named: name) {
                return node
            }
            if ContinuousClock.now >= deadline {
                throw NATSServerError("no leader for stream \(stream) within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Stops one node with SIGKILL (a crash), by its pid, and reaps it.
    public func kill(_ node: NATSServer) async {
        await node.stop(.kill)
    }

    /// Restarts a stopped node on its ports and store, then waits until the cluster is healthy again.
    public func restart(_ node: NATSServer, timeout: Duration = .seconds(30)) async throws {
        try await node.restart(timeout: timeout)
        try await waitUntilHealthy(timeout: timeout)
    }

    /// Shuts every node down (SIGKILL by pid, reap, remove temporary directories). Idempotent.
    public func shutdown() {
        for node in nodes { node.shutdown() }
    }
}

// MARK: - Loopback probes

/// Small blocking loopback helpers (HTTP GET, NATS INFO, port reservation), bounded by timeouts.
public enum LoopbackProbe {
    /// A minimal HTTP response.
    public struct HTTPResponse: Sendable {
        /// The status code, e.g. 200.
        public var status: Int
        /// The body as text.
        public var body: String
    }

    /// GETs `path` from `http://127.0.0.1:port` (HTTP/1.0, connection closed by the server).
    /// Returns nil if the connection fails or nothing parseable arrives within `timeout`.
    public static func httpGet(port: Int, path: String, timeout: Duration = .seconds(2)) -> HTTPResponse? {
        guard let fd = connect(port: port, timeout: timeout) else { return nil }
        defer { close(fd) }
        let request = "GET \(path) HTTP/1.0\r\nHost: 127.0.0.1:\(port)\r\n\r\n"
        guard sendAll(fd, Array(request.utf8)) else { return nil }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { data += buffer[0..<n] } else if n == -1 && errno == EINTR { continue } else { break }
        }
        let text = String(decoding: data, as: UTF8.self)
        guard let headerEnd = text.range(of: "\r\n\r\n") else { return nil }
        let statusLine = text[..<headerEnd.lowerBound].split(separator: "\r\n").first ?? ""
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { return nil }
        return HTTPResponse(status: status, body: String(text[headerEnd.upperBound...]))
    }

    /// Connects to the NATS client port and returns the server's first protocol line
    /// (`INFO {...}`), or nil if nothing answers within `timeout`.
    public static func natsInfo(port: Int, timeout: Duration = .seconds(2)) -> String? {
        guard let fd = connect(port: port, timeout: timeout) else { return nil }
        defer { close(fd) }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !data.contains(UInt8(ascii: "\n")) {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { data += buffer[0..<n] } else if n == -1 && errno == EINTR { continue } else { break }
        }
        guard let newline = data.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        return String(decoding: data[..<newline], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Speaks raw NATS protocol: connects to 127.0.0.1:`port`, sends `CONNECT {...}` and `commands`
    /// (e.g. `"SUB _INBOX.x 1\r\nPUB subj _INBOX.x 2\r\nhi\r\n"`), then reads until the text
    /// received contains `until` or `timeout` passes. Returns everything received (INFO line included).
    ///
    /// For launcher tests that must not depend on the Swift client.
    public static func natsExchange(port: Int, commands: String, until: String, timeout: Duration = .seconds(5)) -> String {
        guard let fd = connect(port: port, timeout: .milliseconds(200)) else { return "" }
        defer { close(fd) }
        let connect = "CONNECT {\"verbose\":false,\"pedantic\":false,\"headers\":true,\"protocol\":1}\r\n"
        guard sendAll(fd, Array((connect + commands).utf8)) else { return "" }
        let deadline = ContinuousClock.now + timeout
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        while ContinuousClock.now < deadline {
            if String(decoding: data, as: UTF8.self).contains(until) { break }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                data += buffer[0..<n]
            } else if n == -1 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) {
                continue
            } else {
                break
            }
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    public static func isListening(port: Int, timeout: Duration = .seconds(1)) -> Bool {
        guard let fd = connect(port: port, timeout: timeout) else { return false }
        close(fd)
        return true
    }

    /// Reserves `count` distinct free loopback ports by binding 127.0.0.1:0, then releases them.
    /// Another process may take one before it is used; callers must handle a failed bind.
    public static func reservePorts(_ count: Int) throws -> [Int] {
        var fds: [Int32] = []
        defer { for fd in fds { close(fd) } }
        var ports: [Int] = []
        for _ in 0..<count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw NATSServerError("socket() failed: errno \(errno)") }
            fds.append(fd)
            var address = loopbackAddress(port: 0)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard bound == 0 else { throw NATSServerError("bind(127.0.0.1:0) failed: errno \(errno)") }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let named = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            guard named == 0 else { throw NATSServerError("getsockname failed: errno \(errno)") }
            ports.append(Int(UInt16(bigEndian: address.sin_port)))
        }
        return ports
    }

    private static func loopbackAddress(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        return address
    }

    private static func connect(port: Int, timeout: Duration) -> Int32? {
        guard port > 0 && port < 65536 else { return nil }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        let (seconds, attoseconds) = timeout.components
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        if tv.tv_sec == 0 && tv.tv_usec == 0 { tv.tv_usec = 1000 }
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var address = loopbackAddress(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(fd)
            return nil
        }
        return fd
    }

    private static func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n > 0 { offset += n } else if n == -1 && errno == EINTR { continue } else { return false }
        }
        return true
    }
}

/// Runs blocking work (loopback HTTP probes of the monitoring port) on a thread of its own:
/// Swift's cooperative pool has one thread per core (two on CI), and a probe that waits for
/// a busy server would stall every other test for that long.
func offCooperativePool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: body()) }
        thread.start()
    }
}
