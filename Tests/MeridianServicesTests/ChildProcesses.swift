import Foundation
import MeridianTesting
import NATSServerLauncher
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `meridian` commands run as child processes of a test, each with its output in a file of
/// `directory`; stopped by pid (SIGKILL for a crash, SIGTERM at the end).
final class MeridianProcesses: Sendable {
    let binary: String
    let directory: String
    private let running = Mutex<[String: Process]>([:])

    struct NotFound: Error, CustomStringConvertible {
        var description: String
    }

    /// The built `meridian` executable (see `MeridianCLI.binary`).
    static func findBinary() throws -> String {
        guard FileManager.default.isExecutableFile(atPath: MeridianCLI.binary) else {
            throw NotFound(description: "no built meridian executable at \(MeridianCLI.binary); run `swift build` or set MERIDIAN_BIN")
        }
        return MeridianCLI.binary
    }

    init(directory: String) throws {
        binary = try Self.findBinary()
        self.directory = directory
    }

    /// Writes a file into the directory and returns its path.
    func write(_ name: String, _ text: String) throws -> String {
        let path = directory + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Starts `meridian <arguments>`; standard output goes to `<name>.out`, standard error to `<name>.err`.
    @discardableResult
    func start(_ name: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let out = directory + "/\(name).out", err = directory + "/\(name).err"
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: out)
        process.standardError = FileHandle(forWritingAtPath: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        running.withLock { $0[name] = process }
        return process.processIdentifier
    }

    /// Whether the process is still running.
    func isRunning(_ name: String) -> Bool {
        running.withLock { $0[name]?.isRunning ?? false }
    }

    /// Sends `signal` to the process by its pid and waits (bounded) until it has exited.
    func stop(_ name: String, signal: Int32 = SIGKILL) async {
        guard let process = running.withLock({ $0.removeValue(forKey: name) }) else { return }
        let pid = process.processIdentifier
        if process.isRunning { kill(pid, signal) }
        let deadline = ContinuousClock.now + .seconds(10)
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// Stops every process still running (SIGTERM: graceful).
    func stopAll() async {
        for name in running.withLock({ Array($0.keys) }) {
            await stop(name, signal: SIGTERM)
        }
    }

    /// The text a process wrote to its standard error so far (for failure messages).
    func errors(_ name: String) -> String {
        (try? String(contentsOfFile: directory + "/\(name).err", encoding: .utf8)) ?? ""
    }

    /// The lines a process wrote to standard output.
    func outputLines(_ name: String) -> [String] {
        ((try? String(contentsOfFile: directory + "/\(name).out", encoding: .utf8)) ?? "")
            .split(separator: "\n").map(String.init)
    }
}
