import Foundation

import Glibc

/// Starting and reaping the launcher's child processes, by pid.
enum ChildProcess {
    /// Spawns `executable` on the spawner thread (see `spawn`), output appended to `logFile`.
    static func spawnOnSpawnerThread(executable: String, arguments: [String], logFile: String) async throws -> pid_t {
        try await SpawnerThread.shared.perform {
            try spawn(executable: executable, arguments: arguments, logFile: logFile)
        }
    }

    /// Spawns nats-server. Runs on `SpawnerThread` (a thread that lives as long as the
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
    static func reapIfExited(_ pid: pid_t) -> Bool {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid { return true }
        if result == -1 && errno == ECHILD { return true }
        return false
    }

    /// Waits for `pid` to exit and reaps it.
    static func reapBlocking(_ pid: pid_t) {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    }
}

// MARK: - Spawner thread

/// One thread that never exits, on which every nats-server is spawned (see `ChildProcess.spawn`).
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
